#include "calendar.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The range of years every function accepts; outside it YYYY does not fit four digits and
 * the proleptic Gregorian calendar stops meaning anything to a case file anyway. */
#define YEAR_MIN 1
#define YEAR_MAX 9999
#define DATE_MIN (-719162) /* 0001-01-01, a Monday */
#define DATE_MAX 2932896   /* 9999-12-31 */

/* Years whose off days are precomputed into cal->off: the queries take a const calendar, so
 * the cache must be filled before anyone asks, and this span covers any case file with room
 * to spare.  Dates outside it still work, computed year by year. */
#define CACHE_FIRST 1900
#define CACHE_LAST 2199
#define CACHE_FROM (-25567) /* 1900-01-01 */
#define CACHE_UNTIL 84006   /* 2200-01-01, the first day after the cache */

/* A year has at most 8 regular bank holidays; one spare keeps the arrays honest. */
#define REGULAR_MAX 9

#define SUBSTITUTE " (substitute day)"

struct cf_calendar {
	/* One-off holidays (added, and the new dates of moved ones), sorted by date; titles
	 * malloc'd. */
	cf_holiday *added;
	size_t n_added;
	/* Regular holidays that do not apply (removed, and the old dates of moved ones), sorted. */
	cf_date *removed;
	size_t n_removed;
	/* Closure days, sorted by date (stable for equal dates); titles malloc'd. */
	cf_holiday *closures;
	size_t n_closures, cap_closures;
	/* Every weekday that is not a working day: the regular holidays of the cached years that
	 * were not removed, and every one-off holiday and closure of any year; sorted, unique.
	 * Counting working days is then arithmetic on weeks minus two binary searches. */
	cf_date *off;
	size_t n_off, cap_off;
};

/* ---- dates ---------------------------------------------------------------------------- */

/* Floor division, because C's truncates toward zero and dates before 1970 are negative. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cf_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar, no tables,
 * no loops, so the hot paths can call it freely. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The date of a valid y-m-d; callers have checked the ranges. */
static cf_date ymd(int y, int m, int d)
{
	return (cf_date)days_from_civil(y, m, d);
}

static int year_of(cf_date d)
{
	int64_t y;
	int m, day;
	civil_from_days(d, &y, &m, &day);
	return (int)y;
}

int cf_date_from_ymd(cf_date *out, int year, int month, int day)
{
	if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12 || day < 1 ||
	    day > cf_days_in_month(year, month))
		return -1;
	*out = ymd(year, month, day);
	return 0;
}

void cf_date_to_ymd(cf_date d, int *year, int *month, int *day)
{
	int64_t y;
	int m, dd;
	civil_from_days(d, &y, &m, &dd);
	if (year)
		*year = (int)y;
	if (month)
		*month = m;
	if (day)
		*day = dd;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int cf_date_parse(cf_date *out, const char *s)
{
	int y, m, d;
	cf_date v;
	/* strnlen-free check: every one of the ten characters is looked at before the NUL, so a
	 * short string fails on its terminator and nothing past it is read. */
	if (!s || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != '\0')
		return -1;
	if (cf_date_from_ymd(&v, y, m, d))
		return -1;
	*out = v;
	return 0;
}

static void put_digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void cf_date_format(char out[11], cf_date d)
{
	int y, m, day;
	if (d < DATE_MIN || d > DATE_MAX) {
		/* Not a date that cf_date_parse accepts, so it never passes for a real one. */
		memcpy(out, "0000-00-00", 11);
		return;
	}
	cf_date_to_ymd(d, &y, &m, &day);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, day, 2);
	out[10] = '\0';
}

int cf_date_weekday(cf_date d)
{
	/* 1970-01-01 was a Thursday. */
	return (int)floor_mod((int64_t)d + 3, 7);
}

