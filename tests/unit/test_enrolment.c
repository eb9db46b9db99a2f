/*
 * test_enrolment.c — enrolling (enrolment.h): who gets enrolled and who is skipped, the
 * exact schedule in the organisation's zone and calendar, refusals that write nothing,
 * rules that follow a group, pausing and resuming, withdrawing, who sees what, the
 * scheduler pass that re-plans learners who fell behind, and the HTTP handlers.
 *
 * Each test starts from a fresh migrated database with two organisations: acme
 * (Europe/London, Monday to Friday) with an admin, a designer, two coaches, a manager
 * (mia) over ana and bo and a team lead (lee) whose report is dee, and cy, who reports to
 * nobody; and other (a designer). FIXTURE_NOW is Tuesday 1 December 2026, 09:00 UTC.
 * Runs on SQLite and again on PostgreSQL when WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/now.h"
#include "enrolment/enrolment.h"
#include "enrolment/enrolment_api.h"
#include "fixture.h"
#include "people/groups.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme, other;
    int64_t admin, designer, coach, coach2, mia, lee, ana, bo, cy, dee, other_designer;
};

static void as(struct world *w, int64_t tenant, int64_t user, unsigned roles)
{
    w->cx.actor.tenant_id = tenant;
    w->cx.actor.user_id = user;
    w->cx.actor.roles = roles | PEOPLE_ROLE_LEARNER;
    w->cx.if_match = 0;
    ctx_clear(&w->cx);
}

static void as_designer(struct world *w)
{
    as(w, w->acme, w->designer, PEOPLE_ROLE_DESIGNER);
}

static void as_learner(struct world *w, int64_t user)
{
    as(w, w->acme, user, 0);
}

static int64_t add_user(struct world *w, int64_t tenant, const char *email, unsigned roles,
                        int64_t manager)
{
    as(w, tenant, 0, PEOPLE_ROLE_ADMIN);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_MANAGER,
                              .email = email,
                              .name = email,
                              .roles = roles,
                              .manager_id = manager};
    struct user u;
    enum rc rc = users_create(&w->cx, &ch, &u);
    if (rc)
        fail_msg("add_user %s: %s", email, w->cx.message);
    return u.id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "enrolment", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    as(w, w->acme, 0, PEOPLE_ROLE_ADMIN);
    struct tenant_changes tc = {.time_zone = "Europe/London"};
    assert_int_equal(tenant_update(&w->cx, &tc, &t), RC_OK);
    w->admin = add_user(w, w->acme, "admin@acme.example", PEOPLE_ROLE_ADMIN, 0);
    w->designer = add_user(w, w->acme, "designer@acme.example", PEOPLE_ROLE_DESIGNER, 0);
    w->coach = add_user(w, w->acme, "coach@acme.example", PEOPLE_ROLE_COACH, 0);
    w->coach2 = add_user(w, w->acme, "coach2@acme.example", PEOPLE_ROLE_COACH, 0);
    w->mia = add_user(w, w->acme, "mia@acme.example", 0, 0);
    w->lee = add_user(w, w->acme, "lee@acme.example", 0, w->mia);
    w->ana = add_user(w, w->acme, "ana@acme.example", 0, w->mia);
    w->bo = add_user(w, w->acme, "bo@acme.example", 0, w->mia);
    w->cy = add_user(w, w->acme, "cy@acme.example", 0, 0);
    w->dee = add_user(w, w->acme, "dee@acme.example", 0, w->lee);
    w->other_designer = add_user(w, w->other, "designer@other.example", PEOPLE_ROLE_DESIGNER, 0);
    as_designer(w);
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

/* ---- helpers ------------------------------------------------------------------------- */

static int64_t count(struct world *w, const char *sql)
{
    int64_t n = -1;
    if (db_value(w->db, sql, NULL, 0, &n) != RC_OK)
        fail_msg("%s: %s", sql, db_errmsg(w->db));
    return n;
}

static void exec(struct world *w, const char *sql)
{
    if (db_exec(w->db, sql) != RC_OK)
        fail_msg("%s: %s", sql, db_errmsg(w->db));
}

/* Rows written by enrolling, all together: nothing may change on a refusal. */
static int64_t written(struct world *w)
{
    return count(w, "SELECT (SELECT COUNT(*) FROM enrolments) + (SELECT COUNT(*) FROM activities) "
                    "+ (SELECT COUNT(*) FROM enrolment_rules) + (SELECT COUNT(*) FROM audit_log) "
                    "+ (SELECT COUNT(*) FROM enrolment_events)");
}

struct step_spec {
    int phase; /* 1 or 2 */
    const char *title;
    int release, due;
};

/* A published workflow of two phases with these steps (as the designer). */
static int64_t published(struct world *w, const char *title, enum workflow_pacing pacing,
                         int replan_after, int max_due, const struct step_spec *steps, size_t n)
{
    as_designer(w);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE | WORKFLOW_F_WF_OUTCOME |
                                        WORKFLOW_F_WF_PACING | WORKFLOW_F_WF_REPLAN_AFTER |
                                        WORKFLOW_F_WF_MAX_DUE,
                                 .title = title,
                                 .outcome = "People give feedback within a day.",
                                 .pacing = pacing,
                                 .replan_after_days = replan_after,
                                 .max_due_per_day = max_due};
    int64_t id = 0, phases[2];
    assert_int_equal(workflow_create(&w->cx, &ch, &id), RC_OK);
    for (int i = 0; i < 2; i++) {
        struct workflow_phase p = {0};
        assert_int_equal(workflow_phase_add(&w->cx, id, i ? "Week 2" : "Week 1", 0, &p), RC_OK);
        phases[i] = p.id;
        free(p.name);
    }
    for (size_t i = 0; i < n; i++) {
        struct workflow_step s = {.phase_id = phases[steps[i].phase - 1],
                                  .kind = WORKFLOW_PRACTISE,
                                  .title = (char *)steps[i].title,
                                  .instructions = (char *)"Do it.",
                                  .release_offset_days = steps[i].release,
                                  .due_offset_days = steps[i].due,
                                  .effort_minutes = 15,
                                  .completion = WORKFLOW_BY_SELF,
                                  .evidence = WORKFLOW_EVIDENCE_NONE};
        struct workflow_step out;
        memset(&out, 0, sizeof out);
        if (workflow_step_add(&w->cx, id, &s, &out) != RC_OK)
            fail_msg("step %s: %s", steps[i].title, w->cx.message);
        workflow_step_clear(&out);
    }
    int version = 0;
    assert_int_equal(workflow_publish(&w->cx, id, &version), RC_OK);
    return id;
}

