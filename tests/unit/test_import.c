/*
 * test_import.c — the CSV import of users (people/import.h), its HTTP handler and the demo
 * seeding built on it.
 *
 * Every test starts from a fresh migrated database with two organisations, an admin in
 * the first and a look-alike person in the second. What is checked is what an admin
 * would check: the counts, each error's row and column, the people as stored afterwards,
 * and — for every file with an error, every dry run and every kind of garbage — that
 * nothing at all was written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/jsonx.h"
#include "core/now.h"
#include "core/secure.h"
#include "demo/demo.h"
#include "fixture.h"
#include "people/import.h"
#include "people/import_api.h"
#include "people/people.h"
#include "tenant/tenant.h"

/* ---- helpers ---- */

struct world {
    struct db *db;
    struct ctx cx;
    int64_t acme, other; /* tenants */
    int64_t admin;       /* admin@acme.example in acme */
    struct import_report rep;
};

static int64_t add_user(struct db *db, int64_t tenant, const char *email, const char *ext,
                        unsigned roles, int64_t manager, int active)
{
    char key[PEOPLE_EMAIL_MAX + 1];
    assert_int_equal(people_email_key(email, key, sizeof key), RC_OK);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db,
                                "INSERT INTO users (tenant_id, email, email_key, name, roles, "
                                "external_id, manager_id, active, created_at, updated_at) VALUES "
                                "($1, $2, $3, $2, $4, $5, $6, $7, $8, $8) RETURNING id",
                                &st),
                     RC_OK);
    db_bind_int64(st, 1, tenant);
    db_bind_text(st, 2, email, -1);
    db_bind_text(st, 3, key, -1);
    db_bind_int64(st, 4, roles | PEOPLE_ROLE_LEARNER);
    if (ext)
        db_bind_text(st, 5, ext, -1);
    else
        db_bind_null(st, 5);
    if (manager)
        db_bind_int64(st, 6, manager);
    else
        db_bind_null(st, 6);
    db_bind_int64(st, 7, active);
    db_bind_int64(st, 8, FIXTURE_NOW);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t id = db_column_int64(st, 0);
    db_reset(st);
    return id;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    w->db = fixture_db();
    fixture_ctx(&w->cx, w->db);
    struct tenant t;
    int created;
    assert_int_equal(tenant_ensure(&w->cx, "acme", "Acme", &t, &created), RC_OK);
    w->acme = t.id;
    assert_int_equal(tenant_ensure(&w->cx, "other", "Other", &t, &created), RC_OK);
    w->other = t.id;
    w->admin = add_user(w->db, w->acme, "admin@acme.example", NULL, PEOPLE_ROLE_ADMIN, 0, 1);
    /* The same email in another organisation must never be matched or named. */
    add_user(w->db, w->other, "ann@acme.example", "A1", 0, 0, 1);
    add_user(w->db, w->other, "boss@other.example", NULL, 0, 0, 1);
    w->cx.actor = (struct actor){.tenant_id = w->acme,
                                 .user_id = w->admin,
                                 .roles = PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_LEARNER};
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    import_report_free(&w->rep);
    ctx_clear(&w->cx);
    db_close(w->db);
    free(w);
    return 0;
}

/* Runs the import of csv (dry or not); asserts RC_OK and leaves the report in w->rep. */
static struct import_report *run(struct world *w, const char *csv, size_t len, int dry)
{
    import_report_free(&w->rep);
    ctx_clear(&w->cx);
    struct import_options opt = {.dry_run = dry};
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    enum rc rc = import_users_csv(&w->cx, csv, len, &opt, &w->rep);
    if (rc)
        fprintf(stderr, "import: %s %s\n", rc_name(rc), w->cx.message);
    assert_int_equal(rc, RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    return &w->rep;
}

static struct import_report *run_s(struct world *w, const char *csv, int dry)
{
    return run(w, csv, strlen(csv), dry);
}

static int64_t query_int(struct db *db, const char *sql, int64_t a)
{
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), RC_OK);
    if (strstr(sql, "$1"))
        db_bind_int64(st, 1, a);
    assert_int_equal(db_step(st), RC_ROW);
    int64_t v = db_column_int64(st, 0);
    db_reset(st);
    return v;
}

static int64_t users_in(struct world *w, int64_t tenant)
{
    return query_int(w->db, "SELECT COUNT(*) FROM users WHERE tenant_id = $1", tenant);
}

/* A fingerprint of every row of users and audit_log, to prove that nothing changed. */
static int64_t fingerprint(struct world *w)
{
    return query_int(w->db,
                     "SELECT COUNT(*) * 1000003 + COALESCE(SUM(updated_at + COALESCE(manager_id, "
                     "0) * 7 + roles * 13 + LENGTH(email) + LENGTH(name)), 0) + (SELECT "
                     "COUNT(*) FROM audit_log) * 99991 FROM users",
                     0);
}

