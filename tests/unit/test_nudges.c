/*
 * test_nudges.c — the scheduler's notification pass (nudges.h, docs/notifications.md
 * "What is sent when"): which notice goes to whom on which day, with which key, subject
 * and link, and that a second pass at the same instant posts nothing.
 *
 * acme (Europe/London, Monday to Friday, default settings: send hour 09:00, reminders one
 * working day ahead, escalation after five) has a manager, Sofia Marín, whose reports are
 * Ana Smith, Bo Chen, Cy Park and Ivy Wood (Ivy is deactivated); Carl Diaz is a coach and
 * Lee Ross manages Eve Long, who is enrolled on nothing. The five-step workflow "Giving
 * feedback" (a manager sign-off and a coach sign-off, manager prompts) is enrolled through
 * enrolment_enrol on Tuesday 1 December 2026 at 08:00 UTC (London is on UTC in December),
 * so its activities are released and due (working days):
 *
 *   1 Notice one moment      Tue 1 → Tue 1   self         "Ask what they noticed."
 *   2 Ask for one example    Tue 1 → Wed 2   manager      "Ask which example they chose."
 *   3 Coaching talk          Wed 2 → Thu 3   coach
 *   4 Try it                 Thu 3 → Mon 7   self
 *   5 Reflect                Tue 8 → Tue 8   self
 *
 * Learners act through activity_complete / activity_sign_off / enrolment_change, then
 * nudges_tick runs in a write transaction at chosen instants, and each person's
 * notifications are read back through notify_list as that person. Runs on SQLite and
 * again on PostgreSQL when WAYMARK_TEST_PG_URL is set. The pass's timings are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "core/log.h"
#include "enrolment/enrolment.h"
#include "fixture.h"
#include "notify/notify.h"
#include "notify/notify_settings.h"
#include "notify/nudges.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

#define HOUR 3600
#define DAY  86400
/* 2026-12-01T00:00:00Z, the start of Tuesday 1 December in London; AT(d, h) is hour h of
 * December 1 + d. */
#define DEC1     (FIXTURE_NOW - 9 * HOUR)
#define AT(d, h) (DEC1 + (int64_t)(d)*DAY + (int64_t)(h)*HOUR)
/* AT with minutes. */
#define ATM(d, h, m) (AT(d, h) + (int64_t)(m)*60)

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme;
    int64_t admin, designer, sofia, carl, lee, ana, bo, cy, ivy, eve;
    int64_t workflow, quick;
};

/* ---- timings ------------------------------------------------------------------------------ */

struct timing {
    const char *what;
    double ms;
    int64_t notices;
};
static struct timing timings[64];
static int ntimings;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the world ------------------------------------------------------------------------------ */

static void as(struct world *w, int64_t user, unsigned roles, int64_t at)
{
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->acme, .user_id = user, .roles = roles};
    w->cx.now = at;
}

static void as_person(struct world *w, int64_t user, int64_t at)
{
    unsigned roles = PEOPLE_ROLE_LEARNER;
    if (user == w->sofia || user == w->carl)
        roles |= PEOPLE_ROLE_COACH;
    if (user == w->admin)
        roles |= PEOPLE_ROLE_ADMIN;
    if (user == w->designer)
        roles |= PEOPLE_ROLE_DESIGNER;
    as(w, user, roles, at);
}

static int64_t add_user(struct world *w, const char *name, const char *email, unsigned roles,
                        int64_t manager)
{
    as(w, 0, PEOPLE_ROLE_ADMIN, FIXTURE_NOW - 2 * DAY);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_MANAGER,
                              .email = email,
                              .name = name,
                              .roles = roles,
                              .manager_id = manager};
    struct user u;
    if (users_create(&w->cx, &ch, &u) != RC_OK)
        fail_msg("add_user %s: %s", name, w->cx.message);
    return u.id;
}

struct step_spec {
    const char *title;
    enum workflow_kind kind;
    enum workflow_completion completion;
    int release, due;
    const char *prompt;
};

static const struct step_spec FEEDBACK[] = {
    {"Notice one moment", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 0, 0, "Ask what they noticed."},
    {"Ask for one example", WORKFLOW_DISCUSS, WORKFLOW_BY_MANAGER, 0, 1,
     "Ask which example they chose."},
    {"Coaching talk", WORKFLOW_COACH, WORKFLOW_BY_COACH, 1, 2, NULL},
    {"Try it", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 2, 4, NULL},
    {"Reflect", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 5, 5, NULL},
};
static const struct step_spec QUICK[] = {
    {"Say hello", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 0, 0, NULL},
};

