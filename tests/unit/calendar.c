/* lib/calendar against the published England & Wales bank holidays, and the fast working-day
 * arithmetic against a day-by-day walk over every start date of several years. */
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "buf.h"
#include "calendar.h"
#include "diag.h"
#include "doc.h"

/* GOV.UK's England and Wales list (https://www.gov.uk/bank-holidays), copied by hand so that
 * nothing here is derived from the code under test. */
static const char *const published[][11] = {
    {"2018-01-01", "2018-03-30", "2018-04-02", "2018-05-07", "2018-05-28", "2018-08-27",
     "2018-12-25", "2018-12-26"},
    {"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26",
     "2019-12-25", "2019-12-26"},
    {"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31",
     "2020-12-25", "2020-12-28"},
    {"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30",
     "2021-12-27", "2021-12-28"},
    {"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03",
     "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"},
    {"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29",
     "2023-08-28", "2023-12-25", "2023-12-26"},
    {"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
     "2024-12-25", "2024-12-26"},
    {"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
     "2025-12-25", "2025-12-26"},
    {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
     "2026-12-25", "2026-12-28"},
    {"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
     "2027-12-27", "2027-12-28"},
    {"2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
     "2028-12-25", "2028-12-26"},
};
#define PUBLISHED_FIRST 2018
#define PUBLISHED_YEARS ((int)(sizeof(published) / sizeof(published[0])))

static cf_date D(const char *s)
{
	cf_date d = CF_DATE_NONE;
	if (cf_date_parse(&d, s) != 0) {
		printf("# bad date literal in the test: %s\n", s);
		exit(2);
	}
	return d;
}

static char *fmt(char buf[11], cf_date d)
{
	cf_date_format(buf, d);
	return buf;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	cf_buf b = CF_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cf_buf_put(&b, chunk, n);
	int err = ferror(f);
	fclose(f);
	*len = b.len;
	if (err || cf_buf_oom(&b)) {
		cf_buf_free(&b);
		return NULL;
	}
	return cf_buf_detach(&b);
}

/* Parses and applies YAML text; returns cf_calendar_apply's result (or -2 when the text is
 * not YAML at all). */
static int apply_text(cf_calendar *cal, const char *name, const char *text, cf_diags *diags)
{
	cf_arena *arena = NULL;
	cf_doc *doc = NULL;
	if (cf_arena_new(&arena, 0))
		return -2;
	int rc = -2;
	if (cf_doc_parse_yaml(&doc, arena, name, text, strlen(text), NULL, diags) == 0 && doc)
		rc = cf_calendar_apply(cal, doc, diags);
	cf_arena_free(arena);
	return rc;
}

static void print_diags(const cf_diags *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		cf_buf b = CF_BUF_INIT;
		cf_diag_format_text(&b, &diags->items[i]);
		printf("# %s", cf_buf_cstr(&b));
		cf_buf_free(&b);
	}
}

static cf_calendar *load_real_calendar(void)
{
	cf_buf path = CF_BUF_INIT;
	cf_buf_printf(&path, "%s/schemas/calendar/england-and-wales.yaml", tap_srcdir());
	size_t len = 0;
	char *text = read_file(cf_buf_cstr(&path), &len);
	cf_calendar *cal = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	int rc = -1;
	if (text && cf_calendar_new(&cal) == 0) {
		rc = apply_text(cal, cf_buf_cstr(&path), text, &diags);
		print_diags(&diags);
	}
	ok(text != NULL, "read schemas/calendar/england-and-wales.yaml");
	is_int(rc, 0, "the shipped calendar file applies cleanly");
	is_int(diags.len, 0, "with no diagnostics");
	free(text);
	cf_buf_free(&path);
	cf_diags_free(&diags);
	if (rc != 0) {
		cf_calendar_free(cal);
		return NULL;
	}
	return cal;
}