static const struct step_spec THREE[] = {
    {1, "Notice", 0, 1},
    {1, "Practise", 1, 4},
    {2, "Reflect", 5, 5},
};

static int64_t three_step(struct world *w, enum workflow_pacing pacing)
{
    return published(w, "Feedback", pacing, 3, 2, THREE, 3);
}

static char *instant(int64_t t)
{
    static char text[4][32];
    static int next;
    char *s = text[next++ % 4];
    now_format_rfc3339(t, s, 32);
    return s;
}

/* Enrols user_ids as the designer; asserts the rc. */
static enum rc enrol(struct world *w, int64_t wf, const int64_t *ids, size_t n, const char *start,
                     struct enrolment_batch *b)
{
    as_designer(w);
    struct enrolment_request rq = {.user_ids = ids, .nuser_ids = n, .start_date = start};
    return enrolment_enrol(&w->cx, wf, &rq, b);
}

/* The enrolment id of user on wf (the newest). */
static int64_t enrolment_of(struct world *w, int64_t wf, int64_t user)
{
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT MAX(id) FROM enrolments WHERE workflow_id = $1 AND "
                              "user_id = $2",
                              &id, DB_INT(wf), DB_INT(user)),
                     RC_OK);
    return id;
}

/* The release and due instants of activity seq of enrolment e. */
static void dates_of(struct world *w, int64_t e, int seq, char *release, char *due)
{
    int64_t r = 0, d = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT release_at FROM activities WHERE enrolment_id = $1 AND "
                              "seq = $2",
                              &r, DB_INT(e), DB_INT(seq)),
                     RC_OK);
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT due_at FROM activities WHERE enrolment_id = $1 AND "
                              "seq = $2",
                              &d, DB_INT(e), DB_INT(seq)),
                     RC_OK);
    now_format_rfc3339(r, release, 32);
    now_format_rfc3339(d, due, 32);
}

static void assert_dates(struct world *w, int64_t e, int seq, const char *release, const char *due)
{
    char r[32], d[32];
    dates_of(w, e, seq, r, d);
    assert_string_equal(r, release);
    assert_string_equal(d, due);
}

static const char *detail_field(const struct ctx *cx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(cx->details, i), "field"));
}

/* ---- enrolling ------------------------------------------------------------------------ */

static void working_days_schedule_is_exact(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    int64_t ids[] = {w->ana, w->bo};
    struct enrolment_batch b;
    /* Saturday 5 December: day 0 is Monday 7 December. */
    assert_int_equal(enrol(w, wf, ids, 2, "2026-12-05", &b), RC_OK);
    assert_int_equal(b.created, 2);
    assert_int_equal(b.skipped, 0);
    assert_int_equal(b.version, 1);
    assert_int_equal(b.rule_id, 0);
    assert_int_equal(b.nschedule, 3);
    assert_int_equal(b.npeople, 2);
    assert_int_equal(b.people[0].user_id, w->ana);
    assert_true(b.people[0].enrolment_id > 0);
    assert_int_equal(b.schedule[0].seq, 1);
    assert_int_equal(b.schedule[2].phase, 2);
    assert_string_equal(b.schedule[2].phase_name, "Week 2");
    assert_string_equal(b.schedule[1].title, "Practise");
    assert_string_equal(instant(b.schedule[0].release_at), "2026-12-07T00:00:00Z");
    assert_string_equal(instant(b.schedule[0].due_at), "2026-12-08T23:59:59Z");
    assert_string_equal(instant(b.schedule[1].release_at), "2026-12-08T00:00:00Z");
    assert_string_equal(instant(b.schedule[1].due_at), "2026-12-11T23:59:59Z");
    assert_string_equal(instant(b.schedule[2].release_at), "2026-12-14T00:00:00Z");
    assert_string_equal(instant(b.schedule[2].due_at), "2026-12-14T23:59:59Z");
    enrolment_batch_free(&b);

    /* What is stored is exactly the schedule, for both learners. */
    int64_t e = enrolment_of(w, wf, w->bo);
    assert_dates(w, e, 1, "2026-12-07T00:00:00Z", "2026-12-08T23:59:59Z");
    assert_dates(w, e, 3, "2026-12-14T00:00:00Z", "2026-12-14T23:59:59Z");
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities WHERE state = 'open' AND "
                              "due_at = planned_due_at"),
                     6);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities a JOIN enrolments e ON e.id = "
                              "a.enrolment_id WHERE a.user_id = e.user_id"),
                     6);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments WHERE user_id IN (SELECT id FROM "
                              "users WHERE email_key IN ('ana@acme.example', 'bo@acme.example'))"),
                     2);
    struct enrolment got;
    assert_int_equal(enrolment_get(&w->cx, e, &got), RC_OK);
    assert_int_equal(got.status, ENROLMENT_ACTIVE);
    assert_string_equal(got.start_date, "2026-12-05");
    assert_int_equal(got.total_steps, 3);
    assert_int_equal(got.completed_steps, 0);
    assert_int_equal(got.overdue, 0);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.workflow_title, "Feedback");
    assert_int_equal(got.learner_manager_id, w->mia);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM audit_log WHERE action = 'enrolment.create'"),
                     1);
}

static void calendar_days_cross_daylight_saving_in_london(void **state)
{
    struct world *w = *state;
    int64_t cal = three_step(w, WORKFLOW_CALENDAR_DAYS);
    int64_t work = published(w, "Working", WORKFLOW_WORKING_DAYS, 3, 2, THREE, 3);
    int64_t ids[] = {w->ana};
    struct enrolment_batch b;
    /* Friday 26 March 2027; the clocks go forward on Sunday 28 March. */
    assert_int_equal(enrol(w, cal, ids, 1, "2027-03-26", &b), RC_OK);
    enrolment_batch_free(&b);
    int64_t e = enrolment_of(w, cal, w->ana);
    assert_dates(w, e, 1, "2027-03-26T00:00:00Z", "2027-03-27T23:59:59Z");
    assert_dates(w, e, 2, "2027-03-27T00:00:00Z", "2027-03-30T22:59:59Z");
    assert_dates(w, e, 3, "2027-03-30T23:00:00Z", "2027-03-31T22:59:59Z");

    assert_int_equal(enrol(w, work, ids, 1, "2027-03-26", &b), RC_OK);
    enrolment_batch_free(&b);
    e = enrolment_of(w, work, w->ana);
    /* Offset 1 is Monday 29 March (BST), offset 4 Thursday 1 April, 5 Friday 2 April. */
    assert_dates(w, e, 1, "2027-03-26T00:00:00Z", "2027-03-29T22:59:59Z");
    assert_dates(w, e, 2, "2027-03-28T23:00:00Z", "2027-04-01T22:59:59Z");
    assert_dates(w, e, 3, "2027-04-01T23:00:00Z", "2027-04-02T22:59:59Z");
}

