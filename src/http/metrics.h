/*
 * metrics.h — request counters and the latency histogram, rendered for Prometheus.
 *
 * Counters are relaxed atomics in one fixed-size table (route × status), so recording
 * a request is two or three uncontended atomic adds and never takes a lock. Routes are
 * the rows of routes.c plus two pseudo-routes: "static" (files from web/) and
 * "unmatched" (everything that matched nothing). Statuses outside the tracked list are
 * counted under "other".
 */
#ifndef WAYMARK_METRICS_H
#define WAYMARK_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "router.h"

#define METRICS_MAX_ROUTES 512
#define METRICS_NSTATUS    24
#define METRICS_NBUCKETS   15

struct metrics {
    const struct route *routes;
    size_t nroutes;
    atomic_uint_fast64_t requests[METRICS_MAX_ROUTES + 2][METRICS_NSTATUS];
    atomic_uint_fast64_t buckets[METRICS_NBUCKETS + 1]; /* last one is +Inf */
    atomic_uint_fast64_t duration_us_sum;
    atomic_int connections_active;
    atomic_int requests_in_flight;
    atomic_int db_open;
    atomic_int db_busy;
};

/* Index of the pseudo-routes for metrics_record. */
#define METRICS_ROUTE_STATIC(m)    ((int)(m)->nroutes)
#define METRICS_ROUTE_UNMATCHED(m) ((int)(m)->nroutes + 1)

/* nroutes must be at most METRICS_MAX_ROUTES (checked: RC_INTERNAL). */
enum rc metrics_init(struct metrics *m, const struct route *routes, size_t nroutes);
void metrics_record(struct metrics *m, int route, int status, int64_t duration_us);
/* Appends the Prometheus text exposition (format 0.0.4) to out. */
enum rc metrics_render(struct metrics *m, struct buf *out);

#endif
