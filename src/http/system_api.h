/*
 * system_api.h — the server's own endpoints: health and metrics.
 */
#ifndef WAYMARK_SYSTEM_API_H
#define WAYMARK_SYSTEM_API_H

#include "core/ctx.h"

/* GET /healthz — {"status":"ok"} when the database answers, else 503. */
enum rc system_api_healthz(struct ctx *cx, const struct req *rq, struct resp *rs);
/* GET /metrics — Prometheus text format. */
enum rc system_api_metrics(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