static void group_and_emails_with_skips_in_order(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    int64_t first[] = {w->ana};
    struct enrolment_batch b;
    assert_int_equal(enrol(w, wf, first, 1, NULL, &b), RC_OK);
    enrolment_batch_free(&b);

    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct groups_change gc = {.set = GROUPS_NAME, .name = "Cohort"};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &gc, &g), RC_OK);
    int64_t members[] = {w->dee, w->bo, w->ana};
    size_t added, skipped;
    assert_int_equal(groups_add_members(&w->cx, g.id, members, 3, &added, &skipped), RC_OK);

    as_designer(w);
    int64_t ids[] = {w->cy, w->cy};
    const char *emails[] = {"BO@Acme.Example", "lee@acme.example", "cy@acme.example"};
    struct enrolment_request rq = {
        .user_ids = ids, .nuser_ids = 2, .group_id = g.id, .emails = emails, .nemails = 3};
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    /* cy (ids), then the group by name (ana, bo, dee), then lee; each person once. */
    assert_int_equal(b.named, 5);
    assert_int_equal(b.npeople, 5);
    assert_int_equal(b.people[0].user_id, w->cy);
    assert_int_equal(b.people[1].user_id, w->ana);
    assert_int_equal(b.people[2].user_id, w->bo);
    assert_int_equal(b.people[3].user_id, w->dee);
    assert_int_equal(b.people[4].user_id, w->lee);
    assert_true(b.people[1].skipped);
    assert_int_equal(b.people[1].enrolment_id, 0);
    assert_false(b.people[2].skipped);
    assert_string_equal(b.people[2].email, "bo@acme.example");
    assert_int_equal(b.created, 4);
    assert_int_equal(b.skipped, 1);
    enrolment_batch_free(&b);
    groups_clear(&g);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 5);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities"), 15);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities a JOIN enrolments e ON e.id = "
                              "a.enrolment_id WHERE a.user_id = e.user_id AND a.tenant_id = "
                              "e.tenant_id"),
                     15);

    /* Someone whose enrolment ended is enrolled again. */
    exec(w, "UPDATE enrolments SET status = 'withdrawn'");
    assert_int_equal(enrol(w, wf, first, 1, NULL, &b), RC_OK);
    assert_int_equal(b.created, 1);
    assert_int_equal(b.skipped, 0);
    enrolment_batch_free(&b);
}

static void a_dry_run_answers_the_same_and_writes_nothing(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct groups_change gc = {.set = GROUPS_NAME, .name = "Cohort"};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &gc, &g), RC_OK);
    int64_t before = written(w);

    as_designer(w);
    int64_t ids[] = {w->ana, w->bo};
    struct enrolment_request rq = {.user_ids = ids,
                                   .nuser_ids = 2,
                                   .group_id = g.id,
                                   .follow_group = 1,
                                   .start_date = "2026-12-03",
                                   .dry_run = 1};
    struct enrolment_batch b;
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    assert_true(b.dry_run);
    assert_int_equal(b.created, 2);
    assert_int_equal(b.rule_id, 0);
    assert_int_equal(b.people[0].enrolment_id, 0);
    assert_int_equal(b.nschedule, 3);
    assert_string_equal(instant(b.schedule[0].due_at), "2026-12-04T23:59:59Z");
    enrolment_batch_free(&b);
    assert_int_equal(written(w), before);
    groups_clear(&g);
}

static void refusals_name_every_place_and_write_nothing(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct users_change off = {.set = USERS_ACTIVE, .active = 0};
    struct user u;
    assert_int_equal(users_update(&w->cx, w->cy, &off, &u), RC_OK);
    int64_t before = written(w);

    as_designer(w);
    int64_t ids[] = {w->ana, w->cy, 999999, w->other_designer};
    const char *emails[] = {"bo@acme.example", "nobody@acme.example", "not an email"};
    struct enrolment_request rq = {.user_ids = ids,
                                   .nuser_ids = 4,
                                   .emails = emails,
                                   .nemails = 3,
                                   .start_date = "2026-10-01",
                                   .coach_id = w->mia,
                                   .follow_group = 1};
    struct enrolment_batch b;
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_INVALID);
    enrolment_batch_free(&b);
    const char *want[] = {"start_date",  "follow_group", "coach_id",  "user_ids[1]",
                          "user_ids[2]", "user_ids[3]",  "emails[1]", "emails[2]"};
    assert_int_equal(json_array_size(w->cx.details), 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(detail_field(&w->cx, i), want[i]);
    assert_int_equal(written(w), before);

    /* A date that is not a date, and naming nobody. */
    as_designer(w);
    struct enrolment_request nobody = {.start_date = "2026-02-30"};
    assert_int_equal(enrolment_enrol(&w->cx, wf, &nobody, &b), RC_INVALID);
    enrolment_batch_free(&b);
    assert_string_equal(detail_field(&w->cx, 0), "start_date");
    assert_string_equal(detail_field(&w->cx, 1), "user_ids");

    /* Workflow refusals. */
    int64_t one[] = {w->ana};
    as_learner(w, w->ana);
    struct enrolment_request rq1 = {.user_ids = one, .nuser_ids = 1};
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq1, &b), RC_FORBIDDEN);
    enrolment_batch_free(&b);
    as(w, w->other, w->other_designer, PEOPLE_ROLE_DESIGNER);
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq1, &b), RC_NOT_FOUND);
    enrolment_batch_free(&b);
    as_designer(w);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE, .title = "Draft only"};
    int64_t draft = 0;
    assert_int_equal(workflow_create(&w->cx, &ch, &draft), RC_OK);
    assert_int_equal(enrolment_enrol(&w->cx, draft, &rq1, &b), RC_CONFLICT);
    assert_string_equal(w->cx.code, "not_published");
    enrolment_batch_free(&b);
    as_designer(w);
    assert_int_equal(workflow_archive(&w->cx, wf), RC_OK);
    before = written(w);
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq1, &b), RC_CONFLICT);
    assert_string_equal(w->cx.code, "workflow_archived");
    enrolment_batch_free(&b);
    assert_int_equal(written(w), before);
}

