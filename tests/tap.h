/* A minimal TAP producer for the unit tests: each check prints "ok N" or "not ok N" with
 * the place it failed, and tap_done() prints the plan and returns the exit code prove reads. */
#ifndef CF_TAP_H
#define CF_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline int tap_ok_at(int cond, const char *file, int line, const char *name)
{
	tap_count++;
	if (cond) {
		printf("ok %d - %s\n", tap_count, name);
	} else {
		tap_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", tap_count, name, file, line);
	}
	return cond;
}

static inline int tap_is_str_at(const char *got, const char *want, const char *file, int line,
				const char *name)
{
	int same = (got == NULL && want == NULL) ||
		   (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!tap_ok_at(same, file, line, name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return same;
}

static inline int tap_is_int_at(long long got, long long want, const char *file, int line,
				const char *name)
{
	if (!tap_ok_at(got == want, file, line, name))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

/* The source tree, for the schemas and example repository a test reads: make check sets
 * CF_SRCDIR in the environment; the Makefile also compiles it in, for a test run by hand from
 * elsewhere; failing both, the current directory. */
static inline const char *tap_srcdir(void)
{
	const char *src = getenv("CF_SRCDIR");
#ifdef CF_SRCDIR
	if (!src || !*src)
		src = CF_SRCDIR;
#endif
	return src && *src ? src : ".";
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#define ok(cond, name) tap_ok_at(!!(cond), __FILE__, __LINE__, (name))
#define is_str(got, want, name) tap_is_str_at((got), (want), __FILE__, __LINE__, (name))
#define is_int(got, want, name)                                                                    \
	tap_is_int_at((long long)(got), (long long)(want), __FILE__, __LINE__, (name))

#endif
