/*
 * nudges.c — the scheduler's notification pass (see nudges.h for what is sent when).
 *
 * Per organisation the pass loads what posting needs once (notify_tenant_load), works out
 * its local day, and then, kind by kind, finds what is new with one or a few index range
 * queries (nudges_store.h), collects the rows, and posts a notice per row
 * (notify_post_with). The finders already leave out what was told, so a second pass at
 * the same instant finds nothing; the de-duplication keys make sure of it even when two
 * servers race.
 *
 * Days. today is the local date of cx->now in the organisation's zone; day-based notices
 * wait until send_hour local (tz_local_instant, so a daylight-saving day still sends at
 * 09:00 on the wall clock). Working days are the organisation's (a struct pacing with its
 * working days and calendar_days 0), whatever a workflow's own pacing. W(k), the k-th
 * working day before today (W(0) = today), frames the windows: an activity is on its
 * N-th overdue working day when its local due date D is in [W(N), W(N-1)) — so with
 * Monday to Friday, Monday's "day 1" covers Friday, Saturday and Sunday. A local date is
 * turned into instants with tz_day_start, and each window is a range of due_at.
 *
 * Wording. Titles follow docs/notifications.md exactly; they are cut at NOTIFY_TITLE_MAX
 * bytes on a character boundary (a 200-character name and a 200-character step would not
 * fit). Bodies are a sentence or three in plain text; notify renders them into the
 * organisation's email layout with the link and its label. The digest also brings its own
 * HTML (a small table), every value escaped.
 *
 * Old enrolment events (before this pass existed, or while it was off) older than
 * NUDGES_LOOKBACK_DAYS are marked told without a notice: a "you completed" from last
 * year helps nobody.
 */
#include "nudges.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/log.h"
#include "core/tz.h"
#include "enrolment/pacing.h"
#include "notify_settings.h"
#include "notify_render.h"
#include "nudges_store.h"
#include "people/people.h"
#include "team/team.h"
#include "tenant/tenant.h"

#define DAY                  86400
#define NUDGES_LOOKBACK_DAYS 14   /* sign-off requests, returns and events older are not told */
#define NUDGES_EVENTS_MAX    5000 /* enrolment events told per organisation and pass */
#define NUDGES_NEW_LISTED    10   /* activities a new-activities notice names */
#define NUDGES_DIGEST_BUDGET (64 * 1024) /* bytes of text or HTML after which the digest stops */

static const char *const WEEKDAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const WEEKDAYS_LONG[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const MONTHS_LONG[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* One organisation's pass. */
struct pass {
    struct ctx *cx;
    struct notify_tenant *nt;
    struct tenant t;
    struct notify_settings s;
    struct pacing p;
    int64_t today; /* local date */
    char date[DATE_TEXT];
    char title[NOTIFY_TITLE_MAX + 1];
    char key[NOTIFY_KEY_MAX + 1];
    char link[48];
    struct buf text, html;
    int64_t budget; /* notices this pass may still post in this organisation */
};

static enum rc zone_fail(struct pass *ps)
{
    log_line(LOG_ERROR, "nudges", ps->cx->request_id, NULL, "time zone %s failed", ps->t.time_zone);
    return ctx_fail(ps->cx, RC_INTERNAL, NULL, "The organisation's time zone could not be used.");
}

static enum rc db_fail(struct pass *ps, enum rc rc, const char *what)
{
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, "nudges", ps->cx->request_id, NULL, "%s: %s", what,
                 db_errmsg(ps->cx->db));
    return rc;
}

static enum rc day_start(struct pass *ps, int64_t day, int64_t *at)
{
    return tz_day_start(ps->t.time_zone, day, at) ? zone_fail(ps) : RC_OK;
}

/* The k-th working day before today (k ≥ 0; today itself for 0). */
static int64_t working_days_before(const struct pass *ps, int k)
{
    int64_t d = ps->today;
    while (k > 0)
        if (pacing_is_day(&ps->p, --d))
            k--;
    return d;
}

/* "Mon 7 Dec" (short) or "Monday 7 December". */
static void date_words(int64_t day, int long_form, char *out, size_t size)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    int wd = date_weekday(day);
    snprintf(out, size, "%s %d %s", long_form ? WEEKDAYS_LONG[wd] : WEEKDAYS[wd], d,
             long_form ? MONTHS_LONG[m - 1] : MONTHS[m - 1]);
}

