/*
 * workflow_doc.c — JSON ⇄ struct workflow: the API's step and workflow objects, and the
 * self-contained document import and export use (format in docs/workflows.md).
 *
 * Reading is strict and complete: every unknown field, wrong type and unknown name is
 * reported with its place ("phases[1].steps[3].kind") and reading goes on, so one answer
 * lists every problem; then workflow_check applies the rules. A field that failed to
 * read keeps a harmless value so the rules do not report it a second time (the whole
 * result is discarded anyway). A document with more steps or phases than a workflow may
 * have is refused before any step is read, so 10,000 steps cost one count.
 *
 * Writing produces the same shapes; workflow_doc_write leaves out ids and instants so
 * that import(export(w)) exports equal to export(w).
 */
#include "workflow.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/jsonx.h"
#include "workflow_int.h"

static const char *const STEP_FIELDS[] = {
    "kind",
    "title",
    "instructions",
    "link_url",
    "release_offset_days",
    "due_offset_days",
    "effort_minutes",
    "completion",
    "evidence",
    "manager_prompt",
    NULL,
};
static const char *const PLACE_FIELDS[] = {"phase_id", "phase", "position", NULL};
static const char *const DOC_FIELDS[] = {
    "format", "format_version",    "title",           "outcome", "description",
    "pacing", "replan_after_days", "max_due_per_day", "phases",  NULL};
static const char *const PHASE_FIELDS[] = {"name", "steps", NULL};

#define STEP_DEFAULT_EFFORT 15

static int listed(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

/* Reports keys of obj in neither list (second may be NULL). */
static void only_fields(struct ctx *cx, const char *prefix, const json_t *obj,
                        const char *const *first, const char *const *second)
{
    const char *key;
    json_t *v;
    char f[200];
    json_object_foreach((json_t *)obj, key, v)
    {
        (void)v;
        if (!listed(first, key) && !(second && listed(second, key)))
            ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key),
                     "is not a known field");
    }
}

/* A string field: RC_OK with *out borrowed (NULL when absent or, with nullable, null);
 * RC_INVALID after reporting a wrong type. */
static enum rc read_string(struct ctx *cx, const char *prefix, const json_t *obj, const char *key,
                           int nullable, const char **out)
{
    char f[200];
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || (nullable && json_is_null(v)))
        return RC_OK;
    if (json_is_null(v))
        return ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key), "cannot be null");
    if (!json_is_string(v))
        return ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key),
                        nullable ? "must be a string or null" : "must be a string");
    *out = json_string_value(v);
    return RC_OK;
}

/* An integer field within [min, max]: *present says whether it was there and valid. */
static void read_int(struct ctx *cx, const char *prefix, const json_t *obj, const char *key,
                     int min, int max, int *out, int *present)
{
    char f[200];
    json_t *v = json_object_get(obj, key);
    *present = 0;
    if (!v)
        return;
    if (!json_is_integer(v)) {
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key),
                 "must be a whole number");
        return;
    }
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key),
                 "must be between %d and %d", min, max);
        return;
    }
    *out = (int)n;
    *present = 1;
}

/* A name from a fixed list: the parsed value, or -1 (reported) / -2 (absent). */
static int read_name(struct ctx *cx, const char *prefix, const json_t *obj, const char *key,
                     int (*parse)(const char *), const char *what)
{
    const char *s;
    char f[200];
    if (read_string(cx, prefix, obj, key, 0, &s))
        return -1;
    if (!s)
        return -2;
    int v = parse(s);
    if (v < 0)
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, key), "is not %s", what);
    return v;
}

/* Replaces *slot with a copy of s (NULL or "" with nullable: NULL). */
static enum rc set_string(char **slot, const char *s, int nullable)
{
    char *copy = NULL;
    if (s && !(nullable && !s[0]) && !(copy = strdup(s)))
        return RC_NOMEM;
    free(*slot);
    *slot = copy;
    return RC_OK;
}

