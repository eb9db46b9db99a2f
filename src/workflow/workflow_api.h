/*
 * workflow_api.h — HTTP handlers for workflow design (routes in src/http/routes.c; the
 * contract, with every field and rule, is docs/workflows.md):
 *
 *   GET    /api/v1/workflows                         list (?status=, ?q=, paging)
 *   POST   /api/v1/workflows                         {title, …} or {template, title?} → 201
 *   POST   /api/v1/workflows/import                  a document → 201 draft
 *   GET    /api/v1/workflows/{id}                    the draft with phases and steps
 *   PATCH  /api/v1/workflows/{id}                    {title?, outcome?, description?, pacing?,
 *                                                     replan_after_days?, max_due_per_day?}
 *   DELETE /api/v1/workflows/{id}                    204 (never-published drafts only)
 *   POST   /api/v1/workflows/{id}/archive|restore    the workflow
 *   POST   /api/v1/workflows/{id}/duplicate          {title?} → 201 new draft
 *   GET    /api/v1/workflows/{id}/export             ?version= → the document, as a download
 *   GET    /api/v1/workflows/{id}/diff               ?from=N&to=M|draft
 *   POST   /api/v1/workflows/{id}/phases             {name, position?} → 201 phase
 *   PATCH  /api/v1/workflows/{id}/phases/{phase_id}  {name?, position?}
 *   DELETE /api/v1/workflows/{id}/phases/{phase_id}  204
 *   POST   /api/v1/workflows/{id}/steps              a step → 201
 *   PATCH  /api/v1/workflows/{id}/steps/{step_id}    step fields; phase/position move it
 *   DELETE /api/v1/workflows/{id}/steps/{step_id}    204
 *   POST   /api/v1/workflows/{id}/publish            → 201 {version, published_at}
 *   GET    /api/v1/workflows/{id}/versions           newest first
 *   GET    /api/v1/workflows/{id}/versions/{n}       one version
 *   PATCH|PUT|DELETE /api/v1/workflows/{id}/versions/{n}  409 version_immutable
 *   GET    /api/v1/workflow-templates                the template library
 *   GET    /api/v1/workflow-templates/{key}          one template's document
 *
 * Path ids that are not positive numbers are 404, like ids of another tenant; bad query
 * parameters are 400. Permission and rules live in workflow.h.
 */
#ifndef WAYMARK_WORKFLOW_API_H
#define WAYMARK_WORKFLOW_API_H

#include "core/ctx.h"

enum rc workflow_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_create(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_import(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_archive(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_restore(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_duplicate(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_export(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_diff(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_phase_add(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_phase_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_phase_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_step_add(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_step_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_step_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_publish(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_versions(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_version_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_version_change(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_templates(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc workflow_api_template_get(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
