/*
 * test_workflow_diff.c — the readable difference between two states of a workflow.
 *
 * Each test builds two struct workflow values by hand (no database: the diff is pure),
 * changes what the test is about, and compares the whole answer with the JSON a designer
 * would read, using json_equal so that types (numbers stay numbers, null stays null) and
 * the order of every list are checked while the order of object keys is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow/workflow_diff.h"

#define WEEK1  "Week 1 \xe2\x80\x94 notice"
#define WEEK2  "Week 2 \xe2\x80\x94 try"
#define MONTH2 "Month 2 \xe2\x80\x94 make it stick"

/* ---- building workflows by hand ----------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

/* Replaces an owned string. */
static void set_str(char **field, const char *s)
{
    free(*field);
    *field = dup_or_null(s);
}

static void wf_init(struct workflow *w, const char *title)
{
    memset(w, 0, sizeof *w);
    w->title = dup_or_null(title);
    w->outcome = dup_or_null("Gives specific, timely feedback within a day");
    w->description = dup_or_null("");
    w->pacing = WORKFLOW_WORKING_DAYS;
    w->replan_after_days = WORKFLOW_REPLAN_AFTER_DEFAULT;
    w->max_due_per_day = WORKFLOW_MAX_DUE_DEFAULT;
}

/* Appends a phase at the end (position n+1). */
static void add_phase(struct workflow *w, int64_t id, const char *name)
{
    struct workflow_phase *p = realloc(w->phases, (w->nphases + 1) * sizeof *p);
    assert_non_null(p);
    w->phases = p;
    p = &w->phases[w->nphases++];
    p->id = id;
    p->position = (int)w->nphases;
    p->name = dup_or_null(name);
}

/* Appends a step at the end of phase phase_id with default values. Steps must be added
 * phase by phase, as struct workflow orders them. */
static struct workflow_step *add_step(struct workflow *w, int64_t id, int64_t phase_id,
                                      const char *title)
{
    int phase = 0, position = 1;
    for (size_t i = 0; i < w->nphases; i++)
        if (w->phases[i].id == phase_id)
            phase = w->phases[i].position;
    assert_int_not_equal(phase, 0);
    for (size_t i = 0; i < w->nsteps; i++)
        if (w->steps[i].phase_id == phase_id)
            position++;
    struct workflow_step *s = realloc(w->steps, (w->nsteps + 1) * sizeof *s);
    assert_non_null(s);
    w->steps = s;
    s = &w->steps[w->nsteps++];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->phase_id = phase_id;
    s->phase = phase;
    s->position = position;
    s->kind = WORKFLOW_LEARN;
    s->title = dup_or_null(title);
    s->instructions = dup_or_null("");
    s->release_offset_days = 0;
    s->due_offset_days = 3;
    s->effort_minutes = 15;
    s->completion = WORKFLOW_BY_SELF;
    s->evidence = WORKFLOW_EVIDENCE_NONE;
    return s;
}

/* The usual starting point: two phases (ids 1, 2), two steps in each (10, 11; 20, 21). */
static void build_base(struct workflow *w)
{
    wf_init(w, "Giving specific, timely feedback");
    add_phase(w, 1, WEEK1);
    add_phase(w, 2, WEEK2);
    add_step(w, 10, 1, "Notice a moment");
    add_step(w, 11, 1, "Write it down");
    add_step(w, 20, 2, "Give feedback once");
    add_step(w, 21, 2, "Ask how it landed");
}

static struct workflow_step *find_step(struct workflow *w, int64_t id)
{
    for (size_t i = 0; i < w->nsteps; i++)
        if (w->steps[i].id == id)
            return &w->steps[i];
    fail_msg("no step %lld", (long long)id);
    return NULL;
}

/* ---- checking the answer ------------------------------------------------------------ */

/* Asserts that got (consumed) equals the JSON text want. */
static void assert_json(json_t *got, const char *want_text)
{
    json_error_t err;
    json_t *want = json_loads(want_text, 0, &err);
    if (!want)
        fail_msg("bad expected JSON (%s): %s", err.text, want_text);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT), *x = json_dumps(want, JSON_COMPACT);
        print_error("got:  %s\nwant: %s\n", g, x);
        free(g);
        free(x);
        json_decref(want);
        json_decref(got);
        fail();
    }
    json_decref(want);
    json_decref(got);
}

static const char *summary_of(const json_t *diff)
{
    return json_string_value(json_object_get(diff, "summary"));
}

