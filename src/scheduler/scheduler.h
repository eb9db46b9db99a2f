/*
 * scheduler.h — the one background thread of `waymark serve`, and the pass `waymark tick`
 * runs once (docs/notifications.md, "How a notice travels").
 *
 * A pass at an instant: take the 'pass' lease (scheduler_leases; a server that finds it
 * held by another skips the pass — the dedup keys are what make duplicates impossible,
 * the lease only saves the work), then in one write transaction enrol by rules and
 * re-plan (enrolment_tick) and post the notices that are due (nudges_tick), release the
 * lease; then deliver the outbox rows due at that instant (notify_deliver), outside any
 * transaction.
 *
 * The thread opens its own database connection and libcurl transport, runs a pass at
 * once and then every cfg->scheduler_interval seconds (its clock is cfg->now_file when
 * set, like the server's), and stops promptly when asked: a delivery in flight finishes
 * (bounded by the transport's timeout), nothing else waits.
 */
#ifndef WAYMARK_SCHEDULER_H
#define WAYMARK_SCHEDULER_H

#include <stdint.h>

#include "core/ctx.h"
#include "enrolment/enrolment.h"
#include "notify/notify.h"
#include "notify/nudges.h"

struct notify_transport;

struct scheduler_result {
    int ran; /* 0: another server held the lease, the pass was skipped */
    struct enrolment_tick_result enrolment;
    struct nudges_result nudges;
    struct notify_deliver_result delivery;
    int64_t pass_us, deliver_us;
};

/* One pass at cx->now (see above) on cx->db, outside any transaction. worker names this
 * process in leases and logs ("host:pid"). Then up to max_deliveries outbox rows due at
 * cx->now are delivered through t (none with t NULL). The result is added to *out.
 * Failure of the pass is returned (with cx's message); delivery failures are per row and
 * counted, not returned. */
enum rc scheduler_run_once(struct ctx *cx, struct notify_transport *t, const char *worker,
                           int max_deliveries, struct scheduler_result *out);

/* "host:pid" into out. */
void scheduler_worker_name(char *out, size_t size);

/* The thread. */
struct scheduler;
enum rc scheduler_start(const struct config *cfg, struct scheduler **out);
/* Asks the thread to stop, joins it and frees everything. NULL is fine. */
void scheduler_stop(struct scheduler *s);

/* What /metrics shows; zeros when no scheduler runs in this process. */
struct scheduler_stats {
    int64_t passes, pass_failures, skipped;
    int64_t last_pass_at; /* the instant (clock) of the last finished pass, 0: none */
    int64_t last_pass_us; /* its duration */
    int64_t sent, retrying, failed;
};
void scheduler_stats_read(struct scheduler_stats *out);

#endif