cf_date cf_date_add_months(cf_date d, int months)
{
	int y, m, day;
	if (d < DATE_MIN || d > DATE_MAX)
		return CF_DATE_NONE;
	cf_date_to_ymd(d, &y, &m, &day);
	int64_t total = (int64_t)y * 12 + (m - 1) + months;
	int64_t ny = floor_div(total, 12);
	if (ny < YEAR_MIN || ny > YEAR_MAX)
		return CF_DATE_NONE;
	int nm = (int)(total - ny * 12) + 1;
	int last = cf_days_in_month((int)ny, nm);
	return ymd((int)ny, nm, day < last ? day : last);
}

/* ---- regular bank holidays --------------------------------------------------------------- */

/* Gregorian Easter Sunday (the anonymous algorithm, as in Meeus). */
static cf_date easter_sunday(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int mm = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * mm + 114) / 31;
	int day = (h + l - 7 * mm + 114) % 31 + 1;
	return ymd(year, month, day);
}

static cf_date first_monday(int year, int month)
{
	cf_date first = ymd(year, month, 1);
	return first + (7 - cf_date_weekday(first)) % 7;
}

static cf_date last_monday(int year, int month)
{
	cf_date last = ymd(year, month, cf_days_in_month(year, month));
	return last - cf_date_weekday(last);
}

/* The regular England & Wales pattern (Banking and Financial Dealings Act 1971 and the
 * proclamations since 1978), applied to every year: the substitute rules are the ones GOV.UK
 * publishes.  Returns the count, sorted by date. */
static size_t regular_holidays(int year, cf_holiday out[REGULAR_MAX])
{
	size_t n = 0;
	cf_date d = ymd(year, 1, 1);
	int wd = cf_date_weekday(d);
	if (wd == 5)
		out[n++] = (cf_holiday){d + 2, "New Year's Day" SUBSTITUTE};
	else if (wd == 6)
		out[n++] = (cf_holiday){d + 1, "New Year's Day" SUBSTITUTE};
	else
		out[n++] = (cf_holiday){d, "New Year's Day"};

	cf_date easter = easter_sunday(year);
	out[n++] = (cf_holiday){easter - 2, "Good Friday"};
	out[n++] = (cf_holiday){easter + 1, "Easter Monday"};
	out[n++] = (cf_holiday){first_monday(year, 5), "Early May bank holiday"};
	out[n++] = (cf_holiday){last_monday(year, 5), "Spring bank holiday"};
	out[n++] = (cf_holiday){last_monday(year, 8), "Summer bank holiday"};

	cf_date xmas = ymd(year, 12, 25);
	switch (cf_date_weekday(xmas)) {
	case 4: /* Friday: Boxing Day falls on Saturday and moves to Monday */
		out[n++] = (cf_holiday){xmas, "Christmas Day"};
		out[n++] = (cf_holiday){xmas + 3, "Boxing Day" SUBSTITUTE};
		break;
	case 5: /* Saturday: both move, Christmas first */
		out[n++] = (cf_holiday){xmas + 2, "Christmas Day" SUBSTITUTE};
		out[n++] = (cf_holiday){xmas + 3, "Boxing Day" SUBSTITUTE};
		break;
	case 6: /* Sunday: Boxing Day keeps Monday, Christmas takes Tuesday */
		out[n++] = (cf_holiday){xmas + 1, "Boxing Day"};
		out[n++] = (cf_holiday){xmas + 2, "Christmas Day" SUBSTITUTE};
		break;
	default:
		out[n++] = (cf_holiday){xmas, "Christmas Day"};
		out[n++] = (cf_holiday){xmas + 1, "Boxing Day"};
		break;
	}
	return n;
}

/* The regular holiday on date d (NULL when there is none), ignoring any changes. */
static const char *regular_title(cf_date d)
{
	cf_holiday reg[REGULAR_MAX];
	if (d < DATE_MIN || d > DATE_MAX)
		return NULL;
	size_t n = regular_holidays(year_of(d), reg);
	for (size_t i = 0; i < n; i++)
		if (reg[i].date == d)
			return reg[i].title;
	return NULL;
}