/* ---- the tests ----------------------------------------------------------------------- */

static void identical_workflows_have_no_differences(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    find_step(&a, 11)->link_url = dup_or_null("https://example.org/feedback");
    find_step(&b, 11)->link_url = dup_or_null("https://example.org/feedback");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"summary\": \"No differences.\"}");
    workflow_free(&a);
    workflow_free(&b);

    /* Nothing at all on either side: no phases, no steps, NULL arrays. */
    wf_init(&a, "Empty");
    wf_init(&b, "Empty");
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "No differences.");
    assert_int_equal(json_array_size(json_object_get(d, "workflow")), 0);
    json_decref(d);
    workflow_free(&a);
    workflow_free(&b);
}

static void added_and_removed_steps_name_their_phase_and_position(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    wf_init(&b, "Giving specific, timely feedback");
    add_phase(&b, 1, WEEK1);
    add_phase(&b, 2, WEEK2);
    add_step(&b, 10, 1, "Notice a moment");
    add_step(&b, 11, 1, "Write it down");
    add_step(&b, 12, 1, "Tell a colleague");
    add_step(&b, 20, 2, "Give feedback once");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {"
                "  \"added\": [{\"id\": 12, \"title\": \"Tell a colleague\","
                "              \"phase\": \"" WEEK1 "\", \"position\": 3}],"
                "  \"removed\": [{\"id\": 21, \"title\": \"Ask how it landed\","
                "                \"phase\": \"" WEEK2 "\", \"position\": 2}],"
                "  \"changed\": []},"
                " \"summary\": \"1 step added, 1 step removed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void changed_fields_keep_their_json_types_in_contract_order(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    struct workflow_step *was = find_step(&a, 20), *now = find_step(&b, 20);
    was->link_url = dup_or_null("https://example.org/sbi");
    now->manager_prompt = dup_or_null("Ask what they tried this week");
    now->kind = WORKFLOW_PRACTISE;
    set_str(&now->title, "Give feedback twice");
    set_str(&now->instructions, "Use *situation, behaviour, impact*.");
    now->release_offset_days = 1;
    now->due_offset_days = 5;
    now->effort_minutes = 30;
    now->completion = WORKFLOW_BY_MANAGER;
    now->evidence = WORKFLOW_EVIDENCE_REQUIRED;
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": [{"
                "  \"id\": 20, \"title\": \"Give feedback twice\", \"phase\": \"" WEEK2 "\","
                " \"position\": 1, \"fields\": ["
                "   {\"field\": \"kind\", \"from\": \"learn\", \"to\": \"practise\"},"
                "   {\"field\": \"title\", \"from\": \"Give feedback once\","
                "    \"to\": \"Give feedback twice\"},"
                "   {\"field\": \"instructions\", \"from\": \"\","
                "    \"to\": \"Use *situation, behaviour, impact*.\"},"
                "   {\"field\": \"link_url\", \"from\": \"https://example.org/sbi\", \"to\": null},"
                "   {\"field\": \"release_offset_days\", \"from\": 0, \"to\": 1},"
                "   {\"field\": \"due_offset_days\", \"from\": 3, \"to\": 5},"
                "   {\"field\": \"effort_minutes\", \"from\": 15, \"to\": 30},"
                "   {\"field\": \"completion\", \"from\": \"self\", \"to\": \"manager_signoff\"},"
                "   {\"field\": \"evidence\", \"from\": \"none\", \"to\": \"required\"},"
                "   {\"field\": \"manager_prompt\", \"from\": null,"
                "    \"to\": \"Ask what they tried this week\"}]}]},"
                " \"summary\": \"1 step changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void only_the_changed_field_is_reported(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    find_step(&b, 11)->due_offset_days = 5;
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    json_t *changed = json_object_get(json_object_get(d, "steps"), "changed");
    assert_int_equal(json_array_size(changed), 1);
    json_t *fields = json_object_get(json_array_get(changed, 0), "fields");
    assert_json(json_incref(fields), "[{\"field\": \"due_offset_days\", \"from\": 3, \"to\": 5}]");
    assert_true(json_is_integer(json_object_get(json_array_get(fields, 0), "to")));
    json_decref(d);
    workflow_free(&a);
    workflow_free(&b);
}

static void a_step_moved_across_phases_reports_phase_names(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    /* Step 11 moves to the top of Week 2; the steps below it there move down. */
    wf_init(&b, "Giving specific, timely feedback");
    add_phase(&b, 1, WEEK1);
    add_phase(&b, 2, WEEK2);
    add_step(&b, 10, 1, "Notice a moment");
    add_step(&b, 11, 2, "Write it down");
    add_step(&b, 20, 2, "Give feedback once");
    add_step(&b, 21, 2, "Ask how it landed");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": ["
                "  {\"id\": 11, \"title\": \"Write it down\", \"phase\": \"" WEEK2 "\","
                "   \"position\": 1, \"fields\": ["
                "   {\"field\": \"phase\", \"from\": \"" WEEK1 "\", \"to\": \"" WEEK2 "\"},"
                "   {\"field\": \"position\", \"from\": 2, \"to\": 1}]},"
                "  {\"id\": 20, \"title\": \"Give feedback once\", \"phase\": \"" WEEK2 "\","
                "   \"position\": 2, \"fields\": ["
                "   {\"field\": \"position\", \"from\": 1, \"to\": 2}]},"
                "  {\"id\": 21, \"title\": \"Ask how it landed\", \"phase\": \"" WEEK2 "\","
                "   \"position\": 3, \"fields\": ["
                "   {\"field\": \"position\", \"from\": 2, \"to\": 3}]}]},"
                " \"summary\": \"3 steps changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void a_renamed_phase_is_a_phase_change_not_a_step_change(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    set_str(&b.phases[0].name, "Week 1 \xe2\x80\x94 watch");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": ["
                "  {\"id\": 1, \"name\": \"Week 1 \xe2\x80\x94 watch\", \"fields\": ["
                "   {\"field\": \"name\", \"from\": \"" WEEK1 "\","
                "    \"to\": \"Week 1 \xe2\x80\x94 watch\"}]}]},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"summary\": \"1 phase changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void phases_added_removed_and_renumbered(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    add_phase(&a, 3, "Later");
    /* A new first phase pushes the others down; the empty "Later" goes. The steps keep
     * their phase keys, so none of them changed. */
    wf_init(&b, "Giving specific, timely feedback");
    add_phase(&b, 4, MONTH2);
    add_phase(&b, 1, WEEK1);
    add_phase(&b, 2, WEEK2);
    add_step(&b, 10, 1, "Notice a moment");
    add_step(&b, 11, 1, "Write it down");
    add_step(&b, 20, 2, "Give feedback once");
    add_step(&b, 21, 2, "Ask how it landed");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [],"
                " \"phases\": {"
                "  \"added\": [{\"id\": 4, \"name\": \"" MONTH2 "\", \"position\": 1}],"
                "  \"removed\": [{\"id\": 3, \"name\": \"Later\", \"position\": 3}],"
                "  \"changed\": ["
                "   {\"id\": 1, \"name\": \"" WEEK1 "\", \"fields\": ["
                "    {\"field\": \"position\", \"from\": 1, \"to\": 2}]},"
                "   {\"id\": 2, \"name\": \"" WEEK2 "\", \"fields\": ["
                "    {\"field\": \"position\", \"from\": 2, \"to\": 3}]}]},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"summary\": \"1 phase added, 1 phase removed, 2 phases changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void workflow_fields_changed(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    set_str(&b.title, "Feedback that lands");
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "title changed");
    assert_json(json_incref(json_object_get(d, "workflow")),
                "[{\"field\": \"title\", \"from\": \"Giving specific, timely feedback\","
                "  \"to\": \"Feedback that lands\"}]");
    json_decref(d);

    set_str(&b.title, a.title);
    set_str(&b.outcome, "Gives feedback the same day");
    set_str(&b.description, "For new team leads.");
    b.pacing = WORKFLOW_CALENDAR_DAYS;
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": ["
                "  {\"field\": \"outcome\", \"from\": \"Gives specific, timely feedback within a "
                "day\", \"to\": \"Gives feedback the same day\"},"
                "  {\"field\": \"description\", \"from\": \"\", \"to\": \"For new team leads.\"},"
                "  {\"field\": \"pacing\", \"from\": \"working_days\", \"to\": \"calendar_days\"}],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"summary\": \"3 workflow fields changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void replan_settings_are_workflow_fields(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    b.replan_after_days = 0;
    b.max_due_per_day = 5;
    b.pacing = WORKFLOW_CALENDAR_DAYS;
    /* Numbers stay numbers, after pacing, in the contract's order. */
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": ["
                "  {\"field\": \"pacing\", \"from\": \"working_days\", \"to\": \"calendar_days\"},"
                "  {\"field\": \"replan_after_days\", \"from\": 3, \"to\": 0},"
                "  {\"field\": \"max_due_per_day\", \"from\": 2, \"to\": 5}],"
                " \"phases\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"steps\": {\"added\": [], \"removed\": [], \"changed\": []},"
                " \"summary\": \"3 workflow fields changed\"}");
    b.pacing = WORKFLOW_WORKING_DAYS;
    b.replan_after_days = 3;
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "max_due_per_day changed");
    assert_json(json_incref(json_object_get(d, "workflow")),
                "[{\"field\": \"max_due_per_day\", \"from\": 2, \"to\": 5}]");
    json_decref(d);
    /* Back to equal: no differences. */
    b.max_due_per_day = 2;
    d = workflow_diff(&b, &a);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "No differences.");
    json_decref(d);
    workflow_free(&a);
    workflow_free(&b);
}