static void coaches_come_from_the_request_or_the_single_assignment(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct users_detail d;
    assert_int_equal(users_set_coach(&w->cx, w->ana, w->coach, &d), RC_OK);
    int64_t ids[] = {w->ana, w->bo};
    struct enrolment_batch b;
    assert_int_equal(enrol(w, wf, ids, 2, NULL, &b), RC_OK);
    enrolment_batch_free(&b);
    struct enrolment e;
    assert_int_equal(enrolment_get(&w->cx, enrolment_of(w, wf, w->ana), &e), RC_OK);
    assert_int_equal(e.coach_id, w->coach);
    assert_string_equal(e.coach_name, "coach@acme.example");
    assert_int_equal(enrolment_get(&w->cx, enrolment_of(w, wf, w->bo), &e), RC_OK);
    assert_int_equal(e.coach_id, 0);

    int64_t cy[] = {w->cy, w->ana};
    struct enrolment_request rq = {.user_ids = cy, .nuser_ids = 2, .coach_id = w->coach2};
    as_designer(w);
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    assert_int_equal(b.created, 1);
    enrolment_batch_free(&b);
    assert_int_equal(enrolment_get(&w->cx, enrolment_of(w, wf, w->cy), &e), RC_OK);
    assert_int_equal(e.coach_id, w->coach2);
}

/* ---- rules ------------------------------------------------------------------------------ */

static void a_rule_enrols_new_members_once(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct groups_change gc = {.set = GROUPS_NAME, .name = "Cohort"};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &gc, &g), RC_OK);
    int64_t first[] = {w->ana};
    size_t added, skipped;
    assert_int_equal(groups_add_members(&w->cx, g.id, first, 1, &added, &skipped), RC_OK);

    as_designer(w);
    struct enrolment_request rq = {.group_id = g.id, .follow_group = 1};
    struct enrolment_batch b;
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    int64_t rule = b.rule_id;
    assert_true(rule > 0);
    assert_int_equal(b.created, 1);
    enrolment_batch_free(&b);

    /* A second batch following the same group reuses the rule. */
    as_designer(w);
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    assert_int_equal(b.rule_id, rule);
    assert_int_equal(b.skipped, 1);
    enrolment_batch_free(&b);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_rules"), 1);

    /* bo joins the next day: enrolled, starting that day, by the rule. */
    w->cx.now = FIXTURE_NOW + 86400;
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    int64_t more[] = {w->bo, w->ana};
    assert_int_equal(groups_add_members(&w->cx, g.id, more, 2, &added, &skipped), RC_OK);
    int64_t e = enrolment_of(w, wf, w->bo);
    assert_true(e > 0);
    struct enrolment got;
    assert_int_equal(enrolment_get(&w->cx, e, &got), RC_OK);
    assert_string_equal(got.start_date, "2026-12-02");
    assert_int_equal(got.rule_id, rule);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 2);

    /* Withdrawn people were enrolled once: the rule leaves them alone. */
    exec(w, "UPDATE enrolments SET status = 'withdrawn'");
    assert_int_equal(enrolment_follow_rules(&w->cx, 0), RC_OK);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 2);

    /* A rule group: people who come to match it are enrolled when they change. */
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    json_t *r = json_loads("{\"all\":[{\"field\":\"department\",\"op\":\"equals\","
                           "\"value\":\"Sales\"}]}",
                           0, NULL);
    struct groups_change sales = {.set = GROUPS_NAME | GROUPS_RULE, .name = "Sales", .rule = r};
    struct group sg = {0};
    assert_int_equal(groups_create(&w->cx, &sales, &sg), RC_OK);
    json_decref(r);
    as_designer(w);
    struct enrolment_request follow = {.group_id = sg.id, .follow_group = 1};
    assert_int_equal(enrolment_enrol(&w->cx, wf, &follow, &b), RC_OK);
    assert_int_equal(b.created, 0);
    int64_t sales_rule = b.rule_id;
    enrolment_batch_free(&b);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct users_change to_sales = {.set = USERS_DEPARTMENT, .department = "Sales"};
    struct user u;
    assert_int_equal(users_update(&w->cx, w->cy, &to_sales, &u), RC_OK);
    assert_true(enrolment_of(w, wf, w->cy) > 0);
    struct users_change newbie = {.set = USERS_EMAIL | USERS_NAME | USERS_DEPARTMENT,
                                  .email = "new@acme.example",
                                  .name = "New",
                                  .department = "Sales"};
    assert_int_equal(users_create(&w->cx, &newbie, &u), RC_OK);
    assert_true(enrolment_of(w, wf, u.id) > 0);

    /* Stopping the rule stops it; its enrolments stay. */
    as_designer(w);
    assert_int_equal(enrolment_rule_stop(&w->cx, wf, sales_rule), RC_OK);
    assert_int_equal(enrolment_rule_stop(&w->cx, wf, sales_rule), RC_OK);
    assert_int_equal(enrolment_rule_stop(&w->cx, wf, 999999), RC_NOT_FOUND);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct users_change later = {.set = USERS_EMAIL | USERS_NAME | USERS_DEPARTMENT,
                                 .email = "later@acme.example",
                                 .name = "Later",
                                 .department = "Sales"};
    assert_int_equal(users_create(&w->cx, &later, &u), RC_OK);
    assert_int_equal(enrolment_of(w, wf, u.id), 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments WHERE rule_id IS NOT NULL"), 3);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM audit_log WHERE action = "
                              "'enrolment_rule.stop'"),
                     1);
    groups_clear(&g);
    groups_clear(&sg);
}

static enum rc collect_rule(void *arg, const struct enrolment_rule *r)
{
    json_array_append_new(arg, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)r->id, "group",
                                         r->group_name, "active", r->stopped_at == 0));
    return RC_OK;
}

static void rules_are_listed_and_other_tenants_see_none(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct groups_change gc = {.set = GROUPS_NAME, .name = "Cohort"};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &gc, &g), RC_OK);
    as_designer(w);
    struct enrolment_request rq = {.group_id = g.id, .follow_group = 1};
    struct enrolment_batch b;
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    enrolment_batch_free(&b);
    json_t *items = json_array();
    assert_int_equal(enrolment_rules(&w->cx, wf, collect_rule, items), RC_OK);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "group")),
                        "Cohort");
    json_decref(items);
    as(w, w->other, w->other_designer, PEOPLE_ROLE_DESIGNER);
    items = json_array();
    assert_int_equal(enrolment_rules(&w->cx, wf, collect_rule, items), RC_NOT_FOUND);
    json_decref(items);
    as_learner(w, w->ana);
    assert_int_equal(enrolment_rules(&w->cx, wf, collect_rule, NULL), RC_FORBIDDEN);

    /* Deleting the group ends the rule; enrolments stay. */
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    assert_int_equal(groups_delete(&w->cx, g.id), RC_OK);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_rules"), 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM audit_log WHERE action = "
                              "'enrolment_rule.delete'"),
                     1);
    groups_clear(&g);
}