/* ---- sorted arrays ----------------------------------------------------------------------- */

/* Index of the first element >= d. */
static size_t lower_date(const cf_date *a, size_t n, cf_date d)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t lower_holiday(const cf_holiday *a, size_t n, cf_date d)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].date < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int has_date(const cf_date *a, size_t n, cf_date d)
{
	size_t i = lower_date(a, n, d);
	return i < n && a[i] == d;
}

static const cf_holiday *find_holiday(const cf_holiday *a, size_t n, cf_date d)
{
	size_t i = lower_holiday(a, n, d);
	return i < n && a[i].date == d ? &a[i] : NULL;
}

static int cmp_date(const void *pa, const void *pb)
{
	cf_date a = *(const cf_date *)pa, b = *(const cf_date *)pb;
	return (a > b) - (a < b);
}

static int cmp_holiday(const void *pa, const void *pb)
{
	const cf_holiday *a = pa, *b = pb;
	return (a->date > b->date) - (a->date < b->date);
}

static int is_weekday(cf_date d)
{
	return cf_date_weekday(d) < 5;
}

static int in_cache(int year)
{
	return year >= CACHE_FIRST && year <= CACHE_LAST;
}

static int date_in_cache(int64_t d)
{
	return d >= CACHE_FROM && d < CACHE_UNTIL;
}

/* Builds the sorted, unique off-day array from the calendar's lists (which it does not
 * change), so that apply can build it before committing anything. */
static int build_off(const cf_calendar *cal, cf_date **out, size_t *count, size_t *cap)
{
	size_t n = 0;
	size_t max = (size_t)(CACHE_LAST - CACHE_FIRST + 1) * REGULAR_MAX + cal->n_added +
		     cal->n_closures + 1;
	cf_date *off = malloc(max * sizeof(*off));
	if (!off)
		return -1;
	for (int y = CACHE_FIRST; y <= CACHE_LAST; y++) {
		cf_holiday reg[REGULAR_MAX];
		size_t nr = regular_holidays(y, reg);
		for (size_t i = 0; i < nr; i++)
			if (is_weekday(reg[i].date) &&
			    !has_date(cal->removed, cal->n_removed, reg[i].date))
				off[n++] = reg[i].date;
	}
	for (size_t i = 0; i < cal->n_added; i++)
		if (is_weekday(cal->added[i].date))
			off[n++] = cal->added[i].date;
	for (size_t i = 0; i < cal->n_closures; i++)
		if (is_weekday(cal->closures[i].date))
			off[n++] = cal->closures[i].date;
	qsort(off, n, sizeof(*off), cmp_date);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || off[u - 1] != off[i])
			off[u++] = off[i];
	*out = off;
	*count = u;
	*cap = max;
	return 0;
}

/* ---- the calendar ------------------------------------------------------------------------ */

int cf_calendar_new(cf_calendar **out)
{
	*out = NULL;
	cf_calendar *cal = calloc(1, sizeof(*cal));
	if (!cal)
		return -1;
	if (build_off(cal, &cal->off, &cal->n_off, &cal->cap_off)) {
		free(cal);
		return -1;
	}
	*out = cal;
	return 0;
}

void cf_calendar_free(cf_calendar *cal)
{
	if (!cal)
		return;
	for (size_t i = 0; i < cal->n_added; i++)
		free((char *)cal->added[i].title);
	for (size_t i = 0; i < cal->n_closures; i++)
		free((char *)cal->closures[i].title);
	free(cal->added);
	free(cal->removed);
	free(cal->closures);
	free(cal->off);
	free(cal);
}

/* Whether a regular holiday on d still applies (d is one and was not moved or removed). */
static int regular_applies(const cf_calendar *cal, cf_date d)
{
	return regular_title(d) && !has_date(cal->removed, cal->n_removed, d);
}

