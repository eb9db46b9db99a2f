/*
 * test_team.c — a manager's team (team.h, GET /api/v1/me/team): the numbers of each
 * member and enrolment, the order, the totals, who is left out, and who may ask.
 *
 * acme (Europe/London, Monday to Friday) has a manager, sofia (who also coaches), with
 * reports ana, bo, cy and dee (dee is deactivated); lee manages eve; carl is another
 * coach; ada is an admin. A published six-step workflow (two sign-off steps, prompts on
 * some steps) is enrolled through enrolment_enrol at dates before FIXTURE_NOW (Tuesday
 * 1 December 2026, 09:00 UTC) and worked through activity_complete, so every number
 * comes from rows the real code wrote. Runs on SQLite and again on PostgreSQL when
 * WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity/activity.h"
#include "core/log.h"
#include "enrolment/enrolment.h"
#include "fixture.h"
#include "people/people.h"
#include "people/users.h"
#include "team/team.h"
#include "team/team_api.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

#define HOUR 3600

struct world {
    const char *pg_url;
    char schema[96];
    struct db *db;
    struct ctx cx;
    int64_t acme;
    int64_t ada, designer, sofia, carl, lee, ana, bo, cy, dee, eve;
    int64_t workflow;
};

static void as(struct world *w, int64_t user, unsigned roles)
{
    ctx_clear(&w->cx);
    w->cx.actor = (struct actor){.tenant_id = w->acme, .user_id = user, .roles = roles};
    w->cx.now = FIXTURE_NOW;
}

static void as_person(struct world *w, int64_t user)
{
    unsigned roles = PEOPLE_ROLE_LEARNER;
    if (user == w->sofia || user == w->carl)
        roles |= PEOPLE_ROLE_COACH;
    if (user == w->ada)
        roles |= PEOPLE_ROLE_ADMIN;
    if (user == w->designer)
        roles |= PEOPLE_ROLE_DESIGNER;
    as(w, user, roles);
}

static int64_t add_user(struct world *w, const char *name, unsigned roles, int64_t manager)
{
    as(w, 0, PEOPLE_ROLE_ADMIN);
    char email[64];
    snprintf(email, sizeof email, "%s@acme.example", name);
    struct users_change ch = {.set = USERS_EMAIL | USERS_NAME | USERS_ROLES | USERS_MANAGER |
                                     USERS_JOB_TITLE,
                              .email = email,
                              .name = name,
                              .roles = roles,
                              .manager_id = manager,
                              .job_title = "Team lead"};
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

static const struct step_spec STEPS[] = {
    {"Notice", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 0, 0, "Ask what they noticed."},
    {"Ask for one example", WORKFLOW_DISCUSS, WORKFLOW_BY_MANAGER, 0, 1, "Ask for the example."},
    {"Coaching talk", WORKFLOW_COACH, WORKFLOW_BY_COACH, 1, 2, NULL},
    {"Reflect", WORKFLOW_REFLECT, WORKFLOW_BY_SELF, 2, 3, "Ask what they would change."},
    {"Practise", WORKFLOW_PRACTISE, WORKFLOW_BY_SELF, 2, 4, NULL},
    {"Later", WORKFLOW_LEARN, WORKFLOW_BY_SELF, 10, 12, NULL},
};
#define NSTEPS (sizeof STEPS / sizeof STEPS[0])

static int64_t publish(struct world *w)
{
    as_person(w, w->designer);
    struct workflow_change ch = {.set = WORKFLOW_F_WF_TITLE | WORKFLOW_F_WF_OUTCOME,
                                 .title = "Giving feedback",
                                 .outcome = "People give specific feedback."};
    int64_t id = 0;
    assert_int_equal(workflow_create(&w->cx, &ch, &id), RC_OK);
    struct workflow_phase p = {0};
    assert_int_equal(workflow_phase_add(&w->cx, id, "Week 1", 0, &p), RC_OK);
    for (size_t i = 0; i < NSTEPS; i++) {
        struct workflow_step s = {.phase_id = p.id,
                                  .kind = STEPS[i].kind,
                                  .title = (char *)STEPS[i].title,
                                  .instructions = (char *)"Do it.",
                                  .release_offset_days = STEPS[i].release,
                                  .due_offset_days = STEPS[i].due,
                                  .effort_minutes = 15,
                                  .completion = STEPS[i].completion,
                                  .evidence = WORKFLOW_EVIDENCE_NONE,
                                  .manager_prompt = (char *)STEPS[i].prompt};
        struct workflow_step out;
        memset(&out, 0, sizeof out);
        if (workflow_step_add(&w->cx, id, &s, &out) != RC_OK)
            fail_msg("step %s: %s", STEPS[i].title, w->cx.message);
        workflow_step_clear(&out);
    }
    free(p.name);
    int version = 0;
    assert_int_equal(workflow_publish(&w->cx, id, &version), RC_OK);
    return id;
}

/* Enrols user starting on start with coach (0: none); returns the enrolment id. */
static int64_t enrol(struct world *w, int64_t user, const char *start, int64_t coach)
{
    as_person(w, w->designer);
    struct enrolment_request rq = {
        .user_ids = &user, .nuser_ids = 1, .start_date = start, .coach_id = coach};
    struct enrolment_batch b;
    if (enrolment_enrol(&w->cx, w->workflow, &rq, &b) != RC_OK)
        fail_msg("enrol: %s", w->cx.message);
    int64_t id = b.npeople ? b.people[0].enrolment_id : 0;
    enrolment_batch_free(&b);
    assert_true(id > 0);
    return id;
}