static void user_by_email(struct world *w, const char *email, struct user *u)
{
    char key[PEOPLE_EMAIL_MAX + 1];
    assert_int_equal(people_email_key(email, key, sizeof key), RC_OK);
    struct db_stmt *st;
    assert_int_equal(
        db_prepare(w->db, "SELECT id FROM users WHERE tenant_id = $1 AND email_key = $2", &st),
        RC_OK);
    db_bind_int64(st, 1, w->acme);
    db_bind_text(st, 2, key, -1);
    int found = db_step(st) == RC_ROW;
    int64_t id = found ? db_column_int64(st, 0) : 0;
    db_reset(st);
    if (!found)
        fail_msg("no user %s", email);
    assert_int_equal(people_get_user(&w->cx, id, u), RC_OK);
}

/* Asserts that error i of the report is (row, field) and its message contains text. */
static void assert_error(const struct import_report *r, size_t i, int64_t row, const char *field,
                         const char *text)
{
    if (i >= r->nerrors)
        fail_msg("expected error %zu (row %lld, %s), report has %zu", i, (long long)row, field,
                 r->nerrors);
    const struct import_error *e = &r->errors[i];
    if (e->row != row || strcmp(e->field, field) != 0 || !strstr(e->message, text))
        fail_msg("error %zu is row %lld, %s: %s — expected row %lld, %s: …%s…", i,
                 (long long)e->row, e->field, e->message, (long long)row, field, text);
}

static void print_errors(const struct import_report *r)
{
    for (size_t i = 0; i < r->nerrors; i++)
        printf("  row %lld, %s: %s\n", (long long)r->errors[i].row, r->errors[i].field,
               r->errors[i].message);
}

/* ---- the happy path ---- */

static void creates_then_all_unchanged_then_updates(void **state)
{
    struct world *w = *state;
    /* BOM, CRLF, columns in another order with odd case and spaces, quoting with commas
     * and doubled quotes, roles in every separator, a manager listed after the report. */
    const char *csv = "\xEF\xBB\xBF"
                      "Name, EMAIL ,roles,Manager_Email,department,job_title,external_id\r\n"
                      "\"Ann O'Neil, Jr.\",Ann@Acme.example,admin;designer,bo@acme.example,"
                      "Sales,\"The \"\"Closer\"\"\",E1\r\n"
                      "Bo,bo@acme.example,coach|assessor,,Sales,Head of Sales,E2\r\n"
                      "Zo\xC3\xAB M\xC3\xBCller,zoe@acme.example,designer coach,ann@acme.example,"
                      "Sales,,\r\n"
                      "Cy,cy@acme.example,,,,,\r\n";
    struct import_report *r = run_s(w, csv, 0);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->rows, 4);
    assert_int_equal(r->created, 4);
    assert_int_equal(r->updated, 0);
    assert_int_equal(r->unchanged, 0);
    assert_true(r->written);
    assert_int_equal(users_in(w, w->acme), 5);

    struct user ann, bo, zoe, cy;
    user_by_email(w, "ann@acme.example", &ann);
    user_by_email(w, "bo@acme.example", &bo);
    user_by_email(w, "zoe@acme.example", &zoe);
    user_by_email(w, "cy@acme.example", &cy);
    assert_string_equal(ann.email, "Ann@Acme.example");
    assert_string_equal(ann.name, "Ann O'Neil, Jr.");
    assert_string_equal(ann.job_title, "The \"Closer\"");
    assert_string_equal(ann.external_id, "E1");
    assert_int_equal(ann.roles, PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_DESIGNER | PEOPLE_ROLE_LEARNER);
    assert_int_equal(ann.manager_id, bo.id);
    assert_int_equal(bo.roles, PEOPLE_ROLE_COACH | PEOPLE_ROLE_ASSESSOR | PEOPLE_ROLE_LEARNER);
    assert_int_equal(bo.manager_id, 0);
    assert_string_equal(zoe.name, "Zo\xC3\xAB M\xC3\xBCller");
    assert_int_equal(zoe.manager_id, ann.id);
    assert_int_equal(zoe.roles, PEOPLE_ROLE_DESIGNER | PEOPLE_ROLE_COACH | PEOPLE_ROLE_LEARNER);
    assert_string_equal(zoe.external_id, "");
    assert_int_equal(cy.roles, PEOPLE_ROLE_LEARNER);
    assert_true(cy.active);
    /* Imported people have no password: they are invited later. */
    assert_int_equal(
        query_int(w->db, "SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL", 0), 0);
    /* One audit entry with the counts, by the admin. */
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'users.import' AND "
                               "actor_id = $1 AND changes LIKE '%\"created\":4%'",
                               w->admin),
                     1);

    /* The same file again: all unchanged, nothing written, no new audit entry. */
    int64_t before = fingerprint(w);
    w->cx.now += 60;
    r = run_s(w, csv, 0);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->created, 0);
    assert_int_equal(r->updated, 0);
    assert_int_equal(r->unchanged, 4);
    assert_int_equal(fingerprint(w), before);

    /* Fewer columns: absent ones are kept; present ones set (an empty manager clears). */
    r = run_s(w,
              "email,name,manager_email\n"
              "Ann@Acme.example,\"Ann O'Neil, Jr.\",bo@acme.example\n"
              "zoe@acme.example,Zo\xC3\xAB M\xC3\xBCller,\n"
              "bo@acme.example,Bo Brown,\n",
              0);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->unchanged, 1);
    assert_int_equal(r->updated, 2);
    user_by_email(w, "zoe@acme.example", &zoe);
    assert_int_equal(zoe.manager_id, 0);
    assert_int_equal(zoe.roles, PEOPLE_ROLE_DESIGNER | PEOPLE_ROLE_COACH | PEOPLE_ROLE_LEARNER);
    assert_string_equal(zoe.department, "Sales");
    assert_int_equal(zoe.updated_at, w->cx.now);
    user_by_email(w, "bo@acme.example", &bo);
    assert_string_equal(bo.name, "Bo Brown");
    assert_string_equal(bo.job_title, "Head of Sales");
    assert_string_equal(bo.external_id, "E2");
    assert_int_equal(query_int(w->db, "SELECT COUNT(*) FROM audit_log", 0), 2);
    /* The other organisation is untouched. */
    assert_int_equal(users_in(w, w->other), 2);
}

