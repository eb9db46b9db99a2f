/*
 * test_ical.c — the iCalendar writer (core/ical.h) and the secret calendar feed
 * (calendar/calendar.h): what calendar applications will read, parsed back with libical
 * as they would parse it.
 *
 * The calendar tests start from a fresh migrated database with two organisations: acme
 * (Europe/London: a learner, a colleague, a workflow) and other (America/New_York: a
 * learner). Enrolments and activities are inserted as rows, so every state the feed
 * must include or leave out is set up exactly. Runs on SQLite and again on PostgreSQL
 * when WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "calendar/calendar_api.h"
#include "core/date.h"
#include "core/ical.h"
#include "core/log.h"
#include "core/secure.h"
#include "fixture.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

/* ---- reading a calendar back ---- */

/* Parses text as a calendar application would; fails the test unless it is one
 * VCALENDAR without parse errors, with CRLF line ends and lines of at most 75 octets. */
static icalcomponent *parse_calendar(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            fail_msg("a line ends without CR at byte %td", p - text);
    }
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        if (end - line > 75)
            fail_msg("a line is %td octets long", end - line);
        line = end + 2;
    }
    icalcomponent *cal = icalparser_parse_string(text);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    return cal;
}

static int count_events(icalcomponent *cal)
{
    return icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
}

static icalcomponent *event_by_uid(icalcomponent *cal, const char *uid)
{
    for (icalcomponent *e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
        if (strcmp(icalcomponent_get_uid(e), uid) == 0)
            return e;
    return NULL;
}

static void assert_date(struct icaltimetype t, int y, int m, int d)
{
    assert_true(t.is_date);
    if (t.year != y || t.month != m || t.day != d)
        fail_msg("date %04d-%02d-%02d, want %04d-%02d-%02d", t.year, t.month, t.day, y, m, d);
}

static const char *url_of(icalcomponent *e)
{
    icalproperty *p = icalcomponent_get_first_property(e, ICAL_URL_PROPERTY);
    return p ? icalproperty_get_url(p) : NULL;
}

static const char *x_property(icalcomponent *c, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
        if (strcmp(icalproperty_get_x_name(p), name) == 0)
            return icalproperty_get_x(p);
    return NULL;
}

/* ---- ical_write ---- */

static void ical_writes_all_day_events_that_libical_reads_back(void **state)
{
    (void)state;
    char summary[400];
    size_t n = (size_t)snprintf(summary, sizeof summary, "Due: ");
    for (int i = 0; i < 60; i++) /* 120 bytes of two-byte characters: folded */
        n += (size_t)snprintf(summary + n, sizeof summary - n, "\xc3\xa9");
    struct ical_event ev[] = {
        {.uid = "activity-1@waymark",
         .day = date_from_ymd(2026, 12, 8),
         .summary = "Due: Notice one thing, today; then \\ reflect",
         .description = "Workflow: Giving feedback\nEffort: 15 minutes",
         .url = "https://acme.example/activities/1",
         .stamp = FIXTURE_NOW},
        {.uid = "activity-2@waymark",
         .day = date_from_ymd(2026, 12, 31),
         .summary = summary,
         .description = NULL,
         .url = NULL,
         .stamp = FIXTURE_NOW + 61},
        {.uid = "activity-3@waymark",
         .day = date_from_ymd(2028, 2, 28),
         .summary = "Bell\x07 and\x1b[31m escape",
         .description = "<script>alert(1)</script>\r\nline two\ttabbed",
         .url = "javascript:alert(1) x",
         .stamp = 0},
    };
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(buf_add(&out, "kept:"), RC_OK);
    assert_int_equal(ical_write(&out, "Waymark: Acme, Inc;\r\nX-INJECTED:1", ev, 3), RC_OK);
    assert_memory_equal(out.data, "kept:", 5);
    assert_non_null(strstr(out.data, "\r\nDTSTART;VALUE=DATE:20261208\r\n"));
    assert_non_null(strstr(out.data, "\r\nTRANSP:TRANSPARENT\r\n"));
    assert_null(strstr(out.data, "\nX-INJECTED"));

    icalcomponent *cal = parse_calendar(out.data + 5);
    assert_string_equal(
        icalproperty_get_prodid(icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY)),
        "-//Waymark//Waymark//EN");
    assert_string_equal(
        icalproperty_get_version(icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY)),
        "2.0");
    assert_int_equal(
        icalproperty_get_method(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY)),
        ICAL_METHOD_PUBLISH);
    const char *calname = x_property(cal, "X-WR-CALNAME");
    assert_non_null(calname);
    assert_non_null(strstr(calname, "Waymark: Acme"));
    assert_int_equal(count_events(cal), 3);

    icalcomponent *e = event_by_uid(cal, "activity-1@waymark");
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_summary(e),
                        "Due: Notice one thing, today; then \\ reflect");
    assert_string_equal(icalcomponent_get_description(e),
                        "Workflow: Giving feedback\nEffort: 15 minutes");
    assert_string_equal(url_of(e), "https://acme.example/activities/1");
    assert_date(icalcomponent_get_dtstart(e), 2026, 12, 8);
    assert_date(icalcomponent_get_dtend(e), 2026, 12, 9);
    struct icaltimetype stamp = icalcomponent_get_dtstamp(e);
    assert_true(icaltime_is_utc(stamp));
    assert_int_equal((int64_t)icaltime_as_timet(stamp), FIXTURE_NOW);
    assert_int_equal(
        icalproperty_get_transp(icalcomponent_get_first_property(e, ICAL_TRANSP_PROPERTY)),
        ICAL_TRANSP_TRANSPARENT);

    e = event_by_uid(cal, "activity-2@waymark");
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_summary(e), summary); /* unfolded whole */
    assert_null(icalcomponent_get_first_property(e, ICAL_DESCRIPTION_PROPERTY));
    assert_null(url_of(e));
    assert_date(icalcomponent_get_dtstart(e), 2026, 12, 31);
    assert_date(icalcomponent_get_dtend(e), 2027, 1, 1);

    e = event_by_uid(cal, "activity-3@waymark");
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_summary(e), "Bell  and [31m escape");
    assert_string_equal(icalcomponent_get_description(e),
                        "<script>alert(1)</script>\nline two\ttabbed");
    assert_null(url_of(e)); /* a URL with a space is left out */
    assert_date(icalcomponent_get_dtstart(e), 2028, 2, 28);
    assert_date(icalcomponent_get_dtend(e), 2028, 2, 29);
    icalcomponent_free(cal);
    buf_free(&out);
}

