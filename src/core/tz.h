/*
 * tz.h — the only door to ICU's calendar: local calendar dates in a named IANA time zone
 * as UTC instants and back, with the real rules (daylight saving, historic changes).
 *
 * Instants are UTC seconds. A "day start" is the first instant of a local date: usually
 * local midnight; where a zone skips midnight (a daylight-saving change at 00:00) it is
 * the first local time that exists that day. All functions are thread-safe and cost a
 * few microseconds (each opens its own ICU calendar).
 */
#ifndef WAYMARK_TZ_H
#define WAYMARK_TZ_H

#include <stdint.h>

#include "rc.h"

#define TZ_NAME_MAX 63

/* 1 when zone is an IANA zone ICU knows ("Europe/London", "UTC"), 0 otherwise
 * (including NULL, "", and names longer than TZ_NAME_MAX). */
int tz_valid(const char *zone);
/* The first instant of local date days (a date.h day number) in zone.
 * RC_INVALID for an unknown zone, RC_INTERNAL when ICU fails. */
enum rc tz_day_start(const char *zone, int64_t days, int64_t *instant);
/* The local date (a date.h day number) containing instant in zone. */
enum rc tz_date_of(const char *zone, int64_t instant, int64_t *days);

#endif