/* The local date of instant, in words. */
static enum rc instant_words(struct pass *ps, int64_t instant, int long_form, char *out,
                             size_t size)
{
    int64_t day;
    if (tz_date_of(ps->t.time_zone, instant, &day))
        return zone_fail(ps);
    date_words(day, long_form, out, size);
    return RC_OK;
}

/* Sets ps->title, cut to NOTIFY_TITLE_MAX bytes on a UTF-8 character boundary with "…". */
static void set_title(struct pass *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_title(struct pass *ps, const char *fmt, ...)
{
    char full[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(full, sizeof full, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : strlen(full);
    if (len > NOTIFY_TITLE_MAX) {
        len = NOTIFY_TITLE_MAX - 3; /* room for "…" */
        while (len > 0 && ((unsigned char)full[len] & 0xC0) == 0x80)
            len--;
        memcpy(full + len, "\xE2\x80\xA6", 3);
        len += 3;
    }
    memcpy(ps->title, full, len);
    ps->title[len] = '\0';
}

static void set_key(struct pass *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_key(struct pass *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->key, sizeof ps->key, fmt, ap);
    va_end(ap);
}

static void set_activity_link(struct pass *ps, int64_t activity_id)
{
    snprintf(ps->link, sizeof ps->link, "/activities/%lld", (long long)activity_id);
}

/* Posts the notice of ps->key, ps->title and ps->text to user. */
static enum rc post(struct pass *ps, enum notify_kind kind, int64_t user, const char *html,
                    const char *link, const char *label)
{
    enum rc rc = buf_failed(&ps->text);
    if (rc || (html && (rc = buf_failed(&ps->html))))
        return rc;
    struct notice n = {.kind = kind,
                       .key = ps->key,
                       .user_id = user,
                       .title = ps->title,
                       .text = ps->text.data,
                       .html = html,
                       .link = link,
                       .action_label = label};
    int created = 0;
    rc = notify_post_with(ps->cx, ps->nt, &n, &created);
    if (created)
        ps->budget--;
    return rc;
}

/* ---- at any hour ---------------------------------------------------------------------- */

/* 1 when the event's data (NULL when it is not JSON) has the integer key, then in *out. */
static int event_int(const json_t *data, const char *key, json_int_t *out)
{
    const json_t *v = json_object_get(data, key);
    *out = json_is_integer(v) ? json_integer_value(v) : 0;
    return json_is_integer(v);
}

/* The learner's notice of one enrolment event, and for a re-plan their manager's. */
static enum rc tell_event(struct pass *ps, const struct nudges_row *r)
{
    const char *wf = r->workflow_title, *kind = r->kind;
    json_t *data = json_loads(r->text, 0, NULL);
    json_int_t moved = 0, n = 0;
    int has_moved = event_int(data, "moved", &moved);
    enum rc rc = RC_OK;
    buf_reset(&ps->text);
    if (strcmp(kind, "replanned") == 0) {
        set_title(ps, "Your plan for %s was updated", wf);
        buf_addf(&ps->text,
                 "You had fallen behind in %s, so the rest of your plan was spread out "
                 "from today",
                 wf);
        if (has_moved)
            buf_addf(&ps->text, ": %lld %s new due dates.", (long long)moved,
                     moved == 1 ? "activity has" : "activities have");
        else
            buf_add(&ps->text, ".");
        buf_add(&ps->text, " Your list shows what is due first.");
    } else if (strcmp(kind, "paused") == 0) {
        set_title(ps, "%s is paused", wf);
        buf_addf(&ps->text,
                 "Your plan for %s is paused. Nothing falls due while it is paused, and "
                 "your dates move on when it resumes.",
                 wf);
    } else if (strcmp(kind, "resumed") == 0) {
        set_title(ps, "%s has resumed", wf);
        buf_addf(&ps->text, "Your plan for %s has resumed.", wf);
        if (event_int(data, "paused_days", &n) && n > 0)
            buf_addf(&ps->text, " Your open activities moved on by %lld working %s.", (long long)n,
                     n == 1 ? "day" : "days");
    } else if (strcmp(kind, "withdrawn") == 0) {
        set_title(ps, "You were withdrawn from %s", wf);
        buf_addf(&ps->text, "You are no longer enrolled on %s. What you completed is kept.", wf);
    } else if (strcmp(kind, "completed") == 0) {
        set_title(ps, "You completed %s", wf);
        buf_addf(&ps->text, "Well done: you completed every activity of %s.", wf);
    } else {
        goto out; /* a kind this version does not tell */
    }
    if (r->learner_active) {
        set_key(ps, "enrolment:%lld:%lld", (long long)r->id, (long long)r->learner_id);
        if ((rc = post(ps, NOTIFY_ENROLMENT, r->learner_id, NULL, "/", "Open your activities")))
            goto out;
    }
    if (strcmp(kind, "replanned") == 0 && r->manager_id > 0 && r->recipient_active &&
        r->learner_active) {
        set_title(ps, "%s's plan for %s was updated", r->learner_name, wf);
        buf_reset(&ps->text);
        buf_addf(&ps->text,
                 "%s had fallen behind in %s, so the rest of their plan was spread out "
                 "from today",
                 r->learner_name, wf);
        if (has_moved)
            buf_addf(&ps->text, " (%lld %s moved).", (long long)moved,
                     moved == 1 ? "activity" : "activities");
        else
            buf_add(&ps->text, ".");
        buf_add(&ps->text, " A word from you this week may help them keep going.");
        set_key(ps, "enrolment:%lld:%lld", (long long)r->id, (long long)r->manager_id);
        rc = post(ps, NOTIFY_ENROLMENT, r->manager_id, NULL, "/team", "See your team");
    }
out:
    json_decref(data);
    return rc;
}

static enum rc enrolment_events(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    struct nudges_rows rows = {0};
    enum rc rc = nudges_store_events(cx->db, cx->actor.tenant_id, NUDGES_EVENTS_MAX, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
        const struct nudges_row *r = &rows.rows[i];
        if (r->at >= cx->now - (int64_t)NUDGES_LOOKBACK_DAYS * DAY)
            rc = tell_event(ps, r);
        if (!rc)
            rc = nudges_store_event_notified(cx->db, cx->actor.tenant_id, r->id, cx->now);
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "enrolment events");
}

static enum rc signoff_requests(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    struct nudges_rows rows = {0};
    enum rc rc = nudges_store_awaiting(
        cx->db, cx->actor.tenant_id, cx->now - (int64_t)NUDGES_LOOKBACK_DAYS * DAY, cx->now, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
        const struct nudges_row *r = &rows.rows[i];
        /* A coach signs off only while they hold the role (authz_can_sign_off). */
        if (strcmp(r->kind, "coach_signoff") == 0 && !(r->recipient_roles & PEOPLE_ROLE_COACH))
            continue;
        set_key(ps, "signoff_request:%lld:%lld", (long long)r->activity_id, (long long)r->at);
        set_title(ps, "Sign-off requested: %s, %s", r->learner_name, r->step_title);
        buf_reset(&ps->text);
        buf_addf(&ps->text,
                 "%s has finished \xE2\x80\x9C%s\xE2\x80\x9D in %s and asks for your "
                 "sign-off. Look at what they did, then approve it or send it back "
                 "with a note.",
                 r->learner_name, r->step_title, r->workflow_title);
        rc = post(ps, NOTIFY_SIGNOFF_REQUEST, r->recipient_id, NULL, "/signoffs",
                  "Review sign-offs");
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "sign-off requests");
}

static enum rc returns(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    struct nudges_rows rows = {0};
    enum rc rc = nudges_store_returned(
        cx->db, cx->actor.tenant_id, cx->now - (int64_t)NUDGES_LOOKBACK_DAYS * DAY, cx->now, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
        const struct nudges_row *r = &rows.rows[i];
        set_key(ps, "returned:%lld", (long long)r->id);
        set_title(ps, "Returned for another look: %s", r->step_title);
        buf_reset(&ps->text);
        buf_addf(&ps->text,
                 "%s looked at \xE2\x80\x9C%s\xE2\x80\x9D in %s and sent it back for "
                 "another look.",
                 r->author[0] ? r->author : "Your reviewer", r->step_title, r->workflow_title);
        if (r->text[0])
            buf_addf(&ps->text, "\n\nTheir note: %s", r->text);
        buf_add(&ps->text, "\n\nChange what is needed and submit it again.");
        set_activity_link(ps, r->activity_id);
        rc = post(ps, NOTIFY_RETURNED, r->learner_id, NULL, ps->link, "Open the activity");
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "returned activities");
}

/* ---- from the send hour ------------------------------------------------------------------ */

static enum rc new_activities(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    struct nudges_rows rows = {0};
    int64_t from, tomorrow;
    enum rc rc = day_start(ps, ps->today, &from);
    if (rc || (rc = day_start(ps, ps->today + 1, &tomorrow)))
        return rc;
    /* Released today, and already: only what the learner can open now. */
    int64_t until = cx->now + 1 < tomorrow ? cx->now + 1 : tomorrow;
    rc = nudges_store_released(cx->db, cx->actor.tenant_id, from, until, ps->date, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0;) {
        const struct nudges_row *first = &rows.rows[i];
        size_t n = 1;
        while (i + n < rows.n && rows.rows[i + n].learner_id == first->learner_id)
            n++;
        set_key(ps, "new_activities:%lld:%s", (long long)first->learner_id, ps->date);
        buf_reset(&ps->text);
        if (n == 1) {
            set_title(ps, "New today: %s", first->step_title);
            buf_addf(&ps->text,
                     "A new activity is ready for you today in %s: "
                     "\xE2\x80\x9C%s\xE2\x80\x9D. A few minutes is all it takes.",
                     first->workflow_title, first->step_title);
        } else {
            set_title(ps, "New today: %zu activities", n);
            buf_addf(&ps->text, "%zu new activities are ready for you today:\n", n);
            for (size_t k = 0; k < n && k < NUDGES_NEW_LISTED; k++)
                buf_addf(&ps->text, "\n- %s (%s)", rows.rows[i + k].step_title,
                         rows.rows[i + k].workflow_title);
            if (n > NUDGES_NEW_LISTED)
                buf_addf(&ps->text, "\n- and %zu more", n - NUDGES_NEW_LISTED);
        }
        rc = post(ps, NOTIFY_NEW_ACTIVITIES, first->learner_id, NULL, "/", "Open your activities");
        i += n;
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "new activities");
}

static enum rc reminders(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    int ahead = ps->s.reminder_days_before;
    if (ahead <= 0)
        return RC_OK;
    /* Due after today, up to the ahead-th working day after it: on a Friday with one day
     * ahead, what is due on Saturday, Sunday or Monday. */
    int64_t last = pacing_add(&ps->p, ps->today, ahead);
    enum rc rc = RC_OK;
    for (int64_t day = ps->today + 1; day <= last && !rc && ps->budget > 0; day++) {
        struct nudges_rows rows = {0};
        int64_t from, until;
        char due[DATE_TEXT], suffix[DATE_TEXT + 1], words[32], long_words[48];
        date_format(day, due);
        snprintf(suffix, sizeof suffix, ":%s", due);
        date_words(day, 0, words, sizeof words);
        date_words(day, 1, long_words, sizeof long_words);
        if ((rc = day_start(ps, day, &from)) || (rc = day_start(ps, day + 1, &until)))
            break;
        rc = nudges_store_due(cx->db, cx->actor.tenant_id, from, until, cx->now,
                              "reminder:", suffix, 0, &rows);
        for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
            const struct nudges_row *r = &rows.rows[i];
            set_key(ps, "reminder:%lld:%s", (long long)r->activity_id, due);
            set_title(ps, "Due %s: %s", words, r->step_title);
            buf_reset(&ps->text);
            buf_addf(&ps->text,
                     "\xE2\x80\x9C%s\xE2\x80\x9D in %s is due on %s. A few minutes "
                     "before then keeps you on track.",
                     r->step_title, r->workflow_title, long_words);
            set_activity_link(ps, r->activity_id);
            rc = post(ps, NOTIFY_REMINDER, r->learner_id, NULL, ps->link, "Open the activity");
        }
        nudges_rows_free(&rows);
    }
    return db_fail(ps, rc, "reminders");
}

/* Open activities due on the days whose n-th working day after is today (n ≥ 1), not yet
 * told under prefix<id>suffix. */
static enum rc overdue_by(struct pass *ps, int n, const char *prefix, const char *suffix,
                          int to_manager, struct nudges_rows *rows)
{
    int64_t from, until;
    enum rc rc = day_start(ps, working_days_before(ps, n), &from);
    if (rc || (rc = day_start(ps, working_days_before(ps, n - 1), &until)))
        return rc;
    return nudges_store_due(ps->cx->db, ps->cx->actor.tenant_id, from, until, ps->cx->now, prefix,
                            suffix, to_manager, rows);
}

static enum rc overdue(struct pass *ps, int n)
{
    struct nudges_rows rows = {0};
    char suffix[8];
    snprintf(suffix, sizeof suffix, ":%d", n);
    enum rc rc = overdue_by(ps, n, "overdue:", suffix, 0, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
        const struct nudges_row *r = &rows.rows[i];
        char due[48];
        if ((rc = instant_words(ps, r->at, 1, due, sizeof due)))
            break;
        set_key(ps, "overdue:%lld:%d", (long long)r->activity_id, n);
        buf_reset(&ps->text);
        if (n == 1) {
            set_title(ps, "Overdue: %s", r->step_title);
            buf_addf(&ps->text,
                     "\xE2\x80\x9C%s\xE2\x80\x9D in %s was due on %s and is still open. "
                     "It is not too late: a few minutes today catches you up.",
                     r->step_title, r->workflow_title, due);
        } else {
            set_title(ps, "Still overdue: %s", r->step_title);
            buf_addf(&ps->text,
                     "\xE2\x80\x9C%s\xE2\x80\x9D in %s has been waiting since %s. If "
                     "something is in the way, your manager can help.",
                     r->step_title, r->workflow_title, due);
        }
        set_activity_link(ps, r->activity_id);
        rc = post(ps, NOTIFY_OVERDUE, r->learner_id, NULL, ps->link, "Open the activity");
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "overdue");
}

static enum rc escalations(struct pass *ps)
{
    int after = ps->s.escalate_after_days;
    if (after <= 0)
        return RC_OK;
    struct nudges_rows rows = {0};
    enum rc rc = overdue_by(ps, after, "escalation:", "", 1, &rows);
    for (size_t i = 0; i < rows.n && !rc && ps->budget > 0; i++) {
        const struct nudges_row *r = &rows.rows[i];
        char due[48];
        if ((rc = instant_words(ps, r->at, 1, due, sizeof due)))
            break;
        set_key(ps, "escalation:%lld", (long long)r->activity_id);
        set_title(ps, "%s is behind on %s", r->learner_name, r->step_title);
        buf_reset(&ps->text);
        buf_addf(&ps->text,
                 "%s's activity \xE2\x80\x9C%s\xE2\x80\x9D in %s was due on %s and is "
                 "still open. A short conversation this week may help them get going "
                 "again.",
                 r->learner_name, r->step_title, r->workflow_title, due);
        rc = post(ps, NOTIFY_ESCALATION, r->manager_id, NULL, "/team", "See your team");
    }
    nudges_rows_free(&rows);
    return db_fail(ps, rc, "escalations");
}

/* ---- the weekly digest ------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static json_int_t jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void overdue_words(struct buf *b, json_int_t n)
{
    if (n == 0)
        buf_add(b, "nothing overdue");
    else
        buf_addf(b, "%lld overdue", (long long)n);
}

#define CELL "<td style=\"padding:6px 8px;border-top:1px solid #ddd;vertical-align:top\">"
#define HEAD "<th style=\"padding:6px 8px;text-align:left\">"

/* One enrolment of a member: a text line and a table row. */
static void digest_enrolment(struct pass *ps, const char *name, const json_t *e, int first)
{
    const json_t *current = json_object_get(e, "current");
    const char *wf = jstr(json_object_get(e, "workflow"), "title");
    const char *prompt = jstr(current, "manager_prompt");
    json_int_t done = jint(e, "completed"), total = jint(e, "total"), late = jint(e, "overdue");
    int paused = strcmp(jstr(e, "status"), "paused") == 0;

    buf_addf(&ps->text, "\n%s \xE2\x80\x94 %s: %lld/%lld done, ", name, wf, (long long)done,
             (long long)total);
    overdue_words(&ps->text, late);
    buf_add(&ps->text, paused ? " (paused)." : ".");
    if (json_is_object(current))
        buf_addf(&ps->text, " Now on: %s.", jstr(current, "title"));
    if (prompt[0])
        buf_addf(&ps->text, "\nWhat to talk about: %s", prompt);

    buf_add(&ps->html, "<tr>" CELL);
    if (first)
        notify_render_html_escape(&ps->html, name);
    buf_add(&ps->html, "</td>" CELL);
    notify_render_html_escape(&ps->html, wf);
    if (paused)
        buf_add(&ps->html, " (paused)");
    buf_addf(&ps->html, "</td>" CELL "%lld/%lld</td>" CELL "%lld</td>" CELL, (long long)done,
             (long long)total, (long long)late);
    if (json_is_object(current))
        notify_render_html_escape(&ps->html, jstr(current, "title"));
    buf_add(&ps->html, "</td>" CELL);
    notify_render_html_escape(&ps->html, prompt);
    buf_add(&ps->html, "</td></tr>\n");
}

/* The digest's text and HTML from a team (team.h's JSON). */
static void digest_render(struct pass *ps, const json_t *team)
{
    const json_t *members = json_object_get(team, "members");
    const json_t *totals = json_object_get(team, "totals");
    json_int_t waiting = jint(totals, "signoffs_waiting");
    buf_reset(&ps->text);
    buf_reset(&ps->html);
    buf_add(&ps->text, "Here is how your team is doing this week, and what to talk about with "
                       "each person.\n");
    buf_add(&ps->html, "<p>Here is how your team is doing this week, and what to talk about with "
                       "each person.</p>\n<table style=\"border-collapse:collapse;width:100%\">\n"
                       "<tr>" HEAD "Person</th>" HEAD "Workflow</th>" HEAD "Done</th>" HEAD
                       "Overdue</th>" HEAD "Now on</th>" HEAD "What to talk about</th></tr>\n");
    size_t nmembers = json_array_size(members);
    for (size_t i = 0; i < nmembers; i++) {
        const json_t *m = json_array_get(members, i);
        const json_t *enrolments = json_object_get(m, "enrolments");
        const char *name = jstr(m, "name");
        /* A huge team: the page has everyone, the email the first ones (an enrolment
         * adds at most a few kilobytes, so the notice stays under NOTIFY_TEXT_MAX). */
        if (ps->text.len > NUDGES_DIGEST_BUDGET || ps->html.len > NUDGES_DIGEST_BUDGET) {
            buf_addf(&ps->text,
                     "\n\xE2\x80\xA6"
                     "and %zu more on your team page.\n",
                     nmembers - i);
            buf_addf(&ps->html,
                     "<tr>" CELL "\xE2\x80\xA6"
                     "and %zu more on your team page.</td></tr>\n",
                     nmembers - i);
            break;
        }
        if (json_array_size(enrolments) == 0) {
            buf_addf(&ps->text, "\n%s \xE2\x80\x94 no workflow in progress.", name);
            buf_add(&ps->html, "<tr>" CELL);
            notify_render_html_escape(&ps->html, name);
            buf_add(&ps->html, "</td>" CELL "No workflow in progress</td>" CELL "</td>" CELL
                               "</td>" CELL "</td>" CELL "</td></tr>\n");
        }
        for (size_t k = 0; k < json_array_size(enrolments); k++)
            digest_enrolment(ps, name, json_array_get(enrolments, k), k == 0);
        buf_add(&ps->text, "\n");
    }
    buf_add(&ps->html, "</table>\n<p>");
    if (waiting == 0) {
        buf_add(&ps->text, "\nNo sign-offs are waiting for you.");
        buf_add(&ps->html, "No sign-offs are waiting for you.");
    } else {
        buf_addf(&ps->text, "\nSign-offs waiting for you: %lld (", (long long)waiting);
        buf_addf(&ps->html, "Sign-offs waiting for you: %lld (", (long long)waiting);
        int listed = 0;
        for (size_t i = 0; i < json_array_size(members); i++) {
            const json_t *m = json_array_get(members, i);
            json_int_t n = jint(m, "signoffs_waiting");
            if (n <= 0)
                continue;
            buf_addf(&ps->text, "%s%s %lld", listed ? ", " : "", jstr(m, "name"), (long long)n);
            buf_add(&ps->html, listed ? ", " : "");
            notify_render_html_escape(&ps->html, jstr(m, "name"));
            buf_addf(&ps->html, " %lld", (long long)n);
            listed = 1;
        }
        buf_add(&ps->text, ").");
        buf_add(&ps->html, ").");
    }
    buf_add(&ps->html, "</p>");
}

static enum rc digests(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    int weekday = date_weekday(ps->today), chosen = weekday == ps->s.digest_day;
    enum rc rc = RC_OK;
    if (!chosen &&
        (rc = nudges_store_digest_day_chosen(cx->db, cx->actor.tenant_id, weekday, &chosen)))
        return db_fail(ps, rc, "digest days");
    if (!chosen)
        return RC_OK;
    int64_t *managers = NULL;
    size_t n = 0;
    rc = nudges_store_digest_managers(cx->db, cx->actor.tenant_id, ps->s.digest_day, weekday,
                                      ps->date, &managers, &n);
    for (size_t i = 0; i < n && !rc && ps->budget > 0; i++) {
        json_t *team = NULL;
        if ((rc = team_get(cx, managers[i], &team)))
            break;
        const json_t *totals = json_object_get(team, "totals");
        set_key(ps, "digest:%lld:%s", (long long)managers[i], ps->date);
        long long waiting = (long long)jint(totals, "signoffs_waiting");
        set_title(ps, "Your team this week: %lld behind, %lld %s waiting",
                  (long long)jint(totals, "behind"), waiting,
                  waiting == 1 ? "sign-off" : "sign-offs");
        digest_render(ps, team);
        json_decref(team);
        rc = post(ps, NOTIFY_DIGEST, managers[i], ps->html.data, "/team", "See your team");
        /* A digest reads a whole team: it costs the budget what several nudges do. */
        ps->budget -= NUDGES_DIGEST_COST - 1;
    }
    free(managers);
    return db_fail(ps, rc, "digests");
}

/* ---- the pass ------------------------------------------------------------------------------ */

/* Everything due in the actor's organisation at cx->now. */
static enum rc tenant_pass(struct pass *ps)
{
    struct ctx *cx = ps->cx;
    int64_t send_at;
    enum rc rc;
    if ((rc = tenant_get(cx, &ps->t)) || (rc = notify_settings_get(cx, &ps->s)) ||
        (rc = notify_tenant_load(cx, &ps->nt)))
        return rc;
    ps->p = (struct pacing){.working_days = ps->t.working_days ? ps->t.working_days
                                                               : TENANT_WORKING_DAYS_DEFAULT,
                            .calendar_days = 0,
                            .zone = ps->t.time_zone};
    if (tz_date_of(ps->t.time_zone, cx->now, &ps->today) ||
        tz_local_instant(ps->t.time_zone, ps->today, ps->s.send_hour * 60, &send_at))
        return zone_fail(ps);
    date_format(ps->today, ps->date);

    /* What someone is waiting on first; then the day's nudges. Each finder stops when the
     * budget is spent, and the next pass goes on where this one stopped (what was posted
     * is skipped by its key). */
    typedef enum rc (*finder)(struct pass *);
    static const struct {
        finder find;
        int from_send_hour, working_day, overdue_n;
    } STEPS[] = {
        {enrolment_events, 0, 0, 0},
        {signoff_requests, 0, 0, 0},
        {returns, 0, 0, 0},
        {new_activities, 1, 0, 0},
        {reminders, 1, 1, 0},
        {NULL, 1, 1, 1},
        {NULL, 1, 1, 3},
        {escalations, 1, 1, 0},
        {digests, 1, 0, 0},
    };
    int working = pacing_is_day(&ps->p, ps->today);
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0] && !rc; i++) {
        if (ps->budget <= 0)
            return RC_OK;
        if ((STEPS[i].from_send_hour && cx->now < send_at) || (STEPS[i].working_day && !working))
            continue;
        rc = STEPS[i].find ? STEPS[i].find(ps) : overdue(ps, STEPS[i].overdue_n);
    }
    return rc;
}