static void ical_writes_an_empty_calendar_and_refuses_bad_uids(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(ical_write(&out, "", NULL, 0), RC_OK);
    icalcomponent *cal = parse_calendar(out.data);
    assert_int_equal(count_events(cal), 0);
    assert_null(x_property(cal, "X-WR-CALNAME"));
    icalcomponent_free(cal);

    buf_reset(&out);
    struct ical_event bad[] = {
        {.uid = "has space@waymark", .day = 0, .summary = "x", .stamp = 0},
        {.uid = "", .day = 0, .summary = "x", .stamp = 0},
        {.uid = "ok@waymark", .day = 0, .summary = NULL, .stamp = 0},
    };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ical_write(&out, "n", &bad[i], 1), RC_INTERNAL);
        assert_int_equal(out.len, 0); /* nothing appended */
    }
    /* A full buffer is reported, not cut. */
    struct buf small;
    buf_init(&small, 64);
    struct ical_event one = {.uid = "a@waymark", .day = 1, .summary = "x", .stamp = 0};
    assert_int_equal(ical_write(&small, "n", &one, 1), RC_TOO_LARGE);
    buf_free(&small);
    buf_free(&out);
}

/* ---- the calendar feed ---- */

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t admin, learner, colleague, other_learner;
    int64_t workflow, version, phase;
};

static void as(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    ctx_clear(&w->cx);
}

static void as_learner(struct world *w)
{
    as(w, w->acme, w->learner, 0);
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, unsigned roles)
{
    as(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES,
                              .email = email,
                              .name = email,
                              .roles = roles};
    struct user u;
    assert_int_equal(users_create(&w->cx, &ch, &u), RC_OK);
    return u.id;
}

static int64_t insert(struct world *w, const char *sql, const struct db_arg *args, int n)
{
    int64_t id = 0;
    enum rc rc = db_value(w->db, sql, args, n, &id);
    if (rc)
        fail_msg("%s: %s", sql, db_errmsg(w->db));
    return id;
}
#define INSERT(w, sql, ...)                                                                        \
    insert((w), (sql), (const struct db_arg[]){__VA_ARGS__},                                       \
           (int)(sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)))

