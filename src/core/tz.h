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
/* The wall-clock minute of the day (0..1439) at instant in zone: 07:30 local is 450. */
enum rc tz_minute_of_day(const char *zone, int64_t instant, int *minute);
/* The instant of wall-clock minute (0..1439, else RC_INVALID) of local date days in
 * zone. A wall time that a daylight-saving change skips resolves to the first local time
 * after the gap (01:30 on the day London goes from 01:00 to 02:00 is 02:00 BST); a
 * repeated one to its first occurrence. Minute 0 is tz_day_start. */
enum rc tz_local_instant(const char *zone, int64_t days, int minute, int64_t *instant);

#endif
