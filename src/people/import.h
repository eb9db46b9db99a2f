/*
 * import.h — bulk import of users from CSV, shared by POST /api/v1/users/import and
 * `waymark import users`, plus two small seeding helpers used by `waymark demo`.
 *
 * The file: a header row naming some of the columns email, name, manager_email,
 * department, job_title, roles, external_id in any order (names case-insensitive; email
 * and name required; any other column is an error), then one person per row; UTF-8 with
 * an optional BOM; RFC 4180 quoting (parsed strictly by libcsv); CRLF or LF line ends.
 * roles lists role names separated by ';', '|', ',' or spaces ("admin;designer");
 * everyone is also a learner.
 *
 * Semantics: each row is matched to an existing user of the actor's tenant by
 * external_id when the row has one and it is known, else by email (case-insensitive).
 * A match is updated, anyone else is created without a password (they are invited
 * later). A column that is present sets its value (an empty cell clears department,
 * job_title or the manager, and an empty roles cell means "learner only"); a column
 * that is absent leaves the stored value alone. An empty external_id never clears one.
 * Import does not reactivate deactivated users. manager_email is resolved against the
 * file first, so managers may appear after their reports, then against the tenant.
 *
 * All or nothing: the whole file is parsed and checked in memory before anything is
 * written, so a report lists every problem found (up to IMPORT_MAX_ERRORS of them) and a
 * run with any error — or a dry run — writes nothing at all. Errors carry the line of
 * the file on which the offending record starts (the header is line 1), which is the
 * spreadsheet row unless a quoted cell spans several lines; field is the column name,
 * or "file" for problems with the file as a whole.
 *
 * Speed: one parse into an array, one query loading the tenant's users into hash
 * tables, then one prepared statement per changed row inside the caller's transaction
 * (no per-row look-ups from C): new people are inserted managers first, each naming
 * its manager by email key inside the INSERT. 100,000 new rows take about 2 s on SQLite
 * (bench/import.sh); on PostgreSQL the round trip per row dominates (about 25 s).
 *
 * Not thread-safe beyond the usual: one ctx, one connection.
 */
#ifndef WAYMARK_IMPORT_H
#define WAYMARK_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

#define IMPORT_MAX_ERRORS 1000    /* errors kept in a report; error_count counts them all */
#define IMPORT_MAX_ROWS   1000000 /* data rows in one file */
#define IMPORT_ROLES_MAX  200     /* bytes of a roles cell */

struct import_error {
    int64_t row;       /* line of the file on which the record starts; header = 1 */
    char field[16];    /* column name, or "file" */
    char message[240]; /* plain words, e.g. "is not a known role: 'boss'" */
};

struct import_report {
    int64_t rows;      /* data rows read */
    int64_t created;   /* rows that create (or, in a dry run or on error, would create) */
    int64_t updated;   /* rows that change an existing user */
    int64_t unchanged; /* rows that match an existing user exactly */
    int64_t error_count;
    struct import_error *errors; /* owned; the first IMPORT_MAX_ERRORS found, by row */
    size_t nerrors;
    int dry_run;
    int written; /* 1 when the changes were written (no errors, not a dry run) */
};

/* Called now and then while importing: phase is "reading", "checking" or "writing";
 * done counts bytes (reading) or rows out of total. Never more often than every few
 * thousand rows, so it may do I/O. */
typedef void (*import_progress_fn)(void *arg, const char *phase, int64_t done, int64_t total);

struct import_options {
    int dry_run;
    import_progress_fn progress; /* may be NULL */
    void *progress_arg;
};

/* Imports the CSV in data[0..len) into the actor's tenant (see the file comment).
 * Needs an admin actor (user_id 0 is the tenant's system actor, as the CLI uses) and
 * runs inside the caller's write transaction. On RC_OK *out is filled (free it with
 * import_report_free) — check out->error_count: errors in the file are not a failure
 * of the call. Other rcs: RC_FORBIDDEN (not an admin), RC_NOMEM, RC_DB, RC_BUSY,
 * RC_CONFLICT (a concurrent change took an email); then nothing was written and *out is
 * left empty. A real run that changed anyone re-evaluates rule groups and writes one audit
 * entry "users.import" with the counts (actor NULL for the system actor). */
enum rc import_users_csv(struct ctx *cx, const char *data, size_t len,
                         const struct import_options *opt, struct import_report *out);

void import_report_free(struct import_report *r);

/* {"created","updated","unchanged","errors":[{"row","field","message"}],"error_count",
 * "dry_run"} — the body of the API's answer. New reference. */
json_t *import_report_json(const struct import_report *r);

/* Seeding helpers (waymark demo). Both act in the actor's tenant and need an admin
 * actor; both change nothing that is already there, and say how much they changed. */

/* Gives password to each listed email whose user has no password yet; *changed counts
 * them. The password is hashed (argon2id, deliberately slow) once, and only when someone
 * needs it. Unknown emails are skipped. */
enum rc import_set_missing_passwords(struct ctx *cx, const char *const *emails, size_t n,
                                     const char *password, int64_t *changed);
/* Assigns the learner to the coach (coach_assignments) unless already assigned;
 * *created is 1 when a row was added. RC_NOT_FOUND when either email is unknown. */
enum rc import_assign_coach(struct ctx *cx, const char *coach_email, const char *learner_email,
                            int *created);

#endif