/* A published version of a workflow titled title in tenant. */
static void add_workflow(struct world *w, int64_t tenant, const char *title, int64_t *version,
                         int64_t *phase)
{
    int64_t wf = INSERT(w,
                        "INSERT INTO workflows (tenant_id, title, latest_version, created_at, "
                        "updated_at) VALUES ($1, $2, 1, $3, $3) RETURNING id",
                        DB_INT(tenant), DB_TEXT(title), DB_INT(FIXTURE_NOW));
    *version = INSERT(w,
                      "INSERT INTO workflow_versions (tenant_id, workflow_id, version, title, "
                      "outcome, description, pacing, phase_count, step_count, published_at) "
                      "VALUES ($1, $2, 1, $3, 'o', 'd', 'working_days', 1, 1, $4) RETURNING id",
                      DB_INT(tenant), DB_INT(wf), DB_TEXT(title), DB_INT(FIXTURE_NOW));
    *phase = INSERT(w,
                    "INSERT INTO workflow_version_phases (tenant_id, version_id, phase_key, "
                    "position, name) VALUES ($1, $2, 1, 1, 'Week 1') RETURNING id",
                    DB_INT(tenant), DB_INT(*version));
    w->workflow = wf;
}

static int64_t add_step(struct world *w, int64_t tenant, int64_t version, int64_t phase,
                        const char *title, int effort)
{
    return INSERT(w,
                  "INSERT INTO workflow_version_steps (tenant_id, version_id, version_phase_id, "
                  "step_key, position, kind, title, instructions, release_offset_days, "
                  "due_offset_days, effort_minutes, completion, evidence) VALUES ($1, $2, $3, "
                  "1, 1, 'practise', $4, '', 0, 1, $5, 'self', 'none') RETURNING id",
                  DB_INT(tenant), DB_INT(version), DB_INT(phase), DB_TEXT(title), DB_INT(effort));
}

static int64_t add_enrolment(struct world *w, int64_t tenant, int64_t version, int64_t user,
                             const char *status)
{
    int64_t wf = 0;
    assert_int_equal(DB_VALUE(w->db, "SELECT workflow_id FROM workflow_versions WHERE id = $1", &wf,
                              DB_INT(version)),
                     RC_OK);
    return INSERT(w,
                  "INSERT INTO enrolments (tenant_id, workflow_id, version_id, user_id, status, "
                  "start_date, total_steps, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                  "'2026-12-01', 1, $6, $6) RETURNING id",
                  DB_INT(tenant), DB_INT(wf), DB_INT(version), DB_INT(user), DB_TEXT(status),
                  DB_INT(FIXTURE_NOW));
}

static int64_t add_activity(struct world *w, int64_t tenant, int64_t enrolment, int64_t user,
                            int64_t step, const char *state, int64_t due_at, int64_t updated_at)
{
    return INSERT(w,
                  "INSERT INTO activities (tenant_id, enrolment_id, user_id, step_id, seq, state, "
                  "release_at, due_at, planned_due_at, updated_at) VALUES ($1, $2, $3, $4, 1, "
                  "$5, $6, $7, $7, $8) RETURNING id",
                  DB_INT(tenant), DB_INT(enrolment), DB_INT(user), DB_INT(step), DB_TEXT(state),
                  DB_INT(FIXTURE_NOW), DB_INT(due_at), DB_INT(updated_at));
}