static int64_t publish(struct world *w, const char *title, const struct step_spec *steps, size_t n)
{
    as_person(w, w->designer, FIXTURE_NOW - 2 * DAY);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE | WORKFLOW_F_WF_OUTCOME,
                                 .title = title,
                                 .outcome = "People give specific feedback."};
    int64_t id = 0;
    assert_int_equal(workflow_create(&w->cx, &ch, &id), RC_OK);
    struct workflow_phase p = {0};
    assert_int_equal(workflow_phase_add(&w->cx, id, "Week 1", 0, &p), RC_OK);
    for (size_t i = 0; i < n; i++) {
        struct workflow_step s = {.phase_id = p.id,
                                  .kind = steps[i].kind,
                                  .title = (char *)steps[i].title,
                                  .instructions = (char *)"Do it.",
                                  .release_offset_days = steps[i].release,
                                  .due_offset_days = steps[i].due,
                                  .effort_minutes = 10,
                                  .completion = steps[i].completion,
                                  .evidence = WORKFLOW_EVIDENCE_NONE,
                                  .manager_prompt = (char *)steps[i].prompt};
        struct workflow_step out;
        memset(&out, 0, sizeof out);
        if (workflow_step_add(&w->cx, id, &s, &out) != RC_OK)
            fail_msg("step %s: %s", steps[i].title, w->cx.message);
        workflow_step_clear(&out);
    }
    free(p.name);
    int version = 0;
    assert_int_equal(workflow_publish(&w->cx, id, &version), RC_OK);
    return id;
}

/* Enrols users on wf on Tuesday 1 December at 08:00, with coach (0: none). */
static void enrol_many(struct world *w, int64_t wf, const int64_t *users, size_t n, int64_t coach)
{
    as_person(w, w->designer, AT(0, 8));
    struct enrolment_request rq = {.user_ids = users, .nuser_ids = n, .coach_id = coach};
    struct enrolment_batch b;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    if (enrolment_enrol(&w->cx, wf, &rq, &b) != RC_OK)
        fail_msg("enrol: %s", w->cx.message);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(b.created, n);
    enrolment_batch_free(&b);
}

static int64_t enrol(struct world *w, int64_t wf, int64_t user, int64_t coach)
{
    enrol_many(w, wf, &user, 1, coach);
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT id FROM enrolments WHERE workflow_id = $1 AND user_id = $2",
                              &id, DB_INT(wf), DB_INT(user)),
                     RC_OK);
    return id;
}

static int64_t activity_of(struct world *w, int64_t e, int seq)
{
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT id FROM activities WHERE enrolment_id = $1 AND seq = $2", &id,
                              DB_INT(e), DB_INT(seq)),
                     RC_OK);
    return id;
}

/* The learner completes (or submits for sign-off) step seq of e at at. */
static void complete(struct world *w, int64_t learner, int64_t e, int seq, int64_t at)
{
    as_person(w, learner, at);
    struct activity_input in = {.reflection = "I tried it."};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    if (activity_complete(&w->cx, activity_of(w, e, seq), &in, NULL) != RC_OK)
        fail_msg("complete %d: %s", seq, w->cx.message);
    assert_int_equal(db_commit(w->db), RC_OK);
}

static void sign_off(struct world *w, int64_t signer, int64_t activity, int approve,
                     const char *comment, int64_t at)
{
    as_person(w, signer, at);
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    if (activity_sign_off(&w->cx, activity, approve, comment, NULL) != RC_OK)
        fail_msg("sign off: %s", w->cx.message);
    assert_int_equal(db_commit(w->db), RC_OK);
}

static void change_status(struct world *w, int64_t by, int64_t e, enum enrolment_status status,
                          int64_t at)
{
    as_person(w, by, at);
    struct enrolment_change ch = {.set = ENROLMENT_F_STATUS, .status = status};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    if (enrolment_change(&w->cx, e, &ch, NULL) != RC_OK)
        fail_msg("change: %s", w->cx.message);
    assert_int_equal(db_commit(w->db), RC_OK);
}

/* One pass at instant at, in a write transaction; returns what it posted. */
static struct nudges_result tick(struct world *w, int64_t at, const char *what)
{
    struct nudges_result r = {0};
    ctx_clear(&w->cx);
    memset(&w->cx.actor, 0, sizeof w->cx.actor);
    w->cx.now = at;
    double start = now_ms();
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    enum rc rc = nudges_tick(&w->cx, &r);
    if (rc)
        fail_msg("nudges_tick: %d %s", rc, w->cx.message);
    assert_int_equal(db_commit(w->db), RC_OK);
    double ms = now_ms() - start;
    assert_int_equal(w->cx.actor.tenant_id, 0);
    assert_int_equal(r.tenants, 1);
    if (what && ntimings < (int)(sizeof timings / sizeof timings[0]))
        timings[ntimings++] = (struct timing){.what = what, .ms = ms, .notices = r.notices};
    return r;
}

/* Ticks at at and asserts that a second pass at the same instant posts nothing. */
static struct nudges_result tick_twice(struct world *w, int64_t at, const char *what)
{
    struct nudges_result first = tick(w, at, what);
    struct nudges_result again = tick(w, at, NULL);
    assert_int_equal(again.notices, 0);
    assert_int_equal(again.emails, 0);
    assert_int_equal(again.webhooks, 0);
    return first;
}

/* ---- reading notifications back ---------------------------------------------------------- */

struct listing {
    int64_t at; /* 0: every notification */
    char *lines[256];
    int n;
};