/* The activity of step seq (1-based) of enrolment e. */
static int64_t activity_of(struct world *w, int64_t e, int seq)
{
    int64_t id = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT id FROM activities WHERE enrolment_id = $1 AND seq = $2", &id,
                              DB_INT(e), DB_INT(seq)),
                     RC_OK);
    return id;
}

/* The learner completes (or submits) step seq of e an hour before FIXTURE_NOW. */
static void complete(struct world *w, int64_t learner, int64_t e, int seq)
{
    as_person(w, learner);
    w->cx.now = FIXTURE_NOW - HOUR;
    struct activity_input in = {.reflection = "I noticed a lot."};
    if (activity_complete(&w->cx, activity_of(w, e, seq), &in, NULL) != RC_OK)
        fail_msg("complete %d: %s", seq, w->cx.message);
    w->cx.now = FIXTURE_NOW;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->pg_url = *state;
    w->db = fixture_db_on(w->pg_url, "team", w->schema);
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    assert_int_equal(tenant_create(&w->cx, "acme", "Acme", "Europe/London", &t), RC_OK);
    w->acme = t.id;
    w->ada = add_user(w, "ada", PEOPLE_ROLE_ADMIN, 0);
    w->designer = add_user(w, "dana", PEOPLE_ROLE_DESIGNER, 0);
    w->sofia = add_user(w, "sofia", PEOPLE_ROLE_COACH, 0);
    w->carl = add_user(w, "carl", PEOPLE_ROLE_COACH, 0);
    w->lee = add_user(w, "lee", 0, 0);
    w->cy = add_user(w, "cy", 0, w->sofia);
    w->bo = add_user(w, "bo", 0, w->sofia);
    w->ana = add_user(w, "ana", 0, w->sofia);
    w->dee = add_user(w, "dee", 0, w->sofia);
    w->eve = add_user(w, "eve", 0, w->lee);
    w->workflow = publish(w);

    /* ana from Monday 23 November, coached by sofia: Notice done, both sign-off steps
     * submitted, Reflect (Thu 26) and Practise (Fri 27) overdue, Later locked. */
    int64_t a = enrol(w, w->ana, "2026-11-23", w->sofia);
    complete(w, w->ana, a, 1);
    complete(w, w->ana, a, 2);
    complete(w, w->ana, a, 3);
    /* bo from Monday 30 November, coached by carl: Notice (Mon 30) overdue, the coach step
     * submitted (it is carl's to sign off, not sofia's). */
    int64_t b = enrol(w, w->bo, "2026-11-30", w->carl);
    complete(w, w->bo, b, 3);
    /* cy starts today and is paused by sofia. */
    int64_t c = enrol(w, w->cy, NULL, 0);
    as_person(w, w->sofia);
    struct enrolment_change pause = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_PAUSED};
    assert_int_equal(enrolment_change(&w->cx, c, &pause, NULL), RC_OK);
    /* dee was enrolled, then deactivated; eve is lee's, far behind. */
    enrol(w, w->dee, "2026-11-23", 0);
    as_person(w, w->ada);
    struct user u;
    assert_int_equal(users_deactivate(&w->cx, w->dee, &u), RC_OK);
    enrol(w, w->eve, "2026-11-23", 0);
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

static json_t *team_of(struct world *w, int64_t manager)
{
    json_t *out = NULL;
    enum rc rc = team_get(&w->cx, manager, &out);
    if (rc)
        fail_msg("team_get: %d %s", rc, w->cx.message);
    return out;
}

static int64_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not a number", key);
    return json_integer_value(v);
}

static const char *str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    return json_string_value(v);
}

/* ---- the numbers --------------------------------------------------------------------- */

