/*
 * workflow_diff.h — a readable difference between two states of a workflow (two
 * published versions, or a version and the draft), for designers deciding whether to
 * publish and for anyone asking "what changed in version 3?".
 *
 * Phases and steps are matched by key (struct workflow_phase.id / workflow_step.id: the
 * draft id they had, kept by every version), so a renamed or moved step is "changed",
 * not "removed and added". Pure: no database, no clock.
 */
#ifndef WAYMARK_WORKFLOW_DIFF_H
#define WAYMARK_WORKFLOW_DIFF_H

#include <jansson.h>

#include "workflow.h"

/* The difference from → to as a new JSON object (NULL only when out of memory):
 *   {"workflow": [{"field": "title", "from": "…", "to": "…"}, …],
 *    "phases": {"added":   [{"id": 3, "name": "…", "position": 2}, …],
 *               "removed": [same shape, as it was in from],
 *               "changed": [{"id": 3, "name": "<name in to>",
 *                            "fields": [{"field": "name"|"position", "from", "to"}]}]},
 *    "steps":  {"added":   [{"id": 9, "title": "…", "phase": "<phase name>",
 *                            "position": 4}, …],
 *               "removed": [same shape, as it was in from],
 *               "changed": [{"id": 9, "title": "<title in to>", "phase": "<phase name in
 *                            to>", "position": <position in to>,
 *                            "fields": [{"field": "due_offset_days", "from": 3, "to": 5},
 *                                       {"field": "phase", "from": "Week 1", "to": "Week 2"},
 *                                       …]}]},
 *    "summary": "2 steps added, 1 step removed, 3 steps changed" | "No differences."}
 * Workflow fields compared: title, outcome, description, pacing, replan_after_days,
 * max_due_per_day (numbers). Step fields compared,
 * in this order: phase (by name), position, kind, title, instructions, link_url,
 * release_offset_days, due_offset_days, effort_minutes, completion, evidence,
 * manager_prompt. Values keep their JSON types (numbers as numbers, absent link_url /
 * manager_prompt as null, enums by name). Lists are ordered as the steps / phases
 * appear in "to" (added, changed) or "from" (removed). A step whose position changed only
 * because an earlier step was added or removed in the same phase still reports
 * "position": the diff states facts, and the UI shows them plainly. */
json_t *workflow_diff(const struct workflow *from, const struct workflow *to);

#endif
