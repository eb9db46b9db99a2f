/*
 * workflow_diff.c — the readable difference between two states of a workflow (see
 * workflow_diff.h for the JSON it answers).
 *
 * How: each side gets two small index arrays, {key, place} for its phases and for its
 * steps, sorted by key with qsort; every lookup is then a bsearch. Walking "to" in order
 * finds what was added or changed, walking "from" in order finds what was removed, so the
 * lists come out in the order a designer reads the workflow and the whole diff costs
 * O(n log n) — a 500-step workflow does no quadratic string work.
 *
 * Why keys and not positions: a step keeps its key in every version, so a step that was
 * renamed or moved is one "changed" entry stating each field's from and to, not a
 * removal plus an addition. A step's "phase" is compared by phase key and reported by
 * name; renaming a phase is a change of that phase only, not of every step in it.
 *
 * What it does not do: no database, no clock, no permissions, no text diff inside long
 * fields (instructions are reported whole, from and to), and no judgement about which
 * differences matter — positions that shifted because a neighbour came or went are
 * reported like any other fact. Thread-safe: it only reads its arguments.
 */
#include "workflow_diff.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define WORKFLOW_DIFF_SUMMARY_MAX 512 /* bytes; the longest summary is under 200 */

/* One entry of a sorted index: the key of a phase or step and where it sits in the
 * workflow's array. */
struct diff_key {
    int64_t id;
    size_t at;
};

/* One side of the diff: the workflow and its indexes sorted by key. */
struct diff_side {
    const struct workflow *w;
    struct diff_key *phases;
    struct diff_key *steps;
};

static int diff_key_cmp(const void *a, const void *b)
{
    const struct diff_key *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return 0;
}

/* A sorted index of n keys read from n elements of size bytes whose key is the int64_t
 * at offset. NULL when out of memory. */
static struct diff_key *diff_index(const void *base, size_t n, size_t size, size_t offset)
{
    struct diff_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *elem = (const char *)base + i * size;
        memcpy(&keys[i].id, elem + offset, sizeof keys[i].id);
        keys[i].at = i;
    }
    qsort(keys, n, sizeof *keys, diff_key_cmp);
    return keys;
}

static int diff_side_init(struct diff_side *s, const struct workflow *w)
{
    s->w = w;
    s->phases =
        diff_index(w->phases, w->nphases, sizeof *w->phases, offsetof(struct workflow_phase, id));
    s->steps =
        diff_index(w->steps, w->nsteps, sizeof *w->steps, offsetof(struct workflow_step, id));
    return s->phases && s->steps ? 0 : -1;
}

static void diff_side_free(struct diff_side *s)
{
    free(s->phases);
    free(s->steps);
    s->phases = s->steps = NULL;
}

/* Place in the array of the element with key id, or -1 when there is none. */
static long diff_find(const struct diff_key *keys, size_t n, int64_t id)
{
    struct diff_key want = {.id = id, .at = 0};
    const struct diff_key *k = n ? bsearch(&want, keys, n, sizeof *keys, diff_key_cmp) : NULL;
    return k ? (long)k->at : -1;
}

static const struct workflow_phase *diff_phase(const struct diff_side *s, int64_t id)
{
    long at = diff_find(s->phases, s->w->nphases, id);
    return at < 0 ? NULL : &s->w->phases[at];
}

static const struct workflow_step *diff_step(const struct diff_side *s, int64_t id)
{
    long at = diff_find(s->steps, s->w->nsteps, id);
    return at < 0 ? NULL : &s->w->steps[at];
}

/* The name of the phase a step is in: by its phase key, else (a workflow whose keys do
 * not match up, which the store never produces) by its phase position; NULL when
 * neither finds one, rendered as null. */
static const char *diff_phase_name(const struct diff_side *s, const struct workflow_step *st)
{
    const struct workflow_phase *p = diff_phase(s, st->phase_id);
    if (p)
        return p->name;
    if (st->phase >= 1 && (size_t)st->phase <= s->w->nphases)
        return s->w->phases[st->phase - 1].name;
    return NULL;
}

/* NULL-aware string equality: NULL equals only NULL. */
static int diff_same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* A string as JSON, null for NULL. New reference; NULL when out of memory. */
static json_t *diff_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Appends {"field", "from", "to"} to fields. Always consumes from and to (which may be
 * NULL after a failed allocation, then it fails). -1 when out of memory. */
static int diff_note(json_t *fields, const char *field, json_t *from, json_t *to)
{
    json_t *o = json_object();
    int bad = json_object_set_new(o, "field", json_string(field));
    bad |= json_object_set_new(o, "from", from);
    bad |= json_object_set_new(o, "to", to);
    if (bad) {
        json_decref(o);
        return -1;
    }
    return json_array_append_new(fields, o);
}

