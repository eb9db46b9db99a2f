/*
 * workflow_check.c — the pure part of workflow.h: names of the enumerations, freeing and
 * copying, and the rules a step and a workflow must meet (see workflow.h). No database,
 * no clock, no permissions: the domain (workflow.c) and the document reader
 * (workflow_doc.c) call these with values they have assembled.
 */
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "workflow_int.h"

static const char *const KIND_NAMES[WORKFLOW_KIND_COUNT] = {
    "learn", "experiment", "practise", "reflect", "discuss",
    "coach", "checkpoint", "assess",   "measure",
};
static const char *const COMPLETION_NAMES[WORKFLOW_COMPLETION_COUNT] = {
    "self", "manager_signoff", "coach_signoff", "assessor", "xapi",
};
static const char *const EVIDENCE_NAMES[WORKFLOW_EVIDENCE_COUNT] = {"none", "optional", "required"};
static const char *const PACING_NAMES[WORKFLOW_PACING_COUNT] = {"working_days", "calendar_days"};

static const char *name_of(const char *const *names, int count, int v)
{
    return v >= 0 && v < count ? names[v] : NULL;
}

static int parse_name(const char *const *names, int count, const char *s)
{
    for (int i = 0; s && i < count; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *workflow_kind_name(enum workflow_kind k)
{
    return name_of(KIND_NAMES, WORKFLOW_KIND_COUNT, (int)k);
}
const char *workflow_completion_name(enum workflow_completion c)
{
    return name_of(COMPLETION_NAMES, WORKFLOW_COMPLETION_COUNT, (int)c);
}
const char *workflow_evidence_name(enum workflow_evidence e)
{
    return name_of(EVIDENCE_NAMES, WORKFLOW_EVIDENCE_COUNT, (int)e);
}
const char *workflow_pacing_name(enum workflow_pacing p)
{
    return name_of(PACING_NAMES, WORKFLOW_PACING_COUNT, (int)p);
}
int workflow_kind_parse(const char *s)
{
    return parse_name(KIND_NAMES, WORKFLOW_KIND_COUNT, s);
}
int workflow_completion_parse(const char *s)
{
    return parse_name(COMPLETION_NAMES, WORKFLOW_COMPLETION_COUNT, s);
}
int workflow_evidence_parse(const char *s)
{
    return parse_name(EVIDENCE_NAMES, WORKFLOW_EVIDENCE_COUNT, s);
}
int workflow_pacing_parse(const char *s)
{
    return parse_name(PACING_NAMES, WORKFLOW_PACING_COUNT, s);
}

const char *workflow_status_name(enum workflow_status s)
{
    switch (s) {
    case WORKFLOW_DRAFT:
        return "draft";
    case WORKFLOW_PUBLISHED:
        return "published";
    case WORKFLOW_ARCHIVED:
        return "archived";
    }
    return NULL;
}

void workflow_step_clear(struct workflow_step *s)
{
    if (!s)
        return;
    free(s->title);
    free(s->instructions);
    free(s->link_url);
    free(s->manager_prompt);
    memset(s, 0, sizeof *s);
}

void workflow_free(struct workflow *w)
{
    if (!w)
        return;
    free(w->title);
    free(w->outcome);
    free(w->description);
    free(w->published_by_name);
    for (size_t i = 0; i < w->nphases; i++)
        free(w->phases[i].name);
    free(w->phases);
    for (size_t i = 0; i < w->nsteps; i++)
        workflow_step_clear(&w->steps[i]);
    free(w->steps);
    memset(w, 0, sizeof *w);
}

static int dup_or_null(const char *s, char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    return (*out = strdup(s)) ? 0 : -1;
}

enum rc workflow_step_copy(const struct workflow_step *s, struct workflow_step *out)
{
    *out = *s;
    out->title = out->instructions = out->link_url = out->manager_prompt = NULL;
    if (dup_or_null(s->title, &out->title) || dup_or_null(s->instructions, &out->instructions) ||
        dup_or_null(s->link_url, &out->link_url) ||
        dup_or_null(s->manager_prompt, &out->manager_prompt)) {
        workflow_step_clear(out);
        return RC_NOMEM;
    }
    return RC_OK;
}

int workflow_url_valid(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s), skip;
    if (n > WORKFLOW_URL_MAX)
        return 0;
    if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
            return 0;
    }
    /* A host: at least one character before the path, query, fragment or port, and no
     * user-info (an '@' in the authority hides where the link really goes). */
    const char *host = s + skip, *end = host + strcspn(host, "/?#");
    if (end == host || *host == ':' || *host == '.')
        return 0;
    for (const char *p = host; p < end; p++)
        if (*p == '@')
            return 0;
    return 1;
}

const char *workflow_field(char *buf, size_t size, const char *prefix, const char *field)
{
    int n = prefix && prefix[0] ? snprintf(buf, size, "%s.%s", prefix, field)
                                : snprintf(buf, size, "%s", field);
    if (n < 0)
        buf[0] = '\0';
    return buf;
}

/* Checks a string a person typed that may span lines: valid UTF-8, at most max
 * characters, no control characters other than tab and line breaks. */
static void check_text(struct ctx *cx, const char *field, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (!jsonx_utf8_valid(s, n)) {
        ctx_fail(cx, RC_INVALID, field, "must be valid UTF-8");
        return;
    }
    if (jsonx_utf8_length(s) > max) {
        ctx_fail(cx, RC_INVALID, field, "must be at most %zu characters", max);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            ctx_fail(cx, RC_INVALID, field, "must not contain control characters");
            return;
        }
    }
}