enum rc nudges_tick(struct ctx *cx, struct nudges_result *out)
{
    return nudges_tick_budget(cx, NUDGES_PASS_BUDGET, out);
}

enum rc nudges_tick_budget(struct ctx *cx, int64_t budget, struct nudges_result *out)
{
    int64_t *tenants = NULL;
    size_t n = 0;
    enum rc rc = nudges_store_tenants(cx->db, &tenants, &n);
    for (size_t i = 0; i < n && !rc; i++) {
        struct pass ps = {.cx = cx, .budget = budget};
        buf_init(&ps.text, NOTIFY_TEXT_MAX);
        buf_init(&ps.html, NOTIFY_TEXT_MAX);
        cx->actor = (struct actor){.tenant_id = tenants[i], .roles = PEOPLE_ROLE_ADMIN};
        rc = tenant_pass(&ps);
        if (ps.nt) {
            const struct notify_counts *c = notify_tenant_counts(ps.nt);
            out->notices += c->notices;
            out->emails += c->emails;
            out->webhooks += c->webhooks;
            notify_tenant_free(ps.nt);
        }
        if (ps.budget <= 0)
            out->more = 1;
        buf_free(&ps.text);
        buf_free(&ps.html);
        out->tenants++;
    }
    memset(&cx->actor, 0, sizeof cx->actor);
    free(tenants);
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, "nudges", cx->request_id, NULL, "pass: %s", db_errmsg(cx->db));
    return rc;
}