static void test_dates(void)
{
	cf_date d = 12345;
	char buf[11];

	ok(cf_date_parse(&d, "1970-01-01") == 0 && d == 0, "1970-01-01 is day 0");
	ok(cf_date_parse(&d, "1969-12-31") == 0 && d == -1, "1969-12-31 is day -1");
	ok(cf_date_parse(&d, "2000-03-01") == 0 && d == 11017, "2000-03-01 is day 11017");
	ok(cf_date_parse(&d, "2024-02-29") == 0, "2024-02-29 (leap year) parses");
	ok(cf_date_parse(&d, "2000-02-29") == 0, "2000-02-29 (400-year leap) parses");
	ok(cf_date_parse(&d, "0001-01-01") == 0 && cf_date_weekday(d) == 0,
	   "0001-01-01 parses and is a Monday");
	ok(cf_date_parse(&d, "9999-12-31") == 0, "9999-12-31 parses");
	is_str(fmt(buf, d), "9999-12-31", "9999-12-31 formats back");

	static const char *const bad[] = {
	    "2025-02-29", "1900-02-29",	  "2026-02-30",	   "2026-04-31",
	    "2026-13-01", "2026-00-10",	  "2026-01-00",	   "2026-01-32",
	    "0000-01-01", "2026-1-01",	  "2026-01-1",	   "26-01-01",
	    "2026/01/01", "2026-01-01 ",  " 2026-01-01",   "2026-01-01T00:00",
	    "20260101",	  "2026-01-0a",	  "+026-01-01",	   "2026--1-01",
	    "",		  "2026-01-01\n", "１２３４-01-01"};
	int all = 1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 777;
		if (cf_date_parse(&d, bad[i]) == 0 || d != 777) {
			printf("# accepted or clobbered: '%s'\n", bad[i]);
			all = 0;
		}
	}
	ok(all, "invalid dates are refused and leave *out alone");
	ok(cf_date_parse(&d, NULL) == -1, "NULL is refused");

	ok(cf_date_from_ymd(&d, 2024, 2, 29) == 0, "from_ymd 2024-02-29");
	ok(cf_date_from_ymd(&d, 2023, 2, 29) == -1, "from_ymd 2023-02-29 refused");
	ok(cf_date_from_ymd(&d, 10000, 1, 1) == -1, "from_ymd year 10000 refused");

	/* Every day from 1600 to 2400 round-trips and steps by one. */
	cf_date first = D("1600-01-01"), last = D("2400-12-31");
	int round = 1, wd = cf_date_weekday(first);
	for (cf_date x = first; x <= last && round; x++) {
		int y, m, dd;
		cf_date back;
		cf_date_to_ymd(x, &y, &m, &dd);
		if (cf_date_from_ymd(&back, y, m, dd) || back != x || cf_date_weekday(x) != wd) {
			printf("# round trip failed at %d\n", (int)x);
			round = 0;
		}
		cf_date_format(buf, x);
		if (cf_date_parse(&back, buf) || back != x) {
			printf("# format/parse failed at %s\n", buf);
			round = 0;
		}
		wd = (wd + 1) % 7;
	}
	ok(round, "1600..2400: ymd, format and parse round-trip; weekdays cycle");

	is_int(cf_date_weekday(D("2026-11-23")), 0, "2026-11-23 is a Monday");
	is_int(cf_date_weekday(D("1970-01-01")), 3, "1970-01-01 was a Thursday");
	is_int(cf_date_weekday(D("1969-12-28")), 6, "1969-12-28 was a Sunday");
	is_int(cf_days_in_month(2024, 2), 29, "February 2024 has 29 days");
	is_int(cf_days_in_month(2100, 2), 28, "February 2100 has 28 days");
	is_int(cf_days_in_month(2026, 4), 30, "April has 30 days");
	is_int(cf_days_in_month(2026, 13), 0, "month 13 has none");
}

