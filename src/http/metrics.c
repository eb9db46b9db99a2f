/*
 * metrics.c — lock-free counters and their Prometheus rendering (see metrics.h).
 */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

static const int TRACKED_STATUS[METRICS_NSTATUS - 1] = {
    200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
    409, 413, 414, 415, 422, 429, 431, 500, 502, 503, 504,
};

static const int64_t BUCKET_US[METRICS_NBUCKETS] = {
    100,   250,    500,    1000,   2500,    5000,    10000,    25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 10000000,
};

enum rc metrics_init(struct metrics *m, const struct route *routes, size_t nroutes)
{
    if (nroutes > METRICS_MAX_ROUTES)
        return RC_INTERNAL;
    memset(m, 0, sizeof *m);
    m->routes = routes;
    m->nroutes = nroutes;
    return RC_OK;
}

static int status_slot(int status)
{
    for (int i = 0; i < METRICS_NSTATUS - 1; i++)
        if (TRACKED_STATUS[i] == status)
            return i;
    return METRICS_NSTATUS - 1;
}

void metrics_record(struct metrics *m, int route, int status, int64_t duration_us)
{
    if (route < 0 || (size_t)route > m->nroutes + 1)
        route = METRICS_ROUTE_UNMATCHED(m);
    atomic_fetch_add_explicit(&m->requests[route][status_slot(status)], 1, memory_order_relaxed);
    int b = 0;
    while (b < METRICS_NBUCKETS && duration_us > BUCKET_US[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->duration_us_sum, (uint64_t)(duration_us < 0 ? 0 : duration_us),
                              memory_order_relaxed);
}

enum rc metrics_render(struct metrics *m, struct buf *out)
{
    buf_add(out, "# HELP waymark_http_requests_total HTTP requests answered, by route and "
                 "status.\n# TYPE waymark_http_requests_total counter\n");
    for (size_t r = 0; r < m->nroutes + 2; r++) {
        const char *method, *route;
        if (r < m->nroutes) {
            method = m->routes[r].method;
            route = m->routes[r].pattern;
        } else {
            method = "";
            route = r == m->nroutes ? "static" : "unmatched";
        }
        for (int s = 0; s < METRICS_NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&m->requests[r][s], memory_order_relaxed);
            if (!v)
                continue;
            char status[8];
            if (s < METRICS_NSTATUS - 1)
                snprintf(status, sizeof status, "%d", TRACKED_STATUS[s]);
            else
                snprintf(status, sizeof status, "other");
            buf_addf(out,
                     "waymark_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} "
                     "%llu\n",
                     method, route, status, (unsigned long long)v);
        }
    }
    buf_add(out, "# HELP waymark_http_request_duration_seconds Time from the request line to "
                 "the response being queued.\n"
                 "# TYPE waymark_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int b = 0; b <= METRICS_NBUCKETS; b++) {
        cumulative += atomic_load_explicit(&m->buckets[b], memory_order_relaxed);
        if (b < METRICS_NBUCKETS)
            buf_addf(out, "waymark_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                     (double)BUCKET_US[b] / 1e6, (unsigned long long)cumulative);
        else
            buf_addf(out, "waymark_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                     (unsigned long long)cumulative);
    }
    buf_addf(out, "waymark_http_request_duration_seconds_sum %.6f\n",
             (double)atomic_load_explicit(&m->duration_us_sum, memory_order_relaxed) / 1e6);
    buf_addf(out, "waymark_http_request_duration_seconds_count %llu\n",
             (unsigned long long)cumulative);
    buf_addf(out,
             "# HELP waymark_http_connections_active Open client connections.\n"
             "# TYPE waymark_http_connections_active gauge\n"
             "waymark_http_connections_active %d\n"
             "# HELP waymark_http_requests_in_flight Requests being received or handled.\n"
             "# TYPE waymark_http_requests_in_flight gauge\n"
             "waymark_http_requests_in_flight %d\n"
             "# HELP waymark_db_connections Database connections of the worker threads.\n"
             "# TYPE waymark_db_connections gauge\n"
             "waymark_db_connections{state=\"open\"} %d\n"
             "waymark_db_connections{state=\"busy\"} %d\n",
             atomic_load(&m->connections_active), atomic_load(&m->requests_in_flight),
             atomic_load(&m->db_open), atomic_load(&m->db_busy));
    return buf_failed(out);
}
