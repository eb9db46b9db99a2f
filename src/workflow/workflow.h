/*
 * workflow.h — the designer's side of Waymark: workflow drafts (outcome, phases, steps),
 * the immutable numbered versions publishing freezes them into, templates, and the
 * self-contained JSON document used for import and export.
 *
 * Model. A workflow has one editable draft: title, outcome (the behaviour it exists to
 * produce), description, pacing, the re-planning settings (replan_after_days,
 * max_due_per_day: see docs/enrolments.md), ordered phases, and steps ordered within each
 * phase.
 * Publishing copies the draft into version n (1, 2, …) which never changes again; the
 * draft carries on. Enrolments (issue 5) point at a version's steps. A step's id in the
 * draft is kept as its key in every version, so versions compare step by step.
 *
 * Rules (checked here, every failure RC_INVALID with one detail per field):
 *   title 1..WORKFLOW_TITLE_MAX characters (workflow and step), phase names
 *   1..WORKFLOW_PHASE_NAME_MAX; outcome ≤ WORKFLOW_OUTCOME_MAX, description ≤
 *   WORKFLOW_DESCRIPTION_MAX, instructions ≤ WORKFLOW_INSTRUCTIONS_MAX, manager_prompt ≤
 *   WORKFLOW_PROMPT_MAX characters; link_url an absolute http(s) URL with a host, ≤
 *   WORKFLOW_URL_MAX bytes; 0 ≤ release_offset_days ≤ due_offset_days ≤
 *   WORKFLOW_OFFSET_MAX; 1 ≤ effort_minutes ≤ WORKFLOW_EFFORT_MAX; positions 1..n
 *   without gaps; at most WORKFLOW_PHASES_MAX phases and WORKFLOW_STEPS_MAX steps;
 *   0 ≤ replan_after_days ≤ WORKFLOW_REPLAN_AFTER_MAX (0: never re-plan),
 *   1 ≤ max_due_per_day ≤ WORKFLOW_MAX_DUE_MAX.
 *   Publishing also needs an outcome, at least one step, and no empty phase.
 * State. Archived workflows and published versions cannot be changed: RC_CONFLICT.
 * Every change to a draft bumps its revision; a change made with cx->if_match set to an
 * older revision is refused with RC_PRECONDITION, so one designer cannot silently
 * overwrite what another saved in between.
 * Deleting is only for workflows never published (archive the others): RC_CONFLICT.
 * Permissions: authz_can_design_workflows (admin, designer) for everything here; anyone
 * else gets RC_FORBIDDEN. Another tenant's ids are RC_NOT_FOUND.
 * Every change writes an audit entry (workflow.create, .update, .delete, .duplicate,
 * .import, .archive, .restore, .publish, workflow.phase.*, workflow.step.*).
 * All functions run inside the caller's transaction and use cx->now.
 */
#ifndef WAYMARK_WORKFLOW_H
#define WAYMARK_WORKFLOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

#define WORKFLOW_TITLE_MAX        200   /* characters */
#define WORKFLOW_PHASE_NAME_MAX   100   /* characters */
#define WORKFLOW_OUTCOME_MAX      1000  /* characters */
#define WORKFLOW_DESCRIPTION_MAX  5000  /* characters */
#define WORKFLOW_INSTRUCTIONS_MAX 20000 /* characters */
#define WORKFLOW_PROMPT_MAX       1000  /* characters */
#define WORKFLOW_URL_MAX          2000  /* bytes */
#define WORKFLOW_OFFSET_MAX       730   /* days from the learner's start */
#define WORKFLOW_EFFORT_MAX       480   /* minutes */
#define WORKFLOW_PHASES_MAX       50
#define WORKFLOW_STEPS_MAX        500
/* Re-planning a learner who fell behind (enrolment/pacing.h): after how many pacing days
 * behind (0: never), and how many activities may then fall due on one day. */
#define WORKFLOW_REPLAN_AFTER_DEFAULT 3
#define WORKFLOW_REPLAN_AFTER_MAX     60
#define WORKFLOW_MAX_DUE_DEFAULT      2
#define WORKFLOW_MAX_DUE_MAX          20

/* The document format written by export and read by import. */
#define WORKFLOW_DOC_FORMAT         "waymark-workflow"
#define WORKFLOW_DOC_FORMAT_VERSION 1

enum workflow_kind {
    WORKFLOW_LEARN,
    WORKFLOW_EXPERIMENT,
    WORKFLOW_PRACTISE,
    WORKFLOW_REFLECT,
    WORKFLOW_DISCUSS,
    WORKFLOW_COACH,
    WORKFLOW_CHECKPOINT,
    WORKFLOW_ASSESS,
    WORKFLOW_MEASURE,
    WORKFLOW_KIND_COUNT
};

