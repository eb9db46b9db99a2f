/*
 * server.h — the HTTP server: the only user of libmicrohttpd.
 *
 * One libmicrohttpd daemon with its epoll thread pool (--threads workers). Each worker
 * thread lazily opens its own database connection and keeps it for its life (a
 * pthread key whose destructor closes it when the thread ends), so requests never
 * wait for a pool and prepared statements stay warm.
 *
 * Request life: the URI callback creates the per-request state (start time, request id,
 * raw URI length); the first call of the access handler checks URI length, total
 * header size and Content-Length and answers 414/431/413 at once; body calls append
 * to a capped buffer; the final call hands a struct req to the dispatcher (server.c)
 * and queues the response; the completion callback records metrics, writes the access
 * log line and frees the state. Normal responses are queued on a later call than the
 * first, which keeps HTTP keep-alive working (see PERFORMANCE.md).
 *
 * Shutdown (server_stop): stop accepting, wait up to --shutdown-timeout seconds for
 * in-flight requests, then stop the daemon; the worker threads close their databases.
 */
#ifndef WAYMARK_SERVER_H
#define WAYMARK_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/config.h"
#include "metrics.h"

struct MHD_Daemon;
struct cache;

struct server {
    const struct config *cfg;
    struct metrics metrics;
    char web_root[PATH_MAX]; /* real path of the static folder; "" when there is none */
    pthread_key_t db_key;
    struct MHD_Daemon *daemon;
    char id_prefix[9];
    atomic_uint_fast64_t next_id;
    int port;            /* the bound port (useful with port 0) */
    struct cache *cache; /* answers kept between requests (core/cache.h), for every thread */
};

/* Starts listening. On failure logs why and returns non-OK. */
enum rc server_start(struct server *srv, const struct config *cfg);
/* Graceful stop; see the file comment. */
void server_stop(struct server *srv);

#endif