static enum rc keep(void *arg, const struct notification *n)
{
    struct listing *l = arg;
    if (l->at && n->created_at != l->at)
        return RC_OK;
    char line[1024];
    snprintf(line, sizeof line, "%s|%s|%s", n->kind, n->title, n->link);
    assert_true(l->n < 256);
    l->lines[l->n++] = strdup(line);
    return RC_OK;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "kind|title|link" of user's notifications created at at (0: all), sorted, one a line. */
static char *notices(struct world *w, int64_t user, int64_t at)
{
    struct listing l = {.at = at};
    int64_t before = 0, unread = 0;
    as_person(w, user, at ? at : FIXTURE_NOW);
    do {
        int64_t next = 0;
        if (notify_list(&w->cx, before, 0, NOTIFY_LIST_MAX, keep, &l, &next, &unread) != RC_OK)
            fail_msg("notify_list: %s", w->cx.message);
        before = next;
    } while (before);
    qsort(l.lines, (size_t)l.n, sizeof l.lines[0], by_text);
    size_t size = 1;
    for (int i = 0; i < l.n; i++)
        size += strlen(l.lines[i]) + 1;
    char *out = calloc(1, size), *end = out;
    for (int i = 0; i < l.n; i++) {
        size_t len = strlen(l.lines[i]);
        memcpy(end, l.lines[i], len);
        end[len] = '\n';
        end += len + 1;
        free(l.lines[i]);
    }
    return out;
}

#define assert_notices(w, user, at, expected)                                                      \
    do {                                                                                           \
        char *got_ = notices((w), (user), (at));                                                   \
        if (strcmp(got_, (expected)) != 0)                                                         \
            fail_msg("notices of %s at %lld:\n%s\nexpected:\n%s", #user, (long long)(at), got_,    \
                     (expected));                                                                  \
        free(got_);                                                                                \
    } while (0)

/* The body of user's notification titled title (a copy); fails when there is none. */
struct find_body {
    const char *title;
    char *body;
};

static enum rc find_body(void *arg, const struct notification *n)
{
    struct find_body *f = arg;
    if (!f->body && strcmp(n->title, f->title) == 0)
        f->body = strdup(n->body);
    return RC_OK;
}

static char *body_of(struct world *w, int64_t user, const char *title)
{
    struct find_body f = {.title = title};
    int64_t next = 0, unread = 0;
    as_person(w, user, FIXTURE_NOW);
    assert_int_equal(notify_list(&w->cx, 0, 0, NOTIFY_LIST_MAX, find_body, &f, &next, &unread),
                     RC_OK);
    if (!f.body)
        fail_msg("no notification titled %s", title);
    return f.body;
}

static enum rc first_title(void *arg, const struct notification *n)
{
    char **title = arg;
    if (!*title)
        *title = strdup(n->title);
    return RC_OK;
}

/* The title of user's newest notification (a copy). */
static char *newest_title(struct world *w, int64_t user)
{
    char *title = NULL;
    int64_t next = 0, unread = 0;
    as_person(w, user, FIXTURE_NOW);
    assert_int_equal(notify_list(&w->cx, 0, 0, 1, first_title, &title, &next, &unread), RC_OK);
    assert_non_null(title);
    return title;
}

static int64_t count(struct world *w, const char *sql, int64_t a)
{
    int64_t n = -1;
    if (DB_VALUE(w->db, sql, &n, DB_INT(a)) != RC_OK)
        fail_msg("%s: %s", sql, db_errmsg(w->db));
    return n;
}

static int64_t key_count(struct world *w, const char *key, int64_t user)
{
    int64_t n = -1;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT COUNT(*) FROM notifications WHERE dedup_key = $1 "
                              "AND user_id = $2",
                              &n, DB_TEXT(key), DB_INT(user)),
                     RC_OK);
    return n;
}

/* ---- setup ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "nudges", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "acme", "Acme", "Europe/London", &t), RC_OK);
    w->acme = t.id;
    w->admin = add_user(w, "Ada Admin", "ada@acme.example", PEOPLE_ROLE_ADMIN, 0);
    w->designer = add_user(w, "Dana Designer", "dana@acme.example", PEOPLE_ROLE_DESIGNER, 0);
    w->sofia = add_user(w, "Sofia Marín", "sofia@acme.example", PEOPLE_ROLE_COACH, 0);
    w->carl = add_user(w, "Carl Diaz", "carl@acme.example", PEOPLE_ROLE_COACH, 0);
    w->lee = add_user(w, "Lee Ross", "lee@acme.example", 0, 0);
    w->ana = add_user(w, "Ana Smith", "ana@acme.example", 0, w->sofia);
    w->bo = add_user(w, "Bo Chen", "bo@acme.example", 0, w->sofia);
    w->cy = add_user(w, "Cy Park", "cy@acme.example", 0, w->sofia);
    w->ivy = add_user(w, "Ivy Wood", "ivy@acme.example", 0, w->sofia);
    w->eve = add_user(w, "Eve Long", "eve@acme.example", 0, w->lee);
    w->workflow = publish(w, "Giving feedback", FEEDBACK, sizeof FEEDBACK / sizeof FEEDBACK[0]);
    w->quick = publish(w, "Quick start", QUICK, 1);
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

static void deactivate(struct world *w, int64_t user)
{
    as_person(w, w->admin, AT(0, 8) + 300);
    struct user u;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(users_deactivate(&w->cx, user, &u), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
}

/* ---- new activities and reminders ----------------------------------------------------------- */