static void test_add_months(void)
{
	char buf[11];
	static const struct {
		const char *from;
		int months;
		const char *want;
	} cases[] = {
	    {"2026-01-31", 1, "2026-02-28"},  {"2024-01-31", 1, "2024-02-29"},
	    {"2026-01-31", 2, "2026-03-31"},  {"2026-03-31", 1, "2026-04-30"},
	    {"2026-03-31", -1, "2026-02-28"}, {"2024-02-29", 12, "2025-02-28"},
	    {"2024-02-29", 48, "2028-02-29"}, {"2026-04-01", 6, "2026-10-01"},
	    {"2026-08-31", 6, "2027-02-28"},  {"2026-11-15", 2, "2027-01-15"},
	    {"2026-01-15", -1, "2025-12-15"}, {"2026-01-15", -13, "2024-12-15"},
	    {"2026-05-17", 0, "2026-05-17"},  {"2026-12-31", 1200, "2126-12-31"},
	    {"2026-10-31", -8, "2026-02-28"}, {"0001-03-31", -1, "0001-02-28"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s %+d months = %s", cases[i].from, cases[i].months,
			 cases[i].want);
		is_str(fmt(buf, cf_date_add_months(D(cases[i].from), cases[i].months)),
		       cases[i].want, name);
	}
	ok(cf_date_add_months(D("0001-01-15"), -1) == CF_DATE_NONE, "before year 1 is NONE");
	ok(cf_date_add_months(D("9999-12-15"), 1) == CF_DATE_NONE, "after 9999 is NONE");
	ok(cf_date_add_months(CF_DATE_NONE, 1) == CF_DATE_NONE, "NONE stays NONE");
}

static int same_year(const cf_calendar *cal, int year, const char *const *want, size_t nwant)
{
	cf_holiday *got = NULL;
	size_t n = 0;
	if (cf_calendar_holidays(cal, year, &got, &n)) {
		printf("# cf_calendar_holidays(%d) failed\n", year);
		return 0;
	}
	int same = n == nwant;
	for (size_t i = 0; i < n && i < nwant; i++) {
		char buf[11];
		if (strcmp(fmt(buf, got[i].date), want[i]) != 0)
			same = 0;
	}
	if (!same) {
		for (size_t i = 0; i < n; i++) {
			char buf[11];
			printf("#   got  %s  %s\n", fmt(buf, got[i].date), got[i].title);
		}
		for (size_t i = 0; i < nwant; i++)
			printf("#   want %s\n", want[i]);
	}
	free(got);
	return same;
}

