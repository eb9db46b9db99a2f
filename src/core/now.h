/*
 * now.h — time as explicit values.
 *
 * Every instant in Waymark is int64 UTC seconds. "Now" is read in one place (the request
 * or the scheduler pass) and passed down; the domain never calls time() itself. For
 * end-to-end tests a server can take its clock from a file (WAYMARK_NOW_FILE) holding an
 * RFC 3339 instant or epoch seconds, so a test can move the server through a workflow.
 */
#ifndef WAYMARK_NOW_H
#define WAYMARK_NOW_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* The current instant: from now_file when non-NULL and readable, else the system clock.
 * A now_file that exists but does not parse is logged and ignored. Thread-safe. */
int64_t now_read(const char *now_file);

/* Monotonic microseconds, for durations only. */
int64_t now_monotonic_us(void);

/* Formats t as "2026-12-01T09:00:00Z" into out (at least 21 bytes). */
void now_format_rfc3339(int64_t t, char *out, size_t size);

/* Parses "2026-12-01T09:00:00Z", "…+02:00", "…​.123Z" (fraction dropped) into UTC seconds.
 * RC_INVALID when the text is not an RFC 3339 date-time or names an impossible date. */
enum rc now_parse_rfc3339(const char *s, int64_t *out);

/* Days since 1970-01-01 for a proleptic Gregorian date; exact for all int years we use. */
int64_t now_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
