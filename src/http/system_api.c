/*
 * system_api.c — health and metrics endpoints (see system_api.h).
 *
 * /healthz answers from a fixed body after one database round trip, because load
 * balancers call it often and it should cost almost nothing beyond proving the
 * database is there.
 */
#include "system_api.h"

#include "db/db.h"
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
    return metrics_render(&cx->server->metrics, &rs->body);
}