static void managers_may_come_after_their_reports(void **state)
{
    struct world *w = *state;
    struct import_report *r = run_s(w,
                                    "email,name,manager_email\n"
                                    "l1@acme.example,L1,m1@acme.example\n"
                                    "l2@acme.example,L2,m1@acme.example\n"
                                    "m1@acme.example,M1,d@acme.example\n"
                                    "d@acme.example,Director,admin@acme.example\n",
                                    0);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->created, 4);
    struct user l1, l2, m1, d;
    user_by_email(w, "l1@acme.example", &l1);
    user_by_email(w, "l2@acme.example", &l2);
    user_by_email(w, "m1@acme.example", &m1);
    user_by_email(w, "d@acme.example", &d);
    assert_int_equal(l1.manager_id, m1.id);
    assert_int_equal(l2.manager_id, m1.id);
    assert_int_equal(m1.manager_id, d.id);
    assert_int_equal(d.manager_id, w->admin);
}

static void upserts_by_external_id_then_email(void **state)
{
    struct world *w = *state;
    int64_t old = add_user(w->db, w->acme, "old@acme.example", "HR-1", 0, 0, 1);
    int64_t noext = add_user(w->db, w->acme, "noext@acme.example", NULL, 0, 0, 1);
    add_user(w->db, w->acme, "taken@acme.example", "HR-9", 0, 0, 1);
    struct import_report *r = run_s(w,
                                    "external_id,email,name\n"
                                    "HR-1,new@acme.example,Renamed\n"
                                    "HR-2,NoExt@acme.example,Given An Id\n",
                                    0);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->updated, 2);
    assert_int_equal(r->created, 0);
    struct user u;
    user_by_email(w, "new@acme.example", &u);
    assert_int_equal(u.id, old);
    assert_string_equal(u.name, "Renamed");
    user_by_email(w, "noext@acme.example", &u);
    assert_int_equal(u.id, noext);
    assert_string_equal(u.external_id, "HR-2");
    assert_string_equal(u.email, "NoExt@acme.example");

    /* An email that belongs to someone with another external id, or moving an external
     * id onto someone else's email, is refused. */
    int64_t before = fingerprint(w);
    r = run_s(w,
              "external_id,email,name\n"
              "HR-3,taken@acme.example,Someone\n"
              "HR-1,taken@acme.example,Someone\n",
              0);
    assert_int_equal(r->error_count, 2);
    assert_error(r, 0, 2, "email", "another external id ('HR-9')");
    assert_error(r, 1, 3, "email", "appears again; row 2");
    assert_int_equal(fingerprint(w), before);
    r = run_s(w, "external_id,email,name\nHR-1,taken@acme.example,Someone\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "email", "already belongs to another person");
    /* Two rows that reach the same person in two ways. */
    r = run_s(w,
              "external_id,email,name\n"
              "HR-1,new@acme.example,A\n"
              ",new@acme.example,B\n",
              0);
    assert_error(r, 0, 3, "email", "appears again");
    r = run_s(w,
              "external_id,email,name\n"
              "HR-1,brand-new@acme.example,A\n"
              ",new@acme.example,B\n",
              0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 3, "email", "same person as row 2");
    assert_int_equal(fingerprint(w), before);
}

