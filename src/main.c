/*
 * main.c — the waymark binary: parse the command line, then
 * config → database → migrations → http server → wait for a signal → shutdown.
 *
 * Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "cli/cli.h"
#include "cli/cli_import.h"
#include "cli/cli_tick.h"
#include "cli/cli_workflow.h"
#include "cli/cli_people.h"
#include "core/secure.h"
#include "db/db.h"
#include "demo/demo.h"
#include "http/server.h"
#include "notify/transport.h"
#include "scheduler/scheduler.h"

struct command {
    const char *name;
    enum config_command bit;
    int (*run)(const struct config *cfg);
    const char *summary;
    const char *help;
};

static int run_serve(const struct config *cfg);
static int run_migrate(const struct config *cfg);
static int run_demo(const struct config *cfg);
static int run_version(const struct config *cfg);

static const struct command COMMANDS[] = {
    {"serve", CMD_SERVE, run_serve, "migrate the database, then serve the web UI and JSON API",
     "Applies any missing database migrations, then serves the API under /api/v1, /healthz,\n"
     "/metrics and the web UI until SIGTERM or SIGINT, when it stops accepting connections\n"
     "and lets in-flight requests finish. It refuses to start on a database whose schema is\n"
     "newer than this binary. Unless --scheduler off, a background thread runs the\n"
     "scheduler's pass every --scheduler-interval seconds: enrolment rules, re-planning,\n"
     "nudges and digests, and the delivery of emails and webhooks."},
    {"migrate", CMD_MIGRATE, run_migrate, "apply database migrations and exit",
     "Brings the database schema up to this binary's version and prints the version."},
    {"demo", CMD_DEMO, run_demo, "create the demo organisation and print how to sign in",
     "Migrates the database and creates the demo organisation \"Demo Co\" (slug demo) with\n"
     "an admin, a designer, three managers with their teams, a coach and an assessor, then\n"
     "prints their sign-ins and the demo password. Running it again changes nothing."},
    {"version", CMD_VERSION, run_version, "print the version", "Prints the version."},
};

#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_usage(FILE *out)
{
    fprintf(out, "usage: waymark <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "  %-9s %s\n", "tenant", "tenant add --slug SLUG --name NAME [--timezone ZONE]");
    fprintf(out, "  %-9s %s\n", "user",
            "user add --tenant SLUG --email EMAIL --name NAME [--roles a,b] (password on stdin)");
    fprintf(out, "  %-9s %s\n", "import",
            "import users FILE.csv --tenant SLUG [--dry-run] (FILE - for stdin)");
    fprintf(out, "  %-9s %s\n", "", "import workflow FILE.json --tenant SLUG [--dry-run]");
    fprintf(out, "  %-9s %s\n", "export",
            "export workflow ID [--version N] [--tenant SLUG] (the JSON document on stdout)");
    fprintf(out, "  %-9s %s\n", "tick",
            "tick [--at 2026-12-09T07:00:00Z] (one scheduler pass: rules, re-planning)");
    fprintf(out, "  %-9s %s\n", "help", "show the options of a command: waymark help serve");
}

static void print_command_help(FILE *out, const struct command *c)
{
    fprintf(out, "usage: waymark %s [options]\n\n%s\n", c->name, c->help);
    fprintf(out, "\noptions (flag, environment variable, meaning):\n");
    config_print_options(out, c->bit);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

static int run_migrate(const struct config *cfg)
{
    struct db *db = cli_open_db(cfg, "waymark");
    if (!db)
        return 1;
    int version = 0;
    db_schema_version(db, &version);
    printf("database %s (%s) is at schema version %d\n", cfg->db_url, db_backend_name(db), version);
    db_close(db);
    return 0;
}

struct demo_args {
    struct ctx *cx;
    struct demo_result result;
};

static enum rc demo_in_transaction(struct db *db, void *arg)
{
    struct demo_args *a = arg;
    (void)db;
    return demo_seed(a->cx, &a->result);
}

static int run_demo(const struct config *cfg)
{
    struct ctx cx;
    if (cli_open(cfg, "waymark", &cx) != 0)
        return 1;
    struct demo_args a = {.cx = &cx};
    enum rc rc = db_transaction(cx.db, 1, demo_in_transaction, &a);
    struct buf text;
    buf_init(&text, 1 << 16);
    if (rc == RC_OK)
        rc = demo_describe(&a.result, "http://127.0.0.1:8080", &text);
    if (rc != RC_OK)
        fprintf(stderr, "waymark: cannot set up the demo organisation: %s (%s)\n",
                cx.message[0] ? cx.message : rc_message(rc), db_errmsg(cx.db));
    else
        fputs(text.data, stdout);
    buf_free(&text);
    cli_close(&cx);
    return rc == RC_OK ? 0 : 1;
}

static int run_version(const struct config *cfg)
{
    (void)cfg;
    printf("waymark %s (schema %d)\n", WAYMARK_VERSION, db_migrations_latest());
    return 0;
}

static int run_serve(const struct config *cfg)
{
    /* Signals are taken synchronously by this thread only; block them before any
     * thread starts so the workers inherit the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct db *db = cli_open_db(cfg, "waymark");
    if (!db)
        return 1;
    int version = 0;
    db_schema_version(db, &version);
    log_line(LOG_INFO, __func__, NULL, NULL, "database %s ready at schema version %d",
             db_backend_name(db), version);
    db_close(db);

    if (transport_global_init() != RC_OK)
        return 1;
    struct server srv;
    if (server_start(&srv, cfg) != RC_OK) {
        transport_global_cleanup();
        return 1;
    }
    struct scheduler *scheduler = NULL;
    if (cfg->scheduler && scheduler_start(cfg, &scheduler) != RC_OK) {
        server_stop(&srv);
        transport_global_cleanup();
        return 1;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s; finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    scheduler_stop(scheduler);
    server_stop(&srv);
    transport_global_cleanup();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc == 2) {
            print_usage(stdout);
            return 0;
        }
        const struct command *c = find_command(argv[2]);
        if (!c || argc > 3) {
            fprintf(stderr, "waymark: no help for '%s'\n", argv[2]);
            print_usage(stderr);
            return 2;
        }
        print_command_help(stdout, c);
        return 0;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    /* Operator commands with their own verbs and flags. */
    if (strcmp(name, "export") == 0)
        return cli_workflow_export_main(argc, argv);
    if (strcmp(name, "tick") == 0)
        return cli_tick_main(argc, argv);
    if (strcmp(name, "tenant") == 0 || strcmp(name, "user") == 0 || strcmp(name, "import") == 0) {
        if (secure_init() != RC_OK)
            return 1;
        return strcmp(name, "import") == 0 ? cli_import_main(argc, argv)
                                           : cli_people_main(argc, argv);
    }
    const struct command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "waymark: unknown command '%s'\n", name);
        print_usage(stderr);
        return 2;
    }
    struct config cfg;
    char err[512];
    if (config_parse(&cfg, c->bit, argc, argv, 2, err, sizeof err) != RC_OK) {
        fprintf(stderr, "waymark %s: %s\n", c->name, err);
        fprintf(stderr, "usage: waymark %s [options]   (waymark help %s lists the options)\n",
                c->name, c->name);
        return 2;
    }
    log_set_level((enum log_level)cfg.log_level);
    if (secure_init() != RC_OK) {
        fprintf(stderr, "waymark: libsodium failed to initialise\n");
        return 1;
    }
    return c->run(&cfg);
}