/* ---- changing an enrolment -------------------------------------------------------------- */

static void pausing_and_resuming_shifts_open_activities(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    int64_t ids[] = {w->ana};
    struct enrolment_batch b;
    /* Today, Tuesday 1 December: due Wed 2, Mon 7, Tue 8. */
    assert_int_equal(enrol(w, wf, ids, 1, NULL, &b), RC_OK);
    enrolment_batch_free(&b);
    int64_t e = enrolment_of(w, wf, w->ana);
    assert_dates(w, e, 2, "2026-12-02T00:00:00Z", "2026-12-07T23:59:59Z");
    exec(w, "UPDATE activities SET state = 'completed' WHERE seq = 1");

    /* The manager pauses on Tuesday… */
    as_learner(w, w->mia);
    struct enrolment_change pause = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_PAUSED};
    struct enrolment got;
    assert_int_equal(enrolment_change(&w->cx, e, &pause, &got), RC_OK);
    assert_int_equal(got.status, ENROLMENT_PAUSED);
    assert_int_equal(got.paused_at, FIXTURE_NOW);
    /* …and resumes on Thursday: the pause covered Tuesday and Wednesday. */
    w->cx.now = FIXTURE_NOW + 2 * 86400 + 3600;
    as_learner(w, w->mia);
    struct enrolment_change resume = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_ACTIVE};
    assert_int_equal(enrolment_change(&w->cx, e, &resume, &got), RC_OK);
    assert_int_equal(got.status, ENROLMENT_ACTIVE);
    assert_int_equal(got.paused_at, 0);
    assert_int_equal(got.paused_days, 2);
    assert_dates(w, e, 1, "2026-12-01T00:00:00Z", "2026-12-02T23:59:59Z"); /* completed */
    assert_dates(w, e, 2, "2026-12-04T00:00:00Z", "2026-12-09T23:59:59Z");
    assert_dates(w, e, 3, "2026-12-10T00:00:00Z", "2026-12-10T23:59:59Z");
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events WHERE kind = 'paused'"), 1);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events WHERE kind = 'resumed' AND "
                              "data = '{\"moved\":2,\"paused_days\":2}'"),
                     1);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM audit_log WHERE action IN "
                              "('enrolment.pause', 'enrolment.resume')"),
                     2);

    /* Pausing and resuming on the same day moves nothing. */
    as_learner(w, w->mia);
    assert_int_equal(enrolment_change(&w->cx, e, &pause, &got), RC_OK);
    assert_int_equal(enrolment_change(&w->cx, e, &resume, &got), RC_OK);
    assert_int_equal(got.paused_days, 2);
    assert_dates(w, e, 3, "2026-12-10T00:00:00Z", "2026-12-10T23:59:59Z");
}

static void withdrawing_and_bad_transitions(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    int64_t ids[] = {w->ana, w->bo};
    struct enrolment_batch b;
    assert_int_equal(enrol(w, wf, ids, 2, NULL, &b), RC_OK);
    enrolment_batch_free(&b);
    int64_t e = enrolment_of(w, wf, w->ana), f = enrolment_of(w, wf, w->bo);
    struct enrolment got;
    struct enrolment_change resume = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_ACTIVE};
    struct enrolment_change withdraw = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_WITHDRAWN};
    struct enrolment_change pause = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_PAUSED};
    struct enrolment_change complete = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_COMPLETED};
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, e, &resume, &got), RC_CONFLICT);
    assert_string_equal(w->cx.code, "bad_transition");
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, e, &complete, &got), RC_CONFLICT);
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, e, &withdraw, &got), RC_OK);
    assert_int_equal(got.status, ENROLMENT_WITHDRAWN);
    assert_int_equal(got.withdrawn_at, FIXTURE_NOW);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities"), 6); /* history kept */
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, e, &pause, &got), RC_CONFLICT);
    assert_string_equal(w->cx.code, "bad_transition");
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, e, &withdraw, &got), RC_CONFLICT);

    exec(w, "UPDATE enrolments SET status = 'completed' WHERE user_id IN (SELECT id FROM users "
            "WHERE email_key = 'bo@acme.example')");
    as_designer(w);
    assert_int_equal(enrolment_change(&w->cx, f, &pause, &got), RC_CONFLICT);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events"), 1);

    /* A coach change, then a stale If-Match. */
    int64_t g = enrolment_of(w, wf, w->bo);
    exec(w, "UPDATE enrolments SET status = 'active'");
    as_designer(w);
    struct enrolment_change coach = {.set = ENROLMENT_F_COACH, .coach_id = w->mia};
    assert_int_equal(enrolment_change(&w->cx, g, &coach, &got), RC_INVALID);
    assert_string_equal(detail_field(&w->cx, 0), "coach_id");
    as_designer(w);
    coach.coach_id = w->coach;
    assert_int_equal(enrolment_change(&w->cx, g, &coach, &got), RC_OK);
    assert_int_equal(got.coach_id, w->coach);
    int64_t etag = got.updated_at;
    as_designer(w);
    coach.coach_id = 0;
    w->cx.if_match = etag;
    assert_int_equal(enrolment_change(&w->cx, g, &coach, &got), RC_OK);
    assert_int_equal(got.coach_id, 0);
    assert_true(got.updated_at > etag);
    as_designer(w);
    w->cx.if_match = etag;
    assert_int_equal(enrolment_change(&w->cx, g, &pause, &got), RC_PRECONDITION);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM audit_log WHERE action = 'enrolment.coach'"),
                     2);
}

/* ---- who sees what ------------------------------------------------------------------------ */

struct listing {
    int64_t ids[16];
    int n;
};

static enum rc collect(void *arg, const struct enrolment *e)
{
    struct listing *l = arg;
    if (l->n < 16)
        l->ids[l->n++] = e->user_id;
    return RC_OK;
}

static int list_users(struct world *w, struct listing *l)
{
    int64_t next = 0;
    struct enrolment_query q = {.status = -1, .limit = 50};
    memset(l, 0, sizeof *l);
    assert_int_equal(enrolment_list(&w->cx, &q, collect, l, &next), RC_OK);
    return l->n;
}

static int listed(const struct listing *l, int64_t user)
{
    for (int i = 0; i < l->n; i++)
        if (l->ids[i] == user)
            return 1;
    return 0;
}