/* Who or what marks a step done. */
enum workflow_completion {
    WORKFLOW_BY_SELF,     /* "self" */
    WORKFLOW_BY_MANAGER,  /* "manager_signoff" */
    WORKFLOW_BY_COACH,    /* "coach_signoff" */
    WORKFLOW_BY_ASSESSOR, /* "assessor" (qualification work, later) */
    WORKFLOW_BY_XAPI,     /* "xapi" (a matching xAPI statement, later) */
    WORKFLOW_COMPLETION_COUNT
};

enum workflow_evidence {
    WORKFLOW_EVIDENCE_NONE,     /* "none" */
    WORKFLOW_EVIDENCE_OPTIONAL, /* "optional" */
    WORKFLOW_EVIDENCE_REQUIRED, /* "required" */
    WORKFLOW_EVIDENCE_COUNT
};

enum workflow_pacing {
    WORKFLOW_WORKING_DAYS,  /* "working_days" (the default) */
    WORKFLOW_CALENDAR_DAYS, /* "calendar_days" */
    WORKFLOW_PACING_COUNT
};

/* Names as the API and the database spell them; NULL for an out-of-range value. */
const char *workflow_kind_name(enum workflow_kind k);
const char *workflow_completion_name(enum workflow_completion c);
const char *workflow_evidence_name(enum workflow_evidence e);
const char *workflow_pacing_name(enum workflow_pacing p);
/* Parse a name; -1 when unknown (s may be NULL). */
int workflow_kind_parse(const char *s);
int workflow_completion_parse(const char *s);
int workflow_evidence_parse(const char *s);
int workflow_pacing_parse(const char *s);

/* Strings are owned (malloc'd) by the struct holding them and freed by workflow_free /
 * workflow_step_clear. link_url and manager_prompt are NULL when there is none; the other
 * strings are never NULL once loaded. */
struct workflow_step {
    int64_t id;       /* draft: the step's id; version: its step key (the draft id) */
    int64_t phase_id; /* draft: the phase's id; version: the phase key */
    int phase;        /* 1-based position of its phase */
    int position;     /* 1-based position within its phase */
    enum workflow_kind kind;
    char *title;
    char *instructions; /* Markdown */
    char *link_url;
    int release_offset_days;
    int due_offset_days;
    int effort_minutes;
    enum workflow_completion completion;
    enum workflow_evidence evidence;
    char *manager_prompt;
    int64_t updated_at; /* draft only; 0 in versions and documents */
};

struct workflow_phase {
    int64_t id; /* draft: the phase's id; version: its phase key; document: 0 */
    int position;
    char *name;
};

enum workflow_status {
    WORKFLOW_DRAFT,     /* "draft": never published */
    WORKFLOW_PUBLISHED, /* "published": has at least one version */
    WORKFLOW_ARCHIVED,  /* "archived": read-only until restored */
};
const char *workflow_status_name(enum workflow_status s);

struct workflow {
    int64_t id;
    int64_t tenant_id;
    int version; /* 0: the draft (or a document); n: published version n */
    char *title;
    char *outcome;
    char *description;
    enum workflow_pacing pacing;
    int replan_after_days; /* WORKFLOW_REPLAN_AFTER_DEFAULT unless set; 0: never re-plan */
    int max_due_per_day;   /* WORKFLOW_MAX_DUE_DEFAULT unless set */
    /* The draft's bookkeeping (zero for versions and documents). */
    enum workflow_status status;
    int latest_version; /* 0 when never published */
    int64_t revision;   /* bumped by every change to the draft */
    int draft_changed;  /* 1 when the draft differs from the latest version */
    int64_t created_at;
    int64_t updated_at;
    int64_t published_at;    /* the latest version's (draft) or this version's; 0: never */
    int64_t archived_at;     /* 0: not archived */
    int64_t published_by;    /* versions: who published (0 unknown) */
    char *published_by_name; /* versions: their name, NULL when unknown */
    /* Phases in order; steps ordered by phase, then position. */
    struct workflow_phase *phases;
    size_t nphases;
    struct workflow_step *steps;
    size_t nsteps;
};

/* Frees what w owns and zeroes it. Accepts NULL and zeroed structs. */
void workflow_free(struct workflow *w);
void workflow_step_clear(struct workflow_step *s);
/* Deep copies; RC_NOMEM. out is zeroed first. */
enum rc workflow_step_copy(const struct workflow_step *s, struct workflow_step *out);

/* ---- pure checks (no database, no permissions) ------------------------------------- */

/* Checks one step's values against the rules above. prefix names the step in details
 * ("" for a lone step, "phases[1].steps[3]" inside a document: fields then read
 * "phases[1].steps[3].due_offset_days"). Reports every problem; RC_OK or RC_INVALID. */