const char *cf_calendar_holiday_title(const cf_calendar *cal, cf_date date)
{
	const cf_holiday *h = find_holiday(cal->added, cal->n_added, date);
	if (h)
		return h->title;
	const char *t = regular_title(date);
	if (t && !has_date(cal->removed, cal->n_removed, date))
		return t;
	h = find_holiday(cal->closures, cal->n_closures, date);
	return h ? h->title : NULL;
}

int cf_calendar_holidays(const cf_calendar *cal, int year, cf_holiday **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (year < YEAR_MIN || year > YEAR_MAX)
		return -1;
	cf_date first = ymd(year, 1, 1), end = ymd(year, 12, 31) + 1;
	size_t a0 = lower_holiday(cal->added, cal->n_added, first);
	size_t a1 = lower_holiday(cal->added, cal->n_added, end);
	size_t c0 = lower_holiday(cal->closures, cal->n_closures, first);
	size_t c1 = lower_holiday(cal->closures, cal->n_closures, end);
	cf_holiday *arr = malloc((REGULAR_MAX + (a1 - a0) + (c1 - c0)) * sizeof(*arr));
	if (!arr)
		return -1;

	cf_holiday reg[REGULAR_MAX];
	size_t nr = regular_holidays(year, reg), n = 0;
	for (size_t i = 0; i < nr; i++)
		if (!has_date(cal->removed, cal->n_removed, reg[i].date))
			arr[n++] = reg[i];
	for (size_t i = a0; i < a1; i++)
		arr[n++] = cal->added[i];
	/* A closure on a bank holiday is the bank holiday, and two closures on one day are the
	 * first one named (closures are sorted stably, so duplicates are adjacent). */
	size_t nh = n;
	for (size_t i = c0; i < c1; i++) {
		cf_date d = cal->closures[i].date;
		int dup = n > nh && arr[n - 1].date == d;
		for (size_t j = 0; j < nh && !dup; j++)
			dup = arr[j].date == d;
		if (!dup)
			arr[n++] = cal->closures[i];
	}
	/* Every date is now unique (apply refuses a one-off holiday on a day that already is
	 * one), so qsort's instability cannot matter. */
	qsort(arr, n, sizeof(*arr), cmp_holiday);
	*out = arr;
	*count = n;
	return 0;
}

int cf_calendar_add_closure(cf_calendar *cal, cf_date date, const char *title)
{
	if (date < DATE_MIN || date > DATE_MAX)
		return -1;
	/* Grow both arrays before touching either, so a failure leaves the calendar as it was. */
	if (cal->n_closures == cal->cap_closures) {
		size_t cap = cal->cap_closures ? cal->cap_closures * 2 : 8;
		cf_holiday *c = realloc(cal->closures, cap * sizeof(*c));
		if (!c)
			return -1;
		cal->closures = c;
		cal->cap_closures = cap;
	}
	if (cal->n_off == cal->cap_off) {
		size_t cap = cal->cap_off ? cal->cap_off * 2 : 64;
		cf_date *o = realloc(cal->off, cap * sizeof(*o));
		if (!o)
			return -1;
		cal->off = o;
		cal->cap_off = cap;
	}
	char *t = cf_strdup(title ? title : "Closure day");
	if (!t)
		return -1;

	/* After any closures already on that date, so the first one named keeps its title. */
	size_t i = lower_holiday(cal->closures, cal->n_closures, date + 1);
	memmove(&cal->closures[i + 1], &cal->closures[i],
		(cal->n_closures - i) * sizeof(*cal->closures));
	cal->closures[i] = (cf_holiday){date, t};
	cal->n_closures++;

	if (is_weekday(date)) {
		size_t j = lower_date(cal->off, cal->n_off, date);
		if (j == cal->n_off || cal->off[j] != date) {
			memmove(&cal->off[j + 1], &cal->off[j],
				(cal->n_off - j) * sizeof(*cal->off));
			cal->off[j] = date;
			cal->n_off++;
		}
	}
	return 0;
}