static void lists_follow_the_workflow_order_not_the_ids(void **state)
{
    (void)state;
    struct workflow a, b;
    wf_init(&a, "Order");
    add_phase(&a, 7, WEEK1);
    add_phase(&a, 3, WEEK2);
    add_step(&a, 90, 7, "A");
    add_step(&a, 5, 7, "B");
    add_step(&a, 50, 3, "C");
    add_step(&a, 8, 3, "D");
    /* b: everything of a removed; new steps 60, 2, 40 in that order; plus a phase. */
    wf_init(&b, "Order");
    add_phase(&b, 7, WEEK1);
    add_phase(&b, 3, WEEK2);
    add_phase(&b, 1, MONTH2);
    add_step(&b, 60, 7, "E");
    add_step(&b, 2, 3, "F");
    add_step(&b, 40, 1, "G");
    set_str(&b.title, "Order, again");
    assert_json(workflow_diff(&a, &b),
                "{\"workflow\": [{\"field\": \"title\", \"from\": \"Order\","
                "                \"to\": \"Order, again\"}],"
                " \"phases\": {\"added\": [{\"id\": 1, \"name\": \"" MONTH2 "\", \"position\": 3}],"
                "  \"removed\": [], \"changed\": []},"
                " \"steps\": {"
                "  \"added\": [{\"id\": 60, \"title\": \"E\", \"phase\": \"" WEEK1 "\","
                "               \"position\": 1},"
                "             {\"id\": 2, \"title\": \"F\", \"phase\": \"" WEEK2 "\","
                "               \"position\": 1},"
                "             {\"id\": 40, \"title\": \"G\", \"phase\": \"" MONTH2 "\","
                "               \"position\": 1}],"
                "  \"removed\": [{\"id\": 90, \"title\": \"A\", \"phase\": \"" WEEK1 "\","
                "                 \"position\": 1},"
                "               {\"id\": 5, \"title\": \"B\", \"phase\": \"" WEEK1 "\","
                "                 \"position\": 2},"
                "               {\"id\": 50, \"title\": \"C\", \"phase\": \"" WEEK2 "\","
                "                 \"position\": 1},"
                "               {\"id\": 8, \"title\": \"D\", \"phase\": \"" WEEK2 "\","
                "                 \"position\": 2}],"
                "  \"changed\": []},"
                " \"summary\": \"3 steps added, 4 steps removed, 1 phase added, title changed\"}");
    workflow_free(&a);
    workflow_free(&b);
}

