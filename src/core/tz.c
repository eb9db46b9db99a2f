/*
 * tz.c — the only file that talks to ICU: local dates in a named zone as UTC instants.
 *
 * Each call opens its own calendar (ucal_open) and closes it, so nothing is shared
 * between threads. The calendar is proleptic Gregorian (the Julian cutover is moved to
 * the beginning of time) so that it agrees with date.h for every day number.
 */
#include "tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "date.h"

/* ICU's calendar covers about ±5.8 million years; stay well inside it. */
#define TZ_DAYS_LIMIT    INT64_C(36500000) /* about ±100,000 years of day numbers */
#define TZ_INSTANT_LIMIT (TZ_DAYS_LIMIT * 86400)
#define TZ_MIN_MILLIS    (-183882168921600000.0) /* ICU's earliest date */

/* The zone as UTF-16, or -1 when it is not a plausible IANA name (length, characters). */
static int32_t zone_uchars(const char *zone, UChar out[TZ_NAME_MAX + 1])
{
    if (!zone)
        return -1;
    size_t n = strnlen(zone, TZ_NAME_MAX + 1);
    if (n == 0 || n > TZ_NAME_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = zone[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+'))
            return -1;
    }
    u_uastrncpy(out, zone, (int32_t)n);
    out[n] = 0;
    return (int32_t)n;
}

static int known(const UChar *id, int32_t len)
{
    static const char UNKNOWN[] = "Etc/Unknown";
    UChar canonical[128];
    UBool system = 0;
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = ucal_getCanonicalTimeZoneID(id, len, canonical, 128, &system, &status);
    if (U_FAILURE(status) || !system || n <= 0 || n >= 128)
        return 0;
    /* ICU names what it does not know "Etc/Unknown"; that is not a zone. */
    UChar unknown[sizeof UNKNOWN];
    u_uastrncpy(unknown, UNKNOWN, (int32_t)sizeof UNKNOWN);
    if (u_strcmp(canonical, unknown) == 0 || u_strcmp(id, unknown) == 0)
        return 0;
    return 1;
}

int tz_valid(const char *zone)
{
    UChar id[TZ_NAME_MAX + 1];
    int32_t len = zone_uchars(zone, id);
    return len > 0 && known(id, len);
}

/* A Gregorian calendar in zone, or NULL with *rc set. Close it with ucal_close. */
static UCalendar *open_calendar(const char *zone, enum rc *rc)
{
    UChar id[TZ_NAME_MAX + 1];
    int32_t len = zone_uchars(zone, id);
    if (len <= 0 || !known(id, len)) {
        *rc = RC_INVALID;
        return NULL;
    }
    UErrorCode status = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(id, len, "en_US_POSIX", UCAL_GREGORIAN, &status);
    if (U_FAILURE(status) || !cal) {
        if (cal)
            ucal_close(cal);
        *rc = RC_INTERNAL;
        return NULL;
    }
    ucal_setGregorianChange(cal, TZ_MIN_MILLIS, &status);
    /* Lenient (ICU's default) so that a wall time in a gap resolves, and resolves forward:
     * a midnight that does not exist becomes the first local time that does. A repeated
     * wall time (the clocks going back) takes its first occurrence. */
    ucal_setAttribute(cal, UCAL_LENIENT, 1);
    ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
    ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    if (U_FAILURE(status)) {
        ucal_close(cal);
        *rc = RC_INTERNAL;
        return NULL;
    }
    *rc = RC_OK;
    return cal;
}

/* Opening a calendar costs tens of microseconds (zone rules, locale data), and a pass
 * over a tenant asks about one zone hundreds of thousands of times: each thread keeps the
 * calendar of the last zone it used. Freed when its thread ends. */
struct tz_cache {
    char zone[TZ_NAME_MAX + 1];
    UCalendar *cal;
};
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_ready;

static void cache_free(void *p)
{
    struct tz_cache *c = p;
    if (c->cal)
        ucal_close(c->cal);
    free(c);
}

static void cache_init(void)
{
    cache_ready = pthread_key_create(&cache_key, cache_free) == 0;
}

/* The calendar of zone for this thread, cleared of any fields; NULL with *rc set. Borrowed:
 * never close it. */
static UCalendar *calendar_for(const char *zone, enum rc *rc)
{
    pthread_once(&cache_once, cache_init);
    struct tz_cache *c = cache_ready ? pthread_getspecific(cache_key) : NULL;
    if (c && c->cal && strcmp(c->zone, zone) == 0) {
        ucal_clear(c->cal);
        *rc = RC_OK;
        return c->cal;
    }
    UCalendar *cal = open_calendar(zone, rc);
    if (!cal)
        return NULL;
    if (!c && cache_ready && (c = calloc(1, sizeof *c)) && pthread_setspecific(cache_key, c) != 0) {
        free(c);
        c = NULL;
    }
    if (!c) { /* out of memory for the cache itself */
        ucal_close(cal);
        *rc = RC_NOMEM;
        return NULL;
    }
    if (c->cal)
        ucal_close(c->cal);
    c->cal = cal;
    snprintf(c->zone, sizeof c->zone, "%s", zone);
    return cal;
}

enum rc tz_local_instant(const char *zone, int64_t days, int minute, int64_t *instant)
{
    enum rc rc;
    if (minute < 0 || minute >= 24 * 60)
        return RC_INVALID;
    if (days < -TZ_DAYS_LIMIT || days > TZ_DAYS_LIMIT)
        return RC_INVALID;
    UCalendar *cal = calendar_for(zone, &rc);
    if (!cal)
        return rc;
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    UErrorCode status = U_ZERO_ERROR;
    ucal_set(cal, UCAL_EXTENDED_YEAR, y);
    ucal_set(cal, UCAL_MONTH, m - 1);
    ucal_set(cal, UCAL_DATE, d);
    ucal_set(cal, UCAL_HOUR_OF_DAY, minute / 60);
    ucal_set(cal, UCAL_MINUTE, minute % 60);
    ucal_set(cal, UCAL_SECOND, 0);
    ucal_set(cal, UCAL_MILLISECOND, 0);
    UDate ms = ucal_getMillis(cal, &status);
    if (U_FAILURE(status))
        return RC_INTERNAL;
    /* Whole milliseconds, exact in a double at these magnitudes; floor to seconds. */
    int64_t whole = (int64_t)ms;
    *instant = whole / 1000 - (whole % 1000 < 0);
    return RC_OK;
}

enum rc tz_day_start(const char *zone, int64_t days, int64_t *instant)
{
    return tz_local_instant(zone, days, 0, instant);
}

enum rc tz_minute_of_day(const char *zone, int64_t instant, int *minute)
{
    enum rc rc;
    if (instant < -TZ_INSTANT_LIMIT || instant > TZ_INSTANT_LIMIT)
        return RC_INVALID;
    UCalendar *cal = calendar_for(zone, &rc);
    if (!cal)
        return rc;
    UErrorCode status = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)instant * 1000.0, &status);
    int32_t h = ucal_get(cal, UCAL_HOUR_OF_DAY, &status);
    int32_t m = ucal_get(cal, UCAL_MINUTE, &status);
    if (U_FAILURE(status))
        return RC_INTERNAL;
    *minute = (int)(h * 60 + m);
    return RC_OK;
}

enum rc tz_date_of(const char *zone, int64_t instant, int64_t *days)
{
    enum rc rc;
    if (instant < -TZ_INSTANT_LIMIT || instant > TZ_INSTANT_LIMIT)
        return RC_INVALID;
    UCalendar *cal = calendar_for(zone, &rc);
    if (!cal)
        return rc;
    UErrorCode status = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)instant * 1000.0, &status);
    int32_t y = ucal_get(cal, UCAL_EXTENDED_YEAR, &status);
    int32_t m = ucal_get(cal, UCAL_MONTH, &status);
    int32_t d = ucal_get(cal, UCAL_DATE, &status);
    if (U_FAILURE(status))
        return RC_INTERNAL;
    *days = date_from_ymd(y, m + 1, d);
    return RC_OK;
}