static void new_activities_once_a_day_from_the_send_hour(void **state)
{
    struct world *w = *state;
    int64_t people[] = {w->ana, w->bo, w->ivy};
    enrol_many(w, w->workflow, people, 3, 0);
    deactivate(w, w->ivy);

    /* Before 09:00 nothing day-based goes out. */
    struct nudges_result r = tick_twice(w, AT(0, 8) + 1800, "Tue 08:30, before the send hour");
    assert_int_equal(r.notices, 0);
    assert_notices(w, w->ana, 0, "");

    /* At 09:00: one notice for both new activities, and the reminder for Wednesday. */
    r = tick_twice(w, AT(0, 9), "Tue 09:00, new activities and reminders");
    int64_t a = 0;
    assert_int_equal(
        DB_VALUE(w->db, "SELECT id FROM enrolments WHERE user_id = $1", &a, DB_INT(w->ana)), RC_OK);
    char expected[512];
    snprintf(expected, sizeof expected,
             "new_activities|New today: 2 activities|/\n"
             "reminder|Due Wed 2 Dec: Ask for one example|/activities/%lld\n",
             (long long)activity_of(w, a, 2));
    assert_notices(w, w->ana, AT(0, 9), expected);
    assert_int_equal(r.notices, 4); /* ana and bo; ivy is deactivated */
    assert_int_equal(r.emails, 4);  /* email is on by default */
    assert_notices(w, w->ivy, 0, "");
    char key[96];
    snprintf(key, sizeof key, "new_activities:%lld:2026-12-01", (long long)w->ana);
    assert_int_equal(key_count(w, key, w->ana), 1);
    snprintf(key, sizeof key, "reminder:%lld:2026-12-02", (long long)activity_of(w, a, 2));
    assert_int_equal(key_count(w, key, w->ana), 1);
    char *body = body_of(w, w->ana, "New today: 2 activities");
    assert_non_null(strstr(body, "Notice one moment (Giving feedback)"));
    assert_non_null(strstr(body, "Ask for one example (Giving feedback)"));
    free(body);
    body = body_of(w, w->ana, "Due Wed 2 Dec: Ask for one example");
    assert_non_null(strstr(body, "Giving feedback"));
    assert_non_null(strstr(body, "Wednesday 2 December"));
    free(body);

    /* Later the same day: nothing new. */
    r = tick_twice(w, AT(0, 15), "Tue 15:00, nothing new");
    assert_int_equal(r.notices, 0);

    /* Wednesday: the coaching talk is new, and a single activity is named. */
    tick_twice(w, AT(1, 9) + 60, "Wed 09:01");
    snprintf(expected, sizeof expected,
             "new_activities|New today: Coaching talk|/\n"
             "overdue|Overdue: Notice one moment|/activities/%lld\n"
             "reminder|Due Thu 3 Dec: Coaching talk|/activities/%lld\n",
             (long long)activity_of(w, a, 1), (long long)activity_of(w, a, 3));
    assert_notices(w, w->ana, AT(1, 9) + 60, expected);
    body = body_of(w, w->ana, "New today: Coaching talk");
    assert_non_null(strstr(body, "Giving feedback"));
    free(body);
    assert_notices(w, w->ivy, 0, "");
}