static void everyone_sees_only_what_they_may(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    int64_t ids[] = {w->ana, w->bo, w->cy, w->dee};
    struct enrolment_batch b;
    assert_int_equal(enrol(w, wf, ids, 4, NULL, &b), RC_OK);
    enrolment_batch_free(&b);
    int64_t e_ana = enrolment_of(w, wf, w->ana), e_cy = enrolment_of(w, wf, w->cy),
            e_dee = enrolment_of(w, wf, w->dee);
    exec(w, "UPDATE enrolments SET coach_id = (SELECT id FROM users WHERE email_key = "
            "'coach@acme.example') WHERE user_id = (SELECT id FROM users WHERE email_key = "
            "'cy@acme.example')");
    struct listing l;
    struct enrolment got;

    as_designer(w);
    assert_int_equal(list_users(w, &l), 4);
    assert_int_equal(l.ids[0], w->dee); /* newest first */
    as_learner(w, w->mia);              /* ana, bo, and dee below lee */
    assert_int_equal(list_users(w, &l), 3);
    assert_true(listed(&l, w->dee) && listed(&l, w->ana) && !listed(&l, w->cy));
    assert_int_equal(enrolment_get(&w->cx, e_dee, &got), RC_OK);
    as_learner(w, w->lee);
    assert_int_equal(list_users(w, &l), 1);
    assert_int_equal(l.ids[0], w->dee);
    assert_int_equal(enrolment_get(&w->cx, e_ana, &got), RC_NOT_FOUND);
    as(w, w->acme, w->coach, PEOPLE_ROLE_COACH);
    assert_int_equal(list_users(w, &l), 1);
    assert_int_equal(l.ids[0], w->cy);
    assert_int_equal(enrolment_get(&w->cx, e_cy, &got), RC_OK);
    as_learner(w, w->coach); /* without the coach role, no longer */
    assert_int_equal(list_users(w, &l), 0);
    assert_int_equal(enrolment_get(&w->cx, e_cy, &got), RC_NOT_FOUND);
    as_learner(w, w->cy);
    assert_int_equal(list_users(w, &l), 1);
    assert_int_equal(enrolment_get(&w->cx, e_cy, &got), RC_OK);
    assert_int_equal(enrolment_get(&w->cx, e_ana, &got), RC_NOT_FOUND);
    as(w, w->other, w->other_designer, PEOPLE_ROLE_DESIGNER);
    assert_int_equal(list_users(w, &l), 0);
    assert_int_equal(enrolment_get(&w->cx, e_ana, &got), RC_NOT_FOUND);

    /* Changing: the learner may read but not change (403); others 404. */
    struct enrolment_change pause = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_PAUSED};
    as_learner(w, w->cy);
    assert_int_equal(enrolment_change(&w->cx, e_cy, &pause, &got), RC_FORBIDDEN);
    assert_int_equal(enrolment_change(&w->cx, e_ana, &pause, &got), RC_NOT_FOUND);
    as(w, w->acme, w->coach, PEOPLE_ROLE_COACH);
    assert_int_equal(enrolment_change(&w->cx, e_cy, &pause, &got), RC_FORBIDDEN);
    as(w, w->other, w->other_designer, PEOPLE_ROLE_DESIGNER);
    assert_int_equal(enrolment_change(&w->cx, e_ana, &pause, &got), RC_NOT_FOUND);
    as_learner(w, w->lee);
    assert_int_equal(enrolment_change(&w->cx, e_dee, &pause, &got), RC_OK);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments WHERE status = 'paused'"), 1);

    /* Filters and paging. */
    as_designer(w);
    struct enrolment_query q = {.status = ENROLMENT_PAUSED, .limit = 50};
    int64_t next = 0;
    memset(&l, 0, sizeof l);
    assert_int_equal(enrolment_list(&w->cx, &q, collect, &l, &next), RC_OK);
    assert_int_equal(l.n, 1);
    struct enrolment_query page = {.status = -1, .limit = 3};
    memset(&l, 0, sizeof l);
    assert_int_equal(enrolment_list(&w->cx, &page, collect, &l, &next), RC_OK);
    assert_int_equal(l.n, 3);
    assert_true(next > 0);
    page.before_id = next;
    assert_int_equal(enrolment_list(&w->cx, &page, collect, &l, &next), RC_OK);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.ids[3], w->ana);
    assert_int_equal(next, 0);
}

/* ---- the scheduler pass -------------------------------------------------------------------- */

static const struct step_spec SATNAV[] = {
    {1, "a", 0, 1}, {1, "b", 0, 2}, {1, "c", 1, 3}, {1, "d", 2, 4}, {2, "e", 10, 20},
};