static int64_t utc(int y, int m, int d, int hh, int mm, int ss)
{
    return date_from_ymd(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "ical", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    assert_int_equal(DB_RUN(w->db, "UPDATE tenants SET time_zone = $2 WHERE id = $1", NULL,
                            DB_INT(w->acme), DB_TEXT("Europe/London")),
                     RC_OK);
    assert_int_equal(DB_RUN(w->db, "UPDATE tenants SET time_zone = $2 WHERE id = $1", NULL,
                            DB_INT(w->other), DB_TEXT("America/New_York")),
                     RC_OK);
    w->admin = add_user(w, w->acme, "admin@acme.example", PEOPLE_ROLE_ADMIN);
    w->learner = add_user(w, w->acme, "learner@acme.example", 0);
    w->colleague = add_user(w, w->acme, "colleague@acme.example", 0);
    w->other_learner = add_user(w, w->other, "learner@other.example", 0);
    add_workflow(w, w->acme, "Giving specific, timely feedback", &w->version, &w->phase);
    as_learner(w);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    const char *pg_url = w->pg_url;
    ctx_clear(&w->cx);
    fixture_db_drop(w->db, w->pg_url, w->schema);
    free(w);
    *state = (void *)pg_url;
    return 0;
}

/* A text argument from a char array (DB_TEXT wants a pointer that may be NULL). */
static struct db_arg text_arg(const char *s)
{
    return DB_TEXT(s);
}

/* The token of a "/calendar/<token>.ics" URL. */
static void token_of(const char *url, char token[SECURE_TOKEN_HEX + 1])
{
    assert_int_equal(strncmp(url, "/calendar/", 10), 0);
    assert_int_equal(calendar_token_of_segment(url + 10, token), 0);
}

/* The feed of token as text (caller frees), or NULL with *rc set. */
static char *feed(struct world *w, const char *token, const char *base, enum rc *rc)
{
    struct buf out;
    buf_init(&out, 16 << 20);
    ctx_clear(&w->cx);
    *rc = calendar_feed(&w->cx, token, base, &out);
    if (*rc) {
        buf_free(&out);
        return NULL;
    }
    return buf_steal(&out, NULL);
}

static int64_t audit_count(struct world *w, const char *action, int64_t user)
{
    int64_t n = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target_id = $2 "
                              "AND actor_id = $2",
                              &n, DB_TEXT(action), DB_INT(user)),
                     RC_OK);
    return n;
}

static void a_new_feed_answers_until_replaced_or_revoked(void **state)
{
    struct world *w = *state;
    int active = -1;
    int64_t created_at = -1;
    assert_int_equal(calendar_status(&w->cx, &active, &created_at), RC_OK);
    assert_false(active);

    char url[CALENDAR_URL_MAX], first[SECURE_TOKEN_HEX + 1], second[SECURE_TOKEN_HEX + 1];
    assert_int_equal(calendar_create(&w->cx, url, &created_at), RC_OK);
    assert_int_equal(strlen(url), strlen("/calendar/.ics") + SECURE_TOKEN_HEX);
    assert_int_equal(created_at, FIXTURE_NOW);
    token_of(url, first);
    assert_int_equal(calendar_status(&w->cx, &active, &created_at), RC_OK);
    assert_true(active);
    assert_int_equal(created_at, FIXTURE_NOW);
    /* Only the hash is stored. */
    int64_t n = -1;
    assert_int_equal(DB_VALUE(w->db, "SELECT COUNT(*) FROM calendar_feeds WHERE token_hash = $1",
                              &n, text_arg(first)),
                     RC_OK);
    assert_int_equal(n, 0);

    enum rc rc;
    char *text = feed(w, first, NULL, &rc);
    assert_int_equal(rc, RC_OK);
    icalcomponent *cal = parse_calendar(text);
    assert_int_equal(count_events(cal), 0);
    icalcomponent_free(cal);
    free(text);

    /* A new feed replaces the old one: the old URL is dead at once. */
    w->cx.now = FIXTURE_NOW + 3600;
    assert_int_equal(calendar_create(&w->cx, url, &created_at), RC_OK);
    token_of(url, second);
    assert_string_not_equal(first, second);
    assert_null(feed(w, first, NULL, &rc));
    assert_int_equal(rc, RC_NOT_FOUND);
    assert_string_equal(w->cx.message, "There is no calendar at this address.");
    text = feed(w, second, NULL, &rc);
    assert_int_equal(rc, RC_OK);
    free(text);
    assert_int_equal(calendar_status(&w->cx, &active, &created_at), RC_OK);
    assert_int_equal(created_at, FIXTURE_NOW + 3600);
    assert_int_equal(DB_VALUE(w->db, "SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1", &n,
                              DB_INT(w->learner)),
                     RC_OK);
    assert_int_equal(n, 1);

    /* Revoking kills it; revoking again is fine and audits nothing more. */
    assert_int_equal(calendar_revoke(&w->cx), RC_OK);
    assert_null(feed(w, second, NULL, &rc));
    assert_int_equal(rc, RC_NOT_FOUND);
    assert_int_equal(calendar_status(&w->cx, &active, &created_at), RC_OK);
    assert_false(active);
    assert_int_equal(calendar_revoke(&w->cx), RC_OK);
    assert_int_equal(audit_count(w, "calendar.create", w->learner), 2);
    assert_int_equal(audit_count(w, "calendar.revoke", w->learner), 1);
    /* The audit log never holds the token or its hash. */
    char hash[SECURE_TOKEN_HEX + 1];
    secure_token_hash(second, hash);
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT COUNT(*) FROM audit_log WHERE changes LIKE $1 OR changes "
                              "LIKE $2",
                              &n, text_arg(second), text_arg(hash)),
                     RC_OK);
    assert_int_equal(n, 0);

    /* Tokens of the wrong shape or unknown ones are all the same 404. */
    static const char *const bad[] = {
        "", "abc", "0000000000000000000000000000000000000000000000000000000000000000",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(feed(w, bad[i], NULL, &rc));
        assert_int_equal(rc, RC_NOT_FOUND);
    }
    assert_null(feed(w, NULL, NULL, &rc));
    assert_int_equal(rc, RC_NOT_FOUND);
}