static void reminders_overdue_and_escalation_follow_working_days(void **state)
{
    struct world *w = *state;
    int64_t e = enrol(w, w->workflow, w->ana, 0);
    char a[6][24];
    for (int seq = 1; seq <= 5; seq++)
        snprintf(a[seq], sizeof a[seq], "/activities/%lld", (long long)activity_of(w, e, seq));
    char expected[1024];

    /* Each day at 10:00, from Tuesday 1 to Wednesday 9 December. */
    tick_twice(w, AT(0, 10), "day 1");
    snprintf(expected, sizeof expected,
             "new_activities|New today: 2 activities|/\n"
             "reminder|Due Wed 2 Dec: Ask for one example|%s\n",
             a[2]);
    assert_notices(w, w->ana, AT(0, 10), expected);

    tick_twice(w, AT(1, 10), "day 2");
    snprintf(expected, sizeof expected,
             "new_activities|New today: Coaching talk|/\n"
             "overdue|Overdue: Notice one moment|%s\n"
             "reminder|Due Thu 3 Dec: Coaching talk|%s\n",
             a[1], a[3]);
    assert_notices(w, w->ana, AT(1, 10), expected);

    tick_twice(w, AT(2, 10), "day 3");
    snprintf(expected, sizeof expected,
             "new_activities|New today: Try it|/\n"
             "overdue|Overdue: Ask for one example|%s\n",
             a[2]);
    assert_notices(w, w->ana, AT(2, 10), expected);

    /* Friday: the reminder for Monday, day 3 of the first, day 1 of the coaching talk. */
    tick_twice(w, AT(3, 10), "day 4 (Friday)");
    snprintf(expected, sizeof expected,
             "overdue|Overdue: Coaching talk|%s\n"
             "overdue|Still overdue: Notice one moment|%s\n"
             "reminder|Due Mon 7 Dec: Try it|%s\n",
             a[3], a[1], a[4]);
    assert_notices(w, w->ana, AT(3, 10), expected);
    char key[96];
    snprintf(key, sizeof key, "overdue:%lld:3", (long long)activity_of(w, e, 1));
    assert_int_equal(key_count(w, key, w->ana), 1);
    snprintf(key, sizeof key, "reminder:%lld:2026-12-07", (long long)activity_of(w, e, 4));
    assert_int_equal(key_count(w, key, w->ana), 1);

    /* The weekend counts for nothing. */
    struct nudges_result r = tick_twice(w, AT(4, 10), "Saturday");
    assert_int_equal(r.notices, 0);
    r = tick_twice(w, AT(5, 10), "Sunday");
    assert_int_equal(r.notices, 0);

    /* Monday: day 3 of Wednesday's step (Thursday, Friday, Monday). Reflect is released
     * only on Tuesday, so it gets no reminder. */
    tick_twice(w, AT(6, 10), "day 5 (Monday)");
    snprintf(expected, sizeof expected, "overdue|Still overdue: Ask for one example|%s\n", a[2]);
    assert_notices(w, w->ana, AT(6, 10), expected);

    /* Tuesday: the fifth working day after Tuesday 1 — Sofia hears about it. */
    tick_twice(w, AT(7, 10), "day 6 (Tuesday)");
    snprintf(expected, sizeof expected,
             "new_activities|New today: Reflect|/\n"
             "overdue|Overdue: Try it|%s\n"
             "overdue|Still overdue: Coaching talk|%s\n",
             a[4], a[3]);
    assert_notices(w, w->ana, AT(7, 10), expected);
    assert_notices(w, w->sofia, AT(7, 10),
                   "escalation|Ana Smith is behind on Notice one moment|/team\n");
    snprintf(key, sizeof key, "escalation:%lld", (long long)activity_of(w, e, 1));
    assert_int_equal(key_count(w, key, w->sofia), 1);
    char *body = body_of(w, w->sofia, "Ana Smith is behind on Notice one moment");
    assert_non_null(strstr(body, "Tuesday 1 December"));
    assert_non_null(strstr(body, "Giving feedback"));
    free(body);

    /* Wednesday: the next escalation; completing an activity stops its nudges. */
    complete(w, w->ana, e, 5, AT(8, 8));
    tick_twice(w, AT(8, 10), "day 7 (Wednesday)");
    assert_notices(w, w->ana, AT(8, 10), "");
    assert_notices(w, w->sofia, AT(8, 10),
                   "escalation|Ana Smith is behind on Ask for one example|/team\n");
    /* Fourteen notices for Ana in all, and never one twice. */
    assert_int_equal(count(w, "SELECT COUNT(*) FROM notifications WHERE user_id = $1", w->ana), 14);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) - COUNT(DISTINCT dedup_key) FROM notifications "
                           "WHERE tenant_id = $1",
                           w->acme),
                     0);
}

/* ---- sign-offs ---------------------------------------------------------------------------- */

static void signoff_requests_and_returns_go_out_at_any_hour(void **state)
{
    struct world *w = *state;
    int64_t e = enrol(w, w->workflow, w->ana, w->carl);
    int64_t example = activity_of(w, e, 2), talk = activity_of(w, e, 3);

    /* Ana submits the manager step at 08:10: Sofia is asked before the send hour. */
    complete(w, w->ana, e, 2, AT(0, 8) + 600);
    struct nudges_result r = tick_twice(w, AT(0, 8) + 1800, "Tue 08:30, a sign-off request");
    assert_int_equal(r.notices, 1);
    assert_notices(
        w, w->sofia, 0,
        "signoff_request|Sign-off requested: Ana Smith, Ask for one example|/signoffs\n");
    char key[96];
    snprintf(key, sizeof key, "signoff_request:%lld:%lld", (long long)example,
             (long long)(AT(0, 8) + 600));
    assert_int_equal(key_count(w, key, w->sofia), 1);
    char *body = body_of(w, w->sofia, "Sign-off requested: Ana Smith, Ask for one example");
    assert_non_null(strstr(body, "Giving feedback"));
    free(body);
    assert_notices(w, w->carl, 0, "");

    /* The coach step goes to the enrolment's coach, not to the manager. */
    complete(w, w->ana, e, 3, AT(1, 7));
    tick_twice(w, AT(1, 7) + 600, "Wed 07:10, the coach's request");
    assert_notices(w, w->carl, 0,
                   "signoff_request|Sign-off requested: Ana Smith, Coaching talk|/signoffs\n");
    assert_notices(w, w->sofia, AT(1, 7) + 600, "");

    /* Sofia sends the example back; Ana is told with the note, once. */
    sign_off(w, w->sofia, example, 0, "Pick a <b>real</b> example & say why.", AT(1, 8));
    r = tick_twice(w, AT(1, 8) + 600, "Wed 08:10, a return");
    assert_int_equal(r.notices, 1);
    char expected[256];
    snprintf(expected, sizeof expected,
             "returned|Returned for another look: Ask for one example|/activities/%lld\n",
             (long long)example);
    assert_notices(w, w->ana, AT(1, 8) + 600, expected);
    body = body_of(w, w->ana, "Returned for another look: Ask for one example");
    assert_non_null(strstr(body, "Sofia Marín"));
    assert_non_null(strstr(body, "Pick a <b>real</b> example & say why."));
    free(body);
    int64_t feedback = 0;
    assert_int_equal(DB_VALUE(w->db, "SELECT MAX(id) FROM activity_feedback WHERE activity_id = $1",
                              &feedback, DB_INT(example)),
                     RC_OK);
    snprintf(key, sizeof key, "returned:%lld", (long long)feedback);
    assert_int_equal(key_count(w, key, w->ana), 1);

    /* Submitting again is a new request. */
    complete(w, w->ana, e, 2, AT(1, 8) + 1200);
    tick_twice(w, AT(1, 8) + 1800, "Wed 08:30, asked again");
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM notifications WHERE user_id = $1 "
                           "AND kind = 'signoff_request'",
                           w->sofia),
                     2);

    /* A 200-character name and the step do not fit a subject: it is cut on a character
     * boundary, with an ellipsis. */
    char long_name[401];
    for (int i = 0; i < 200; i++)
        memcpy(long_name + 2 * i, "\xC3\xA9", 2); /* é */
    long_name[400] = '\0';
    const char *name = long_name;
    assert_int_equal(DB_RUN(w->db, "UPDATE users SET name = $1 WHERE id = $2", NULL, DB_TEXT(name),
                            DB_INT(w->ana)),
                     RC_OK);
    sign_off(w, w->carl, talk, 0, "Once more, please.", AT(1, 9));
    complete(w, w->ana, e, 3, AT(1, 10));
    tick_twice(w, AT(1, 10) + 60, "Wed 10:01, a long name");
    char *title = newest_title(w, w->carl);
    size_t len = strlen(title);
    assert_true(len <= NOTIFY_TITLE_MAX);
    assert_true(len > NOTIFY_TITLE_MAX - 6);
    assert_memory_equal(title, "Sign-off requested: \xC3\xA9\xC3\xA9", 24);
    assert_string_equal(title + len - 5, "\xC3\xA9\xE2\x80\xA6"); /* "é…" */
    free(title);
}

