/* Calendar files (schemas/calendar/NAME.yaml, or a repository's own: lib/calendar): the
 * exceptions to England's and Wales's regular bank holidays.  Each input is parsed as YAML and
 * applied to a fresh calendar; one that applies is asked for the holidays of the years around
 * its dates and for working days across them, which must agree with each other. */
#include "calendar.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 0) == 0);
	cf_diags d = CF_DIAGS_INIT;
	cf_doc *doc = NULL;
	if (cf_doc_parse_yaml(&doc, arena, "calendar/x.yaml", copy, size, NULL, &d) == 0) {
		cf_calendar *cal = NULL;
		FUZZ_ASSERT(cf_calendar_new(&cal) == 0);
		int rc = cf_calendar_apply(cal, doc, &d);
		FUZZ_ASSERT(rc == 0 || cf_diags_count(&d, CF_SEV_ERROR) > 0);
		for (int year = 2019; year <= 2031; year += 3) {
			cf_holiday *h = NULL;
			size_t n = 0;
			FUZZ_ASSERT(cf_calendar_holidays(cal, year, &h, &n) == 0);
			for (size_t i = 0; i < n; i++) {
				FUZZ_ASSERT(!cf_calendar_is_working_day(cal, h[i].date));
				FUZZ_ASSERT(cf_calendar_holiday_title(cal, h[i].date));
				if (i)
					FUZZ_ASSERT(h[i - 1].date <= h[i].date);
			}
			free(h);
			cf_date jan1;
			FUZZ_ASSERT(cf_date_from_ymd(&jan1, year, 1, 1) == 0);
			int n_work = cf_calendar_working_days_between(cal, jan1, jan1 + 365);
			cf_date back = cf_calendar_add_working_days(cal, jan1, n_work);
			FUZZ_ASSERT(back <= jan1 + 365);
		}
		cf_calendar_free(cal);
	}
	fuzz_diags_drain(&d);
	cf_arena_free(arena);
	free(copy);
	return 0;
}