static void falling_behind_is_replanned_once(void **state)
{
    struct world *w = *state;
    int64_t wf = published(w, "Satnav", WORKFLOW_WORKING_DAYS, 3, 2, SATNAV, 5);
    int64_t never = published(w, "Never", WORKFLOW_WORKING_DAYS, 0, 2, SATNAV, 5);
    struct enrolment_batch b;
    /* Enrolled on Monday 16 November: a is due Tue 17, b Wed 18, c Thu 19, d Fri 20, e
     * Mon 14 December. */
    w->cx.now = FIXTURE_NOW - 15 * 86400;
    int64_t ana[] = {w->ana}, late[] = {w->bo};
    assert_int_equal(enrol(w, wf, ana, 1, "2026-11-16", &b), RC_OK);
    enrolment_batch_free(&b);
    assert_int_equal(enrol(w, never, ana, 1, "2026-11-16", &b), RC_OK);
    enrolment_batch_free(&b);
    /* bo started Wednesday 25 November: a due Thu 26 is 3 working days behind, not more. */
    assert_int_equal(enrol(w, wf, late, 1, "2026-11-25", &b), RC_OK);
    enrolment_batch_free(&b);
    int64_t e = enrolment_of(w, wf, w->ana);
    exec(w, "UPDATE activities SET state = 'completed' WHERE seq = 2 AND enrolment_id IN "
            "(SELECT id FROM enrolments WHERE user_id = (SELECT id FROM users WHERE email_key = "
            "'bo@acme.example'))");

    w->cx.now = FIXTURE_NOW;
    struct enrolment_tick_result r;
    assert_int_equal(enrolment_tick(&w->cx, &r), RC_OK);
    assert_int_equal(r.tenants, 2);
    assert_int_equal(r.replanned, 1);
    assert_int_equal(r.moved, 4);
    assert_int_equal(r.enrolled, 0);
    /* Ten working days behind: spread from today, two a day, nothing earlier than before. */
    assert_dates(w, e, 1, "2026-11-16T00:00:00Z", "2026-12-01T23:59:59Z");
    assert_dates(w, e, 2, "2026-11-16T00:00:00Z", "2026-12-01T23:59:59Z");
    assert_dates(w, e, 3, "2026-11-17T00:00:00Z", "2026-12-02T23:59:59Z");
    assert_dates(w, e, 4, "2026-11-18T00:00:00Z", "2026-12-02T23:59:59Z");
    assert_dates(w, e, 5, "2026-11-30T00:00:00Z", "2026-12-14T23:59:59Z");
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events WHERE kind = 'replanned' "
                              "AND data = '{\"behind_days\":10,\"moved\":4}'"),
                     1);
    as_designer(w);
    struct enrolment got;
    assert_int_equal(enrolment_get(&w->cx, e, &got), RC_OK);
    assert_int_equal(got.replanned_at, FIXTURE_NOW);
    assert_int_equal(got.overdue, 0);
    /* The workflow that never re-plans and bo, three days behind, are untouched. */
    assert_dates(w, enrolment_of(w, never, w->ana), 1, "2026-11-16T00:00:00Z",
                 "2026-11-17T23:59:59Z");
    assert_dates(w, enrolment_of(w, wf, w->bo), 1, "2026-11-25T00:00:00Z", "2026-11-26T23:59:59Z");

    /* Idempotent: the same instant again changes nothing. */
    int64_t before = count(w, "SELECT COUNT(*) FROM enrolment_events");
    assert_int_equal(enrolment_tick(&w->cx, &r), RC_OK);
    assert_int_equal(r.replanned, 0);
    assert_int_equal(r.moved, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events"), before);

    /* A day later bo is four days behind: re-planned too. */
    w->cx.now = FIXTURE_NOW + 86400;
    assert_int_equal(enrolment_tick(&w->cx, &r), RC_OK);
    assert_int_equal(r.replanned, 1);
    assert_dates(w, enrolment_of(w, wf, w->bo), 1, "2026-11-25T00:00:00Z", "2026-12-02T23:59:59Z");
}

/* A pass that runs out of its re-planning budget says so; the next one takes the rest. */
static void replanning_beyond_the_budget_waits_for_the_next_pass(void **state)
{
    struct world *w = *state;
    int64_t wf = published(w, "Satnav", WORKFLOW_WORKING_DAYS, 3, 2, SATNAV, 5);
    struct enrolment_batch b;
    w->cx.now = FIXTURE_NOW - 15 * 86400;
    int64_t people[] = {w->ana, w->bo, w->cy};
    assert_int_equal(enrol(w, wf, people, 3, "2026-11-16", &b), RC_OK);
    enrolment_batch_free(&b);
    w->cx.now = FIXTURE_NOW;
    struct enrolment_tick_result r;
    assert_int_equal(enrolment_tick_budget(&w->cx, 2, &r), RC_OK);
    assert_int_equal(r.replanned, 2);
    assert_int_equal(r.more, 1);
    assert_int_equal(enrolment_tick_budget(&w->cx, 2, &r), RC_OK);
    assert_int_equal(r.replanned, 1);
    assert_int_equal(r.more, 0);
    assert_int_equal(enrolment_tick_budget(&w->cx, 2, &r), RC_OK);
    assert_int_equal(r.replanned, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolment_events WHERE kind = 'replanned'"), 3);
}

static void the_pass_enrols_members_rules_missed(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    as(w, w->acme, w->admin, PEOPLE_ROLE_ADMIN);
    struct groups_change gc = {.set = GROUPS_NAME, .name = "Cohort"};
    struct group g = {0};
    assert_int_equal(groups_create(&w->cx, &gc, &g), RC_OK);
    as_designer(w);
    struct enrolment_request rq = {.group_id = g.id, .follow_group = 1};
    struct enrolment_batch b;
    assert_int_equal(enrolment_enrol(&w->cx, wf, &rq, &b), RC_OK);
    enrolment_batch_free(&b);
    /* Members written behind the domain's back (as a restore or a script would). */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO user_group_members (tenant_id, group_id, user_id, added_at) VALUES "
             "(%lld, %lld, %lld, 0), (%lld, %lld, %lld, 0)",
             (long long)w->acme, (long long)g.id, (long long)w->ana, (long long)w->acme,
             (long long)g.id, (long long)w->bo);
    exec(w, sql);
    struct enrolment_tick_result r;
    assert_int_equal(enrolment_tick(&w->cx, &r), RC_OK);
    assert_int_equal(r.enrolled, 2);
    assert_int_equal(enrolment_tick(&w->cx, &r), RC_OK);
    assert_int_equal(r.enrolled, 0);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 2);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM activities"), 6);
    assert_int_equal(w->cx.actor.tenant_id, 0);
    groups_clear(&g);
}

/* ---- the handlers ---------------------------------------------------------------------------- */

typedef enum rc (*handler)(struct ctx *, const struct req *, struct resp *);

/* Calls h with body (NULL: none), path ids, one query pair and one header; returns the
 * answer as JSON (NULL when there is none) and asserts the rc. */
static json_t *call(struct world *w, handler h, const char *method, const char *body,
                    const char *id, const char *qname, const char *qvalue, const char *hname,
                    const char *hvalue, enum rc want, char *etag)
{
    struct fake_req f;
    fake_req_init(&f, method, "/api/v1/enrolments");
    json_t *j = NULL;
    if (body)
        assert_int_equal(jsonx_parse(&w->cx, body, strlen(body), &j), RC_OK);
    f.rq.json = j;
    f.rq.params[0] = id;
    f.rq.nparams = id ? 1 : 0;
    f.query[0][0] = qname;
    f.query[0][1] = qvalue;
    f.headers[0][0] = hname;
    f.headers[0][1] = hvalue;
    struct resp rs;
    resp_init(&rs);
    enum rc rc = h(&w->cx, &f.rq, &rs);
    if (rc != want)
        fail_msg("%s: %s, want %s: %s %s", method, rc_name(rc), rc_name(want), w->cx.message,
                 w->cx.details ? json_dumps(w->cx.details, 0) : "");
    json_t *out = rc == RC_OK && rs.body.len ? json_loads(rs.body.data, 0, NULL) : NULL;
    if (etag) {
        etag[0] = '\0';
        for (int i = 0; i < rs.nheaders; i++)
            if (strcmp(rs.headers[i].name, "ETag") == 0)
                snprintf(etag, 256, "%s", rs.headers[i].value);
    }
    resp_free(&rs);
    json_decref(j);
    return out;
}

