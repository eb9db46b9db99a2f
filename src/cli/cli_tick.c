/*
 * cli_tick.c — `waymark tick` (see cli_tick.h). The pass is scheduler_run_once, the same
 * function the server's scheduler thread calls, so a tick and a minute of `serve` do the
 * same thing; the pass's transaction is retried when the database is busy, and a failed
 * pass leaves nothing half done.
 */
#include "cli_tick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/now.h"
#include "core/secure.h"
#include "db/db.h"
#include "notify/transport.h"
#include "scheduler/scheduler.h"

static int tick_usage(const char *why)
{
    if (why)
        fprintf(stderr, "waymark tick: %s\n", why);
    fprintf(stderr,
            "usage: waymark tick [--at 2026-12-09T07:00:00Z] [--no-deliver] "
            "[--max-deliveries N] [--db URL]\n"
            "                    [--smtp-url URL] [--smtp-from ADDRESS] [--public-url URL]\n");
    return 2;
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int cli_tick_main(int argc, char **argv)
{
    const char *at = NULL;
    int deliver = 1;
    long max_deliveries = 1L << 30;
    char *config_argv[32];
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
        } else if (strcmp(arg, "--no-deliver") == 0) {
            deliver = 0;
        } else if (strcmp(arg, "--max-deliveries") == 0) {
            char *end = NULL;
            max_deliveries = value ? strtol(value, &end, 10) : 0;
            if (!value || !end || *end || max_deliveries < 1 || max_deliveries > 1L << 30)
                return tick_usage("--max-deliveries needs a whole number from 1");
            i++;
        } else if (strncmp(arg, "--", 2) == 0) {
            if (config_argc >= 30)
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
    if (config_parse(&cfg, CMD_TICK, config_argc, config_argv, 0, err, sizeof err))
        return tick_usage(err);
    log_set_level((enum log_level)cfg.log_level);
    if (secure_init() != RC_OK || transport_global_init() != RC_OK)
        return 1;
    struct notify_transport *t = NULL;
    if (deliver && transport_curl_new(30, &t) != RC_OK) {
        fprintf(stderr, "waymark tick: out of memory\n");
        transport_global_cleanup();
        return 1;
    }
    struct ctx cx;
    if (cli_open(&cfg, "waymark tick", &cx) != 0) {
        transport_curl_free(t);
        transport_global_cleanup();
        return 1;
    }
    if (at)
        cx.now = instant;
    char worker[128];
    scheduler_worker_name(worker, sizeof worker);
    struct scheduler_result r = {0};
    enum rc rc = scheduler_run_once(&cx, t, worker, (int)max_deliveries, &r);
    char when[32];
    now_format_rfc3339(cx.now, when, sizeof when);
    int status = 0;
    if (rc) {
        fprintf(stderr, "waymark tick: the pass at %s failed: %s%s%s\n", when,
                cx.message[0] ? cx.message : rc_message(rc), rc == RC_DB ? ": " : "",
                rc == RC_DB ? db_errmsg(cx.db) : "");
        status = 1;
    } else if (!r.ran) {
        printf("tick at %s: another server is running the pass", when);
    } else {
        printf("tick at %s: %lld enrolled by rules, %lld %s re-planned (%lld %s moved); "
               "%lld %s (%lld %s, %lld %s queued) in %lld ms",
               when, (long long)r.enrolment.enrolled, (long long)r.enrolment.replanned,
               plural(r.enrolment.replanned, "enrolment", "enrolments"),
               (long long)r.enrolment.moved, plural(r.enrolment.moved, "activity", "activities"),
               (long long)r.nudges.notices, plural(r.nudges.notices, "notice", "notices"),
               (long long)r.nudges.emails, plural(r.nudges.emails, "email", "emails"),
               (long long)r.nudges.webhooks, plural(r.nudges.webhooks, "webhook", "webhooks"),
               (long long)(r.pass_us / 1000));
        if (r.nudges.more || r.enrolment.more)
            printf("; more to do (the pass's budget ran out): tick again");
    }
    if (rc == RC_OK) {
        if (deliver)
            printf("; delivered %lld, %lld to retry, %lld failed in %lld ms",
                   (long long)r.delivery.sent, (long long)r.delivery.retrying,
                   (long long)r.delivery.failed, (long long)(r.deliver_us / 1000));
        printf("\n");
    }
    cli_close(&cx);
    transport_curl_free(t);
    transport_global_cleanup();
    return status;
}
