/*
 * cli_import.c — `waymark import users` (see cli_import.h).
 *
 * The file is read whole into memory (the importer parses it once into an array anyway)
 * and handed to import_users_csv inside db_transaction, so a busy database is retried
 * and nothing is half-written. The progress bar redraws at most ten times a second and
 * only on a terminal, so logs and pipes never fill with carriage returns.
 */
#include "cli_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_workflow.h"
#include "cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/now.h"
#include "db/db.h"
#include "people/import.h"
#include "people/people.h"
#include "tenant/tenant.h"

#define CLI_IMPORT_MAX_FILE  (1024L * 1024 * 1024) /* bytes */
#define PROGRESS_INTERVAL_US 100000                /* at most ten redraws a second */

struct import_args {
    const char *file;
    const char *tenant;
    int dry_run;
    char *config_argv[16];
    int config_argc;
};

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "waymark import: %s\n", why);
    fprintf(stderr,
            "usage: waymark import users FILE.csv --tenant SLUG [--dry-run] [--db URL]\n"
            "       waymark import workflow FILE.json --tenant SLUG [--dry-run] [--db URL]\n"
            "       (FILE may be - for standard input)\n");
    return 2;
}

/* Splits our arguments from the configuration flags (--db, --log-level), which
 * config_parse checks. Returns 0, or -1 after printing what was wrong. */
static int parse_args(int argc, char **argv, struct import_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(arg, "--tenant") == 0) {
            if (i + 1 >= argc) {
                usage("--tenant needs a value");
                return -1;
            }
            a->tenant = argv[++i];
        } else if (strncmp(arg, "--tenant=", 9) == 0) {
            a->tenant = arg + 9;
        } else if (strncmp(arg, "--", 2) == 0) {
            /* A configuration flag, with its value when given separately. */
            if (a->config_argc >= 14) {
                usage("too many options");
                return -1;
            }
            a->config_argv[a->config_argc++] = argv[i];
            if (!strchr(arg, '=') && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                a->config_argv[a->config_argc++] = argv[++i];
        } else if (!a->file) {
            a->file = arg;
        } else {
            char why[300];
            snprintf(why, sizeof why, "unexpected argument '%s'", arg);
            usage(why);
            return -1;
        }
    }
    return 0;
}