static void the_team_shows_progress_overdue_and_the_step_to_talk_about(void **state)
{
    struct world *w = *state;
    as_person(w, w->sofia);
    json_t *team = team_of(w, w->sofia);
    json_t *manager = json_object_get(team, "manager");
    assert_int_equal(num(manager, "id"), w->sofia);
    assert_string_equal(str(manager, "name"), "sofia");

    json_t *totals = json_object_get(team, "totals");
    assert_int_equal(num(totals, "members"), 3); /* dee is deactivated, eve is lee's */
    assert_int_equal(num(totals, "behind"), 2);
    assert_int_equal(num(totals, "overdue"), 3);
    assert_int_equal(num(totals, "signoffs_waiting"), 2);

    /* Most overdue first, then by name. */
    json_t *members = json_object_get(team, "members");
    assert_int_equal(json_array_size(members), 3);
    json_t *ana = json_array_get(members, 0), *bo = json_array_get(members, 1),
           *cy = json_array_get(members, 2);
    assert_int_equal(num(ana, "id"), w->ana);
    assert_int_equal(num(bo, "id"), w->bo);
    assert_int_equal(num(cy, "id"), w->cy);

    assert_string_equal(str(ana, "name"), "ana");
    assert_string_equal(str(ana, "email"), "ana@acme.example");
    assert_string_equal(str(ana, "job_title"), "Team lead");
    assert_int_equal(num(ana, "overdue"), 2);
    assert_string_equal(str(ana, "last_completed_at"), "2026-12-01T08:00:00Z");
    /* The manager step, and the coach step of the enrolment sofia coaches. */
    assert_int_equal(num(ana, "signoffs_waiting"), 2);
    json_t *enrolments = json_object_get(ana, "enrolments");
    assert_int_equal(json_array_size(enrolments), 1);
    json_t *e = json_array_get(enrolments, 0);
    assert_int_equal(num(json_object_get(e, "workflow"), "id"), w->workflow);
    assert_string_equal(str(json_object_get(e, "workflow"), "title"), "Giving feedback");
    assert_string_equal(str(e, "status"), "active");
    assert_int_equal(num(e, "completed"), 1);
    assert_int_equal(num(e, "total"), 6);
    assert_int_equal(num(e, "percent"), 16); /* 16.7, rounded down */
    assert_int_equal(num(e, "overdue"), 2);
    json_t *current = json_object_get(e, "current");
    assert_string_equal(str(current, "title"), "Reflect");
    assert_string_equal(str(current, "kind"), "reflect");
    assert_string_equal(str(current, "due_at"), "2026-11-26T23:59:59Z");
    assert_string_equal(str(current, "manager_prompt"), "Ask what they would change.");
    int64_t e_id = num(e, "id");
    int64_t reflect = 0;
    assert_int_equal(DB_VALUE(w->db,
                              "SELECT id FROM activities WHERE enrolment_id = $1 AND seq = 4",
                              &reflect, DB_INT(e_id)),
                     RC_OK);
    assert_int_equal(num(current, "activity_id"), reflect);

    /* bo's coach step is carl's to sign off. */
    assert_int_equal(num(bo, "overdue"), 1);
    assert_int_equal(num(bo, "signoffs_waiting"), 0);
    assert_true(json_is_null(json_object_get(bo, "last_completed_at")));
    e = json_array_get(json_object_get(bo, "enrolments"), 0);
    assert_int_equal(num(e, "completed"), 0);
    assert_int_equal(num(e, "percent"), 0);
    current = json_object_get(e, "current");
    assert_string_equal(str(current, "title"), "Notice");
    assert_string_equal(str(current, "due_at"), "2026-11-30T23:59:59Z");
    assert_string_equal(str(current, "manager_prompt"), "Ask what they noticed.");

    /* cy is paused: shown, nothing overdue. */
    assert_int_equal(num(cy, "overdue"), 0);
    e = json_array_get(json_object_get(cy, "enrolments"), 0);
    assert_string_equal(str(e, "status"), "paused");
    assert_int_equal(num(e, "overdue"), 0);
    assert_string_equal(str(json_object_get(e, "current"), "title"), "Notice");
    json_decref(team);
}

