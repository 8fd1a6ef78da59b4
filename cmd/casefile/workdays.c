/* casefile workdays add DATE N | between FROM TO: the working-day arithmetic that the
 * deadlines use, on its own, so a business office can check a due date by hand. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"
#include "cli.h"

static const char usage_text[] =
    "usage: casefile workdays add DATE N\n"
    "       casefile workdays between FROM TO\n"
    "\n"
    "add      prints the date N working days after DATE (before it when N is negative);\n"
    "         DATE itself is day 0, as in \"within N working days of DATE\"\n"
    "between  prints the number of working days after FROM up to and including TO\n"
    "         (negative when TO is before FROM)\n"
    "\n"
    "Working days leave out weekends and England and Wales bank holidays, and inside a case\n"
    "repository its closure days.  Dates are YYYY-MM-DD.\n";

/* One line, not cli_usage's two: the value is the whole mistake and the message says what
 * a right one looks like. */
static int bad_date(const char *s)
{
	fprintf(stderr, "casefile: workdays: '%s' is not a date (YYYY-MM-DD)\n", s);
	return CF_EXIT_USAGE;
}

/* A whole number: an optional sign and digits, nothing else (strtol alone would take
 * leading spaces and "12abc"). */
static int parse_count(const char *s, int *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_workdays(int argc, char **argv, const cf_cli *cli)
{
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
	}
	if (argc < 2)
		return cli_usage("workdays", "names an action: add DATE N, or between FROM TO");
	int add = strcmp(argv[1], "add") == 0;
	if (!add && strcmp(argv[1], "between") != 0)
		return cli_usage("workdays", "unknown action '%s' (add or between)", argv[1]);
	if (argc != 4)
		return cli_usage("workdays", "'%s' needs %s", argv[1],
				 add ? "DATE and N" : "FROM and TO");

	cf_date from, to = CF_DATE_NONE;
	int n = 0;
	if (cf_date_parse(&from, argv[2]))
		return bad_date(argv[2]);
	if (add && parse_count(argv[3], &n)) {
		fprintf(stderr, "casefile: workdays: '%s' is not a whole number of working days\n",
			argv[3]);
		return CF_EXIT_USAGE;
	}
	if (!add && cf_date_parse(&to, argv[3]))
		return bad_date(argv[3]);

	cf_calendar *cal = NULL;
	int rc = cli_load_calendar(&cal, cli);
	if (rc)
		return rc;
	cf_buf out = CF_BUF_INIT;
	if (add) {
		cf_date d = cf_calendar_add_working_days(cal, from, n);
		if (d == CF_DATE_NONE) {
			fprintf(stderr,
				"casefile: workdays: %s %+d working days is outside the years 1 to "
				"9999\n",
				argv[2], n);
			rc = CF_EXIT_USAGE;
		} else {
			char date[11];
			cf_date_format(date, d);
			cf_buf_printf(&out, "%s\n", date);
		}
	} else {
		cf_buf_printf(&out, "%d\n", cf_calendar_working_days_between(cal, from, to));
	}
	if (rc == 0 && cli_write_stdout(&out) < 0) {
		fputs("casefile: workdays: could not write the result\n", stderr);
		rc = CF_EXIT_USAGE;
	}
	cf_buf_free(&out);
	cf_calendar_free(cal);
	return rc;
}