static void test_published(const cf_calendar *cal)
{
	for (int y = 0; y < PUBLISHED_YEARS; y++) {
		size_t n = 0;
		while (n < 11 && published[y][n])
			n++;
		char name[64];
		snprintf(name, sizeof(name), "%d: the published bank holidays, exactly",
			 PUBLISHED_FIRST + y);
		ok(same_year(cal, PUBLISHED_FIRST + y, published[y], n), name);
	}

	/* Every day of the published years: a working day exactly when a weekday not listed. */
	int all = 1;
	for (cf_date d = D("2018-01-01"); d <= D("2028-12-31"); d++) {
		char buf[11];
		int y;
		cf_date_to_ymd(d, &y, NULL, NULL);
		const char *const *list = published[y - PUBLISHED_FIRST];
		int listed = 0;
		for (size_t i = 0; i < 11 && list[i]; i++)
			listed |= strcmp(list[i], fmt(buf, d)) == 0;
		int want = cf_date_weekday(d) < 5 && !listed;
		if (cf_calendar_is_working_day(cal, d) != want ||
		    (cf_calendar_holiday_title(cal, d) != NULL) != listed) {
			printf("# wrong at %s\n", fmt(buf, d));
			all = 0;
		}
	}
	ok(all, "2018..2028: is_working_day and holiday_title agree with the published list");

	/* Titles as GOV.UK gives them (with its "Substitute day" note in the title). */
	static const char *const titles2022[][2] = {
	    {"2022-01-03", "New Year's Day (substitute day)"},
	    {"2022-04-15", "Good Friday"},
	    {"2022-04-18", "Easter Monday"},
	    {"2022-05-02", "Early May bank holiday"},
	    {"2022-06-02", "Spring bank holiday"},
	    {"2022-06-03", "Platinum Jubilee bank holiday"},
	    {"2022-08-29", "Summer bank holiday"},
	    {"2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II"},
	    {"2022-12-26", "Boxing Day"},
	    {"2022-12-27", "Christmas Day (substitute day)"},
	};
	cf_holiday *h = NULL;
	size_t n = 0;
	ok(cf_calendar_holidays(cal, 2022, &h, &n) == 0 && n == 10, "2022 has ten holidays");
	for (size_t i = 0; i < n && i < 10; i++) {
		char buf[11];
		char name[96];
		snprintf(name, sizeof(name), "2022 title: %s %s", titles2022[i][0],
			 titles2022[i][1]);
		ok(strcmp(fmt(buf, h[i].date), titles2022[i][0]) == 0 &&
		       strcmp(h[i].title, titles2022[i][1]) == 0,
		   name);
	}
	free(h);
	is_str(cf_calendar_holiday_title(cal, D("2020-05-08")), "Early May bank holiday (VE day)",
	       "2020-05-08 title");
	is_str(cf_calendar_holiday_title(cal, D("2020-12-28")), "Boxing Day (substitute day)",
	       "2020-12-28 title (Boxing Day on a Saturday)");
	is_str(cf_calendar_holiday_title(cal, D("2021-12-27")), "Christmas Day (substitute day)",
	       "2021-12-27 title (Christmas on a Saturday)");
	is_str(cf_calendar_holiday_title(cal, D("2021-12-28")), "Boxing Day (substitute day)",
	       "2021-12-28 title");
	is_str(cf_calendar_holiday_title(cal, D("2023-05-08")),
	       "Bank holiday for the coronation of King Charles III", "2023-05-08 title");
	ok(cf_calendar_holiday_title(cal, D("2020-05-04")) == NULL,
	   "2020-05-04 is no longer a holiday");

	/* The one-offs before 2018. */
	static const struct {
		const char *date;
		int holiday;
	} past[] = {
	    {"1981-07-29", 1}, {"1995-05-01", 0}, {"1995-05-08", 1}, {"1999-12-31", 1},
	    {"2000-01-03", 1}, {"2002-05-27", 0}, {"2002-06-03", 1}, {"2002-06-04", 1},
	    {"2011-04-29", 1}, {"2012-05-28", 0}, {"2012-06-04", 1}, {"2012-06-05", 1},
	    {"2016-12-27", 1}, {"2017-01-02", 1},
	};
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s is %sa holiday", past[i].date,
			 past[i].holiday ? "" : "not ");
		is_int(cf_calendar_holiday_title(cal, D(past[i].date)) != NULL, past[i].holiday,
		       name);
	}

	/* Easter at its extremes: 22 March (2285) and 25 April (2038, 1943). */
	is_str(cf_calendar_holiday_title(cal, D("2285-03-23")), "Easter Monday",
	       "Easter Monday 2285-03-23 (earliest Easter)");
	is_str(cf_calendar_holiday_title(cal, D("2038-04-26")), "Easter Monday",
	       "Easter Monday 2038-04-26 (latest Easter)");
	is_str(cf_calendar_holiday_title(cal, D("2000-04-21")), "Good Friday",
	       "Good Friday 2000-04-21");
	is_str(cf_calendar_holiday_title(cal, D("1818-03-20")), "Good Friday",
	       "Good Friday 1818-03-20 (outside the cache)");
	ok(cf_calendar_holidays(cal, 0, &h, &n) == -1 && h == NULL && n == 0,
	   "holidays of year 0 refused");
	ok(cf_calendar_holidays(cal, 9999, &h, &n) == 0 && n == 8, "holidays of 9999");
	free(h);
}

static int naive_between(const cf_calendar *cal, cf_date from, cf_date to)
{
	int n = 0;
	for (cf_date d = from + 1; d <= to; d++)
		n += cf_calendar_is_working_day(cal, d);
	for (cf_date d = to + 1; d <= from; d++)
		n -= cf_calendar_is_working_day(cal, d);
	return n;
}

#define MAX_N 300
#define MAX_DELTA 400

/* Every start date in [first, last] against a day-by-day walk from it: the walk records the
 * kth working day either side and the running count, and every n and every delta is
 * compared. */