static void summary_counts_in_order_with_plurals(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    add_phase(&a, 3, "Later");
    add_phase(&a, 5, "Much later");
    /* b: 2 steps added, 1 removed, 2 changed; 1 phase added, 2 removed, 1 changed;
     * 2 workflow fields changed. */
    wf_init(&b, "Feedback that lands");
    set_str(&b.outcome, "Gives feedback the same day");
    add_phase(&b, 1, WEEK1);
    add_phase(&b, 2, "Week 2 \xe2\x80\x94 do");
    add_phase(&b, 4, MONTH2);
    add_step(&b, 10, 1, "Notice a moment, twice");
    add_step(&b, 12, 1, "New one");
    add_step(&b, 20, 2, "Give feedback once");
    add_step(&b, 21, 2, "Ask how it landed");
    add_step(&b, 40, 4, "Newer one");
    find_step(&b, 20)->effort_minutes = 20;
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "2 steps added, 1 step removed, 2 steps changed, "
                                       "1 phase added, 2 phases removed, 1 phase changed, "
                                       "2 workflow fields changed");
    json_decref(d);
    workflow_free(&a);
    workflow_free(&b);
}

/* 10 phases of 50 steps with scattered keys, so sorting does real work. */
static void build_large(struct workflow *w)
{
    char title[64];
    wf_init(w, "Large");
    for (int p = 0; p < 10; p++) {
        snprintf(title, sizeof title, "Phase %d", p + 1);
        add_phase(w, 1000 + (p * 7) % 10, title);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(title, sizeof title, "Step %d", i);
        add_step(w, ((int64_t)i * 7919) % 100003 + 1, w->phases[i / 50].id, title);
    }
}