enum rc workflow_step_read(struct ctx *cx, const char *prefix, const json_t *obj, int partial,
                           int allow_place, struct workflow_step *s, unsigned *set)
{
    char f[200];
    unsigned got = 0;
    int v, present;
    const char *str;
    if (!partial) {
        s->kind = WORKFLOW_LEARN;
        s->completion = WORKFLOW_BY_SELF;
        s->evidence = WORKFLOW_EVIDENCE_NONE;
        s->effort_minutes = STEP_DEFAULT_EFFORT;
        if (set_string(&s->instructions, "", 0))
            return RC_NOMEM;
    }
    if (!json_is_object(obj))
        return ctx_fail(cx, RC_INVALID, prefix && prefix[0] ? prefix : "body",
                        "must be a JSON object");
    only_fields(cx, prefix, obj, STEP_FIELDS, allow_place ? PLACE_FIELDS : NULL);
    if ((v = read_name(cx, prefix, obj, "kind", workflow_kind_parse, "a step kind")) >= 0) {
        s->kind = (enum workflow_kind)v;
        got |= WORKFLOW_F_KIND;
    }
    if ((v = read_name(cx, prefix, obj, "completion", workflow_completion_parse,
                       "a completion rule (self, manager_signoff, coach_signoff, assessor, "
                       "xapi)")) >= 0) {
        s->completion = (enum workflow_completion)v;
        got |= WORKFLOW_F_COMPLETION;
    }
    if ((v = read_name(cx, prefix, obj, "evidence", workflow_evidence_parse,
                       "an evidence rule (none, optional, required)")) >= 0) {
        s->evidence = (enum workflow_evidence)v;
        got |= WORKFLOW_F_EVIDENCE;
    }
    if (json_object_get(obj, "title")) {
        if (read_string(cx, prefix, obj, "title", 0, &str) == RC_OK) {
            if (set_string(&s->title, str, 0))
                return RC_NOMEM;
            got |= WORKFLOW_F_TITLE;
        } else if (!s->title && set_string(&s->title, "-", 0)) {
            return RC_NOMEM; /* already reported; keep the rules from repeating it */
        }
    }
    if (read_string(cx, prefix, obj, "instructions", 0, &str) == RC_OK && str) {
        if (set_string(&s->instructions, str, 0))
            return RC_NOMEM;
        got |= WORKFLOW_F_INSTRUCTIONS;
    }
    if (json_object_get(obj, "link_url") &&
        read_string(cx, prefix, obj, "link_url", 1, &str) == RC_OK) {
        if (set_string(&s->link_url, str, 1))
            return RC_NOMEM;
        got |= WORKFLOW_F_LINK_URL;
    }
    if (json_object_get(obj, "manager_prompt") &&
        read_string(cx, prefix, obj, "manager_prompt", 1, &str) == RC_OK) {
        if (set_string(&s->manager_prompt, str, 1))
            return RC_NOMEM;
        got |= WORKFLOW_F_PROMPT;
    }
    read_int(cx, prefix, obj, "release_offset_days", -1000000, 1000000, &s->release_offset_days,
             &present);
    if (present)
        got |= WORKFLOW_F_RELEASE;
    read_int(cx, prefix, obj, "due_offset_days", -1000000, 1000000, &s->due_offset_days, &present);
    if (present)
        got |= WORKFLOW_F_DUE;
    else if (!partial && !json_object_get(obj, "due_offset_days"))
        s->due_offset_days = s->release_offset_days;
    read_int(cx, prefix, obj, "effort_minutes", -1000000, 1000000, &s->effort_minutes, &present);
    if (present)
        got |= WORKFLOW_F_EFFORT;
    if (allow_place) {
        int64_t phase_id = 0;
        json_t *pid = json_object_get(obj, "phase_id"), *ppos = json_object_get(obj, "phase");
        if (pid && ppos) {
            ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "phase"),
                     "give phase_id or phase, not both");
        } else if (pid) {
            if (!json_is_integer(pid) || (phase_id = json_integer_value(pid)) <= 0)
                ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "phase_id"),
                         "must be the id of one of this workflow's phases");
            else {
                s->phase_id = phase_id;
                s->phase = 0;
                got |= WORKFLOW_F_PHASE;
            }
        } else if (ppos) {
            read_int(cx, prefix, obj, "phase", 1, WORKFLOW_PHASES_MAX, &s->phase, &present);
            if (present) {
                s->phase_id = 0;
                got |= WORKFLOW_F_PHASE;
            }
        }
        read_int(cx, prefix, obj, "position", -1000000, 1000000, &s->position, &present);
        if (present && s->position < 1) {
            ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "position"),
                     "must be 1 or more (1 is the first place in the phase)");
            s->position = 0;
        } else if (present) {
            got |= WORKFLOW_F_POSITION;
        }
    }
    if (set)
        *set = got;
    return cx->rc == RC_INVALID ? RC_INVALID : RC_OK;
}