/* ---- enrolment events -------------------------------------------------------------------- */

static void enrolment_events_are_told_once_and_marked(void **state)
{
    struct world *w = *state;
    int64_t ana = enrol(w, w->workflow, w->ana, 0);
    int64_t bo = enrol(w, w->workflow, w->bo, 0);
    int64_t ivy = enrol(w, w->workflow, w->ivy, 0);
    int64_t cy = enrol(w, w->quick, w->cy, 0);
    deactivate(w, w->ivy);

    /* Paused: the learner is told, not the manager who did it. */
    change_status(w, w->sofia, ana, ENROLMENT_PAUSED, AT(0, 8) + 600);
    change_status(w, w->admin, ivy, ENROLMENT_PAUSED, AT(0, 8) + 600);
    complete(w, w->cy, cy, 1, AT(0, 8) + 700);
    struct nudges_result r = tick_twice(w, AT(0, 8) + 1200, "Tue 08:20, events");
    assert_int_equal(r.notices, 2);
    assert_notices(w, w->ana, 0, "enrolment|Giving feedback is paused|/\n");
    assert_notices(w, w->cy, 0, "enrolment|You completed Quick start|/\n");
    assert_notices(w, w->sofia, 0, "");
    assert_notices(w, w->ivy, 0, ""); /* deactivated, but the event is marked all the same */
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM enrolment_events WHERE tenant_id = $1 "
                           "AND notified_at IS NULL",
                           w->acme),
                     0);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM enrolment_events WHERE tenant_id = $1 "
                           "AND notified_at = 1796113200",
                           w->acme),
                     3);
    int64_t event = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT id FROM enrolment_events WHERE enrolment_id = $1 "
                              "AND kind = 'paused'",
                              &event, DB_INT(ana)),
                     RC_OK);
    char key[96];
    snprintf(key, sizeof key, "enrolment:%lld:%lld", (long long)event, (long long)w->ana);
    assert_int_equal(key_count(w, key, w->ana), 1);

    /* Resumed on Thursday after two working days; Bo is withdrawn. */
    change_status(w, w->sofia, ana, ENROLMENT_ACTIVE, AT(2, 7));
    change_status(w, w->sofia, bo, ENROLMENT_WITHDRAWN, AT(2, 7));
    tick_twice(w, AT(2, 7) + 600, "Thu 07:10, events");
    assert_notices(w, w->ana, AT(2, 7) + 600, "enrolment|Giving feedback has resumed|/\n");
    char *body = body_of(w, w->ana, "Giving feedback has resumed");
    assert_non_null(strstr(body, "2 working days"));
    free(body);
    assert_notices(w, w->bo, AT(2, 7) + 600,
                   "enrolment|You were withdrawn from Giving feedback|/\n");

    /* By Wednesday 9 Ana is four working days behind: the scheduler re-plans, and the
     * next pass tells her and Sofia. */
    as(w, 0, 0, AT(8, 7));
    struct enrolment_tick_result et;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(enrolment_tick(&w->cx, &et), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_int_equal(et.replanned, 1);
    tick_twice(w, AT(8, 7) + 600, "Wed 9 07:10, a re-plan");
    assert_notices(w, w->ana, AT(8, 7) + 600,
                   "enrolment|Your plan for Giving feedback was updated|/\n");
    assert_notices(w, w->sofia, AT(8, 7) + 600,
                   "enrolment|Ana Smith's plan for Giving feedback was updated|/team\n");
    body = body_of(w, w->ana, "Your plan for Giving feedback was updated");
    assert_non_null(strstr(body, "new due dates"));
    free(body);

    /* An event from before the pass existed, three weeks old, is marked without a word. */
    assert_int_equal(DB_RUN(w->db,
                            "INSERT INTO enrolment_events (tenant_id, enrolment_id, kind, data, "
                            "created_at) VALUES ($1, $2, 'paused', '{}', $3)",
                            NULL, DB_INT(w->acme), DB_INT(ana), DB_INT(AT(8, 7) - 21 * DAY)),
                     RC_OK);
    r = tick_twice(w, AT(8, 7) + 1200, "Wed 9 07:20, an old event");
    assert_int_equal(r.notices, 0);
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM enrolment_events WHERE tenant_id = $1 "
                           "AND notified_at IS NULL",
                           w->acme),
                     0);
}

