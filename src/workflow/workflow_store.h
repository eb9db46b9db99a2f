/*
 * workflow_store.h — the SQL of workflow design (tables in migration 0003_workflows).
 *
 * Every function takes the tenant and scopes its statement by it, so an id of another
 * tenant is simply not found. No permission checks and no rules here: workflow.c
 * decides, this file saves and loads. Loading a draft or a version is three statements
 * (the row, its phases, its steps) whatever its size. Strings handed back are owned by
 * the struct they land in (see workflow.h).
 */
#ifndef WAYMARK_WORKFLOW_STORE_H
#define WAYMARK_WORKFLOW_STORE_H

#include <stdint.h>

#include "db/db.h"
#include "workflow.h"

/* The draft's row (no phases or steps). RC_NOT_FOUND when not in tenant_id. */
enum rc workflow_store_get(struct db *db, int64_t tenant_id, int64_t id, struct workflow *out);
/* Takes workflow id's row lock until the transaction ends (a no-op UPDATE: portable,
 * and on PostgreSQL it blocks a second editor of the same workflow). RC_NOT_FOUND. */
enum rc workflow_store_lock(struct db *db, int64_t tenant_id, int64_t id);
/* The tenant of workflow id, whichever it is. RC_NOT_FOUND. */
enum rc workflow_store_tenant_of(struct db *db, int64_t id, int64_t *tenant_id);
/* Loads w->id's phases and steps into w (which has none yet). */
enum rc workflow_store_load_parts(struct db *db, int64_t tenant_id, struct workflow *w);

/* Inserts w's row (title, outcome, description, pacing, the re-planning settings,
 * created/updated at now) and sets w->id. Phases and steps are inserted separately. */
enum rc workflow_store_insert(struct db *db, struct workflow *w, int64_t created_by, int64_t now);
/* Writes title, outcome, description, pacing, the re-planning settings and bumps the
 * revision. */
enum rc workflow_store_update(struct db *db, const struct workflow *w, int64_t now);
/* Bumps the revision and updated_at: the draft changed (a phase or step). */
enum rc workflow_store_touch(struct db *db, int64_t tenant_id, int64_t id, int64_t now);
/* archived_at 0: restore. */
enum rc workflow_store_set_archived(struct db *db, int64_t tenant_id, int64_t id,
                                    int64_t archived_at, int64_t now);
/* Deletes a never-published draft with its phases and steps. */
enum rc workflow_store_delete(struct db *db, int64_t tenant_id, int64_t id);

/* status: -1 any, else an enum workflow_status. q: LIKE pattern (already escaped) or
 * NULL. Newest first, ids below before_id (0: from the start); at most limit rows. */
enum rc workflow_store_list(struct db *db, int64_t tenant_id, int status, const char *like,
                            int64_t before_id, int limit, workflow_each_fn each, void *arg,
                            int *seen, int64_t *last_id);

/* Phases. */
enum rc workflow_store_phase_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                    int position, const char *name, int64_t *out_id);
enum rc workflow_store_phase_update(struct db *db, int64_t tenant_id, int64_t phase_id,
                                    int position, const char *name);
enum rc workflow_store_phase_delete(struct db *db, int64_t tenant_id, int64_t phase_id);
/* Adds delta to the position of the workflow's phases with from <= position <= to. */
enum rc workflow_store_phase_shift(struct db *db, int64_t tenant_id, int64_t workflow_id, int from,
                                   int to, int delta);

/* Steps. insert uses s->phase_id and s->position; update writes every field of s (and
 * its phase_id and position). */
enum rc workflow_store_step_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                   const struct workflow_step *s, int64_t now, int64_t *out_id);
enum rc workflow_store_step_update(struct db *db, int64_t tenant_id, const struct workflow_step *s,
                                   int64_t now);
enum rc workflow_store_step_delete(struct db *db, int64_t tenant_id, int64_t step_id);
/* Adds delta to the position of the phase's steps with from <= position <= to. */
enum rc workflow_store_step_shift(struct db *db, int64_t tenant_id, int64_t phase_id, int from,
                                  int to, int delta);

/* Versions. insert freezes w (a loaded draft with its parts) as version n and records
 * it on the draft (latest_version, published_revision, published_at). */
enum rc workflow_store_version_insert(struct db *db, const struct workflow *w, int version,
                                      int64_t published_by, int64_t now);
/* Loads version n of workflow id with its phases and steps. RC_NOT_FOUND. */
enum rc workflow_store_version_get(struct db *db, int64_t tenant_id, int64_t id, int version,
                                   struct workflow *out);
/* Each version of id, newest first, as a summary (nphases / nsteps hold the counts). */
enum rc workflow_store_versions(struct db *db, int64_t tenant_id, int64_t id,
                                workflow_version_fn each, void *arg);

#endif