static void the_handlers_speak_the_documented_json(void **state)
{
    struct world *w = *state;
    int64_t wf = three_step(w, WORKFLOW_WORKING_DAYS);
    char wf_id[24], body[512], etag[256];
    snprintf(wf_id, sizeof wf_id, "%lld", (long long)wf);

    /* Emails as one pasted string, as a dry run first. */
    as_designer(w);
    snprintf(body, sizeof body,
             "{\"user_ids\": [%lld], \"emails\": \"bo@acme.example;\\n CY@acme.example, \","
             " \"start_date\": \"2026-12-05\"}",
             (long long)w->ana);
    json_t *j =
        call(w, enrolment_api_enrol, "POST", body, wf_id, "dry_run", "1", NULL, NULL, RC_OK, NULL);
    assert_true(json_is_true(json_object_get(j, "dry_run")));
    assert_int_equal(json_integer_value(json_object_get(j, "created")), 3);
    assert_true(json_is_null(json_object_get(j, "rule_id")));
    json_t *s0 = json_array_get(json_object_get(j, "schedule"), 0);
    assert_string_equal(json_string_value(json_object_get(s0, "release_date")), "2026-12-07");
    assert_string_equal(json_string_value(json_object_get(s0, "due_date")), "2026-12-08");
    assert_string_equal(json_string_value(json_object_get(s0, "due_at")), "2026-12-08T23:59:59Z");
    assert_string_equal(json_string_value(json_object_get(s0, "phase_name")), "Week 1");
    json_t *p2 = json_array_get(json_object_get(j, "people"), 2);
    assert_string_equal(json_string_value(json_object_get(p2, "email")), "cy@acme.example");
    assert_true(json_is_null(json_object_get(p2, "enrolment_id")));
    json_decref(j);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 0);

    as_designer(w);
    j = call(w, enrolment_api_enrol, "POST", body, wf_id, NULL, NULL, NULL, NULL, RC_OK, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "created")), 3);
    json_decref(j);
    as_designer(w);
    j = call(w, enrolment_api_enrol, "POST", body, wf_id, NULL, NULL, NULL, NULL, RC_OK, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "skipped")), 3);
    p2 = json_array_get(json_object_get(j, "people"), 2);
    assert_string_equal(json_string_value(json_object_get(p2, "reason")), "already_enrolled");
    json_decref(j);

    /* Bad fields are named; nothing is written. */
    as_designer(w);
    call(w, enrolment_api_enrol, "POST",
         "{\"user_ids\": [\"12\", -1], \"emails\": [3], \"colour\": 1, \"follow_group\": 2}", wf_id,
         NULL, NULL, NULL, NULL, RC_INVALID, NULL);
    assert_true(ctx_has_detail(&w->cx, "user_ids[0]"));
    assert_true(ctx_has_detail(&w->cx, "user_ids[1]"));
    assert_true(ctx_has_detail(&w->cx, "emails[0]"));
    assert_true(ctx_has_detail(&w->cx, "colour"));
    assert_true(ctx_has_detail(&w->cx, "follow_group"));
    as_designer(w);
    call(w, enrolment_api_enrol, "POST", "{}", wf_id, "dry_run", "maybe", NULL, NULL,
         RC_BAD_REQUEST, NULL);
    assert_int_equal(count(w, "SELECT COUNT(*) FROM enrolments"), 3);

    /* The detail, with activities and events, and its ETag. */
    char e_id[24];
    snprintf(e_id, sizeof e_id, "%lld", (long long)enrolment_of(w, wf, w->ana));
    as_learner(w, w->mia);
    j = call(w, enrolment_api_get, "GET", NULL, e_id, NULL, NULL, NULL, NULL, RC_OK, etag);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(j, "start_date")), "2026-12-05");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "progress"), "total")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "learner"), "id")),
                     w->ana);
    assert_int_equal(json_array_size(json_object_get(j, "activities")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 0);
    assert_true(json_is_null(json_object_get(j, "coach")));
    json_decref(j);
    assert_true(etag[0] == '"');

    /* PATCH with a stale ETag, then the current one. */
    as_learner(w, w->mia);
    call(w, enrolment_api_update, "PATCH", "{\"status\": \"paused\"}", e_id, NULL, NULL, "If-Match",
         "\"12\"", RC_PRECONDITION, NULL);
    as_learner(w, w->mia);
    call(w, enrolment_api_update, "PATCH", "{\"status\": \"asleep\"}", e_id, NULL, NULL, NULL, NULL,
         RC_INVALID, NULL);
    as_learner(w, w->mia);
    j = call(w, enrolment_api_update, "PATCH", "{\"status\": \"paused\"}", e_id, NULL, NULL,
             "If-Match", etag, RC_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "paused");
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "kind")), "paused");
    json_decref(j);
    as_learner(w, w->ana);
    call(w, enrolment_api_update, "PATCH", "{\"status\": \"active\"}", e_id, NULL, NULL, NULL, NULL,
         RC_FORBIDDEN, NULL);

    /* The list with a filter, and bad parameters. */
    as_learner(w, w->ana);
    j = call(w, enrolment_api_list, "GET", NULL, NULL, "status", "paused", NULL, NULL, RC_OK, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);
    call(w, enrolment_api_list, "GET", NULL, NULL, "status", "sleeping", NULL, NULL, RC_BAD_REQUEST,
         NULL);
    call(w, enrolment_api_list, "GET", NULL, NULL, "workflow_id", "x", NULL, NULL, RC_BAD_REQUEST,
         NULL);
    call(w, enrolment_api_get, "GET", NULL, "abc", NULL, NULL, NULL, NULL, RC_NOT_FOUND, NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(working_days_schedule_is_exact),
        T(calendar_days_cross_daylight_saving_in_london),
        T(group_and_emails_with_skips_in_order),
        T(a_dry_run_answers_the_same_and_writes_nothing),
        T(refusals_name_every_place_and_write_nothing),
        T(coaches_come_from_the_request_or_the_single_assignment),
        T(a_rule_enrols_new_members_once),
        T(rules_are_listed_and_other_tenants_see_none),
        T(pausing_and_resuming_shifts_open_activities),
        T(withdrawing_and_bad_transitions),
        T(everyone_sees_only_what_they_may),
        T(falling_behind_is_replanned_once),
        T(replanning_beyond_the_budget_waits_for_the_next_pass),
        T(the_pass_enrols_members_rules_missed),
        T(the_handlers_speak_the_documented_json),
    };
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("enrolment", tests, NULL);
    return failed;
}