/* ---- the digest ---------------------------------------------------------------------------- */

static void the_digest_goes_to_managers_on_their_day(void **state)
{
    struct world *w = *state;
    int64_t ana = enrol(w, w->workflow, w->ana, 0);
    int64_t bo = enrol(w, w->workflow, w->bo, 0);
    enrol(w, w->workflow, w->ivy, 0);
    deactivate(w, w->ivy);
    complete(w, w->bo, bo, 1, AT(0, 11));
    complete(w, w->ana, ana, 2, AT(0, 11)); /* waits for Sofia's sign-off */
    assert_int_equal(DB_RUN(w->db, "UPDATE users SET name = $1 WHERE id = $2", NULL,
                            DB_TEXT("Cy <i>Park</i> & Co"), DB_INT(w->cy)),
                     RC_OK);

    /* Monday 7 December before the send hour: no digest. */
    tick_twice(w, AT(6, 8), "Mon 08:00");
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM notifications WHERE kind = 'digest' AND "
                           "tenant_id = $1",
                           w->acme),
                     0);

    /* At 09:00 Sofia gets hers; Lee's only report is on nothing. */
    tick_twice(w, AT(6, 9), "Mon 09:00, the digest");
    assert_notices(w, w->sofia, AT(6, 9),
                   "digest|Your team this week: 2 behind, 1 sign-off waiting|/team\n");
    assert_notices(w, w->lee, 0, "");
    char key[96];
    snprintf(key, sizeof key, "digest:%lld:2026-12-07", (long long)w->sofia);
    assert_int_equal(key_count(w, key, w->sofia), 1);
    char *body = body_of(w, w->sofia, "Your team this week: 2 behind, 1 sign-off waiting");
    /* Ana: step 1 and the coaching talk overdue, the example waiting for Sofia. */
    assert_non_null(strstr(body, "Ana Smith \xE2\x80\x94 Giving feedback: 0/5 done, 2 overdue. "
                                 "Now on: Notice one moment.\n"
                                 "What to talk about: Ask what they noticed."));
    assert_non_null(strstr(body, "Bo Chen \xE2\x80\x94 Giving feedback: 1/5 done, 2 overdue. "
                                 "Now on: Ask for one example.\n"
                                 "What to talk about: Ask which example they chose."));
    assert_non_null(strstr(body, "Cy <i>Park</i> & Co \xE2\x80\x94 no workflow in progress."));
    assert_null(strstr(body, "Ivy"));
    assert_non_null(strstr(body, "Sign-offs waiting for you: 1 (Ana Smith 1)."));
    /* Most overdue first, then by name. */
    assert_true(strstr(body, "Ana Smith") < strstr(body, "Bo Chen"));
    assert_true(strstr(body, "Bo Chen") < strstr(body, "Cy <i>Park"));
    free(body);

    /* The email's HTML carries the table, escaped. */
    int64_t html = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND user_id = $1 "
                              "AND body_html LIKE '%<table%What to talk about%Ask what they "
                              "noticed.%'",
                              &html, DB_INT(w->sofia)),
                     RC_OK);
    assert_int_equal(html, 1);
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND user_id = $1 "
                              "AND body_html LIKE '%Cy &lt;i&gt;Park&lt;/i&gt; &amp; Co%' "
                              "AND body_html NOT LIKE '%<i>Park%'",
                              &html, DB_INT(w->sofia)),
                     RC_OK);
    assert_int_equal(html, 1);

    /* Tuesday is nobody's digest day. */
    tick_twice(w, AT(7, 9), "Tue 09:00");
    assert_int_equal(count(w,
                           "SELECT COUNT(*) FROM notifications WHERE kind = 'digest' AND "
                           "tenant_id = $1",
                           w->acme),
                     1);

    /* Sofia moves hers to Wednesday: none on Monday 14, one on Wednesday 16. */
    as_person(w, w->sofia, AT(7, 12));
    json_t *change = json_pack("{s:s}", "digest_day", "wed");
    struct notify_prefs prefs;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(notify_prefs_update(&w->cx, change, &prefs), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    json_decref(change);
    tick_twice(w, AT(13, 9), "Mon 14 09:00");
    assert_notices(w, w->sofia, AT(13, 9),
                   "escalation|Ana Smith is behind on Try it|/team\n"
                   "escalation|Bo Chen is behind on Try it|/team\n");
    tick_twice(w, AT(15, 9) + 5, "Wed 16 09:00, a chosen day");
    char *got = notices(w, w->sofia, AT(15, 9) + 5);
    assert_non_null(strstr(got, "digest|Your team this week: 2 behind, 1 sign-off waiting|/team"));
    free(got);
}

