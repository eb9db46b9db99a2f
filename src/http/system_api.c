/*
 * system_api.c — health and metrics endpoints (see system_api.h).
 *
 * /healthz answers from a fixed body after one database round trip, because load
 * balancers call it often and it should cost almost nothing beyond proving the
 * database is there.
 */
#include "system_api.h"

#include "db/db.h"
#include "scheduler/scheduler.h"
#include "server.h"

enum rc system_api_healthz(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    if (db_ping(cx->db) != RC_OK)
        return ctx_fail_code(cx, RC_BUSY, "database_unavailable", "The database is not answering.");
    rs->status = 200;
    rs->content_type = "application/json; charset=utf-8";
    return buf_add(&rs->body, "{\"status\":\"ok\"}");
}

enum rc system_api_metrics(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    rs->status = 200;
    rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
    enum rc rc = metrics_render(&cx->server->metrics, &rs->body);
    if (rc)
        return rc;
    struct scheduler_stats s;
    scheduler_stats_read(&s);
    return buf_addf(
        &rs->body,
        "# HELP waymark_scheduler_passes_total Scheduler passes run by this process.\n"
        "# TYPE waymark_scheduler_passes_total counter\n"
        "waymark_scheduler_passes_total{outcome=\"done\"} %lld\n"
        "waymark_scheduler_passes_total{outcome=\"failed\"} %lld\n"
        "waymark_scheduler_passes_total{outcome=\"skipped\"} %lld\n"
        "# HELP waymark_scheduler_last_pass_at The clock instant of the last finished pass.\n"
        "# TYPE waymark_scheduler_last_pass_at gauge\n"
        "waymark_scheduler_last_pass_at %lld\n"
        "# HELP waymark_scheduler_last_pass_seconds How long the last pass took.\n"
        "# TYPE waymark_scheduler_last_pass_seconds gauge\n"
        "waymark_scheduler_last_pass_seconds %.6f\n"
        "# HELP waymark_outbox_deliveries_total Outbox deliveries by outcome.\n"
        "# TYPE waymark_outbox_deliveries_total counter\n"
        "waymark_outbox_deliveries_total{outcome=\"sent\"} %lld\n"
        "waymark_outbox_deliveries_total{outcome=\"retry\"} %lld\n"
        "waymark_outbox_deliveries_total{outcome=\"failed\"} %lld\n",
        (long long)s.passes, (long long)s.pass_failures, (long long)s.skipped,
        (long long)s.last_pass_at, (double)s.last_pass_us / 1e6, (long long)s.sent,
        (long long)s.retrying, (long long)s.failed);
}