enum rc workflow_check_step(struct ctx *cx, const char *prefix, const struct workflow_step *s)
{
    char f[160];
    if (!s->title)
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "title"), "is required");
    else
        jsonx_check_name(cx, workflow_field(f, sizeof f, prefix, "title"), s->title,
                         WORKFLOW_TITLE_MAX);
    if (!workflow_kind_name(s->kind))
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "kind"), "is not a step kind");
    if (!workflow_completion_name(s->completion))
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "completion"),
                 "is not a completion rule");
    if (!workflow_evidence_name(s->evidence))
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "evidence"),
                 "is not an evidence rule");
    check_text(cx, workflow_field(f, sizeof f, prefix, "instructions"), s->instructions,
               WORKFLOW_INSTRUCTIONS_MAX);
    check_text(cx, workflow_field(f, sizeof f, prefix, "manager_prompt"), s->manager_prompt,
               WORKFLOW_PROMPT_MAX);
    if (s->link_url && !workflow_url_valid(s->link_url))
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "link_url"),
                 "must be an http:// or https:// address of at most %d characters",
                 WORKFLOW_URL_MAX);
    int release_ok = 1;
    if (s->release_offset_days < 0 || s->release_offset_days > WORKFLOW_OFFSET_MAX) {
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "release_offset_days"),
                 "must be between 0 and %d days", WORKFLOW_OFFSET_MAX);
        release_ok = 0;
    }
    if (s->due_offset_days < 0 || s->due_offset_days > WORKFLOW_OFFSET_MAX)
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "due_offset_days"),
                 "must be between 0 and %d days", WORKFLOW_OFFSET_MAX);
    else if (release_ok && s->due_offset_days < s->release_offset_days)
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "due_offset_days"),
                 "must not be before release_offset_days (%d)", s->release_offset_days);
    if (s->effort_minutes < 1 || s->effort_minutes > WORKFLOW_EFFORT_MAX)
        ctx_fail(cx, RC_INVALID, workflow_field(f, sizeof f, prefix, "effort_minutes"),
                 "must be between 1 and %d minutes", WORKFLOW_EFFORT_MAX);
    return cx->rc == RC_INVALID ? RC_INVALID : RC_OK;
}

enum rc workflow_check(struct ctx *cx, const struct workflow *w, int publishing)
{
    if (!w->title)
        ctx_fail(cx, RC_INVALID, "title", "is required");
    else
        jsonx_check_name(cx, "title", w->title, WORKFLOW_TITLE_MAX);
    check_text(cx, "outcome", w->outcome, WORKFLOW_OUTCOME_MAX);
    check_text(cx, "description", w->description, WORKFLOW_DESCRIPTION_MAX);
    if (!workflow_pacing_name(w->pacing))
        ctx_fail(cx, RC_INVALID, "pacing", "must be working_days or calendar_days");
    if (w->replan_after_days < 0 || w->replan_after_days > WORKFLOW_REPLAN_AFTER_MAX)
        ctx_fail(cx, RC_INVALID, "replan_after_days",
                 "must be between 0 and %d days (0 turns re-planning off)",
                 WORKFLOW_REPLAN_AFTER_MAX);
    if (w->max_due_per_day < 1 || w->max_due_per_day > WORKFLOW_MAX_DUE_MAX)
        ctx_fail(cx, RC_INVALID, "max_due_per_day", "must be between 1 and %d activities a day",
                 WORKFLOW_MAX_DUE_MAX);
    if (w->nphases > WORKFLOW_PHASES_MAX)
        ctx_fail(cx, RC_INVALID, "phases", "must be at most %d phases", WORKFLOW_PHASES_MAX);
    if (w->nsteps > WORKFLOW_STEPS_MAX) {
        ctx_fail(cx, RC_INVALID, "steps", "must be at most %d steps (there are %zu)",
                 WORKFLOW_STEPS_MAX, w->nsteps);
        return RC_INVALID; /* not worth checking each of thousands of steps */
    }
    if (w->nphases > WORKFLOW_PHASES_MAX)
        return RC_INVALID;
    if (publishing && (!w->outcome || !w->outcome[0]))
        ctx_fail(cx, RC_INVALID, "outcome",
                 "is required to publish: say what behaviour the workflow exists to produce");
    if (publishing && w->nsteps == 0)
        ctx_fail(cx, RC_INVALID, "steps", "a workflow needs at least one step to publish");
    char f[160];
    size_t si = 0;
    for (size_t p = 0; p < w->nphases; p++) {
        snprintf(f, sizeof f, "phases[%zu].name", p);
        if (!w->phases[p].name)
            ctx_fail(cx, RC_INVALID, f, "is required");
        else
            jsonx_check_name(cx, f, w->phases[p].name, WORKFLOW_PHASE_NAME_MAX);
        size_t j = 0;
        for (; si < w->nsteps && w->steps[si].phase == w->phases[p].position; si++, j++) {
            if (w->steps[si].position != (int)j + 1) {
                snprintf(f, sizeof f, "phases[%zu].steps[%zu].position", p, j);
                ctx_fail(cx, RC_INVALID, f, "must be %zu: positions run 1, 2, 3 … without gaps",
                         j + 1);
            }
            snprintf(f, sizeof f, "phases[%zu].steps[%zu]", p, j);
            workflow_check_step(cx, f, &w->steps[si]);
        }
        if (publishing && j == 0) {
            snprintf(f, sizeof f, "phases[%zu]", p);
            ctx_fail(cx, RC_INVALID, f, "phase \"%s\" has no steps: add one or delete the phase",
                     w->phases[p].name ? w->phases[p].name : "");
        }
    }
    if (si < w->nsteps)
        ctx_fail(cx, RC_INVALID, "steps", "every step must belong to one of the phases, in order");
    return cx->rc == RC_INVALID ? RC_INVALID : RC_OK;
}