static void the_feed_holds_open_activities_of_active_enrolments_on_local_due_dates(void **state)
{
    struct world *w = *state;
    int64_t v = w->version, ph = w->phase;
    int64_t notice = add_step(w, w->acme, v, ph, "Notice one moment, then; write it \\ down", 15);
    int64_t talk = add_step(w, w->acme, v, ph, "Talk to your manager <b>now</b>", 90);
    int64_t read = add_step(w, w->acme, v, ph, "Read the guide", 60);
    int64_t active = add_enrolment(w, w->acme, v, w->learner, "active");
    int64_t updated = FIXTURE_NOW + 120;
    /* Due at the end of Tuesday 8 December in London (GMT). */
    int64_t a1 = add_activity(w, w->acme, active, w->learner, notice, "open",
                              utc(2026, 12, 8, 23, 59, 59), updated);
    /* Due at 00:30 on 2 June in London (BST): still 1 June in UTC. */
    int64_t a2 = add_activity(w, w->acme, active, w->learner, talk, "open",
                              utc(2027, 6, 1, 23, 30, 0), updated + 1);
    /* Due at the end of Monday 29 March 2027, after the clocks went forward. */
    int64_t a3 = add_activity(w, w->acme, active, w->learner, read, "open",
                              utc(2027, 3, 29, 22, 59, 59), updated + 2);
    /* Left out: done, waiting for a sign-off, skipped. */
    add_activity(w, w->acme, active, w->learner, read, "completed", utc(2026, 12, 9, 23, 59, 59),
                 updated);
    add_activity(w, w->acme, active, w->learner, read, "awaiting_signoff",
                 utc(2026, 12, 10, 23, 59, 59), updated);
    add_activity(w, w->acme, active, w->learner, read, "skipped", utc(2026, 12, 11, 23, 59, 59),
                 updated);
    /* Left out: open activities of withdrawn, paused and completed enrolments. */
    static const char *const ended[] = {"withdrawn", "paused", "completed"};
    for (int i = 0; i < 3; i++) {
        int64_t e = add_enrolment(w, w->acme, v, w->learner, ended[i]);
        add_activity(w, w->acme, e, w->learner, read, "open", utc(2026, 12, 14 + i, 23, 59, 59),
                     updated);
    }
    /* Left out: a colleague's activity. */
    int64_t theirs = add_enrolment(w, w->acme, v, w->colleague, "active");
    add_activity(w, w->acme, theirs, w->colleague, read, "open", utc(2026, 12, 8, 23, 59, 59),
                 updated);

    char url[CALENDAR_URL_MAX], token[SECURE_TOKEN_HEX + 1];
    int64_t created_at = 0;
    assert_int_equal(calendar_create(&w->cx, url, &created_at), RC_OK);
    token_of(url, token);
    enum rc rc;
    char *text = feed(w, token, "https://acme.example", &rc);
    assert_int_equal(rc, RC_OK);
    icalcomponent *cal = parse_calendar(text);
    assert_int_equal(count_events(cal), 3);
    assert_non_null(strstr(x_property(cal, "X-WR-CALNAME"), "Acme"));

    char uid[64], link[128];
    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)a1);
    icalcomponent *e = event_by_uid(cal, uid);
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_summary(e),
                        "Due: Notice one moment, then; write it \\ down");
    assert_string_equal(icalcomponent_get_description(e),
                        "Workflow: Giving specific, timely feedback\nEffort: 15 minutes");
    snprintf(link, sizeof link, "https://acme.example/activities/%lld", (long long)a1);
    assert_string_equal(url_of(e), link);
    assert_date(icalcomponent_get_dtstart(e), 2026, 12, 8);
    assert_date(icalcomponent_get_dtend(e), 2026, 12, 9);
    assert_int_equal((int64_t)icaltime_as_timet(icalcomponent_get_dtstamp(e)), updated);

    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)a2);
    e = event_by_uid(cal, uid);
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_summary(e), "Due: Talk to your manager <b>now</b>");
    assert_string_equal(icalcomponent_get_description(e),
                        "Workflow: Giving specific, timely feedback\nEffort: 1 hour 30 minutes");
    assert_date(icalcomponent_get_dtstart(e), 2027, 6, 2);
    assert_date(icalcomponent_get_dtend(e), 2027, 6, 3);
    assert_int_equal((int64_t)icaltime_as_timet(icalcomponent_get_dtstamp(e)), updated + 1);

    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)a3);
    e = event_by_uid(cal, uid);
    assert_non_null(e);
    assert_string_equal(icalcomponent_get_description(e),
                        "Workflow: Giving specific, timely feedback\nEffort: 1 hour");
    assert_date(icalcomponent_get_dtstart(e), 2027, 3, 29);

    /* Earliest due first. */
    icalcomponent *first = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)a1);
    assert_string_equal(icalcomponent_get_uid(first), uid);
    icalcomponent_free(cal);
    free(text);

    /* Without a base URL the events carry no link. */
    text = feed(w, token, "", &rc);
    assert_int_equal(rc, RC_OK);
    cal = parse_calendar(text);
    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)a1);
    assert_null(url_of(event_by_uid(cal, uid)));
    icalcomponent_free(cal);
    free(text);

    /* A deactivated person's feed stops answering. */
    assert_int_equal(
        DB_RUN(w->db, "UPDATE users SET active = 0 WHERE id = $1", NULL, DB_INT(w->learner)),
        RC_OK);
    assert_null(feed(w, token, "", &rc));
    assert_int_equal(rc, RC_NOT_FOUND);
}