/* ---- what a pass costs -------------------------------------------------------------------- */

#define BIG_TEAMS  20
#define BIG_PER    20
#define BIG_PEOPLE (BIG_TEAMS * BIG_PER)

static void a_pass_costs_what_it_finds(void **state)
{
    struct world *w = *state;
    static int64_t ids[BIG_PEOPLE];
    for (int t = 0; t < BIG_TEAMS; t++) {
        char name[64], email[64];
        snprintf(name, sizeof name, "Manager %02d", t);
        snprintf(email, sizeof email, "m%02d@acme.example", t);
        int64_t m = add_user(w, name, email, 0, 0);
        for (int i = 0; i < BIG_PER; i++) {
            snprintf(name, sizeof name, "Learner %02d-%02d", t, i);
            snprintf(email, sizeof email, "l%02d-%02d@acme.example", t, i);
            ids[t * BIG_PER + i] = add_user(w, name, email, 0, m);
        }
    }
    enrol_many(w, w->workflow, ids, BIG_PEOPLE, 0);

    struct nudges_result r = tick(w, AT(0, 9), "400 learners: Tue 09:00");
    assert_int_equal(r.notices, 2 * BIG_PEOPLE); /* new activities and a reminder each */
    r = tick(w, AT(0, 9), "400 learners: Tue 09:00 again");
    assert_int_equal(r.notices, 0);
    r = tick(w, AT(1, 9), "400 learners: Wed 09:00");
    assert_int_equal(r.notices, 3 * BIG_PEOPLE);
    r = tick(w, AT(1, 9) + 60, "400 learners: Wed 09:01");
    assert_int_equal(r.notices, 0);
    r = tick(w, AT(6, 9), "400 learners: Mon 09:00 with 20 digests");
    assert_int_equal(r.notices, BIG_PEOPLE + BIG_TEAMS); /* day 3 of Wednesday's step */
    r = tick(w, AT(6, 9) + 60, "400 learners: Mon 09:01");
    assert_int_equal(r.notices, 0);
}

/* A pass that runs out of budget says so, and the passes after it post exactly what one
 * unbounded pass would have: nothing twice, nothing lost. */
static void a_spent_budget_is_taken_up_by_the_next_pass(void **state)
{
    struct world *w = *state;
    static int64_t ids[BIG_PEOPLE];
    for (int i = 0; i < BIG_PEOPLE; i++) {
        char name[64], email[64];
        snprintf(name, sizeof name, "Learner %03d", i);
        snprintf(email, sizeof email, "b%03d@acme.example", i);
        ids[i] = add_user(w, name, email, 0, w->sofia);
    }
    enrol_many(w, w->workflow, ids, BIG_PEOPLE, 0);
    int64_t total = 0;
    int passes = 0;
    struct nudges_result r;
    do {
        memset(&r, 0, sizeof r);
        ctx_clear(&w->cx);
        memset(&w->cx.actor, 0, sizeof w->cx.actor);
        w->cx.now = AT(0, 9) + passes;
        assert_int_equal(db_begin(w->db, 1), RC_OK);
        assert_int_equal(nudges_tick_budget(&w->cx, 150, &r), RC_OK);
        assert_int_equal(db_commit(w->db), RC_OK);
        assert_true(r.notices <= 150);
        assert_int_equal(r.more, r.notices == 150);
        total += r.notices;
        passes++;
    } while (r.more && passes < 20);
    assert_int_equal(total, 2 * BIG_PEOPLE); /* new activities and a reminder each */
    assert_int_equal(passes, (2 * BIG_PEOPLE + 149) / 150 + ((2 * BIG_PEOPLE) % 150 == 0));
    assert_int_equal(tick(w, AT(0, 9) + 60, "after the budgeted passes").notices, 0);
}

static void print_timings(const char *backend)
{
    printf("nudges_tick on %s (ms, notices posted):\n", backend);
    for (int i = 0; i < ntimings; i++)
        printf("  %-45s %8.2f ms  %5lld\n", timings[i].what, timings[i].ms,
               (long long)timings[i].notices);
    ntimings = 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(new_activities_once_a_day_from_the_send_hour),
        T(reminders_overdue_and_escalation_follow_working_days),
        T(signoff_requests_and_returns_go_out_at_any_hour),
        T(enrolment_events_are_told_once_and_marked),
        T(the_digest_goes_to_managers_on_their_day),
        T(a_pass_costs_what_it_finds),
        T(a_spent_budget_is_taken_up_by_the_next_pass),
    };
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("nudges", tests, print_timings);
    return failed;
}