/* A document-level whole number: fallback when absent or mistyped (reported); a number
 * beyond int becomes -1, outside every rule, for workflow_check to report. */
static int doc_setting(struct ctx *cx, const json_t *doc, const char *key, int fallback)
{
    json_t *v = json_object_get(doc, key);
    if (!v)
        return fallback;
    if (!json_is_integer(v)) {
        ctx_fail(cx, RC_INVALID, key, "must be a whole number");
        return fallback;
    }
    json_int_t n = json_integer_value(v);
    return n < INT_MIN || n > INT_MAX ? -1 : (int)n;
}

/* Copies a document-level string into *slot ("" when absent); reports a wrong type. */
static enum rc doc_string(struct ctx *cx, const json_t *doc, const char *key, char **slot)
{
    const char *s = NULL;
    read_string(cx, "", doc, key, 0, &s);
    return set_string(slot, s ? s : "", 0);
}

enum rc workflow_doc_read(struct ctx *cx, const json_t *doc, struct workflow *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(doc))
        return ctx_fail(cx, RC_INVALID, "body", "must be a workflow document (a JSON object)");
    only_fields(cx, "", doc, DOC_FIELDS, NULL);
    const char *format = NULL;
    read_string(cx, "", doc, "format", 0, &format);
    if (!format || strcmp(format, WORKFLOW_DOC_FORMAT) != 0)
        ctx_fail(cx, RC_INVALID, "format", "must be \"%s\"", WORKFLOW_DOC_FORMAT);
    json_t *fv = json_object_get(doc, "format_version");
    if (!json_is_integer(fv) || json_integer_value(fv) != WORKFLOW_DOC_FORMAT_VERSION)
        ctx_fail(cx, RC_INVALID, "format_version",
                 "must be %d (the document version this Waymark reads)",
                 WORKFLOW_DOC_FORMAT_VERSION);
    const char *title = NULL;
    if (!json_object_get(doc, "title"))
        ctx_fail(cx, RC_INVALID, "title", "is required");
    else
        read_string(cx, "", doc, "title", 0, &title);
    /* A missing or mistyped title is reported once; "-" keeps the rules quiet about it. */
    if (set_string(&out->title, title ? title : "-", 0) ||
        doc_string(cx, doc, "outcome", &out->outcome) ||
        doc_string(cx, doc, "description", &out->description))
        return RC_NOMEM;
    int pacing = read_name(cx, "", doc, "pacing", workflow_pacing_parse,
                           "a pacing (working_days or calendar_days)");
    out->pacing = pacing >= 0 ? (enum workflow_pacing)pacing : WORKFLOW_WORKING_DAYS;
    /* Optional: documents written before re-planning existed take the defaults. */
    out->replan_after_days =
        doc_setting(cx, doc, "replan_after_days", WORKFLOW_REPLAN_AFTER_DEFAULT);
    out->max_due_per_day = doc_setting(cx, doc, "max_due_per_day", WORKFLOW_MAX_DUE_DEFAULT);

    json_t *phases = json_object_get(doc, "phases");
    if (!json_is_array(phases))
        return ctx_fail(cx, RC_INVALID, "phases", "must be a list of phases");
    size_t nphases = json_array_size(phases), nsteps = 0;
    for (size_t i = 0; i < nphases; i++)
        nsteps += json_array_size(json_object_get(json_array_get(phases, i), "steps"));
    if (nphases > WORKFLOW_PHASES_MAX || nsteps > WORKFLOW_STEPS_MAX) {
        if (nphases > WORKFLOW_PHASES_MAX)
            ctx_fail(cx, RC_INVALID, "phases", "must be at most %d phases (there are %zu)",
                     WORKFLOW_PHASES_MAX, nphases);
        if (nsteps > WORKFLOW_STEPS_MAX)
            ctx_fail(cx, RC_INVALID, "steps", "a workflow has at most %d steps (there are %zu)",
                     WORKFLOW_STEPS_MAX, nsteps);
        return RC_INVALID;
    }
    if ((nphases && !(out->phases = calloc(nphases, sizeof *out->phases))) ||
        (nsteps && !(out->steps = calloc(nsteps, sizeof *out->steps))))
        return RC_NOMEM;
    char f[200];
    for (size_t i = 0; i < nphases; i++) {
        json_t *ph = json_array_get(phases, i);
        struct workflow_phase *p = &out->phases[out->nphases++];
        p->position = (int)i + 1;
        snprintf(f, sizeof f, "phases[%zu]", i);
        if (!json_is_object(ph)) {
            ctx_fail(cx, RC_INVALID, f, "must be an object with a name and steps");
            continue;
        }
        only_fields(cx, f, ph, PHASE_FIELDS, NULL);
        const char *name = NULL;
        char nf[200];
        if (read_string(cx, f, ph, "name", 0, &name) == RC_OK && !name)
            ctx_fail(cx, RC_INVALID, workflow_field(nf, sizeof nf, f, "name"), "is required");
        if (set_string(&p->name, name ? name : "-", 0))
            return RC_NOMEM;
        json_t *steps = json_object_get(ph, "steps");
        if (steps && !json_is_array(steps)) {
            ctx_fail(cx, RC_INVALID, workflow_field(nf, sizeof nf, f, "steps"),
                     "must be a list of steps");
            continue;
        }
        for (size_t j = 0; j < json_array_size(steps); j++) {
            struct workflow_step *s = &out->steps[out->nsteps++];
            char sf[200];
            snprintf(sf, sizeof sf, "phases[%zu].steps[%zu]", i, j);
            s->phase = p->position;
            s->position = (int)j + 1;
            json_t *so = json_array_get(steps, j);
            if (!json_object_get(so, "title") && json_is_object(so))
                ctx_fail(cx, RC_INVALID, workflow_field(nf, sizeof nf, sf, "title"), "is required");
            if (workflow_step_read(cx, sf, so, 0, 0, s, NULL) == RC_NOMEM)
                return RC_NOMEM;
            if (!s->title && !(s->title = strdup("-")))
                return RC_NOMEM;
            if (!s->instructions && !(s->instructions = strdup("")))
                return RC_NOMEM;
        }
    }
    workflow_check(cx, out, 0);
    return cx->rc == RC_INVALID ? RC_INVALID : cx->rc;
}