static void a_token_opens_only_its_owners_feed_in_their_tenant(void **state)
{
    struct world *w = *state;
    int64_t ov = 0, oph = 0;
    add_workflow(w, w->other, "Other's workflow", &ov, &oph);
    int64_t ostep = add_step(w, w->other, ov, oph, "Other's step", 30);
    int64_t oe = add_enrolment(w, w->other, ov, w->other_learner, "active");
    /* 03:00 UTC on 9 December is still 8 December in New York. */
    int64_t oa = add_activity(w, w->other, oe, w->other_learner, ostep, "open",
                              utc(2026, 12, 9, 3, 0, 0), FIXTURE_NOW);
    int64_t step = add_step(w, w->acme, w->version, w->phase, "Acme step", 15);
    int64_t e = add_enrolment(w, w->acme, w->version, w->learner, "active");
    add_activity(w, w->acme, e, w->learner, step, "open", utc(2026, 12, 9, 3, 0, 0), FIXTURE_NOW);

    char url[CALENDAR_URL_MAX], mine[SECURE_TOKEN_HEX + 1], theirs[SECURE_TOKEN_HEX + 1];
    int64_t created_at = 0;
    assert_int_equal(calendar_create(&w->cx, url, &created_at), RC_OK);
    token_of(url, mine);
    as(w, w->other, w->other_learner, 0);
    int active = 0;
    assert_int_equal(calendar_status(&w->cx, &active, &created_at), RC_OK);
    assert_false(active); /* the acme learner's feed is not theirs */
    assert_int_equal(calendar_create(&w->cx, url, &created_at), RC_OK);
    token_of(url, theirs);

    /* Whoever asks (here: the acme learner's context), the token alone decides. */
    as_learner(w);
    enum rc rc;
    char *text = feed(w, theirs, NULL, &rc);
    assert_int_equal(rc, RC_OK);
    icalcomponent *cal = parse_calendar(text);
    assert_int_equal(count_events(cal), 1);
    char uid[64];
    snprintf(uid, sizeof uid, "activity-%lld@waymark", (long long)oa);
    icalcomponent *ev = event_by_uid(cal, uid);
    assert_non_null(ev);
    assert_string_equal(icalcomponent_get_summary(ev), "Due: Other's step");
    assert_date(icalcomponent_get_dtstart(ev), 2026, 12, 8);
    assert_non_null(strstr(x_property(cal, "X-WR-CALNAME"), "Other"));
    icalcomponent_free(cal);
    free(text);

    text = feed(w, mine, NULL, &rc);
    assert_int_equal(rc, RC_OK);
    cal = parse_calendar(text);
    assert_int_equal(count_events(cal), 1);
    assert_null(event_by_uid(cal, uid));
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_date(icalcomponent_get_dtstart(ev), 2026, 12, 9); /* London */
    icalcomponent_free(cal);
    free(text);

    /* Revoking in one tenant leaves the other alone. */
    assert_int_equal(calendar_revoke(&w->cx), RC_OK);
    text = feed(w, theirs, NULL, &rc);
    assert_int_equal(rc, RC_OK);
    free(text);
    assert_null(feed(w, mine, NULL, &rc));
}

