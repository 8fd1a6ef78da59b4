/* casefile holidays YEAR: the bank holidays (and the repository's closure days) of a year,
 * so that anyone can see which days the working-day deadlines skip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"
#include "cli.h"

static const char usage_text[] =
    "usage: casefile holidays YEAR\n"
    "\n"
    "Prints the England and Wales bank holidays of YEAR, one 'YYYY-MM-DD  Title' a line.\n"
    "Inside a case repository the calendar is the repository's, closure days included.\n";

/* A year as casefile dates allow it: 1 to 9999, digits only. */
static int parse_year(const char *s, int *out)
{
	size_t n = strlen(s);
	int y = 0;
	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (y < 1)
		return -1;
	*out = y;
	return 0;
}

int cmd_holidays(int argc, char **argv, const cf_cli *cli)
{
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CF_EXIT_OK;
		}
	}
	if (argc != 2)
		return cli_usage("holidays", "needs one YEAR");
	int year;
	if (parse_year(argv[1], &year)) {
		/* One line, like the other value errors: the value is the whole mistake. */
		fprintf(stderr, "casefile: holidays: '%s' is not a year (1 to 9999)\n", argv[1]);
		return CF_EXIT_USAGE;
	}

	cf_calendar *cal = NULL;
	int rc = cli_load_calendar(&cal, cli);
	if (rc)
		return rc;
	cf_holiday *h = NULL;
	size_t n = 0;
	cf_buf out = CF_BUF_INIT;
	if (cf_calendar_holidays(cal, year, &h, &n) < 0) {
		fputs("casefile: holidays: out of memory\n", stderr);
		rc = CF_EXIT_USAGE;
	} else {
		for (size_t i = 0; i < n; i++) {
			char date[11];
			cf_date_format(date, h[i].date);
			cf_buf_printf(&out, "%s  %s\n", date, h[i].title);
		}
		if (cli_write_stdout(&out) < 0) {
			fputs("casefile: holidays: could not write the list\n", stderr);
			rc = CF_EXIT_USAGE;
		}
	}
	cf_buf_free(&out);
	free(h);
	cf_calendar_free(cal);
	return rc;
}
