/*
 * scheduler.c — the scheduler's pass and its thread (see scheduler.h).
 */
#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/now.h"
#include "db/db.h"
#include "notify/transport.h"
#include "scheduler_store.h"

#define PASS_LEASE         "pass"
#define PASS_LEASE_SECONDS 300
#define DELIVER_MAX        100000 /* per pass; the rest waits a minute */

/* ---- one pass ------------------------------------------------------------------------ */

struct pass_args {
    struct ctx *cx;
    struct enrolment_tick_result enrolment;
    struct nudges_result nudges;
};

static enum rc pass_in_transaction(struct db *db, void *arg)
{
    struct pass_args *a = arg;
    (void)db;
    /* A retried transaction starts again from nothing. */
    memset(&a->enrolment, 0, sizeof a->enrolment);
    memset(&a->nudges, 0, sizeof a->nudges);
    ctx_clear(a->cx);
    enum rc rc = enrolment_tick(a->cx, &a->enrolment);
    if (rc == RC_OK)
        rc = nudges_tick(a->cx, &a->nudges);
    return rc;
}

static void add_enrolment(struct enrolment_tick_result *to, const struct enrolment_tick_result *r)
{
    to->tenants += r->tenants;
    to->enrolled += r->enrolled;
    to->replanned += r->replanned;
    to->moved += r->moved;
    to->more |= r->more;
}

static void add_nudges(struct nudges_result *to, const struct nudges_result *r)
{
    to->tenants += r->tenants;
    to->notices += r->notices;
    to->emails += r->emails;
    to->webhooks += r->webhooks;
    to->more |= r->more;
}

enum rc scheduler_run_once(struct ctx *cx, struct notify_transport *t, const char *worker,
                           int max_deliveries, struct scheduler_result *out)
{
    int taken = 0;
    enum rc rc = scheduler_store_lease_take(cx->db, PASS_LEASE, worker, cx->now,
                                            cx->now + PASS_LEASE_SECONDS, &taken);
    if (rc)
        return ctx_fail(cx, rc, NULL, "Cannot take the scheduler's lease: %s", db_errmsg(cx->db));
    if (taken) {
        out->ran = 1;
        int64_t t0 = now_monotonic_us();
        struct pass_args a = {.cx = cx};
        rc = db_transaction(cx->db, 1, pass_in_transaction, &a);
        out->pass_us += now_monotonic_us() - t0;
        enum rc released = scheduler_store_lease_release(cx->db, PASS_LEASE, worker);
        if (rc)
            return rc;
        if (released)
            log_warn("scheduler: cannot release the pass lease: %s", db_errmsg(cx->db));
        add_enrolment(&out->enrolment, &a.enrolment);
        add_nudges(&out->nudges, &a.nudges);
    }
    if (!t || max_deliveries < 1)
        return RC_OK;
    int64_t t0 = now_monotonic_us();
    rc = notify_deliver(cx, t, worker, max_deliveries, &out->delivery);
    out->deliver_us += now_monotonic_us() - t0;
    return rc;
}

void scheduler_worker_name(char *out, size_t size)
{
    char host[64];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(out, size, "%s:%ld", host, (long)getpid());
}

/* ---- statistics for /metrics ---------------------------------------------------------- */

static struct {
    _Atomic int64_t passes, pass_failures, skipped, last_pass_at, last_pass_us, sent, retrying,
        failed;
} stats;

void scheduler_stats_read(struct scheduler_stats *out)
{
    out->passes = atomic_load(&stats.passes);
    out->pass_failures = atomic_load(&stats.pass_failures);
    out->skipped = atomic_load(&stats.skipped);
    out->last_pass_at = atomic_load(&stats.last_pass_at);
    out->last_pass_us = atomic_load(&stats.last_pass_us);
    out->sent = atomic_load(&stats.sent);
    out->retrying = atomic_load(&stats.retrying);
    out->failed = atomic_load(&stats.failed);
}

/* ---- the thread ----------------------------------------------------------------------- */

struct scheduler {
    const struct config *cfg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    char worker[128];
};

/* Sleeps up to seconds, or until asked to stop. Returns 1 when stopping. */
static int wait_or_stop(struct scheduler *s, int seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        int e = pthread_cond_timedwait(&s->wake, &s->lock, &until);
        if (e == ETIMEDOUT)
            break;
    }
    int stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stopping;
}

