/*
 * ical.h — the only door to libical: writing an iCalendar (RFC 5545) feed of all-day
 * events, one per open activity, that calendar applications subscribe to.
 */
#ifndef WAYMARK_ICAL_H
#define WAYMARK_ICAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"

struct ical_event {
    const char *uid;         /* globally unique and stable, e.g. "activity-42@waymark" */
    int64_t day;             /* date.h day number: an all-day event on that date */
    const char *summary;     /* one line */
    const char *description; /* may be NULL; may hold newlines */
    const char *url;         /* may be NULL */
    int64_t stamp;           /* DTSTAMP, UTC seconds (when the data was last changed) */
};

/* Appends a VCALENDAR (PRODID "-//Waymark//Waymark//EN", VERSION 2.0, X-WR-CALNAME name,
 * METHOD PUBLISH) with one VEVENT per event (DTSTART;VALUE=DATE the day, DTEND the day
 * after, TRANSP TRANSPARENT) to out, with CRLF line ends and lines folded at 75 octets as
 * libical writes them. RC_NOMEM, or RC_INTERNAL when libical refuses (or a uid is not
 * printable ASCII without spaces). Control characters in the texts become spaces
 * (except line breaks and tabs in summary and description); a url that is not
 * printable ASCII is left out; name is cut to 255 bytes and left out when empty.
 * Appends nothing on failure (RC_TOO_LARGE when out is full). Thread-safe. */
enum rc ical_write(struct buf *out, const char *name, const struct ical_event *events, size_t n);

#endif