static void feed_paths_and_link_bases_are_checked(void **state)
{
    (void)state;
    char token[SECURE_TOKEN_HEX + 1];
    const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char seg[128];
    snprintf(seg, sizeof seg, "%s.ics", hex);
    assert_int_equal(calendar_token_of_segment(seg, token), 0);
    assert_string_equal(token, hex);
    static const char *const bad[] = {
        "",
        ".ics",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde.ics",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0.ics",
        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.ics",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.ICS",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.ics.txt",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.ic",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdg.ics",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (calendar_token_of_segment(bad[i], token) == 0)
            fail_msg("accepted segment \"%s\"", bad[i]);
    assert_int_equal(calendar_token_of_segment(NULL, token), -1);

    char base[CALENDAR_BASE_MAX];
    calendar_base_url("acme.example", NULL, base);
    assert_string_equal(base, "http://acme.example");
    calendar_base_url("acme.example:8443", "HTTPS", base);
    assert_string_equal(base, "https://acme.example:8443");
    calendar_base_url("127.0.0.1:8080", "http", base);
    assert_string_equal(base, "http://127.0.0.1:8080");
    calendar_base_url("[::1]:9000", "https", base);
    assert_string_equal(base, "https://[::1]:9000");
    calendar_base_url("learn.acme.example", "https, http", base);
    assert_string_equal(base, "http://learn.acme.example");
    static const char *const hosts[] = {
        "",
        "evil.example/path",
        "evil.example\r\nX: y",
        "a b",
        "user@evil.example",
        "acme.example:",
        "acme.example:99999x",
        "acme.example:123456",
        "[::1",
        "[]",
        ":80",
        "acme.example?x",
        "\"quoted\"",
        "<script>",
    };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        calendar_base_url(hosts[i], "https", base);
        if (base[0])
            fail_msg("host \"%s\" gave base \"%s\"", hosts[i], base);
    }
    calendar_base_url(NULL, "https", base);
    assert_string_equal(base, "");
}

static const char *resp_header_value(const struct resp *rs, const char *name)
{
    for (int i = 0; i < rs->nheaders; i++)
        if (strcmp(rs->headers[i].name, name) == 0)
            return rs->headers[i].value;
    return NULL;
}