/* Returns 1 when the pass left notices to post (its budget ran out). */
static int run_pass(struct scheduler *s, struct ctx *cx, struct notify_transport *t)
{
    cx->now = now_read(s->cfg->now_file[0] ? s->cfg->now_file : NULL);
    struct scheduler_result r = {0};
    enum rc rc = scheduler_run_once(cx, t, s->worker, DELIVER_MAX, &r);
    if (rc) {
        atomic_fetch_add(&stats.pass_failures, 1);
        log_warn("scheduler: the pass failed: %s%s%s",
                 cx->message[0] ? cx->message : rc_message(rc), rc == RC_DB ? ": " : "",
                 rc == RC_DB ? db_errmsg(cx->db) : "");
    } else if (!r.ran) {
        atomic_fetch_add(&stats.skipped, 1);
    } else {
        atomic_fetch_add(&stats.passes, 1);
        atomic_store(&stats.last_pass_us, r.pass_us);
    }
    atomic_fetch_add(&stats.sent, r.delivery.sent);
    atomic_fetch_add(&stats.retrying, r.delivery.retrying);
    atomic_fetch_add(&stats.failed, r.delivery.failed);
    /* Set last: a test waiting for this instant then also sees its delivery done. */
    if (rc == RC_OK)
        atomic_store(&stats.last_pass_at, cx->now);
    if (r.ran && (r.nudges.notices || r.enrolment.enrolled || r.enrolment.replanned))
        log_info("scheduler: %lld notices (%lld emails, %lld webhooks), %lld enrolled by rules, "
                 "%lld re-planned in %lld ms",
                 (long long)r.nudges.notices, (long long)r.nudges.emails,
                 (long long)r.nudges.webhooks, (long long)r.enrolment.enrolled,
                 (long long)r.enrolment.replanned, (long long)(r.pass_us / 1000));
    if (r.delivery.sent || r.delivery.retrying || r.delivery.failed)
        log_info("scheduler: delivered %lld, %lld to retry, %lld failed%s",
                 (long long)r.delivery.sent, (long long)r.delivery.retrying,
                 (long long)r.delivery.failed,
                 r.delivery.failed && !s->cfg->smtp_url[0]
                     ? " (this server has no --smtp-url; the outbox log, Settings -> Outbox, "
                       "says why each failed)"
                     : "");
    ctx_clear(cx);
    return rc == RC_OK && (r.nudges.more || r.enrolment.more);
}

static void *scheduler_main(void *arg)
{
    struct scheduler *s = arg;
    struct db *db = NULL;
    struct notify_transport *t = NULL;
    char err[256];
    while (!db) {
        if (db_open(s->cfg->db_url, &db, err, sizeof err) == RC_OK)
            break;
        log_warn("scheduler: cannot open the database (%s); trying again", err);
        db = NULL;
        if (wait_or_stop(s, s->cfg->scheduler_interval))
            return NULL;
    }
    if (transport_curl_new(30, &t) != RC_OK) {
        log_error("scheduler: out of memory; the scheduler does not run");
        db_close(db);
        return NULL;
    }
    struct ctx cx;
    ctx_init(&cx);
    cx.db = db;
    cx.cfg = s->cfg;
    cx.request_id = "scheduler";
    log_info("scheduler: running every %d s as %s", s->cfg->scheduler_interval, s->worker);
    /* A pass that ran out of budget is followed by the next a second later (time for the
     * requests waiting on SQLite's write lock), until the backlog — the morning's nudges
     * of a large organisation — is posted. */
    int more;
    do
        more = run_pass(s, &cx, t);
    while (!wait_or_stop(s, more ? 1 : s->cfg->scheduler_interval));
    ctx_clear(&cx);
    transport_curl_free(t);
    db_close(db);
    return NULL;
}

enum rc scheduler_start(const struct config *cfg, struct scheduler **out)
{
    struct scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return RC_NOMEM;
    s->cfg = cfg;
    scheduler_worker_name(s->worker, sizeof s->worker);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s);
        log_error("scheduler: cannot start its thread");
        return RC_INTERNAL;
    }
    *out = s;
    return RC_OK;
}

void scheduler_stop(struct scheduler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