/* ---- working days ------------------------------------------------------------------------ */

/* The weekdays in [DATE_MIN, x): whole weeks count five, since DATE_MIN is a Monday. */
static int64_t weekdays_before(int64_t x)
{
	int64_t off = x - DATE_MIN;
	int64_t weeks = floor_div(off, 7), rest = off - weeks * 7;
	return weeks * 5 + (rest < 5 ? rest : 5);
}

/* The weekday with index k in the numbering of weekdays_before (0 is DATE_MIN). */
static int64_t weekday_at(int64_t k)
{
	int64_t weeks = floor_div(k, 5);
	return DATE_MIN + weeks * 7 + (k - weeks * 5);
}

/* The weekdays in [a, b) that are not working days. */
static int64_t off_between(const cf_calendar *cal, int64_t a, int64_t b)
{
	if (a >= b)
		return 0;
	int64_t n = (int64_t)(lower_date(cal->off, cal->n_off, (cf_date)b) -
			      lower_date(cal->off, cal->n_off, (cf_date)a));
	/* Regular holidays of years outside the cache are not in cal->off: count them here,
	 * unless removed or already counted as a one-off or closure on the same day. */
	if (date_in_cache(a) && date_in_cache(b - 1))
		return n;
	int ya = year_of((cf_date)a), yb = year_of((cf_date)(b - 1));
	for (int y = ya; y <= yb; y++) {
		if (in_cache(y)) {
			y = CACHE_LAST;
			continue;
		}
		cf_holiday reg[REGULAR_MAX];
		size_t nr = regular_holidays(y, reg);
		for (size_t i = 0; i < nr; i++) {
			cf_date d = reg[i].date;
			if (d >= a && d < b && is_weekday(d) &&
			    !has_date(cal->removed, cal->n_removed, d) &&
			    !has_date(cal->off, cal->n_off, d))
				n++;
		}
	}
	return n;
}

int cf_calendar_is_working_day(const cf_calendar *cal, cf_date date)
{
	if (!is_weekday(date))
		return 0;
	if (has_date(cal->off, cal->n_off, date))
		return 0;
	if (!date_in_cache(date) && regular_applies(cal, date))
		return 0;
	return 1;
}

static int64_t clamp_date(int64_t d)
{
	return d < DATE_MIN ? DATE_MIN : d > DATE_MAX ? DATE_MAX : d;
}

int cf_calendar_working_days_between(const cf_calendar *cal, cf_date from, cf_date to)
{
	/* Outside years 1..9999 the answer is meaningless; clamping keeps the year loop in
	 * off_between bounded for a stray CF_DATE_NONE. */
	int64_t f = clamp_date(from), t = clamp_date(to);
	int sign = 1;
	if (t < f) {
		int64_t x = f;
		f = t;
		t = x;
		sign = -1;
	}
	int64_t n =
	    weekdays_before(t + 1) - weekdays_before(f + 1) - off_between(cal, f + 1, t + 1);
	return sign * (int)n;
}

cf_date cf_calendar_add_working_days(const cf_calendar *cal, cf_date d, int n)
{
	if (d < DATE_MIN || d > DATE_MAX)
		return CF_DATE_NONE;
	int64_t t = d, r = n;
	/* Jump r weekdays at once, then go on by as many days as the jump crossed holidays;
	 * holidays are sparse, so this ends after a pass or two. */
	while (r > 0) {
		int64_t t2 = weekday_at(weekdays_before(t + 1) + r - 1);
		if (t2 > DATE_MAX)
			return CF_DATE_NONE;
		r = off_between(cal, t + 1, t2 + 1);
		t = t2;
	}
	while (r < 0) {
		int64_t t2 = weekday_at(weekdays_before(t) + r);
		if (t2 < DATE_MIN)
			return CF_DATE_NONE;
		r = -off_between(cal, t2, t);
		t = t2;
	}
	return (cf_date)t;
}