static void brute_force(const cf_calendar *cal, const char *first, const char *last,
			const char *what)
{
	char name[128], a[11], b[11];
	int add_ok = 1, between_ok = 1, inverse_ok = 1;
	static const int dir[2] = {1, -1};
	for (cf_date s = D(first); s <= D(last); s++) {
		int ws = cf_calendar_is_working_day(cal, s);
		for (int k = 0; k < 2; k++) {
			/* walk[n]: the nth working day after (or before) s. */
			cf_date walk[MAX_N + 1], d = s;
			walk[0] = s;
			for (int n = 1; n <= MAX_N; n++) {
				do
					d += dir[k];
				while (!cf_calendar_is_working_day(cal, d));
				walk[n] = d;
			}
			for (int n = 0; n <= MAX_N && add_ok && inverse_ok; n++) {
				cf_date got = cf_calendar_add_working_days(cal, s, dir[k] * n);
				if (got != walk[n]) {
					printf("# add %s %+d: got %s want %s\n", fmt(a, s),
					       dir[k] * n, fmt(b, got), fmt(a, walk[n]));
					add_ok = 0;
				}
				/* Backwards the count takes in s and leaves out walk[n]. */
				int want = k && n ? -(n - 1 + ws) : dir[k] * n;
				if (cf_calendar_working_days_between(cal, s, walk[n]) != want) {
					printf("# between %s and %s is not %d\n", fmt(a, s),
					       fmt(b, walk[n]), want);
					inverse_ok = 0;
				}
			}
			/* The running count over every calendar day either side. */
			int count = 0;
			for (int delta = 1; delta <= MAX_DELTA && between_ok; delta++) {
				cf_date to = s + dir[k] * delta;
				count += dir[k] * cf_calendar_is_working_day(cal, k ? to + 1 : to);
				int got = cf_calendar_working_days_between(cal, s, to);
				if (got != count) {
					printf("# between %s and %s: got %d want %d\n", fmt(a, s),
					       fmt(b, to), got, count);
					between_ok = 0;
				}
			}
		}
	}
	snprintf(name, sizeof(name), "%s: add_working_days -300..300 matches a day-by-day walk",
		 what);
	ok(add_ok, name);
	snprintf(name, sizeof(name), "%s: working_days_between inverts add_working_days", what);
	ok(inverse_ok, name);
	snprintf(name, sizeof(name), "%s: working_days_between -400..400 days matches a walk",
		 what);
	ok(between_ok, name);
}

static void test_working_days(const cf_calendar *cal)
{
	char buf[11];
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-12-23"), 3)), "2026-12-30",
	       "3 working days after 2026-12-23 is 2026-12-30");
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-12-24"), 1)), "2026-12-29",
	       "1 working day after Christmas Eve 2026 is 2026-12-29");
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-12-29"), -1)), "2026-12-24",
	       "1 working day before 2026-12-29 is Christmas Eve");
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-12-26"), 0)), "2026-12-26",
	       "n=0 is the date itself, even on a holiday weekend");
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-03-13"), 15)), "2026-04-07",
	       "15 working days after 2026-03-13 skips Easter");
	is_int(cf_calendar_working_days_between(cal, D("2026-12-23"), D("2026-12-30")), 3,
	       "working days after 2026-12-23 up to 2026-12-30");
	is_int(cf_calendar_working_days_between(cal, D("2026-12-30"), D("2026-12-23")), -3,
	       "and backwards is negative");
	is_int(cf_calendar_working_days_between(cal, D("2026-01-01"), D("2026-01-01")), 0,
	       "the same day is 0");
	is_int(cf_calendar_working_days_between(cal, D("2025-12-31"), D("2026-12-31")), 253,
	       "2026 has 253 working days");
	is_int(cf_calendar_working_days_between(cal, D("2021-12-31"), D("2022-12-31")), 250,
	       "2022 has 250 working days");
	ok(cf_calendar_add_working_days(cal, D("9999-12-30"), 5) == CF_DATE_NONE,
	   "past 9999 is NONE");
	ok(cf_calendar_add_working_days(cal, CF_DATE_NONE, 5) == CF_DATE_NONE, "NONE stays NONE");
	is_int(cf_calendar_working_days_between(cal, D("0001-01-01"), D("9999-12-31")),
	       naive_between(cal, D("0001-01-01"), D("9999-12-31")),
	       "years 1..9999 counted at once equal the day-by-day count");

	brute_force(cal, "2018-01-01", "2030-12-31", "2018..2030");
	brute_force(cal, "1899-03-01", "1901-02-28", "around the cache's first year");
	brute_force(cal, "2198-11-01", "2200-02-28", "around the cache's last year");
}

