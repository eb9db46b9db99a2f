/*
 * cli_workflow.c — `waymark import workflow` and `waymark export workflow` (see
 * cli_workflow.h). Both act as the tenant's system actor (no user, admin rights) through
 * the same domain functions as the API, so the rules cannot differ between the two doors.
 */
#include "cli_workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/config.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/query.h"
#include "db/db.h"
#include "people/people.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

static void print_problems(const struct ctx *cx)
{
    size_t i;
    json_t *d;
    json_array_foreach(cx->details, i, d)
    {
        const char *field = json_string_value(json_object_get(d, "field"));
        const char *message = json_string_value(json_object_get(d, "message"));
        if (field && field[0])
            printf("%s: %s\n", field, message ? message : "");
        else
            printf("%s\n", message ? message : "");
    }
    if (cx->details_omitted > 0)
        printf("… and %ld more problems not listed\n", cx->details_omitted);
}

struct import_run {
    struct ctx *cx;
    const char *tenant;
    const json_t *doc;
    int dry_run;
    int64_t id;
    size_t nphases, nsteps;
    char title[WORKFLOW_TITLE_MAX * 4 + 1];
};

static enum rc import_in_transaction(struct db *db, void *arg)
{
    struct import_run *r = arg;
    struct tenant t;
    struct workflow w;
    (void)db;
    ctx_clear(r->cx);
    enum rc rc = tenant_find(r->cx, r->tenant, &t);
    if (rc)
        return rc;
    r->cx->actor = (struct actor){.tenant_id = t.id, .roles = PEOPLE_ROLE_ADMIN};
    rc = workflow_doc_read(r->cx, r->doc, &w);
    if (!rc && !r->dry_run)
        rc = workflow_create_from(r->cx, &w, "workflow.import", &r->id);
    if (!rc) {
        r->nphases = w.nphases;
        r->nsteps = w.nsteps;
        snprintf(r->title, sizeof r->title, "%s", w.title);
    }
    workflow_free(&w);
    return rc;
}

int cli_workflow_import(struct ctx *cx, const char *tenant, const char *data, size_t len,
                        int dry_run)
{
    json_t *doc = NULL;
    if (jsonx_parse(cx, data, len, &doc) != RC_OK) {
        fprintf(stderr, "waymark import: the file is not a workflow document: %s\n", cx->message);
        return 1;
    }
    struct import_run r = {.cx = cx, .tenant = tenant, .doc = doc, .dry_run = dry_run};
    enum rc rc = db_transaction(cx->db, 1, import_in_transaction, &r);
    json_decref(doc);
    if (rc == RC_INVALID) {
        print_problems(cx);
        printf("%zu problem%s in the document; nothing was imported.\n",
               json_array_size(cx->details) + (size_t)cx->details_omitted,
               json_array_size(cx->details) + (size_t)cx->details_omitted == 1 ? "" : "s");
        return 1;
    }
    if (rc) {
        fprintf(stderr, "waymark import: %s%s%s\n", cx->message[0] ? cx->message : rc_message(rc),
                rc == RC_DB ? ": " : "", rc == RC_DB ? db_errmsg(cx->db) : "");
        return 1;
    }
    if (dry_run)
        printf("dry run: \"%s\" (%zu phases, %zu steps) is a valid workflow for %s; nothing "
               "was written\n",
               r.title, r.nphases, r.nsteps, tenant);
    else
        printf("imported workflow %lld \"%s\" into %s: %zu phases, %zu steps, as a draft\n",
               (long long)r.id, r.title, tenant, r.nphases, r.nsteps);
    return 0;
}

static int export_usage(const char *why)
{
    if (why)
        fprintf(stderr, "waymark export: %s\n", why);
    fprintf(stderr, "usage: waymark export workflow ID [--version N] [--tenant SLUG] [--db URL]\n");
    return 2;
}

struct export_run {
    struct ctx *cx;
    const char *tenant;
    int64_t id;
    int version;
    json_t *doc;
};

static enum rc export_in_transaction(struct db *db, void *arg)
{
    struct export_run *r = arg;
    struct workflow w;
    int64_t tenant_id = 0;
    (void)db;
    ctx_clear(r->cx);
    enum rc rc;
    if (r->tenant) {
        struct tenant t;
        if ((rc = tenant_find(r->cx, r->tenant, &t)))
            return rc;
        tenant_id = t.id;
    } else if ((rc = workflow_tenant_of(r->cx, r->id, &tenant_id))) {
        return rc;
    }
    r->cx->actor = (struct actor){.tenant_id = tenant_id, .roles = PEOPLE_ROLE_ADMIN};
    rc = r->version ? workflow_version_get(r->cx, r->id, r->version, &w)
                    : workflow_get(r->cx, r->id, &w);
    if (rc)
        return rc;
    r->doc = workflow_doc_json(&w);
    workflow_free(&w);
    return r->doc ? RC_OK : RC_NOMEM;
}

int cli_workflow_export_main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[2], "workflow") != 0)
        return export_usage(argc < 3 ? "say what to export: workflow" : NULL);
    struct export_run r = {0};
    char *config_argv[16];
    int config_argc = 0;
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--version") == 0 || strcmp(arg, "--tenant") == 0) {
            if (!value)
                return export_usage(strcmp(arg, "--version") == 0 ? "--version needs a number"
                                                                  : "--tenant needs a slug");
            int64_t n = query_id(value);
            if (arg[2] == 'v' && !(r.version = n > 0 && n <= 1000000 ? (int)n : 0))
                return export_usage("--version must be a version number (1, 2, …)");
            if (arg[2] == 't')
                r.tenant = value;
            i++;
        } else if (strncmp(arg, "--", 2) == 0) {
            if (config_argc >= 14)
                return export_usage("too many options");
            config_argv[config_argc++] = argv[i];
            if (!strchr(arg, '=') && value && strncmp(value, "--", 2) != 0)
                config_argv[config_argc++] = argv[++i];
        } else if (!r.id) {
            if (!(r.id = query_id(arg)))
                return export_usage("ID must be the number of a workflow");
        } else {
            return export_usage("unexpected argument");
        }
    }
    if (!r.id)
        return export_usage("name the workflow: waymark export workflow ID");
    struct config cfg;
    char err[512];
    if (config_parse(&cfg, CMD_MIGRATE, config_argc, config_argv, 0, err, sizeof err))
        return export_usage(err);
    log_set_level((enum log_level)cfg.log_level);
    struct ctx cx;
    if (cli_open(&cfg, "waymark export", &cx) != 0)
        return 1;
    r.cx = &cx;
    enum rc rc = db_transaction(cx.db, 0, export_in_transaction, &r);
    int status = 0;
    if (rc) {
        fprintf(stderr, "waymark export: %s\n", cx.message[0] ? cx.message : rc_message(rc));
        status = 1;
    } else if (json_dumpf(r.doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
               fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "waymark export: cannot write the document\n");
        status = 1;
    }
    json_decref(r.doc);
    cli_close(&cx);
    return status;
}