/* The step fields a document carries, as members of the object being written. */
static void write_step_fields(struct jsonw *j, const struct workflow_step *s)
{
    jsonw_key(j, "kind");
    jsonw_string(j, workflow_kind_name(s->kind));
    jsonw_key(j, "title");
    jsonw_string(j, s->title ? s->title : "");
    jsonw_key(j, "instructions");
    jsonw_string(j, s->instructions ? s->instructions : "");
    jsonw_key(j, "link_url");
    jsonw_string(j, s->link_url);
    jsonw_key(j, "release_offset_days");
    jsonw_int(j, s->release_offset_days);
    jsonw_key(j, "due_offset_days");
    jsonw_int(j, s->due_offset_days);
    jsonw_key(j, "effort_minutes");
    jsonw_int(j, s->effort_minutes);
    jsonw_key(j, "completion");
    jsonw_string(j, workflow_completion_name(s->completion));
    jsonw_key(j, "evidence");
    jsonw_string(j, workflow_evidence_name(s->evidence));
    jsonw_key(j, "manager_prompt");
    jsonw_string(j, s->manager_prompt);
}

void workflow_doc_write(const struct workflow *w, struct jsonw *j)
{
    jsonw_object(j);
    jsonw_key(j, "format");
    jsonw_string(j, WORKFLOW_DOC_FORMAT);
    jsonw_key(j, "format_version");
    jsonw_int(j, WORKFLOW_DOC_FORMAT_VERSION);
    jsonw_key(j, "title");
    jsonw_string(j, w->title ? w->title : "");
    jsonw_key(j, "outcome");
    jsonw_string(j, w->outcome ? w->outcome : "");
    jsonw_key(j, "description");
    jsonw_string(j, w->description ? w->description : "");
    jsonw_key(j, "pacing");
    jsonw_string(j, workflow_pacing_name(w->pacing));
    jsonw_key(j, "replan_after_days");
    jsonw_int(j, w->replan_after_days);
    jsonw_key(j, "max_due_per_day");
    jsonw_int(j, w->max_due_per_day);
    jsonw_key(j, "phases");
    jsonw_array(j);
    size_t si = 0;
    for (size_t i = 0; i < w->nphases; i++) {
        jsonw_object(j);
        jsonw_key(j, "name");
        jsonw_string(j, w->phases[i].name ? w->phases[i].name : "");
        jsonw_key(j, "steps");
        jsonw_array(j);
        for (; si < w->nsteps && w->steps[si].phase == w->phases[i].position; si++) {
            jsonw_object(j);
            write_step_fields(j, &w->steps[si]);
            jsonw_end_object(j);
        }
        jsonw_end_array(j);
        jsonw_end_object(j);
    }
    jsonw_end_array(j);
    jsonw_end_object(j);
}

