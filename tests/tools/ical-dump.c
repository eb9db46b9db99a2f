/*
 * ical-dump.c — a test tool: reads an iCalendar text on stdin, parses it with libical
 * and prints one JSON object per VEVENT, one per line, so the e2e tests can check a
 * calendar feed the way a calendar application would read it:
 *
 *   {"uid": "…", "summary": "…", "start": "2026-12-08", "end": "2026-12-09",
 *    "description": "…" | null, "url": "…" | null}
 *
 * start and end are "YYYY-MM-DD" for all-day dates; a date-time is printed in full
 * ("2026-12-08T09:00:00", with "Z" when in UTC) so that a feed that stopped writing
 * all-day events is noticed. A missing end is null. Exits 1 with a message on stderr
 * when the text does not parse, has parse errors, is not one VCALENDAR, or holds text
 * that is not UTF-8. Not installed.
 */
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_INPUT_MAX (64L << 20)

static int fail(const char *message)
{
    fprintf(stderr, "ical-dump: %s\n", message);
    return 1;
}

static char *read_all(FILE *f)
{
    size_t len = 0, cap = 1 << 16;
    char *data = malloc(cap);
    while (data) {
        size_t got = fread(data + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (len + 1 == cap) {
            if (cap >= (size_t)DUMP_INPUT_MAX) {
                free(data);
                return NULL;
            }
            char *grown = realloc(data, cap * 2);
            if (!grown)
                free(data);
            data = grown;
            cap *= 2;
        }
    }
    if (data)
        data[len] = '\0';
    return data;
}

/* The first parse error (an X-LIC-ERROR property) in c or below it, or NULL. */
static const char *first_error(icalcomponent *c)
{
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
    if (p)
        return icalproperty_get_xlicerror(p);
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        const char *e = first_error(k);
        if (e)
            return e;
    }
    return NULL;
}

static json_t *time_json(struct icaltimetype t)
{
    if (icaltime_is_null_time(t))
        return json_null();
    char text[32];
    if (t.is_date)
        snprintf(text, sizeof text, "%04d-%02d-%02d", t.year, t.month, t.day);
    else
        snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%s", t.year, t.month, t.day,
                 t.hour, t.minute, t.second, icaltime_is_utc(t) ? "Z" : "");
    return json_string(text);
}

/* A JSON string of s, null for NULL; NULL when s is not UTF-8. */
static json_t *text_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

int main(void)
{
    char *text = read_all(stdin);
    if (!text)
        return fail("cannot read stdin (out of memory or over 64 MiB)");
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    if (!cal)
        return fail("the input does not parse as iCalendar");
    if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        icalcomponent_free(cal);
        return fail("the input is not one VCALENDAR");
    }
    if (icalcomponent_count_errors(cal) > 0) {
        const char *e = first_error(cal);
        fprintf(stderr, "ical-dump: parse error: %s\n", e ? e : "(no message)");
        icalcomponent_free(cal);
        return 1;
    }
    int rc = 0;
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        icalproperty *url = icalcomponent_get_first_property(ev, ICAL_URL_PROPERTY);
        json_t *uid = text_json(icalcomponent_get_uid(ev));
        json_t *summary = text_json(icalcomponent_get_summary(ev));
        json_t *description = text_json(icalcomponent_get_description(ev));
        json_t *link = text_json(url ? icalproperty_get_url(url) : NULL);
        if (!uid || !summary || !description || !link) {
            json_decref(uid);
            json_decref(summary);
            json_decref(description);
            json_decref(link);
            rc = fail("an event holds text that is not UTF-8");
            break;
        }
        json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "uid", uid, "summary", summary,
                              "start", time_json(icalcomponent_get_dtstart(ev)), "end",
                              time_json(icalcomponent_get_dtend(ev)), "description", description,
                              "url", link);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!line) {
            rc = fail("out of memory");
            break;
        }
        puts(line);
        free(line);
    }
    icalcomponent_free(cal);
    icalmemory_free_ring();
    return rc;
}
