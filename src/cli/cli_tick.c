/*
 * cli_tick.c — `waymark tick` (see cli_tick.h). The pass runs through the same domain
 * function as the server's scheduler, inside one write transaction (retried when the
 * database is busy), so a failed pass leaves nothing half done.
 */
#include "cli_tick.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/now.h"
#include "db/db.h"
#include "enrolment/enrolment.h"

static int tick_usage(const char *why)
{
    if (why)
        fprintf(stderr, "waymark tick: %s\n", why);
    fprintf(stderr, "usage: waymark tick [--at 2026-12-09T07:00:00Z] [--db URL]\n");
    return 2;
}

struct tick_run {
    struct ctx *cx;
    struct enrolment_tick_result result;
};

static enum rc tick_in_transaction(struct db *db, void *arg)
{
    struct tick_run *r = arg;
    (void)db;
    ctx_clear(r->cx);
    return enrolment_tick(r->cx, &r->result);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int cli_tick_main(int argc, char **argv)
{
    const char *at = NULL;
    char *config_argv[16];
    int config_argc = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--at") == 0) {
            if (!value)
                return tick_usage("--at needs an instant like 2026-12-09T07:00:00Z");
            at = value;
            i++;
        } else if (strncmp(arg, "--at=", 5) == 0) {
            at = arg + 5;
        } else if (strncmp(arg, "--", 2) == 0) {
            if (config_argc >= 14)
                return tick_usage("too many options");
            config_argv[config_argc++] = argv[i];
            if (!strchr(arg, '=') && value && strncmp(value, "--", 2) != 0)
                config_argv[config_argc++] = argv[++i];
        } else {
            return tick_usage("unexpected argument");
        }
    }
    int64_t instant = 0;
    if (at && now_parse_rfc3339(at, &instant) != RC_OK)
        return tick_usage("--at must be an RFC 3339 instant like 2026-12-09T07:00:00Z");
    struct config cfg;
    char err[512];
    if (config_parse(&cfg, CMD_MIGRATE, config_argc, config_argv, 0, err, sizeof err))
        return tick_usage(err);
    log_set_level((enum log_level)cfg.log_level);
    struct ctx cx;
    if (cli_open(&cfg, "waymark tick", &cx) != 0)
        return 1;
    if (at)
        cx.now = instant;
    struct tick_run r = {.cx = &cx};
    enum rc rc = db_transaction(cx.db, 1, tick_in_transaction, &r);
    char when[32];
    now_format_rfc3339(cx.now, when, sizeof when);
    int status = 0;
    if (rc) {
        fprintf(stderr, "waymark tick: the pass at %s failed: %s%s%s\n", when,
                cx.message[0] ? cx.message : rc_message(rc), rc == RC_DB ? ": " : "",
                rc == RC_DB ? db_errmsg(cx.db) : "");
        status = 1;
    } else {
        const struct enrolment_tick_result *t = &r.result;
        printf("tick at %s: %lld enrolled by rules, %lld %s re-planned (%lld %s moved)\n", when,
               (long long)t->enrolled, (long long)t->replanned,
               plural(t->replanned, "enrolment", "enrolments"), (long long)t->moved,
               plural(t->moved, "activity", "activities"));
    }
    cli_close(&cx);
    return status;
}