/* ---- all or nothing ---- */

static void dry_run_counts_and_writes_nothing(void **state)
{
    struct world *w = *state;
    add_user(w->db, w->acme, "same@acme.example", NULL, 0, 0, 1);
    int64_t before = fingerprint(w);
    const char *csv = "email,name\n"
                      "new1@acme.example,New One\n"
                      "new2@acme.example,New Two\n"
                      "same@acme.example,same@acme.example\n"
                      "admin@acme.example,Renamed Admin\n";
    struct import_report *r = run_s(w, csv, 1);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->created, 2);
    assert_int_equal(r->updated, 1);
    assert_int_equal(r->unchanged, 1);
    assert_true(r->dry_run);
    assert_false(r->written);
    assert_int_equal(fingerprint(w), before);
    /* The real run does what the dry run said. */
    r = run_s(w, csv, 0);
    assert_int_equal(r->created, 2);
    assert_int_equal(r->updated, 1);
    assert_int_equal(r->unchanged, 1);
    assert_true(r->written);
}

static void one_bad_row_writes_nothing(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    struct import_report *r = run_s(w,
                                    "email,name,roles\n"
                                    "a@acme.example,A,\n"
                                    "b@acme.example,B,superuser\n"
                                    "c@acme.example,C,designer\n",
                                    0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 3, "roles", "unknown role 'superuser'");
    assert_int_equal(r->created, 2); /* what the good rows would do */
    assert_false(r->written);
    assert_int_equal(fingerprint(w), before);
}

/* ---- the header and the file as a whole ---- */

