/*
 * ical.c — iCalendar feeds through libical (see ical.h); the only file that includes it.
 *
 * The calendar is built as a libical component tree (VCALENDAR holding VEVENTs) and
 * serialised with icalcomponent_as_ical_string_r, so escaping (commas, semicolons,
 * backslashes and newlines in TEXT values) and line folding are libical's, not
 * hand-written. Only the *_r serialiser is used: the plain variants return strings from
 * a per-thread ring buffer that lives on after the call. The ring libical still uses
 * internally is released at the end of each call, so a server thread keeps nothing.
 *
 * libical writes control characters as they are, and values that are not TEXT
 * unescaped, so they are made safe here: TEXT values and the calendar name (an X-
 * property) have their control characters (but line breaks and tabs in TEXT) replaced
 * by spaces, and a URL or UID with a character outside printable ASCII is left out or
 * refused.
 *
 * Thread-safe: each call builds and frees its own tree (libical's error state is
 * per thread).
 */
#include "ical.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

#define ICAL_PRODID   "-//Waymark//Waymark//EN"
#define ICAL_NAME_MAX 255 /* bytes of the calendar name kept */

/* The rc for a libical failure: allocation, or a refusal. */
static enum rc ical_rc(void)
{
    return icalerrno == ICAL_NEWFAILED_ERROR || icalerrno == ICAL_ALLOCATION_ERROR ? RC_NOMEM
                                                                                   : RC_INTERNAL;
}

/* Adds p to c; RC_OK, or the failure that made p NULL. */
static enum rc add(icalcomponent *c, icalproperty *p)
{
    if (!p)
        return ical_rc();
    icalcomponent_add_property(c, p);
    return RC_OK;
}

/* 1 when s is non-empty printable ASCII without spaces (UIDs and URLs). */
static int printable_ascii(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* A copy of s for a TEXT value: RFC 5545 allows no control characters but the line
 * breaks libical escapes (a CR is dropped by libical) and tab; others become spaces.
 * NULL when out of memory (free() the copy). */
static char *text_dup(const char *s)
{
    char *t = strdup(s);
    if (t)
        for (char *p = t; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
                *p = ' ';
    return t;
}

/* Adds a TEXT property made by make from a cleaned copy of s. */
static enum rc add_text(icalcomponent *c, icalproperty *(*make)(const char *), const char *s)
{
    char *t = text_dup(s);
    if (!t)
        return RC_NOMEM;
    enum rc rc = add(c, make(t));
    free(t);
    return rc;
}

static struct icaltimetype all_day(int64_t day)
{
    struct icaltimetype t = icaltime_null_date();
    int y = 0, m = 0, d = 0;
    date_to_ymd(day, &y, &m, &d);
    t.year = y;
    t.month = m;
    t.day = d;
    return t;
}

static enum rc event_add(icalcomponent *cal, const struct ical_event *e)
{
    if (!printable_ascii(e->uid) || !e->summary)
        return RC_INTERNAL;
    icalcomponent *ev = icalcomponent_new_vevent();
    if (!ev)
        return ical_rc();
    icalcomponent_add_component(cal, ev); /* cal owns it from here */
    enum rc rc;
    struct icaltimetype stamp =
        icaltime_from_timet_with_zone((time_t)e->stamp, 0, icaltimezone_get_utc_timezone());
    if ((rc = add(ev, icalproperty_new_uid(e->uid))) ||
        (rc = add(ev, icalproperty_new_dtstamp(stamp))) ||
        (rc = add(ev, icalproperty_new_dtstart(all_day(e->day)))) ||
        (rc = add(ev, icalproperty_new_dtend(all_day(e->day + 1)))) ||
        (rc = add_text(ev, icalproperty_new_summary, e->summary)) ||
        (rc = add(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT))))
        return rc;
    if (e->description && (rc = add_text(ev, icalproperty_new_description, e->description)))
        return rc;
    if (printable_ascii(e->url) && (rc = add(ev, icalproperty_new_url(e->url))))
        return rc;
    return RC_OK;
}

/* name without control characters (an X- value is written as it is), cut to
 * ICAL_NAME_MAX bytes on a UTF-8 boundary. */
static void name_clean(const char *name, char out[ICAL_NAME_MAX + 1])
{
    const char *s = name ? name : "";
    size_t n = strlen(s);
    if (n > ICAL_NAME_MAX) {
        n = ICAL_NAME_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
    out[n] = '\0';
}

enum rc ical_write(struct buf *out, const char *name, const struct ical_event *events, size_t n)
{
    enum rc rc = RC_OK;
    char *text = NULL;
    char clean[ICAL_NAME_MAX + 1];
    icalproperty *calname = NULL;
    icalcomponent *cal = icalcomponent_new_vcalendar();
    if (!cal) {
        rc = ical_rc();
        goto out;
    }
    name_clean(name, clean);
    if ((rc = add(cal, icalproperty_new_prodid(ICAL_PRODID))) ||
        (rc = add(cal, icalproperty_new_version("2.0"))) ||
        (rc = add(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH))))
        goto out;
    if (clean[0]) {
        if (!(calname = icalproperty_new_x(clean))) {
            rc = ical_rc();
            goto out;
        }
        icalproperty_set_x_name(calname, "X-WR-CALNAME");
        icalcomponent_add_property(cal, calname);
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = event_add(cal, &events[i])))
            goto out;
    if (!(text = icalcomponent_as_ical_string_r(cal))) {
        rc = ical_rc();
        goto out;
    }
    rc = buf_add(out, text);
out:
    icalmemory_free_buffer(text);
    if (cal)
        icalcomponent_free(cal);
    icalmemory_free_ring();
    return rc;
}