static int diff_note_str(json_t *fields, const char *field, const char *a, const char *b)
{
    return diff_same(a, b) ? 0 : diff_note(fields, field, diff_str(a), diff_str(b));
}

static int diff_note_int(json_t *fields, const char *field, json_int_t a, json_int_t b)
{
    return a == b ? 0 : diff_note(fields, field, json_integer(a), json_integer(b));
}

/* ---- the workflow's own fields ------------------------------------------------------ */

static int diff_workflow_fields(const struct workflow *a, const struct workflow *b, json_t *out)
{
    if (diff_note_str(out, "title", a->title, b->title) ||
        diff_note_str(out, "outcome", a->outcome, b->outcome) ||
        diff_note_str(out, "description", a->description, b->description) ||
        diff_note_str(out, "pacing", workflow_pacing_name(a->pacing),
                      workflow_pacing_name(b->pacing)) ||
        diff_note_int(out, "replan_after_days", a->replan_after_days, b->replan_after_days) ||
        diff_note_int(out, "max_due_per_day", a->max_due_per_day, b->max_due_per_day))
        return -1;
    return 0;
}

/* ---- phases -------------------------------------------------------------------------- */

static json_t *diff_phase_json(const struct workflow_phase *p)
{
    return json_pack("{s:I, s:s?, s:i}", "id", (json_int_t)p->id, "name", p->name, "position",
                     p->position);
}

/* Appends the changed entry for phase b (was a) to changed when any field differs. */
static int diff_phase_changed(const struct workflow_phase *a, const struct workflow_phase *b,
                              json_t *changed)
{
    int rc = -1;
    json_t *fields = json_array(), *entry = NULL;
    if (!fields)
        goto out;
    if (diff_note_str(fields, "name", a->name, b->name) ||
        diff_note_int(fields, "position", a->position, b->position))
        goto out;
    if (json_array_size(fields) == 0) {
        rc = 0;
        goto out;
    }
    entry =
        json_pack("{s:I, s:s?, s:O}", "id", (json_int_t)b->id, "name", b->name, "fields", fields);
    rc = json_array_append_new(changed, entry);
out:
    json_decref(fields);
    return rc;
}

static int diff_phases(const struct diff_side *from, const struct diff_side *to, json_t *added,
                       json_t *removed, json_t *changed)
{
    for (size_t i = 0; i < to->w->nphases; i++) {
        const struct workflow_phase *b = &to->w->phases[i], *a = diff_phase(from, b->id);
        if (a ? diff_phase_changed(a, b, changed)
              : json_array_append_new(added, diff_phase_json(b)))
            return -1;
    }
    for (size_t i = 0; i < from->w->nphases; i++) {
        const struct workflow_phase *a = &from->w->phases[i];
        if (!diff_phase(to, a->id) && json_array_append_new(removed, diff_phase_json(a)))
            return -1;
    }
    return 0;
}

/* ---- steps --------------------------------------------------------------------------- */

static json_t *diff_step_json(const struct diff_side *s, const struct workflow_step *st)
{
    return json_pack("{s:I, s:s?, s:s?, s:i}", "id", (json_int_t)st->id, "title", st->title,
                     "phase", diff_phase_name(s, st), "position", st->position);
}

/* The step's fields in the order workflow_diff.h promises. */
static int diff_step_fields(const struct diff_side *from, const struct workflow_step *a,
                            const struct diff_side *to, const struct workflow_step *b,
                            json_t *fields)
{
    /* The phase key decides; a renamed phase is reported once, as a phase change. */
    if (a->phase_id != b->phase_id && diff_note(fields, "phase", diff_str(diff_phase_name(from, a)),
                                                diff_str(diff_phase_name(to, b))))
        return -1;
    if (diff_note_int(fields, "position", a->position, b->position) ||
        diff_note_str(fields, "kind", workflow_kind_name(a->kind), workflow_kind_name(b->kind)) ||
        diff_note_str(fields, "title", a->title, b->title) ||
        diff_note_str(fields, "instructions", a->instructions, b->instructions) ||
        diff_note_str(fields, "link_url", a->link_url, b->link_url) ||
        diff_note_int(fields, "release_offset_days", a->release_offset_days,
                      b->release_offset_days) ||
        diff_note_int(fields, "due_offset_days", a->due_offset_days, b->due_offset_days) ||
        diff_note_int(fields, "effort_minutes", a->effort_minutes, b->effort_minutes) ||
        diff_note_str(fields, "completion", workflow_completion_name(a->completion),
                      workflow_completion_name(b->completion)) ||
        diff_note_str(fields, "evidence", workflow_evidence_name(a->evidence),
                      workflow_evidence_name(b->evidence)) ||
        diff_note_str(fields, "manager_prompt", a->manager_prompt, b->manager_prompt))
        return -1;
    return 0;
}

