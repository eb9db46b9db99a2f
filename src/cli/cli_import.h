/*
 * cli_import.h — the operator's CSV import:
 *   waymark import users FILE.csv --tenant SLUG [--dry-run] [--db URL] [--log-level L]
 *   waymark import workflow FILE.json --tenant SLUG [--dry-run] [--db URL] (cli_workflow.h)
 * FILE may be "-" for standard input. The same domain function as
 * POST /api/v1/users/import runs as the tenant's system actor (no user, admin rights),
 * in one transaction: a file with any error writes nothing.
 *
 * Output: the counts and every error ("row N, field: message") on standard output; a
 * progress bar on standard error only when it is a terminal. Exit status: 0 imported
 * (or a clean dry run), 1 the file had errors or the import failed (nothing written),
 * 2 bad usage.
 */
#ifndef WAYMARK_CLI_IMPORT_H
#define WAYMARK_CLI_IMPORT_H

/* argv[1] is "import". Returns the process exit code. */
int cli_import_main(int argc, char **argv);

#endif