json_t *workflow_doc_json(const struct workflow *w)
{
    struct buf b;
    struct jsonw j;
    json_t *doc = NULL;
    buf_init(&b, 64u << 20);
    jsonw_init(&j, &b);
    workflow_doc_write(w, &j);
    if (!buf_failed(&b))
        doc = json_loadb(b.data, b.len, 0, NULL);
    buf_free(&b);
    return doc;
}

void workflow_step_write(const struct workflow_step *s, struct jsonw *j)
{
    jsonw_object(j);
    jsonw_key(j, "id");
    jsonw_int(j, s->id);
    jsonw_key(j, "phase_id");
    jsonw_int(j, s->phase_id);
    jsonw_key(j, "phase");
    jsonw_int(j, s->phase);
    jsonw_key(j, "position");
    jsonw_int(j, s->position);
    write_step_fields(j, s);
    if (s->updated_at) {
        jsonw_key(j, "updated_at");
        jsonw_instant_or_null(j, s->updated_at);
    }
    jsonw_end_object(j);
}

void workflow_write(const struct workflow *w, struct jsonw *j)
{
    jsonw_object(j);
    if (w->version > 0) {
        jsonw_key(j, "workflow_id");
        jsonw_int(j, w->id);
        jsonw_key(j, "version");
        jsonw_int(j, w->version);
    } else {
        jsonw_key(j, "id");
        jsonw_int(j, w->id);
    }
    jsonw_key(j, "title");
    jsonw_string(j, w->title);
    jsonw_key(j, "outcome");
    jsonw_string(j, w->outcome);
    jsonw_key(j, "description");
    jsonw_string(j, w->description);
    jsonw_key(j, "pacing");
    jsonw_string(j, workflow_pacing_name(w->pacing));
    jsonw_key(j, "replan_after_days");
    jsonw_int(j, w->replan_after_days);
    jsonw_key(j, "max_due_per_day");
    jsonw_int(j, w->max_due_per_day);
    if (w->version > 0) {
        jsonw_key(j, "published_at");
        jsonw_instant_or_null(j, w->published_at);
        jsonw_key(j, "published_by");
        if (w->published_by) {
            jsonw_object(j);
            jsonw_key(j, "id");
            jsonw_int(j, w->published_by);
            jsonw_key(j, "name");
            jsonw_string(j, w->published_by_name);
            jsonw_end_object(j);
        } else {
            jsonw_null(j);
        }
    } else {
        jsonw_key(j, "status");
        jsonw_string(j, workflow_status_name(w->status));
        jsonw_key(j, "latest_version");
        jsonw_int(j, w->latest_version);
        jsonw_key(j, "draft_changed");
        jsonw_bool(j, w->draft_changed);
        jsonw_key(j, "revision");
        jsonw_int(j, w->revision);
        jsonw_key(j, "created_at");
        jsonw_instant_or_null(j, w->created_at);
        jsonw_key(j, "updated_at");
        jsonw_instant_or_null(j, w->updated_at);
        jsonw_key(j, "published_at");
        jsonw_instant_or_null(j, w->published_at);
        jsonw_key(j, "archived_at");
        jsonw_instant_or_null(j, w->archived_at);
    }
    jsonw_key(j, "phases");
    jsonw_array(j);
    for (size_t i = 0; i < w->nphases; i++) {
        jsonw_object(j);
        jsonw_key(j, "id");
        jsonw_int(j, w->phases[i].id);
        jsonw_key(j, "position");
        jsonw_int(j, w->phases[i].position);
        jsonw_key(j, "name");
        jsonw_string(j, w->phases[i].name);
        jsonw_end_object(j);
    }
    jsonw_end_array(j);
    jsonw_key(j, "steps");
    jsonw_array(j);
    for (size_t i = 0; i < w->nsteps; i++)
        workflow_step_write(&w->steps[i], j);
    jsonw_end_array(j);
    jsonw_end_object(j);
}
