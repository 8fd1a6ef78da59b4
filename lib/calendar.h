/* lib/calendar: dates as days (never strings), calendar months, and working days over
 * weekends, England & Wales bank holidays and a repository's own closure days.
 *
 * The regular bank holidays are computed for any year; the one-off changes (a holiday moved
 * for VE Day, the extra Jubilee and funeral days, ...) come from a calendar file such as
 * schemas/calendar/england-and-wales.yaml, so a partnership can extend it without C. */
#ifndef CF_CALENDAR_H
#define CF_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "doc.h"

/* Days since 1970-01-01 (negative before). */
typedef int32_t cf_date;
#define CF_DATE_NONE INT32_MIN

/* Strict ISO YYYY-MM-DD of a real calendar date (2026-02-30 is refused); 0 or -1. */
int cf_date_parse(cf_date *out, const char *s);
int cf_date_from_ymd(cf_date *out, int year, int month, int day);
void cf_date_to_ymd(cf_date d, int *year, int *month, int *day);
/* Writes YYYY-MM-DD and a NUL into out (11 bytes). */
void cf_date_format(char out[11], cf_date d);
/* 0 Monday ... 6 Sunday. */
int cf_date_weekday(cf_date d);
/* The same day of the month `months` later (or earlier), or that month's last day. */
cf_date cf_date_add_months(cf_date d, int months);
int cf_days_in_month(int year, int month);

typedef struct cf_calendar cf_calendar;

typedef struct cf_holiday {
	cf_date date;
	const char *title; /* owned by the calendar */
} cf_holiday;

/* A calendar with the regular England & Wales bank holidays and no exceptions. */
int cf_calendar_new(cf_calendar **out);
/* Applies a calendar file (already parsed; see schemas/calendar/england-and-wales.yaml for
 * the format): one-off holidays added, regular ones moved or removed.  Problems are
 * diagnostics naming doc->name; returns -1 when the file is malformed. */
int cf_calendar_apply(cf_calendar *cal, const cf_doc *doc, cf_diags *diags);
/* A closure day of the repository's own (config.yaml `closures:`). */
int cf_calendar_add_closure(cf_calendar *cal, cf_date date, const char *title);
/* The holidays and closures of one year, sorted by date; the array is the caller's to free()
 * (the titles stay owned by the calendar). */
int cf_calendar_holidays(const cf_calendar *cal, int year, cf_holiday **out, size_t *count);
/* NULL when date is not a holiday or closure, else its title. */
const char *cf_calendar_holiday_title(const cf_calendar *cal, cf_date date);
int cf_calendar_is_working_day(const cf_calendar *cal, cf_date date);
/* The nth working day after d (d itself is day 0); n < 0 counts backwards. */
cf_date cf_calendar_add_working_days(const cf_calendar *cal, cf_date d, int n);
/* The working days after from, up to and including to; negative when to is before from. */
int cf_calendar_working_days_between(const cf_calendar *cal, cf_date from, cf_date to);
void cf_calendar_free(cf_calendar *cal);

/* The text of calendar/invalid for `casefile explain`. */
extern const cf_rule_info cf_calendar_rules[];

#endif