static void the_handlers_answer_json_and_text_calendar(void **state)
{
    struct world *w = *state;
    int64_t step = add_step(w, w->acme, w->version, w->phase, "Handler step", 15);
    int64_t e = add_enrolment(w, w->acme, w->version, w->learner, "active");
    int64_t a = add_activity(w, w->acme, e, w->learner, step, "open", utc(2026, 12, 8, 23, 59, 59),
                             FIXTURE_NOW);

    struct fake_req f;
    struct resp rs;
    fake_req_init(&f, "GET", "/api/v1/me/calendar");
    resp_init(&rs);
    assert_int_equal(calendar_api_get(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    json_t *got = json_loads(rs.body.data, 0, NULL);
    assert_non_null(got);
    assert_true(json_is_false(json_object_get(got, "active")));
    assert_int_equal(json_object_size(got), 1);
    json_decref(got);
    resp_free(&rs);

    fake_req_init(&f, "POST", "/api/v1/me/calendar");
    resp_init(&rs);
    assert_int_equal(calendar_api_create(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 201);
    assert_string_equal(resp_header_value(&rs, "Cache-Control"), "no-store");
    json_t *body = json_loads(rs.body.data, 0, NULL);
    assert_non_null(body);
    const char *url = json_string_value(json_object_get(body, "url"));
    assert_non_null(url);
    assert_string_equal(json_string_value(json_object_get(body, "created_at")),
                        "2026-12-01T09:00:00Z");
    char segment[128];
    snprintf(segment, sizeof segment, "%s", url + strlen("/calendar/"));
    json_decref(body);
    resp_free(&rs);

    /* A body with fields is refused. */
    json_t *json = json_pack("{s:s}", "token", "mine");
    fake_req_init(&f, "POST", "/api/v1/me/calendar");
    f.rq.json = json;
    resp_init(&rs);
    ctx_clear(&w->cx);
    assert_int_equal(calendar_api_create(&w->cx, &f.rq, &rs), RC_INVALID);
    resp_free(&rs);
    json_decref(json);

    fake_req_init(&f, "GET", "/api/v1/me/calendar");
    resp_init(&rs);
    assert_int_equal(calendar_api_get(&w->cx, &f.rq, &rs), RC_OK);
    got = json_loads(rs.body.data, 0, NULL);
    assert_non_null(got);
    assert_true(json_is_true(json_object_get(got, "active")));
    assert_string_equal(json_string_value(json_object_get(got, "created_at")),
                        "2026-12-01T09:00:00Z");
    json_decref(got);
    resp_free(&rs);

    /* The feed, signed out: only the path and the Host header matter. */
    struct ctx anon;
    fixture_ctx(&anon, w->db);
    fake_req_init(&f, "GET", "/calendar/x");
    f.rq.params[0] = segment;
    f.rq.nparams = 1;
    f.headers[0][0] = "Host";
    f.headers[0][1] = "learn.acme.example";
    f.headers[1][0] = "X-Forwarded-Proto";
    f.headers[1][1] = "https";
    resp_init(&rs);
    assert_int_equal(calendar_api_feed(&anon, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_string_equal(rs.content_type, "text/calendar; charset=utf-8");
    assert_string_equal(resp_header_value(&rs, "Cache-Control"), "private, max-age=300");
    icalcomponent *cal = parse_calendar(rs.body.data);
    assert_int_equal(count_events(cal), 1);
    char link[128];
    snprintf(link, sizeof link, "https://learn.acme.example/activities/%lld", (long long)a);
    assert_string_equal(url_of(icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT)),
                        link);
    icalcomponent_free(cal);
    resp_free(&rs);

    /* Other shapes of the segment are 404 before any lookup. */
    static const char *const bad[] = {"x.ics", "calendar.ics", "", "../../etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f.rq.params[0] = bad[i];
        resp_init(&rs);
        ctx_clear(&anon);
        assert_int_equal(calendar_api_feed(&anon, &f.rq, &rs), RC_NOT_FOUND);
        assert_int_equal(rs.body.len, 0);
        resp_free(&rs);
    }

    fake_req_init(&f, "DELETE", "/api/v1/me/calendar");
    resp_init(&rs);
    assert_int_equal(calendar_api_revoke(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 204);
    resp_free(&rs);
    fake_req_init(&f, "GET", "/calendar/x");
    f.rq.params[0] = segment;
    f.rq.nparams = 1;
    resp_init(&rs);
    ctx_clear(&anon);
    assert_int_equal(calendar_api_feed(&anon, &f.rq, &rs), RC_NOT_FOUND);
    resp_free(&rs);
    ctx_clear(&anon);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(ical_writes_all_day_events_that_libical_reads_back),
        cmocka_unit_test(ical_writes_an_empty_calendar_and_refuses_bad_uids),
        cmocka_unit_test(feed_paths_and_link_bases_are_checked),
    };
    const struct CMUnitTest tests[] = {
        T(a_new_feed_answers_until_replaced_or_revoked),
        T(the_feed_holds_open_activities_of_active_enrolments_on_local_due_dates),
        T(a_token_opens_only_its_owners_feed_in_their_tenant),
        T(the_handlers_answer_json_and_text_calendar),
    };
    if (secure_init() != RC_OK)
        return 1;
    log_set_level(LOG_ERROR);
    int failed = cmocka_run_group_tests_name("ical", pure, NULL, NULL);
    failed += FIXTURE_RUN_ON_BOTH("calendar", tests, NULL);
    icalmemory_free_ring();
    return failed;
}