static void test_changes_and_closures(void)
{
	cf_calendar *cal = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	char buf[11], text[512];
	if (cf_calendar_new(&cal)) {
		ok(0, "cf_calendar_new");
		return;
	}
	/* One-offs outside the cached years take the slow path: remove New Year's Day 2205 and
	 * add a day in 1850. */
	cf_holiday *h = NULL;
	size_t n = 0;
	cf_calendar_holidays(cal, 2205, &h, &n);
	snprintf(text, sizeof(text),
		 "changes:\n"
		 "  - removed: %s\n"
		 "  - added: 1850-06-04\n"
		 "    title: Test day\n"
		 "  - moved: 2026-05-25\n"
		 "    to: 2026-05-26\n",
		 n ? fmt(buf, h[0].date) : "2205-01-01");
	free(h);
	is_int(apply_text(cal, "test.yaml", text, &diags), 0, "a file with removed, added, moved");
	print_diags(&diags);
	is_str(cf_calendar_holiday_title(cal, D("1850-06-04")), "Test day", "added in 1850");
	is_str(cf_calendar_holiday_title(cal, D("2026-05-26")), "Spring bank holiday",
	       "a moved holiday keeps its title when none is given");
	ok(cf_calendar_is_working_day(cal, D("2026-05-25")), "and its old date is a working day");

	cf_calendar_add_closure(cal, D("2026-12-29"), "Office closed");
	cf_calendar_add_closure(cal, D("2026-12-30"), "Office closed");
	cf_calendar_add_closure(cal, D("2026-12-31"), "Office closed");
	cf_calendar_add_closure(cal, D("2026-12-25"), "Closure on a holiday");
	cf_calendar_add_closure(cal, D("2026-12-26"), "Closure on a Saturday");
	cf_calendar_add_closure(cal, D("2026-12-31"), "Second closure, same day");
	cf_calendar_add_closure(cal, D("1850-06-05"), "Old closure");
	cf_calendar_add_closure(cal, D("2204-03-03"), "Future closure");
	ok(cf_calendar_add_closure(cal, CF_DATE_NONE, "x") == -1, "a closure on NONE is refused");
	is_str(fmt(buf, cf_calendar_add_working_days(cal, D("2026-12-23"), 3)), "2027-01-05",
	       "closures count: 3 working days after 2026-12-23 is 2027-01-05");
	is_str(cf_calendar_holiday_title(cal, D("2026-12-25")), "Christmas Day",
	       "a closure on a bank holiday keeps the holiday's title");
	is_str(cf_calendar_holiday_title(cal, D("2026-12-31")), "Office closed",
	       "the first closure named on a day keeps its title");
	static const char *const want2026[] = {
	    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-26", "2026-08-31",
	    "2026-12-25", "2026-12-26", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31"};
	ok(same_year(cal, 2026, want2026, sizeof(want2026) / sizeof(want2026[0])),
	   "2026 with closures: one entry a date, sorted");

	brute_force(cal, "2025-06-01", "2027-06-30", "with closures and changes");
	brute_force(cal, "1850-01-01", "1850-12-31", "one-offs before the cache");
	brute_force(cal, "2204-06-01", "2205-03-31", "one-offs after the cache");
	cf_diags_free(&diags);
	cf_calendar_free(cal);
}

static int has_diag(const cf_diags *d, unsigned line, unsigned col, const char *needle)
{
	for (size_t i = 0; i < d->len; i++) {
		const cf_diag *x = &d->items[i];
		if (x->line == line && x->col == col && x->severity == CF_SEV_ERROR &&
		    strcmp(x->rule, "calendar/invalid") == 0 && strstr(x->message, needle) &&
		    strcmp(x->file, "bad.yaml") == 0)
			return 1;
	}
	return 0;
}

static void test_malformed(void)
{
	cf_calendar *cal = NULL;
	cf_diags diags = CF_DIAGS_INIT;
	if (cf_calendar_new(&cal)) {
		ok(0, "cf_calendar_new");
		return;
	}
	const char *text = "name: Bad\n"	       /* 1 */
			   "colour: red\n"	       /* 2 */
			   "changes:\n"		       /* 3 */
			   "  - moved: 2020-05-05\n"   /* 4: not a regular holiday */
			   "    to: 2020-05-08\n"      /* 5 */
			   "  - added: 2022-02-30\n"   /* 6: not a date */
			   "    title: Nope\n"	       /* 7 */
			   "  - added: 2023-01-03\n"   /* 8: fine, but ... */
			   "    title: Fine\n"	       /* 9 */
			   "    when: later\n"	       /* 10: unknown key */
			   "  - moved: 2022-12-26\n"   /* 11: no 'to' */
			   "  - added: 2024-01-02\n"   /* 12: no title */
			   "  - added: 2024-12-25\n"   /* 13: already a holiday */
			   "    title: Twice\n"	       /* 14 */
			   "  - removed: 2024-12-24\n" /* 15: not a regular holiday */
			   "  - moved: 2024-12-25\n"   /* 16 */
			   "    to: 2024-12-26\n"      /* 17: already a holiday */
			   "  - moved: 2024-05-06\n"   /* 18 */
			   "    added: 2024-05-07\n"   /* 19: two kinds */
			   "    to: 2024-05-08\n"      /* 20 */
			   "  - just a string\n"       /* 21 */
			   "  - added: 2024-06-03\n"   /* 22 */
			   "    title: Fine too\n";    /* 23 */
	int rc = apply_text(cal, "bad.yaml", text, &diags);
	is_int(rc, -1, "a malformed calendar file fails to apply");
	ok(has_diag(&diags, 2, 1, "colour"), "unknown top-level key at 2:1");
	ok(has_diag(&diags, 4, 12, "not a regular bank holiday"), "moved non-holiday at 4:12");
	ok(has_diag(&diags, 6, 12, "not a date"), "bad date at 6:12");
	ok(has_diag(&diags, 10, 5, "when"), "unknown key at 10:5");
	ok(has_diag(&diags, 11, 5, "'to:'"), "moved without to at 11:5");
	ok(has_diag(&diags, 12, 5, "'title:'"), "added without title at 12:5");
	ok(has_diag(&diags, 13, 12, "already a bank holiday"), "added on a holiday at 13:12");
	ok(has_diag(&diags, 15, 14, "not a regular bank holiday"), "removed non-holiday at 15:14");
	ok(has_diag(&diags, 17, 9, "already a bank holiday"), "moved onto a holiday at 17:9");
	ok(has_diag(&diags, 18, 5, "only one of"), "two kinds in one change at 18:5");
	ok(has_diag(&diags, 21, 5, "a change is a map"), "a string for a change at 21:5");
	is_int(diags.len, 11, "and nothing else");
	print_diags(&diags);
	ok(cf_calendar_holiday_title(cal, D("2023-01-03")) == NULL &&
	       cf_calendar_holiday_title(cal, D("2024-06-03")) == NULL,
	   "a failed apply changes nothing, not even its valid entries");

	cf_diags_clear(&diags);
	is_int(apply_text(cal, "bad.yaml", "- 1\n- 2\n", &diags), -1, "a list is not a calendar");
	ok(has_diag(&diags, 1, 1, "map"), "said at 1:1");
	cf_diags_clear(&diags);
	is_int(apply_text(cal, "bad.yaml", "changes:\n  moved: 2020-05-04\n", &diags), -1,
	       "changes must be a list");
	ok(has_diag(&diags, 2, 3, "list"), "said at 2:3");
	cf_diags_clear(&diags);
	is_int(apply_text(cal, "bad.yaml",
			  "changes:\n  - moved: 2020-05-04\n    to: 2020-05-08\n"
			  "  - moved: 2020-05-04\n    to: 2020-05-11\n",
			  &diags),
	       -1, "moving the same holiday twice");
	ok(has_diag(&diags, 4, 12, "not a regular bank holiday"), "said at 4:12");
	cf_diags_clear(&diags);
	is_int(apply_text(cal, "bad.yaml", "name: ok\nchanges:\n", &diags), 0,
	       "an empty list of changes is fine");
	cf_diags_free(&diags);
	cf_calendar_free(cal);
}

int main(void)
{
	test_dates();
	test_add_months();
	cf_calendar *cal = load_real_calendar();
	if (cal) {
		test_published(cal);
		test_working_days(cal);
		cf_calendar_free(cal);
	}
	test_changes_and_closures();
	test_malformed();
	return tap_done();
}
