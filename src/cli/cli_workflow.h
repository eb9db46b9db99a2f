/*
 * cli_workflow.h — the operator's workflow import and export:
 *   waymark import workflow FILE.json --tenant SLUG [--dry-run] [--db URL]
 *   waymark export workflow ID [--version N] [--tenant SLUG] [--db URL]
 * Import reads the document exactly as POST /api/v1/workflows/import does (same strict
 * JSON, same rules, every problem listed) and creates a draft as the tenant's system
 * actor; a dry run only checks. Export prints the document of the draft (or version N)
 * on standard output; without --tenant the workflow's own tenant is used.
 * Exit status: 0 done, 1 the document had errors or the command failed, 2 bad usage.
 */
#ifndef WAYMARK_CLI_WORKFLOW_H
#define WAYMARK_CLI_WORKFLOW_H

#include <stddef.h>

#include "core/ctx.h"

/* Called by `waymark import` with the file read and cx on an open, migrated database.
 * Returns the exit status. */
int cli_workflow_import(struct ctx *cx, const char *tenant, const char *data, size_t len,
                        int dry_run);

/* argv[1] is "export". Returns the exit status. */
int cli_workflow_export_main(int argc, char **argv);

#endif