enum rc workflow_check_step(struct ctx *cx, const char *prefix, const struct workflow_step *s);
/* Checks a whole workflow: its own fields, each phase name, each step (with prefixes
 * "phases[i].steps[j]", 0-based as in the document), the counts. With publishing, also
 * the outcome, at least one step and no empty phase. */
enum rc workflow_check(struct ctx *cx, const struct workflow *w, int publishing);
/* 1 when s is an absolute http:// or https:// URL with a host and no spaces or control
 * characters. */
int workflow_url_valid(const char *s);

/* ---- the document (workflow_doc.c) ------------------------------------------------- */

/* Reads a step object (as in the API and the document) into s. With partial, absent
 * fields are left alone and the ones present are flagged in *set (bits below);
 * otherwise absent fields take their defaults (kind "learn", instructions "",
 * release 0, due = release, effort 15, completion "self", evidence "none"); a missing
 * title stays NULL for workflow_check_step to report. Unknown fields, wrong types and
 * unknown names are reported with prefix.
 * The API's "phase_id"/"phase"/"position" are read only when allow_place is set. */
enum workflow_step_field {
    WORKFLOW_F_KIND = 1 << 0,
    WORKFLOW_F_TITLE = 1 << 1,
    WORKFLOW_F_INSTRUCTIONS = 1 << 2,
    WORKFLOW_F_LINK_URL = 1 << 3,
    WORKFLOW_F_RELEASE = 1 << 4,
    WORKFLOW_F_DUE = 1 << 5,
    WORKFLOW_F_EFFORT = 1 << 6,
    WORKFLOW_F_COMPLETION = 1 << 7,
    WORKFLOW_F_EVIDENCE = 1 << 8,
    WORKFLOW_F_PROMPT = 1 << 9,
    WORKFLOW_F_PHASE = 1 << 10, /* phase_id (id) or phase (1-based position) */
    WORKFLOW_F_POSITION = 1 << 11,
};
enum rc workflow_step_read(struct ctx *cx, const char *prefix, const json_t *obj, int partial,
                           int allow_place, struct workflow_step *s, unsigned *set);
/* Reads a whole document (format WORKFLOW_DOC_FORMAT, format_version 1) into *out, checks
 * it with workflow_check(…, 0) and reports every problem at once (RC_INVALID). out must be
 * freed with workflow_free whatever the result. */
enum rc workflow_doc_read(struct ctx *cx, const json_t *doc, struct workflow *out);
/* The document of w (a draft or a version): no ids, no instants, written into j. */
struct jsonw;
void workflow_doc_write(const struct workflow *w, struct jsonw *j);
/* The same document as a Jansson value (for the CLI and tests). New reference or NULL. */
json_t *workflow_doc_json(const struct workflow *w);
/* The API's JSON for a step / a whole workflow (draft or version), written straight
 * into j (core/jsonw.h): a 200-step workflow is ~140 KB, too big to build as a tree. */
void workflow_step_write(const struct workflow_step *s, struct jsonw *j);
void workflow_write(const struct workflow *w, struct jsonw *j);

/* ---- domain operations (workflow.c) ------------------------------------------------ */

/* The fields of a draft a PATCH may set; only those flagged in set are read. */
enum workflow_field {
    WORKFLOW_F_WF_TITLE = 1 << 0,
    WORKFLOW_F_WF_OUTCOME = 1 << 1,
    WORKFLOW_F_WF_DESCRIPTION = 1 << 2,
    WORKFLOW_F_WF_PACING = 1 << 3,
    WORKFLOW_F_WF_REPLAN_AFTER = 1 << 4,
    WORKFLOW_F_WF_MAX_DUE = 1 << 5,
};
struct workflow_change {
    unsigned set;
    const char *title;
    const char *outcome;
    const char *description;
    enum workflow_pacing pacing;
    int replan_after_days;
    int max_due_per_day;
};

/* Creates an empty draft (title required; the settings not in ch->set take their
 * defaults). *out_id receives its id. */
enum rc workflow_create(struct ctx *cx, const struct workflow_change *ch, int64_t *out_id);
/* Creates a draft from a whole workflow (a document or a template): phases and steps
 * included. action is the audit action ("workflow.import", "workflow.create"). */
enum rc workflow_create_from(struct ctx *cx, const struct workflow *w, const char *action,
                             int64_t *out_id);