static void five_hundred_steps_diff_correctly(void **state)
{
    (void)state;
    struct workflow a, b;
    build_large(&a);
    build_large(&b);
    json_t *d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "No differences.");
    json_decref(d);

    for (size_t i = 0; i < b.nsteps; i += 10)
        b.steps[i].effort_minutes = 45;
    d = workflow_diff(&a, &b);
    assert_non_null(d);
    assert_string_equal(summary_of(d), "50 steps changed");
    json_t *changed = json_object_get(json_object_get(d, "steps"), "changed");
    assert_int_equal(json_array_size(changed), 50);
    for (size_t k = 0; k < 50; k++) {
        json_t *c = json_array_get(changed, k);
        assert_int_equal(json_integer_value(json_object_get(c, "id")), b.steps[k * 10].id);
        json_t *f = json_object_get(c, "fields");
        assert_int_equal(json_array_size(f), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "field")),
                            "effort_minutes");
    }
    json_decref(d);
    workflow_free(&a);
    workflow_free(&b);
}

/* ---- out of memory ------------------------------------------------------------------- */

/* Jansson allocations are counted; the one numbered oom_fail_at fails (-1: none). */
static long oom_count, oom_fail_at = -1;

static void *oom_malloc(size_t n)
{
    return oom_count++ == oom_fail_at ? NULL : malloc(n);
}

/* The diff with Jansson's allocation number fail_at failing. */
static json_t *diff_failing_at(const struct workflow *a, const struct workflow *b, long fail_at)
{
    oom_count = 0;
    oom_fail_at = fail_at;
    json_set_alloc_funcs(oom_malloc, free);
    json_t *d = workflow_diff(a, b);
    json_set_alloc_funcs(malloc, free);
    return d;
}

/* Whichever allocation fails, the answer is NULL or the whole diff — never a partial one
 * — and nothing leaks (ASan and valgrind watch). */
static void fails_cleanly_when_out_of_memory(void **state)
{
    (void)state;
    struct workflow a, b;
    build_base(&a);
    build_base(&b);
    set_str(&b.title, "Feedback that lands");
    add_phase(&b, 3, MONTH2);
    add_step(&b, 30, 3, "New one");
    find_step(&b, 11)->due_offset_days = 4;
    find_step(&b, 20)->link_url = dup_or_null("https://example.org/");
    set_str(&b.phases[0].name, "Week 1 \xe2\x80\x94 watch");
    json_t *whole = diff_failing_at(&a, &b, -1);
    assert_non_null(whole);
    assert_string_equal(summary_of(whole), "1 step added, 2 steps changed, 1 phase added, "
                                           "1 phase changed, title changed");
    long total = oom_count, nulls = 0;
    assert_true(total > 20);
    for (long n = 0; n < total; n++) {
        json_t *d = diff_failing_at(&a, &b, n);
        if (d)
            assert_true(json_equal(d, whole));
        else
            nulls++;
        json_decref(d);
    }
    assert_int_equal(nulls, total);
    json_decref(whole);
    workflow_free(&a);
    workflow_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_workflows_have_no_differences),
        cmocka_unit_test(added_and_removed_steps_name_their_phase_and_position),
        cmocka_unit_test(changed_fields_keep_their_json_types_in_contract_order),
        cmocka_unit_test(only_the_changed_field_is_reported),
        cmocka_unit_test(a_step_moved_across_phases_reports_phase_names),
        cmocka_unit_test(a_renamed_phase_is_a_phase_change_not_a_step_change),
        cmocka_unit_test(phases_added_removed_and_renumbered),
        cmocka_unit_test(workflow_fields_changed),
        cmocka_unit_test(replan_settings_are_workflow_fields),
        cmocka_unit_test(lists_follow_the_workflow_order_not_the_ids),
        cmocka_unit_test(summary_counts_in_order_with_plurals),
        cmocka_unit_test(five_hundred_steps_diff_correctly),
        cmocka_unit_test(fails_cleanly_when_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