/* Appends the changed entry for step b (was a) to changed when any field differs. */
static int diff_step_changed(const struct diff_side *from, const struct workflow_step *a,
                             const struct diff_side *to, const struct workflow_step *b,
                             json_t *changed)
{
    int rc = -1;
    json_t *fields = json_array(), *entry = NULL;
    if (!fields || diff_step_fields(from, a, to, b, fields))
        goto out;
    if (json_array_size(fields) == 0) {
        rc = 0;
        goto out;
    }
    entry = json_pack("{s:I, s:s?, s:s?, s:i, s:O}", "id", (json_int_t)b->id, "title", b->title,
                      "phase", diff_phase_name(to, b), "position", b->position, "fields", fields);
    rc = json_array_append_new(changed, entry);
out:
    json_decref(fields);
    return rc;
}

static int diff_steps(const struct diff_side *from, const struct diff_side *to, json_t *added,
                      json_t *removed, json_t *changed)
{
    for (size_t i = 0; i < to->w->nsteps; i++) {
        const struct workflow_step *b = &to->w->steps[i], *a = diff_step(from, b->id);
        if (a ? diff_step_changed(from, a, to, b, changed)
              : json_array_append_new(added, diff_step_json(to, b)))
            return -1;
    }
    for (size_t i = 0; i < from->w->nsteps; i++) {
        const struct workflow_step *a = &from->w->steps[i];
        if (!diff_step(to, a->id) && json_array_append_new(removed, diff_step_json(from, a)))
            return -1;
    }
    return 0;
}

/* ---- the summary --------------------------------------------------------------------- */

/* Adds "n noun(s) what" to the summary when n is not zero. */
static void diff_count(struct buf *b, size_t n, const char *noun, const char *what)
{
    if (!n)
        return;
    if (b->len)
        buf_add(b, ", ");
    buf_addf(b, "%zu %s%s %s", n, noun, n == 1 ? "" : "s", what);
}

static const char *const DIFF_WHATS[] = {"added", "removed", "changed"};

/* The one-line summary of diff (whose lists are all filled in) into b. */
static enum rc diff_summary(const json_t *diff, struct buf *b)
{
    const json_t *steps = json_object_get(diff, "steps");
    const json_t *phases = json_object_get(diff, "phases");
    const json_t *wf = json_object_get(diff, "workflow");
    for (size_t i = 0; i < 3; i++)
        diff_count(b, json_array_size(json_object_get(steps, DIFF_WHATS[i])), "step",
                   DIFF_WHATS[i]);
    for (size_t i = 0; i < 3; i++)
        diff_count(b, json_array_size(json_object_get(phases, DIFF_WHATS[i])), "phase",
                   DIFF_WHATS[i]);
    size_t n = json_array_size(wf);
    if (n) {
        if (b->len)
            buf_add(b, ", ");
        if (n == 1)
            buf_addf(b, "%s changed",
                     json_string_value(json_object_get(json_array_get(wf, 0), "field")));
        else
            buf_addf(b, "%zu workflow fields changed", n);
    }
    if (!b->len)
        buf_add(b, "No differences.");
    return buf_failed(b);
}

/* ---- the whole ----------------------------------------------------------------------- */

json_t *workflow_diff(const struct workflow *from, const struct workflow *to)
{
    json_t *diff = NULL, *result = NULL, *phases, *steps;
    struct diff_side a = {0}, b = {0};
    struct buf summary;
    buf_init(&summary, WORKFLOW_DIFF_SUMMARY_MAX);

    if (diff_side_init(&a, from) || diff_side_init(&b, to))
        goto out;
    diff = json_pack("{s:[], s:{s:[], s:[], s:[]}, s:{s:[], s:[], s:[]}}", "workflow", "phases",
                     "added", "removed", "changed", "steps", "added", "removed", "changed");
    if (!diff)
        goto out;
    phases = json_object_get(diff, "phases");
    steps = json_object_get(diff, "steps");
    if (diff_workflow_fields(from, to, json_object_get(diff, "workflow")) ||
        diff_phases(&a, &b, json_object_get(phases, "added"), json_object_get(phases, "removed"),
                    json_object_get(phases, "changed")) ||
        diff_steps(&a, &b, json_object_get(steps, "added"), json_object_get(steps, "removed"),
                   json_object_get(steps, "changed")))
        goto out;
    if (diff_summary(diff, &summary) != RC_OK ||
        json_object_set_new(diff, "summary", json_string(summary.data)))
        goto out;
    result = diff;
    diff = NULL;
out:
    json_decref(diff);
    diff_side_free(&a);
    diff_side_free(&b);
    buf_free(&summary);
    return result;
}