/* Loads the draft with its phases and steps (3 queries). out freed with workflow_free. */
enum rc workflow_get(struct ctx *cx, int64_t id, struct workflow *out);
enum rc workflow_update(struct ctx *cx, int64_t id, const struct workflow_change *ch);
/* RC_CONFLICT once published. */
enum rc workflow_delete(struct ctx *cx, int64_t id);
/* Copies the draft into a new draft titled title (NULL: "Copy of …"). */
enum rc workflow_duplicate(struct ctx *cx, int64_t id, const char *title, int64_t *out_id);
enum rc workflow_archive(struct ctx *cx, int64_t id);
enum rc workflow_restore(struct ctx *cx, int64_t id);

/* Lists drafts (summaries: no phases or steps; nphases/nsteps hold the counts through
 * the callback's arguments), newest first. status filter: -1 any. q: title contains. */
struct workflow_summary {
    int64_t id;
    const char *title;
    const char *outcome;
    enum workflow_status status;
    int latest_version;
    int draft_changed;
    int phase_count;
    int step_count;
    int64_t updated_at;
    int64_t published_at;
};
typedef enum rc (*workflow_each_fn)(void *arg, const struct workflow_summary *s);
enum rc workflow_list(struct ctx *cx, int status, const char *q, int64_t before_id, int limit,
                      workflow_each_fn each, void *arg, int64_t *next_before);

/* Phases. position 0 means "at the end". Moving renumbers the others. Deleting a phase
 * that still has steps is RC_CONFLICT. */
enum rc workflow_phase_add(struct ctx *cx, int64_t workflow_id, const char *name, int position,
                           struct workflow_phase *out);
enum rc workflow_phase_update(struct ctx *cx, int64_t workflow_id, int64_t phase_id,
                              const char *name, int position, struct workflow_phase *out);
enum rc workflow_phase_delete(struct ctx *cx, int64_t workflow_id, int64_t phase_id);

/* Steps. add: s->phase_id names the phase (RC_INVALID "phase_id" when it is not one of
 * this workflow's), s->position 0 means "at the end", else 1..n+1. update: only the
 * fields in set change (WORKFLOW_F_PHASE / WORKFLOW_F_POSITION move the step, within or
 * across phases; positions of the others close up). out receives the stored step. */
/* When cx already holds RC_INVALID (the handler found bad fields), add and update still
 * apply their rules to the rest, add their findings, and write nothing. */
enum rc workflow_step_add(struct ctx *cx, int64_t workflow_id, const struct workflow_step *s,
                          struct workflow_step *out);
enum rc workflow_step_update(struct ctx *cx, int64_t workflow_id, int64_t step_id,
                             const struct workflow_step *s, unsigned set,
                             struct workflow_step *out);
enum rc workflow_step_delete(struct ctx *cx, int64_t workflow_id, int64_t step_id);

/* Versions. publish: checks the draft (publishing rules), freezes it as
 * latest_version + 1; RC_CONFLICT when archived or nothing changed since the latest
 * version. */
enum rc workflow_publish(struct ctx *cx, int64_t id, int *out_version);
/* Loads version n (RC_NOT_FOUND when there is none). */
enum rc workflow_version_get(struct ctx *cx, int64_t id, int version, struct workflow *out);
/* Versions newest first, as summaries in struct workflow (no phases or steps loaded;
 * nphases/nsteps hold the counts; title and published_by_name are borrowed for the
 * call). The callback must not use the database. */
typedef enum rc (*workflow_version_fn)(void *arg, const struct workflow *v);
enum rc workflow_versions(struct ctx *cx, int64_t id, workflow_version_fn each, void *arg);
/* Refuses any change to a published version with RC_CONFLICT (after checking it
 * exists and may be seen): the one answer to PATCH/PUT/DELETE on a version. */
enum rc workflow_version_change(struct ctx *cx, int64_t id, int version);

/* The tenant workflow id belongs to, for operator commands that are given only an id
 * (`waymark export workflow ID`). No permission check: the CLI is the operator.
 * RC_NOT_FOUND. */
enum rc workflow_tenant_of(struct ctx *cx, int64_t id, int64_t *tenant_id);

/* ---- templates (workflow.c) ---------------------------------------------- */

/* The shipped template library: documents embedded in the binary from
 * templates/workflows/KEY.json. */
struct workflow_template {
    const char *key;  /* the file name without .json */
    const char *json; /* the document text */
};
extern const struct workflow_template WORKFLOW_TEMPLATES[];
extern const size_t WORKFLOW_TEMPLATES_COUNT;
/* Parses template key into *out (workflow_free it). RC_NOT_FOUND for an unknown key. No
 * permission check: templates are public content. */
enum rc workflow_template_load(struct ctx *cx, const char *key, struct workflow *out);
/* Creates a draft from a template (title NULL keeps the template's). */
enum rc workflow_create_from_template(struct ctx *cx, const char *key, const char *title,
                                      int64_t *out_id);

#endif