/* ---- calendar files ---------------------------------------------------------------------- */

typedef struct pending {
	cf_holiday *added; /* titles malloc'd until committed */
	size_t n_added, cap_added;
	cf_date *removed;
	size_t n_removed, cap_removed;
	int errors;
	int oom;
} pending;

static void pending_free(pending *p)
{
	for (size_t i = 0; i < p->n_added; i++)
		free((char *)p->added[i].title);
	free(p->added);
	free(p->removed);
}

static void invalid(pending *p, cf_diags *diags, const cf_doc *doc, const cf_node *at,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void invalid(pending *p, cf_diags *diags, const cf_doc *doc, const cf_node *at,
		    const char *fmt, ...)
{
	cf_buf msg = CF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	p->errors++;
	/* Out of memory here still fails the apply through p->errors; diags records its oom. */
	cf_diags_add(diags, CF_SEV_ERROR, doc->name, at ? at->line : 0, at ? at->col : 0,
		     "calendar/invalid", "%s",
		     cf_buf_oom(&msg) ? "invalid entry" : cf_buf_cstr(&msg));
	cf_buf_free(&msg);
}

/* Whether d is a holiday once the changes so far (committed and pending) apply. */
static int is_holiday_now(const cf_calendar *cal, const pending *p, cf_date d)
{
	for (size_t i = 0; i < p->n_added; i++)
		if (p->added[i].date == d)
			return 1;
	if (find_holiday(cal->added, cal->n_added, d))
		return 1;
	if (!regular_title(d) || has_date(cal->removed, cal->n_removed, d))
		return 0;
	for (size_t i = 0; i < p->n_removed; i++)
		if (p->removed[i] == d)
			return 0;
	return 1;
}

static int pending_remove(pending *p, cf_date d)
{
	if (p->n_removed == p->cap_removed) {
		size_t cap = p->cap_removed ? p->cap_removed * 2 : 16;
		cf_date *r = realloc(p->removed, cap * sizeof(*r));
		if (!r)
			return -1;
		p->removed = r;
		p->cap_removed = cap;
	}
	p->removed[p->n_removed++] = d;
	return 0;
}

static int pending_add(pending *p, cf_date d, const char *title)
{
	if (p->n_added == p->cap_added) {
		size_t cap = p->cap_added ? p->cap_added * 2 : 16;
		cf_holiday *a = realloc(p->added, cap * sizeof(*a));
		if (!a)
			return -1;
		p->added = a;
		p->cap_added = cap;
	}
	char *t = cf_strdup(title);
	if (!t)
		return -1;
	p->added[p->n_added++] = (cf_holiday){d, t};
	return 0;
}

/* A date value: 0 and *out, or -1 after a diagnostic. */
static int date_value(pending *p, cf_diags *diags, const cf_doc *doc, const cf_node *n,
		      const char *key, cf_date *out)
{
	const char *s = cf_node_str(n);
	if (n && n->kind == CF_NODE_SCALAR && s && strlen(s) == n->len && !cf_date_parse(out, s))
		return 0;
	if (s && n->kind == CF_NODE_SCALAR)
		invalid(p, diags, doc, n, "'%s' is not a date (YYYY-MM-DD)", s);
	else
		invalid(p, diags, doc, n, "'%s:' needs a date (YYYY-MM-DD)", key);
	return -1;
}

static void apply_change(const cf_calendar *cal, pending *p, cf_diags *diags, const cf_doc *doc,
			 const cf_node *ch)
{
	static const char *const keys[] = {"moved", "added", "removed", "to", "title"};
	if (ch->kind != CF_NODE_MAP) {
		invalid(p, diags, doc, ch,
			"a change is a map with 'moved:', 'added:' or 'removed:'");
		return;
	}
	int bad = 0;
	for (size_t i = 0; i < ch->n; i++) {
		const cf_node *k = ch->pairs[i].key;
		const char *name = cf_node_str(k);
		size_t j = 0;
		while (j < sizeof(keys) / sizeof(keys[0]) && !(name && !strcmp(name, keys[j])))
			j++;
		if (j == sizeof(keys) / sizeof(keys[0])) {
			invalid(
			    p, diags, doc, k,
			    "unknown key '%s' (a change has moved, added or removed; to; title)",
			    name ? name : "");
			bad = 1;
		}
	}
	const cf_pair *moved = cf_node_get_pair(ch, "moved");
	const cf_pair *added = cf_node_get_pair(ch, "added");
	const cf_pair *removed = cf_node_get_pair(ch, "removed");
	const cf_pair *to = cf_node_get_pair(ch, "to");
	const cf_pair *title = cf_node_get_pair(ch, "title");
	int kinds = !!moved + !!added + !!removed;
	if (kinds != 1) {
		invalid(p, diags, doc, ch, "%s",
			kinds ? "a change has only one of 'moved:', 'added:' and 'removed:'"
			      : "a change needs 'moved:', 'added:' or 'removed:'");
		return;
	}
	const char *title_str = NULL;
	if (title) {
		title_str = cf_node_str(title->val);
		if (!title_str || title->val->kind != CF_NODE_SCALAR || !*title_str ||
		    strlen(title_str) != title->val->len) {
			invalid(p, diags, doc, title->val, "'title:' needs some text");
			bad = 1;
		}
	}

	if (removed) {
		cf_date d;
		if (to)
			invalid(p, diags, doc, to->key, "'to:' goes only with 'moved:'");
		if (title)
			invalid(p, diags, doc, title->key,
				"'title:' goes with 'added:' or 'moved:', not 'removed:'");
		if (date_value(p, diags, doc, removed->val, "removed", &d) || to || title || bad)
			return;
		if (!is_holiday_now(cal, p, d) || !regular_title(d)) {
			invalid(p, diags, doc, removed->val,
				"'%s' is not a regular bank holiday, so it cannot be removed",
				cf_node_str(removed->val));
			return;
		}
		if (pending_remove(p, d))
			p->oom = 1;
		return;
	}

	if (added) {
		cf_date d;
		if (to)
			invalid(p, diags, doc, to->key, "'to:' goes only with 'moved:'");
		if (!title)
			invalid(p, diags, doc, added->key, "an added holiday needs 'title:'");
		if (date_value(p, diags, doc, added->val, "added", &d) || to || !title || bad)
			return;
		if (is_holiday_now(cal, p, d)) {
			invalid(p, diags, doc, added->val, "'%s' is already a bank holiday",
				cf_node_str(added->val));
			return;
		}
		if (pending_add(p, d, title_str))
			p->oom = 1;
		return;
	}

	cf_date from, dest;
	int bad_from = date_value(p, diags, doc, moved->val, "moved", &from);
	int bad_to = 0;
	if (!to) {
		invalid(p, diags, doc, moved->key,
			"a moved holiday needs 'to:' (the date it moves to)");
		bad_to = 1;
	} else {
		bad_to = date_value(p, diags, doc, to->val, "to", &dest);
	}
	if (bad_from || bad_to || bad)
		return;
	const char *reg = regular_title(from);
	if (!reg || !is_holiday_now(cal, p, from)) {
		invalid(p, diags, doc, moved->val,
			"'%s' is not a regular bank holiday, so it cannot be moved",
			cf_node_str(moved->val));
		return;
	}
	if (is_holiday_now(cal, p, dest)) {
		invalid(p, diags, doc, to->val, "'%s' is already a bank holiday",
			cf_node_str(to->val));
		return;
	}
	if (pending_remove(p, from) || pending_add(p, dest, title_str ? title_str : reg))
		p->oom = 1;
}

/* Merges b into the sorted array a (both sorted) into a new array. */
static void *merge_sorted(const void *a, size_t na, const void *b, size_t nb, size_t size,
			  int (*cmp)(const void *, const void *))
{
	char *out = malloc((na + nb ? na + nb : 1) * size);
	if (!out)
		return NULL;
	if (na)
		memcpy(out, a, na * size);
	if (nb)
		memcpy(out + na * size, b, nb * size);
	qsort(out, na + nb, size, cmp);
	return out;
}

int cf_calendar_apply(cf_calendar *cal, const cf_doc *doc, cf_diags *diags)
{
	pending p = {0};
	if (!doc)
		return -1;
	const cf_node *root = doc->root;
	if (!root)
		return 0; /* an empty file changes nothing */
	if (root->kind != CF_NODE_MAP) {
		invalid(&p, diags, doc, root,
			"a calendar file is a map with 'name:', 'source:' and 'changes:'");
		return -1;
	}
	for (size_t i = 0; i < root->n; i++) {
		const cf_pair *pr = &root->pairs[i];
		const char *k = cf_node_str(pr->key);
		if (k && (!strcmp(k, "name") || !strcmp(k, "source"))) {
			if (pr->val->kind != CF_NODE_SCALAR || !cf_node_str(pr->val))
				invalid(&p, diags, doc, pr->val, "'%s:' needs some text", k);
		} else if (!k || strcmp(k, "changes") != 0) {
			invalid(&p, diags, doc, pr->key,
				"unknown key '%s' (a calendar file has name, source and changes)",
				k ? k : "");
		}
	}
	const cf_node *changes = cf_node_get(root, "changes");
	if (changes && !cf_node_is_null(changes)) {
		if (changes->kind != CF_NODE_SEQ)
			invalid(&p, diags, doc, changes,
				"'changes:' is a list of moved, added or removed holidays");
		else
			for (size_t i = 0; i < changes->n && !p.oom; i++)
				apply_change(cal, &p, diags, doc, changes->items[i]);
	}
	if (p.errors || p.oom) {
		pending_free(&p);
		return -1;
	}

	/* Build everything new before freeing anything old, so the calendar is unchanged by a
	 * file that fails or by memory running out. */
	cf_calendar next = *cal;
	next.added = merge_sorted(cal->added, cal->n_added, p.added, p.n_added, sizeof(cf_holiday),
				  cmp_holiday);
	next.removed = merge_sorted(cal->removed, cal->n_removed, p.removed, p.n_removed,
				    sizeof(cf_date), cmp_date);
	next.n_added = cal->n_added + p.n_added;
	next.n_removed = cal->n_removed + p.n_removed;
	if (!next.added || !next.removed ||
	    build_off(&next, &next.off, &next.n_off, &next.cap_off)) {
		free(next.added);
		free(next.removed);
		pending_free(&p);
		return -1;
	}
	free(cal->added);
	free(cal->removed);
	free(cal->off);
	*cal = next;
	/* The titles now belong to cal->added. */
	free(p.added);
	free(p.removed);
	return 0;
}

const cf_rule_info cf_calendar_rules[] = {
    {"calendar/invalid", "a calendar file's change cannot be applied (configuration error)",
     "Each entry under 'changes:' of a calendar file (schemas/calendar/*.yaml) is one of "
     "'moved:' a regular bank holiday with 'to:' its new date, 'added:' a one-off holiday "
     "with its 'title:', or 'removed:' a regular bank holiday; every date is a real "
     "YYYY-MM-DD, a moved or removed date is one of the regular bank holidays, and an added "
     "or new date is not already one.",
     "Every working-day deadline counts over this calendar. A typo in a date would move a "
     "holiday silently and shift every deadline near it, so casefile uses none of the file "
     "until all of it is right.",
     "Correct the entry at the line named: check the date against GOV.UK's list, give "
     "'moved:' the regular date the holiday would have had (2020-05-04 for the VE day move), "
     "and use only the keys moved, added, removed, to and title.",
     "GOV.UK bank holidays (https://www.gov.uk/bank-holidays); DESIGN.md §4"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