static void header_problems_are_reported_on_row_1(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    struct import_report *r = run_s(w, "email,name,salary\na@acme.example,A,1\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 1, "header", "unknown column 'salary'");
    r = run_s(w, "email,name,EMAIL\n", 0);
    assert_error(r, 0, 1, "header", "email twice");
    r = run_s(w, "name,department\nA,Sales\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 1, "header", "lacks the email column");
    r = run_s(w, "email\na@acme.example\n", 0);
    assert_error(r, 0, 1, "header", "lacks the name column");
    r = run_s(w, "email,name,\n", 0);
    assert_error(r, 0, 1, "header", "column 3 has no name");
    /* A header problem stops there: the rows below are not judged. */
    r = run_s(w, "email,nmae\nnot-an-email,\n", 0);
    assert_int_equal(r->error_count, 2);
    assert_error(r, 0, 1, "header", "unknown column 'nmae'");
    assert_error(r, 1, 1, "header", "lacks the name column");
    assert_int_equal(fingerprint(w), before);
}

static void empty_files_and_files_without_rows(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    const char *empties[] = {"", "\xEF\xBB\xBF", "\n\n", "\r\n", "   \n\t\n"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        struct import_report *r = run_s(w, empties[i], 0);
        assert_int_equal(r->error_count, 1);
        assert_error(r, 0, 1, "file", "is empty");
    }
    const char *headers_only[] = {"email,name", "email,name\n", "email,name\r\n\r\n\r\n"};
    for (size_t i = 0; i < sizeof headers_only / sizeof headers_only[0]; i++) {
        struct import_report *r = run_s(w, headers_only[i], 0);
        assert_int_equal(r->error_count, 1);
        assert_error(r, 0, 2, "file", "no data rows");
    }
    assert_int_equal(fingerprint(w), before);
}

static void broken_quoting_is_a_row_error_and_parsing_resumes(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    struct import_report *r = run_s(w,
                                    "email,name\n"
                                    "a@acme.example,Bo\"b\n"  /* quote inside a cell */
                                    "\"b@acme.example\"x,B\n" /* text after a quote */
                                    "c@acme.example,\"C\"\n"  /* fine */
                                    "\"d@acme.example,D\n",   /* never closed */
                                    0);
    print_errors(r);
    assert_int_equal(r->error_count, 3);
    assert_error(r, 0, 2, "name", "broken quoting");
    assert_error(r, 1, 3, "email", "broken quoting");
    assert_error(r, 2, 5, "email", "broken quoting");
    assert_int_equal(r->rows, 1);
    assert_int_equal(fingerprint(w), before);

    /* In the header: stop at once. */
    r = run_s(w, "email,\"name\nx@acme.example,X\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 1, "header", "broken quoting");
}

static void rows_are_numbered_by_the_line_they_start_on(void **state)
{
    struct world *w = *state;
    struct import_report *r = run_s(w,
                                    "\n"                         /* line 1 */
                                    "email,name,department\n"    /* 2: header */
                                    "a@acme.example,A,\"Sales\n" /* 3 */
                                    "and Marketing\"\n"          /* 4 */
                                    "\n"                         /* 5 */
                                    "bad-email,B,x\n"            /* 6 */
                                    "c@acme.example,,y\r\n",     /* 7 */
                                    1);
    print_errors(r);
    assert_int_equal(r->rows, 3);
    assert_int_equal(r->error_count, 3);
    assert_error(r, 0, 3, "department", "line breaks");
    assert_error(r, 1, 6, "email", "'bad-email' is not an email address");
    assert_error(r, 2, 7, "name", "is required");

    /* Old Mac line ends (a lone CR) count as lines too. */
    r = run_s(w, "email,name\ra@acme.example,A\rbad,B\r", 1);
    assert_int_equal(r->rows, 2);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 3, "email", "not an email");
}

/* ---- rows ---- */

static void bad_cells_are_reported_with_their_column(void **state)
{
    struct world *w = *state;
    char long_name[800], ok_name[800], csv[4096];
    memset(long_name, 'x', 201);
    long_name[201] = '\0';
    /* 200 characters of two bytes each are fine. */
    for (int i = 0; i < 200; i++)
        memcpy(ok_name + 2 * i, "\xC3\xA9", 2);
    ok_name[400] = '\0';
    snprintf(csv, sizeof csv,
             "email,name,roles,manager_email,external_id\n"
             "a@acme.example,%s,,,\n"                   /* 2: too long */
             "b@acme.example,%s,,,\n"                   /* 3: fine */
             "c@acme.example,C,admin;wizard,,\n"        /* 4: bad role */
             "d@acme.example,D,,d@acme.example,\n"      /* 5: own manager */
             "e@acme.example,E,,nobody@acme.example,\n" /* 6: unknown manager */
             "f@acme.example,F,,boss@other.example,\n"  /* 7: another tenant's */
             "g@acme.example,G\n"                       /* 8: too few cells */
             "h@acme.example,H,,,,extra\n"              /* 9: too many */
             "i@@acme.example,I,,,\n"                   /* 10: bad email */
             "j@acme.example,J,,not an email,\n"        /* 11: bad manager email */
             ",K,,,\n"                                  /* 12: no email */
             "l@acme.example,\"L\tTab\",,,\n"           /* 13: control char */
             "m@acme.example,M,ADMIN | Coach,,\n",      /* 14: fine */
             long_name, ok_name);
    int64_t before = fingerprint(w);
    struct import_report *r = run_s(w, csv, 0);
    print_errors(r);
    assert_int_equal(r->rows, 13);
    assert_error(r, 0, 2, "name", "longer than 200 characters");
    assert_error(r, 1, 4, "roles", "unknown role 'wizard'");
    assert_error(r, 2, 5, "manager_email", "own email");
    assert_error(r, 3, 6, "manager_email", "'nobody@acme.example' is not anyone");
    assert_error(r, 4, 7, "manager_email", "'boss@other.example' is not anyone");
    assert_error(r, 5, 8, "cells", "has 2 values, but the header names 5");
    assert_error(r, 6, 9, "cells", "has 6 values");
    assert_error(r, 7, 10, "email", "not an email address");
    assert_error(r, 8, 11, "manager_email", "'not an email' is not an email address");
    assert_error(r, 9, 12, "email", "is required");
    assert_error(r, 10, 13, "name", "control characters");
    assert_int_equal(r->error_count, 11);
    assert_int_equal(r->created, 2);
    assert_int_equal(fingerprint(w), before);

    /* Fields over their byte limit are cut short before they are stored. */
    static char huge[1 << 20];
    memcpy(huge, "email,name\na@acme.example,", 26);
    memset(huge + 26, 'y', sizeof huge - 28);
    huge[sizeof huge - 2] = '\n';
    r = run(w, huge, sizeof huge - 1, 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "name", "longer than 200 characters");
}

static void duplicates_inside_the_file(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    struct import_report *r = run_s(w,
                                    "email,name,external_id\n"
                                    "a@acme.example,A,X1\n"
                                    "b@acme.example,B,X1\n"
                                    "A@ACME.EXAMPLE,A again,X3\n",
                                    0);
    print_errors(r);
    assert_int_equal(r->error_count, 2);
    assert_error(r, 0, 3, "external_id", "appears again; row 2");
    assert_error(r, 1, 4, "email", "appears again; row 2");
    assert_int_equal(fingerprint(w), before);
}

static void deactivated_managers_are_refused(void **state)
{
    struct world *w = *state;
    add_user(w->db, w->acme, "gone@acme.example", NULL, 0, 0, 0);
    struct import_report *r =
        run_s(w, "email,name,manager_email\na@acme.example,A,gone@acme.example\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "manager_email", "deactivated");
}

static void reporting_cycles_are_refused(void **state)
{
    struct world *w = *state;
    int64_t before = fingerprint(w);
    /* Inside the file. */
    struct import_report *r = run_s(w,
                                    "email,name,manager_email\n"
                                    "a@acme.example,A,b@acme.example\n"
                                    "b@acme.example,B,c@acme.example\n"
                                    "c@acme.example,C,a@acme.example\n"
                                    "d@acme.example,D,a@acme.example\n",
                                    0);
    print_errors(r);
    assert_int_equal(r->error_count, 3);
    assert_error(r, 0, 2, "manager_email", "reporting cycle");
    assert_error(r, 1, 3, "manager_email", "reporting cycle");
    assert_error(r, 2, 4, "manager_email", "reporting cycle");
    assert_non_null(strstr(r->errors[0].message, "a@acme.example \xE2\x86\x92 b@acme.example"));
    assert_int_equal(fingerprint(w), before);

    /* With people already there: top manages mid manages low; the file puts top under low. */
    int64_t top = add_user(w->db, w->acme, "top@acme.example", NULL, 0, 0, 1);
    int64_t mid = add_user(w->db, w->acme, "mid@acme.example", NULL, 0, top, 1);
    add_user(w->db, w->acme, "low@acme.example", NULL, 0, mid, 1);
    before = fingerprint(w);
    r = run_s(w, "email,name,manager_email\ntop@acme.example,Top,low@acme.example\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "manager_email", "reporting cycle");
    /* … but moving low out from under mid in the same file breaks the loop: fine. */
    r = run_s(w,
              "email,name,manager_email\n"
              "top@acme.example,top@acme.example,low@acme.example\n"
              "low@acme.example,low@acme.example,\n",
              1);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(fingerprint(w), before);

    /* A long chain keeps its message short and valid UTF-8. */
    char csv[8192];
    size_t n = (size_t)snprintf(csv, sizeof csv, "email,name,manager_email\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n,
                              "person-number-%02d@acme.example,P,person-number-%02d@acme.example\n",
                              i, (i + 1) % 40);
    r = run_s(w, csv, 0);
    assert_int_equal(r->error_count, 40);
    for (size_t i = 0; i < r->nerrors; i++)
        assert_true(jsonx_utf8_valid(r->errors[i].message, strlen(r->errors[i].message)));
    assert_non_null(strstr(r->errors[0].message, "\xE2\x80\xA6"));
}

static void an_admin_cannot_drop_their_own_admin_role(void **state)
{
    struct world *w = *state;
    struct import_report *r = run_s(w, "email,name,roles\nadmin@acme.example,Me,designer\n", 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "roles", "your own admin role");
    /* Leaving roles out keeps them. */
    r = run_s(w, "email,name\nadmin@acme.example,Me\n", 0);
    assert_int_equal(r->error_count, 0);
    struct user me;
    assert_int_equal(people_get_user(&w->cx, w->admin, &me), RC_OK);
    assert_true(me.roles & PEOPLE_ROLE_ADMIN);
}

static void only_admins_may_import(void **state)
{
    struct world *w = *state;
    w->cx.actor.roles = PEOPLE_ROLE_DESIGNER | PEOPLE_ROLE_LEARNER;
    struct import_report rep;
    struct import_options opt = {0};
    assert_int_equal(import_users_csv(&w->cx, "email,name\na@acme.example,A\n", 30, &opt, &rep),
                     RC_FORBIDDEN);
    assert_int_equal(rep.nerrors, 0);
    ctx_clear(&w->cx);
    w->cx.actor.roles = PEOPLE_ROLE_ADMIN;
    w->cx.actor.tenant_id = 0;
    assert_int_equal(import_users_csv(&w->cx, "email,name\na@acme.example,A\n", 30, &opt, &rep),
                     RC_FORBIDDEN);
}

static void the_system_actor_imports_and_is_audited_as_nobody(void **state)
{
    struct world *w = *state;
    w->cx.actor = (struct actor){.tenant_id = w->acme, .roles = PEOPLE_ROLE_ADMIN};
    struct import_report *r = run_s(w, "email,name\nann@acme.example,Ann\n", 0);
    assert_int_equal(r->created, 1);
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'users.import' AND "
                               "actor_id IS NULL",
                               0),
                     1);
    /* Same email as someone in the other organisation: a new person here. */
    assert_int_equal(users_in(w, w->other), 2);
    assert_int_equal(users_in(w, w->acme), 2);
}

/* ---- garbage ---- */

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void garbage_is_refused_quickly_and_safely(void **state)
{
    struct world *w = *state;
    size_t size = 10u << 20;
    char *junk = malloc(size);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int64_t before = fingerprint(w);

    /* 10 MB of random bytes. */
    for (size_t i = 0; i < size; i++)
        junk[i] = (char)(xorshift(&seed) & 0xFF);
    struct import_report *r = run(w, junk, size, 0);
    assert_true(r->error_count >= 1);
    assert_int_equal(r->rows, 0);
    assert_int_equal(fingerprint(w), before);

    /* 10 MB of printable ASCII with commas, quotes and newlines: UTF-8, but no header. */
    static const char alphabet[] = "abc@.,\"\n\r ;xyz";
    for (size_t i = 0; i < size; i++)
        junk[i] = alphabet[xorshift(&seed) % (sizeof alphabet - 1)];
    r = run(w, junk, size, 0);
    assert_true(r->error_count >= 1);
    assert_int_equal(fingerprint(w), before);

    /* A valid header, then the same noise: every kind of row error, no crash. */
    memcpy(junk, "email,name,roles,manager_email\n", 31);
    r = run(w, junk, size, 0);
    assert_true(r->error_count >= 1);
    assert_true(r->nerrors <= IMPORT_MAX_ERRORS);
    assert_int_equal(fingerprint(w), before);

    /* NUL bytes. */
    r = run(w, "email,name\na@acme.example,A\0B\n", 29, 0);
    assert_int_equal(r->error_count, 1);
    assert_error(r, 0, 2, "file", "NUL");
    /* Latin-1 instead of UTF-8. */
    r = run_s(w, "email,name\na@acme.example,Zo\xEB\n", 0);
    assert_error(r, 0, 2, "file", "not UTF-8");
    assert_int_equal(fingerprint(w), before);
    free(junk);
}

static void error_lists_are_capped_but_counted(void **state)
{
    struct world *w = *state;
    size_t rows = IMPORT_MAX_ERRORS + 500;
    char *csv = malloc(rows * 32 + 64);
    size_t n = (size_t)snprintf(csv, 64, "email,name\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)snprintf(csv + n, 32, "bad%zu,Name\n", i);
    struct import_report *r = run(w, csv, n, 1);
    assert_int_equal(r->error_count, (int64_t)rows);
    assert_int_equal(r->nerrors, IMPORT_MAX_ERRORS);
    assert_int_equal(r->errors[0].row, 2);
    free(csv);
}

/* ---- a bigger file ---- */

static void twenty_thousand_rows_in_one_go(void **state)
{
    struct world *w = *state;
    size_t rows = 20000;
    char *csv = malloc(rows * 120 + 128);
    size_t n = (size_t)snprintf(csv, 128, "external_id,email,name,manager_email,department\n");
    /* Every tenth person manages the nine after them; managers come after their team. */
    for (size_t i = 0; i < rows; i++) {
        size_t boss = (i / 10) * 10 + 10;
        if (i % 10 == 0 || boss >= rows)
            n += (size_t)snprintf(csv + n, 120, "P%zu,p%zu@acme.example,Person %zu,,Dept %zu\n", i,
                                  i, i, i % 7);
        else
            n += (size_t)snprintf(csv + n, 120,
                                  "P%zu,p%zu@acme.example,Person %zu,p%zu@acme.example,Dept %zu\n",
                                  i, i, i, boss, i % 7);
    }
    struct import_report *r = run(w, csv, n, 0);
    print_errors(r);
    assert_int_equal(r->error_count, 0);
    assert_int_equal(r->created, (int64_t)rows);
    assert_int_equal(users_in(w, w->acme), (int64_t)rows + 1);
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(*) FROM users u JOIN users m ON m.id = u.manager_id "
                               "WHERE u.tenant_id = $1",
                               w->acme),
                     (int64_t)(rows / 10 * 9 - 9));
    r = run(w, csv, n, 0);
    assert_int_equal(r->unchanged, (int64_t)rows);
    free(csv);
}

/* ---- the HTTP handler ---- */

static void handler_answers_200_or_422_with_the_report(void **state)
{
    struct world *w = *state;
    struct fake_req f;
    struct resp rs;
    const char *bad = "email,name\na@acme.example,A\nnot-an-email,B\n";
    int64_t before = fingerprint(w);

    fake_req_init(&f, "POST", "/api/v1/users/import");
    f.rq.body = bad;
    f.rq.body_len = strlen(bad);
    f.rq.content_type = "text/csv";
    f.query[0][0] = "dry_run";
    f.query[0][1] = "1";
    resp_init(&rs);
    assert_int_equal(import_api_users(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    json_t *body = json_loads(rs.body.data, 0, NULL);
    assert_non_null(body);
    assert_int_equal(json_integer_value(json_object_get(body, "created")), 1);
    assert_int_equal(json_integer_value(json_object_get(body, "error_count")), 1);
    json_t *e = json_array_get(json_object_get(body, "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "row")), 3);
    assert_string_equal(json_string_value(json_object_get(e, "field")), "email");
    assert_null(json_object_get(body, "error"));
    json_decref(body);
    resp_free(&rs);

    f.query[0][1] = "0";
    resp_init(&rs);
    assert_int_equal(import_api_users(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 422);
    body = json_loads(rs.body.data, 0, NULL);
    json_t *err = json_object_get(body, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "validation_failed");
    assert_int_equal(json_array_size(json_object_get(err, "details")), 1);
    assert_int_equal(json_array_size(json_object_get(body, "errors")), 1);
    json_decref(body);
    resp_free(&rs);
    assert_int_equal(fingerprint(w), before);

    f.query[0][1] = "yes";
    resp_init(&rs);
    assert_int_equal(import_api_users(&w->cx, &f.rq, &rs), RC_BAD_REQUEST);
    resp_free(&rs);
    ctx_clear(&w->cx);

    const char *good = "email,name\na@acme.example,A\n";
    f.query[0][0] = NULL;
    f.rq.body = good;
    f.rq.body_len = strlen(good);
    resp_init(&rs);
    assert_int_equal(import_api_users(&w->cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_non_null(strstr(rs.body.data, "\"created\":1"));
    resp_free(&rs);
}

/* ---- the demo ---- */

static void demo_seeds_once_and_then_changes_nothing(void **state)
{
    struct world *w = *state;
    struct demo_result d;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    enum rc rc = demo_seed(&w->cx, &d);
    if (rc)
        fprintf(stderr, "demo: %s\n", w->cx.message);
    assert_int_equal(rc, RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_true(d.changed);
    assert_true(d.tenant_created);
    assert_string_equal(d.tenant.name, "Demo Co");
    assert_int_equal(d.people_created, 37);
    assert_int_equal(d.passwords_set, 37);
    assert_int_equal(d.coachings_added, 5);
    assert_int_equal(users_in(w, d.tenant.id), 37);
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND roles = 16",
                               d.tenant.id),
                     33); /* 30 learners and 3 managers */
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(DISTINCT manager_id) FROM users WHERE tenant_id = $1",
                               d.tenant.id),
                     3);
    assert_int_equal(query_int(w->db,
                               "SELECT COUNT(DISTINCT password_hash) FROM users WHERE tenant_id "
                               "= $1",
                               d.tenant.id),
                     1);
    /* Every login printed can sign in with the printed password. */
    for (size_t i = 0; i < d.nlogins; i++) {
        struct db_stmt *st;
        assert_int_equal(db_prepare(w->db, "SELECT password_hash FROM users WHERE email = $1", &st),
                         RC_OK);
        db_bind_text(st, 1, d.logins[i].email, -1);
        assert_int_equal(db_step(st), RC_ROW);
        assert_true(secure_password_verify(db_column_text(st, 0), d.password));
        db_reset(st);
    }
    struct buf text;
    buf_init(&text, 1 << 16);
    assert_int_equal(demo_describe(&d, "http://127.0.0.1:8080/", &text), RC_OK);
    assert_non_null(strstr(text.data, "http://127.0.0.1:8080/"));
    assert_non_null(strstr(text.data, "priya.shah@democo.example"));
    assert_non_null(strstr(text.data, DEMO_PASSWORD));
    buf_free(&text);

    int64_t before = fingerprint(w);
    w->cx.now += 3600;
    assert_int_equal(db_begin(w->db, 1), RC_OK);
    assert_int_equal(demo_seed(&w->cx, &d), RC_OK);
    assert_int_equal(db_commit(w->db), RC_OK);
    assert_false(d.changed);
    assert_int_equal(fingerprint(w), before);
    buf_init(&text, 1 << 16);
    assert_int_equal(demo_describe(&d, "http://127.0.0.1:8080/", &text), RC_OK);
    assert_non_null(strstr(text.data, "nothing changed"));
    buf_free(&text);
}

int main(void)
{
    if (secure_init() != RC_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(creates_then_all_unchanged_then_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(managers_may_come_after_their_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(upserts_by_external_id_then_email, setup, teardown),
        cmocka_unit_test_setup_teardown(dry_run_counts_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(one_bad_row_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(header_problems_are_reported_on_row_1, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_files_and_files_without_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(broken_quoting_is_a_row_error_and_parsing_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rows_are_numbered_by_the_line_they_start_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_cells_are_reported_with_their_column, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_inside_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(deactivated_managers_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(reporting_cycles_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(an_admin_cannot_drop_their_own_admin_role, setup, teardown),
        cmocka_unit_test_setup_teardown(only_admins_may_import, setup, teardown),
        cmocka_unit_test_setup_teardown(the_system_actor_imports_and_is_audited_as_nobody, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(garbage_is_refused_quickly_and_safely, setup, teardown),
        cmocka_unit_test_setup_teardown(error_lists_are_capped_but_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(twenty_thousand_rows_in_one_go, setup, teardown),
        cmocka_unit_test_setup_teardown(handler_answers_200_or_422_with_the_report, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(demo_seeds_once_and_then_changes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