static void a_step_without_prompt_and_an_enrolment_with_nothing_open(void **state)
{
    struct world *w = *state;
    /* ana's sign-offs are approved: the current step moves to Reflect still, and once
     * Reflect and Practise are done it is Later (no prompt); withdrawing leaves nothing. */
    as_person(w, w->sofia);
    int64_t e = 0;
    assert_int_equal(
        DB_VALUE(w->db, "SELECT id FROM enrolments WHERE user_id = $1", &e, DB_INT(w->ana)), RC_OK);
    assert_int_equal(activity_sign_off(&w->cx, activity_of(w, e, 2), 1, NULL, NULL), RC_OK);
    complete(w, w->ana, e, 4);
    complete(w, w->ana, e, 5);
    as_person(w, w->sofia);
    json_t *team = team_of(w, w->sofia);
    json_t *ana = json_array_get(json_object_get(team, "members"), 1); /* bo is now first */
    assert_int_equal(num(ana, "id"), w->ana);
    assert_int_equal(num(ana, "overdue"), 0);
    assert_int_equal(num(ana, "signoffs_waiting"), 1); /* the coach step */
    json_t *en = json_array_get(json_object_get(ana, "enrolments"), 0);
    assert_int_equal(num(en, "completed"), 4);
    assert_int_equal(num(en, "percent"), 66);
    json_t *current = json_object_get(en, "current");
    assert_string_equal(str(current, "title"), "Later");
    assert_true(json_is_null(json_object_get(current, "manager_prompt")));
    assert_int_equal(num(json_object_get(team, "totals"), "behind"), 1);
    json_decref(team);

    /* Withdrawn enrolments leave the team view; the person stays. */
    struct enrolment_change withdraw = {.set = ENROLMENT_F_STATUS, .status = ENROLMENT_WITHDRAWN};
    assert_int_equal(enrolment_change(&w->cx, e, &withdraw, NULL), RC_OK);
    team = team_of(w, w->sofia);
    json_t *members = json_object_get(team, "members");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(members); i++) {
        json_t *m = json_array_get(members, i);
        if (num(m, "id") != w->ana)
            continue;
        seen = 1;
        assert_int_equal(json_array_size(json_object_get(m, "enrolments")), 0);
        assert_int_equal(num(m, "signoffs_waiting"), 0);
        assert_string_equal(str(m, "last_completed_at"), "2026-12-01T09:00:00Z"); /* approved */
    }
    assert_true(seen);
    json_decref(team);
}

/* ---- who may ask ----------------------------------------------------------------------- */

static void only_the_manager_or_the_system_sees_a_team(void **state)
{
    struct world *w = *state;
    json_t *out = NULL;
    /* Another manager's team, an admin signed in, a report asking for their manager's. */
    int64_t askers[] = {w->lee, w->ada, w->ana};
    for (size_t i = 0; i < 3; i++) {
        as_person(w, askers[i]);
        assert_int_equal(team_get(&w->cx, w->sofia, &out), RC_FORBIDDEN);
        assert_null(out);
    }
    /* The tenant's system actor (the digest) may. */
    as(w, 0, PEOPLE_ROLE_ADMIN);
    json_t *team = team_of(w, w->lee);
    assert_int_equal(num(json_object_get(team, "totals"), "members"), 1);
    json_t *eve = json_array_get(json_object_get(team, "members"), 0);
    assert_int_equal(num(eve, "id"), w->eve);
    assert_int_equal(num(eve, "overdue"), 5);
    json_decref(team);
    /* An id that is not a person of this tenant. */
    assert_int_equal(team_get(&w->cx, 999999, &out), RC_NOT_FOUND);
}

static void the_handler_answers_the_callers_own_team(void **state)
{
    struct world *w = *state;
    struct fake_req f;
    struct resp rs;

    /* Someone without reports gets an empty team. */
    as_person(w, w->eve);
    fake_req_init(&f, "GET", "/api/v1/me/team");
    resp_init(&rs);
    assert_int_equal(team_api_get(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    json_t *got = json_loadb(rs.body.data, rs.body.len, 0, NULL);
    json_t *want = json_pack("{s:{s:I, s:s}, s:{s:i, s:i, s:i, s:i}, s:[]}", "manager", "id",
                             (json_int_t)w->eve, "name", "eve", "totals", "members", 0, "behind", 0,
                             "overdue", 0, "signoffs_waiting", 0, "members");
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    resp_free(&rs);

    /* sofia's answer is team_get's, and not stored by caches. */
    as_person(w, w->sofia);
    resp_init(&rs);
    assert_int_equal(team_api_get(&w->cx, &f.rq, &rs), RC_OK);
    got = json_loadb(rs.body.data, rs.body.len, 0, NULL);
    want = team_of(w, w->sofia);
    assert_true(json_equal(got, want));
    int cache_control = 0;
    for (int i = 0; i < rs.nheaders; i++)
        cache_control |= strcmp(rs.headers[i].name, "Cache-Control") == 0 &&
                         strstr(rs.headers[i].value, "no-store") != NULL;
    assert_true(cache_control);
    json_decref(got);
    json_decref(want);
    resp_free(&rs);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(the_team_shows_progress_overdue_and_the_step_to_talk_about),
        T(a_step_without_prompt_and_an_enrolment_with_nothing_open),
        T(only_the_manager_or_the_system_sees_a_team),
        T(the_handler_answers_the_callers_own_team),
    };
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("team", tests, NULL);
    return failed;
}