/* Reads the whole file (or standard input for "-") into *out (malloc'd, NUL-added). */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "waymark import: cannot open %s: %m\n", path);
        return -1;
    }
    size_t size = 0, cap = 1 << 16;
    char *data = malloc(cap + 1);
    int ok = data != NULL;
    while (ok) {
        if (size == cap) {
            if (cap >= (size_t)CLI_IMPORT_MAX_FILE) {
                fprintf(stderr, "waymark import: %s is larger than 1 GiB; split it\n", path);
                ok = 0;
                break;
            }
            char *grown = realloc(data, cap * 2 + 1);
            if (!grown) {
                ok = 0;
                break;
            }
            data = grown;
            cap *= 2;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0) {
            if (ferror(f)) {
                fprintf(stderr, "waymark import: cannot read %s: %m\n", path);
                ok = 0;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (!ok) {
        free(data);
        if (!data)
            fprintf(stderr, "waymark import: out of memory reading %s\n", path);
        return -1;
    }
    data[size] = '\0';
    *out = data;
    *len = size;
    return 0;
}

struct bar {
    int64_t last_us;
    int drawn;
};

static void draw_progress(void *arg, const char *phase, int64_t done, int64_t total)
{
    struct bar *b = arg;
    int64_t t = now_monotonic_us();
    if (b->drawn && t - b->last_us < PROGRESS_INTERVAL_US && done < total)
        return;
    b->last_us = t;
    b->drawn = 1;
    int width = 30, filled = total > 0 ? (int)(done * width / total) : width;
    char bar[31];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%-8s [%s] %3d%%", phase, bar, total > 0 ? (int)(done * 100 / total) : 100);
    fflush(stderr);
}

struct run_args {
    struct ctx *cx;
    const struct import_args *a;
    const char *data;
    size_t len;
    struct import_options opt;
    struct import_report rep;
};

static enum rc run_import(struct db *db, void *arg)
{
    struct run_args *x = arg;
    struct tenant t;
    (void)db;
    import_report_free(&x->rep);
    enum rc rc = tenant_find(x->cx, x->a->tenant, &t);
    if (rc)
        return rc;
    /* The tenant's system actor: no user, admin rights. */
    x->cx->actor = (struct actor){.tenant_id = t.id, .roles = PEOPLE_ROLE_ADMIN};
    return import_users_csv(x->cx, x->data, x->len, &x->opt, &x->rep);
}

static void print_report(const struct import_report *r, const char *tenant)
{
    for (size_t i = 0; i < r->nerrors; i++)
        printf("row %lld, %s: %s\n", (long long)r->errors[i].row, r->errors[i].field,
               r->errors[i].message);
    if (r->error_count > (int64_t)r->nerrors)
        printf("… and %lld more errors\n", (long long)(r->error_count - (int64_t)r->nerrors));
    if (r->error_count)
        printf("%lld error%s in %lld rows; nothing was written. (Rows without errors: %lld to "
               "create, %lld to update, %lld unchanged.)\n",
               (long long)r->error_count, r->error_count == 1 ? "" : "s", (long long)r->rows,
               (long long)r->created, (long long)r->updated, (long long)r->unchanged);
    else if (r->dry_run)
        printf("dry run of %lld rows for %s: %lld to create, %lld to update, %lld unchanged; "
               "nothing was written\n",
               (long long)r->rows, tenant, (long long)r->created, (long long)r->updated,
               (long long)r->unchanged);
    else
        printf("imported %lld rows into %s: %lld created, %lld updated, %lld unchanged\n",
               (long long)r->rows, tenant, (long long)r->created, (long long)r->updated,
               (long long)r->unchanged);
}

int cli_import_main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "users") != 0 && strcmp(argv[2], "workflow") != 0))
        return usage(argc < 3 ? "say what to import: users or workflow" : NULL);
    int workflow = strcmp(argv[2], "workflow") == 0;
    struct import_args a;
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    if (!a.file)
        return usage(workflow ? "name the JSON file (or - for standard input)"
                              : "name the CSV file (or - for standard input)");
    if (!a.tenant)
        return usage("--tenant SLUG is required");
    struct config cfg;
    char err[512];
    if (config_parse(&cfg, CMD_MIGRATE, a.config_argc, a.config_argv, 0, err, sizeof err)) {
        char why[600];
        snprintf(why, sizeof why, "%s", err);
        return usage(why);
    }
    log_set_level((enum log_level)cfg.log_level);

    char *data = NULL;
    size_t len = 0;
    if (read_file(a.file, &data, &len) != 0)
        return 1;
    struct ctx cx;
    if (cli_open(&cfg, "waymark import", &cx) != 0) {
        free(data);
        return 1;
    }
    struct db *db = cx.db;
    if (workflow) {
        int status = cli_workflow_import(&cx, a.tenant, data, len, a.dry_run);
        cli_close(&cx);
        free(data);
        return status;
    }
    struct bar bar = {0};
    struct run_args x = {.cx = &cx, .a = &a, .data = data, .len = len};
    x.opt.dry_run = a.dry_run;
    if (isatty(STDERR_FILENO)) {
        x.opt.progress = draw_progress;
        x.opt.progress_arg = &bar;
    }
    enum rc rc = db_transaction(db, 1, run_import, &x);
    if (bar.drawn)
        fprintf(stderr, "\r%50s\r", "");
    int status = 0;
    if (rc) {
        fprintf(stderr, "waymark import: %s%s%s\n", cx.message[0] ? cx.message : rc_message(rc),
                rc == RC_DB ? ": " : "", rc == RC_DB ? db_errmsg(db) : "");
        status = 1;
    } else {
        print_report(&x.rep, a.tenant);
        status = x.rep.error_count ? 1 : 0;
    }
    import_report_free(&x.rep);
    cli_close(&cx);
    free(data);
    return status;
}
