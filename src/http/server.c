/*
 * server.c — libmicrohttpd glue, limits, dispatch, access log (see server.h).
 *
 * Everything that touches libmicrohttpd types is in this file; below it, handlers see
 * only struct req / struct resp / struct ctx.
 *
 * What it deliberately does not do: TLS (terminate it in the load balancer or nginx in
 * front), HTTP/2, CORS (the UI is same-origin), or a total-time limit per request —
 * libmicrohttpd 0.9.75 only has an idle timeout, so a client dribbling one byte a
 * second keeps its connection; the epoll workers are not blocked by it, and
 * --max-per-ip bounds how many such connections one address can hold.
 */
#include "server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/now.h"
#include "core/secure.h"
#include "db/db.h"
#include "files.h"
#include "people/auth.h"
#include "routes.h"

#define REQUEST_ID_MAX 64

/* Per-request state, from the request line to the completion callback. */
struct request {
    struct server *srv;
    struct MHD_Connection *conn;
    int64_t start_us;
    size_t uri_len;   /* raw request target, query included */
    int started;      /* the access handler has seen this request */
    int encoded_nul;  /* the raw URI holds %00 */
    int responded;    /* a response was queued */
    enum rc failed;   /* a limit was crossed while receiving */
    size_t discarded; /* body bytes dropped after failing */
    struct buf body;
    int route;        /* index into ROUTES, or ROUTER_* */
    int metric_route; /* row for metrics */
    const char *params[REQ_MAX_PARAMS];
    int nparams;
    char param_store[512];
    char allow[96];
    char client_ip[64];
    const char *method;
    const char *path;
    int status;
    uint64_t bytes;
    char id[REQUEST_ID_MAX + 1];
};

struct worker_db {
    struct db *db;
    struct server *srv;
};

/* ---- per-thread database connections ---------------------------------------------- */

static void worker_db_free(void *p)
{
    struct worker_db *w = p;
    db_close(w->db);
    atomic_fetch_sub(&w->srv->metrics.db_open, 1);
    free(w);
}

static struct db *worker_db(struct server *srv, const char *req_id)
{
    struct worker_db *w = pthread_getspecific(srv->db_key);
    if (w)
        return w->db;
    char err[256];
    struct db *db = NULL;
    if (db_open(srv->cfg->db_url, &db, err, sizeof err) != RC_OK) {
        log_line(LOG_ERROR, __func__, req_id, NULL, "cannot open the database: %s", err);
        return NULL;
    }
    w = malloc(sizeof *w);
    if (!w || pthread_setspecific(srv->db_key, w) != 0) {
        free(w);
        db_close(db);
        return NULL;
    }
    w->db = db;
    w->srv = srv;
    atomic_fetch_add(&srv->metrics.db_open, 1);
    return db;
}

/* ---- struct req lookups --------------------------------------------------------------- */

static const char *req_header(const struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(((struct request *)rq->impl)->conn, MHD_HEADER_KIND, name);
}

static const char *req_query(const struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(((struct request *)rq->impl)->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

/* ---- helpers ------------------------------------------------------------------------- */

static int media_type_is(const char *content_type, const char *want)
{
    size_t n = strlen(want);
    if (!content_type || strncasecmp(content_type, want, n) != 0)
        return 0;
    char next = content_type[n];
    return next == '\0' || next == ';' || next == ' ';
}

static int request_id_acceptable(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > REQUEST_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return 0;
    return 1;
}

static enum MHD_Result count_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static const char *const SECURITY_HEADERS[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; frame-ancestors 'none'"},
};

/* Queues rs on the connection; takes ownership of rs's body or file. */
static enum MHD_Result queue_response(struct request *r, struct resp *rs, int close_after)
{
    struct MHD_Response *mr;
    if (rs->file_fd >= 0) {
        mr = MHD_create_response_from_fd64(rs->file_size, rs->file_fd);
        if (mr)
            rs->file_fd = -1; /* libmicrohttpd closes it */
        r->bytes = rs->file_size;
    } else {
        size_t len = 0;
        char *data = buf_steal(&rs->body, &len);
        if (!data)
            return MHD_NO;
        mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!mr)
            free(data);
        r->bytes = len;
    }
    if (!mr)
        return MHD_NO;
    if (rs->content_type)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
    MHD_add_response_header(mr, "X-Request-Id", r->id);
    for (size_t i = 0; i < sizeof SECURITY_HEADERS / sizeof SECURITY_HEADERS[0]; i++)
        MHD_add_response_header(mr, SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
    for (int i = 0; i < rs->nheaders; i++)
        MHD_add_response_header(mr, rs->headers[i].name, rs->headers[i].value);
    if (close_after)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)rs->status, mr);
    MHD_destroy_response(mr);
    if (ret == MHD_YES) {
        r->responded = 1;
        r->status = rs->status;
    }
    return ret;
}

/* Answers a limit violation at once and closes the connection after it. */
static enum MHD_Result respond_early(struct request *r, enum rc rc, const char *message)
{
    struct ctx cx;
    struct resp rs;
    ctx_init(&cx);
    resp_init(&rs);
    ctx_fail(&cx, rc, NULL, "%s", message);
    resp_error(&rs, &cx, rc);
    enum MHD_Result ret = queue_response(r, &rs, 1);
    resp_free(&rs);
    ctx_clear(&cx);
    return ret;
}

/* ---- dispatch -------------------------------------------------------------------------- */

struct handler_call {
    const struct route *route;
    struct ctx *cx;
    const struct req *rq;
    struct resp *rs;
};

/* Enforces the route's flags and roles, then runs its handler; used directly for reads
 * and as the transaction body for writes, so a retried transaction starts again from a
 * clean response and context. */
static enum rc call_handler(struct db *db, void *arg)
{
    struct handler_call *c = arg;
    (void)db;
    buf_reset(&c->rs->body);
    c->rs->nheaders = 0;
    c->rs->status = 200;
    c->rs->content_type = NULL;
    ctx_clear(c->cx);
    if (c->route->flags & ROUTE_AUTH) {
        enum rc rc = auth_authenticate(c->cx, c->rq, (c->route->flags & ROUTE_CSRF) != 0);
        if (rc)
            return rc;
        if (c->route->roles && !(c->cx->actor.roles & c->route->roles))
            return ctx_fail(c->cx, RC_FORBIDDEN, NULL, "Your role does not allow this.");
    }
    return c->route->handler(c->cx, c->rq, c->rs);
}

static enum rc run_route(struct server *srv, struct request *r, struct ctx *cx,
                         const struct req *rq, struct resp *rs)
{
    const struct route *route = &ROUTES[r->route];
    cx->db = worker_db(srv, r->id);
    if (!cx->db)
        return ctx_fail_code(cx, RC_BUSY, "database_unavailable",
                             "The database is not available; try again shortly.");
    struct handler_call call = {route, cx, rq, rs};
    int own_tx = strcmp(route->method, "GET") == 0 || (route->flags & ROUTE_OWN_TX);
    atomic_fetch_add_explicit(&srv->metrics.db_busy, 1, memory_order_relaxed);
    enum rc rc =
        own_tx ? call_handler(cx->db, &call) : db_transaction(cx->db, 1, call_handler, &call);
    atomic_fetch_sub_explicit(&srv->metrics.db_busy, 1, memory_order_relaxed);
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, __func__, r->id, NULL, "%s %s: %s: %s", r->method, route->pattern,
                 rc_name(rc), db_errmsg(cx->db));
    return rc;
}

static int path_is_api(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

static void dispatch(struct server *srv, struct request *r, struct resp *rs)
{
    struct ctx cx;
    ctx_init(&cx);
    cx.cfg = srv->cfg;
    cx.server = srv;
    cx.cache = srv->cache;
    cx.request_id = r->id;
    cx.now = now_read(srv->cfg->now_file);

    struct req rq = {
        .method = r->method,
        .path = r->path,
        .content_type =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = r->body.data,
        .body_len = r->body.len,
        .client_ip = r->client_ip,
        .header = req_header,
        .query = req_query,
        .impl = r,
    };
    memcpy(rq.params, r->params, sizeof rq.params);
    rq.nparams = r->nparams;

    int is_api = r->route >= 0 || path_is_api(r->path);
    enum rc rc = RC_OK;
    if (r->body.len && is_api) {
        unsigned flags = r->route >= 0 ? ROUTES[r->route].flags : 0;
        if (flags & (ROUTE_UPLOAD | ROUTE_ANY_BODY))
            ; /* raw bytes: the handler checks their type by their content, or ignores them */
        else if ((flags & ROUTE_CSV) && media_type_is(rq.content_type, "text/csv"))
            ; /* the handler parses it */
        else if (!media_type_is(rq.content_type, "application/json"))
            rc = ctx_fail_code(&cx, RC_UNSUPPORTED_MEDIA, NULL, "Send the body as %s.",
                               flags & ROUTE_CSV ? "text/csv" : "application/json");
        else
            rc = jsonx_parse(&cx, r->body.data, r->body.len, &rq.json);
    }
    if (rc == RC_OK) {
        int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
        if (r->route >= 0) {
            r->metric_route = r->route;
            rc = run_route(srv, r, &cx, &rq, rs);
        } else if (r->route == ROUTER_METHOD_NOT_ALLOWED || (!is_api && !get)) {
            const char *allow = r->route == ROUTER_METHOD_NOT_ALLOWED ? r->allow : "GET, HEAD";
            resp_header(rs, "Allow", "%s", allow);
            rc = ctx_fail(&cx, RC_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; use %s.",
                          r->method, allow);
        } else if (!is_api && srv->web_root[0]) {
            r->metric_route = METRICS_ROUTE_STATIC(&srv->metrics);
            rc = files_serve(&cx, srv->web_root, r->path,
                             req_header(&rq, MHD_HTTP_HEADER_IF_NONE_MATCH), rs);
        } else {
            rc = ctx_fail(&cx, RC_NOT_FOUND, NULL, "There is no %s at this address.",
                          is_api ? "API endpoint" : "page");
        }
    }
    if (rc != RC_OK)
        resp_error(rs, &cx, rc);
    json_decref(rq.json);
    ctx_clear(&cx);
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------------ */

static struct request *request_new(struct server *srv, size_t uri_len)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = srv;
    r->start_us = now_monotonic_us();
    r->uri_len = uri_len;
    r->route = ROUTER_NOT_FOUND;
    r->metric_route = METRICS_ROUTE_UNMATCHED(&srv->metrics);
    buf_init(&r->body, (size_t)srv->cfg->max_body);
    snprintf(r->id, sizeof r->id, "%s-%llx", srv->id_prefix,
             (unsigned long long)atomic_fetch_add_explicit(&srv->next_id, 1, memory_order_relaxed));
    atomic_fetch_add_explicit(&srv->metrics.requests_in_flight, 1, memory_order_relaxed);
    return r;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct request *r = request_new(cls, uri ? strlen(uri) : 0);
    /* libmicrohttpd decodes %00 into a real NUL, which would silently cut the path short
     * ("/app.css%00.html" would serve app.css); no honest URL contains one. */
    if (r && uri && strstr(uri, "%00"))
        r->encoded_nul = 1;
    return r;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

static enum MHD_Result on_first_call(struct server *srv, struct request *r)
{
    const struct config *cfg = srv->cfg;
    const char *client_id = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (client_id && request_id_acceptable(client_id))
        snprintf(r->id, sizeof r->id, "%s", client_id);

    if (r->uri_len > (size_t)cfg->max_uri)
        return respond_early(r, RC_URI_TOO_LONG, "The URL is longer than this server accepts.");
    if (r->encoded_nul)
        return respond_early(r, RC_BAD_REQUEST, "The URL contains an encoded NUL (%00).");
    size_t header_bytes = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_header_bytes, &header_bytes);
    if (header_bytes > (size_t)cfg->max_headers)
        return respond_early(r, RC_HEADERS_TOO_LARGE,
                             "The request headers are larger than this server accepts.");

    r->route = router_match(ROUTES, ROUTES_COUNT, r->method, r->path, r->params, &r->nparams,
                            r->param_store, sizeof r->param_store, r->allow, sizeof r->allow);
    long limit = cfg->max_body;
    if (r->route >= 0 && (ROUTES[r->route].flags & (ROUTE_UPLOAD | ROUTE_CSV)))
        limit = cfg->max_upload;
    r->body.cap = (size_t)limit;

    const char *length =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length) {
        char *end;
        unsigned long long n = strtoull(length, &end, 10);
        if (end != length && n > (unsigned long long)limit)
            return respond_early(r, RC_TOO_LARGE,
                                 "The request body is larger than this server accepts.");
    }
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct server *srv = cls;
    struct request *r = *con_cls;
    (void)version;
    if (!r) {
        r = request_new(srv, strlen(url));
        if (!r)
            return MHD_NO;
        *con_cls = r;
    }
    if (!r->started) {
        r->started = 1;
        r->conn = conn;
        client_address(conn, r->client_ip, sizeof r->client_ip);
        r->method = method;
        r->path = url;
        return on_first_call(srv, r);
    }
    if (*upload_data_size) {
        if (!r->failed && buf_addn(&r->body, upload_data, *upload_data_size) != RC_OK) {
            r->failed = buf_failed(&r->body);
            buf_free(&r->body);
        }
        if (r->failed) {
            r->discarded += *upload_data_size;
            /* Stop reading a body that will be refused anyway once it is clearly huge. */
            if (r->discarded > 4 * r->body.cap)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->failed)
        return respond_early(r, r->failed == RC_NOMEM ? RC_NOMEM : RC_TOO_LARGE,
                             "The request body is larger than this server accepts.");

    struct resp rs;
    resp_init(&rs);
    dispatch(srv, r, &rs);
    enum MHD_Result ret = queue_response(r, &rs, 0);
    resp_free(&rs);
    return ret;
}

static void write_access_log(struct request *r, int64_t us)
{
    char ts[32], line[1400], path[1024];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* Quote the path safely: hostile bytes become %XX so one request is one line. */
    size_t o = 0;
    const char *p = r->path ? r->path : "-";
    for (; *p && o + 4 < sizeof path; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c == '"' || c == '\\' || c >= 0x7f) {
            snprintf(path + o, 4, "%%%02X", c);
            o += 3;
        } else {
            path[o++] = (char)c;
        }
    }
    path[o] = '\0';
    int n = snprintf(line, sizeof line,
                     "ts=%s level=info fn=access req=%s method=%s path=\"%s\" status=%d "
                     "bytes=%llu us=%lld",
                     ts, r->id, r->method ? r->method : "-", path, r->status,
                     (unsigned long long)r->bytes, (long long)us);
    if (n > 0)
        log_raw(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request *r = *con_cls;
    (void)conn;
    (void)toe;
    if (!r)
        return;
    int64_t us = now_monotonic_us() - r->start_us;
    if (r->responded)
        metrics_record(&srv->metrics, r->metric_route, r->status, us);
    if (srv->cfg->access_log)
        write_access_log(r, us);
    atomic_fetch_sub_explicit(&srv->metrics.requests_in_flight, 1, memory_order_relaxed);
    buf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    (void)conn;
    (void)socket_context;
    atomic_fetch_add_explicit(&srv->metrics.connections_active,
                              code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1, memory_order_relaxed);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_line(LOG_WARN, "libmicrohttpd", NULL, NULL, "%s", msg);
}

/* ---- start and stop ------------------------------------------------------------------- */

enum rc server_start(struct server *srv, const struct config *cfg)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg = cfg;
    if (metrics_init(&srv->metrics, ROUTES, ROUTES_COUNT) != RC_OK)
        return RC_INTERNAL;
    secure_random_hex(srv->id_prefix, 4);
    if (files_resolve_root(cfg->web_root, srv->web_root, sizeof srv->web_root) != RC_OK) {
        log_warn("web root %s is not a folder; only the API will be served", cfg->web_root);
        srv->web_root[0] = '\0';
    }

    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    const char *host = strcmp(cfg->listen_host, "localhost") == 0 ? "127.0.0.1" : cfg->listen_host;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    char host6[64];
    snprintf(host6, sizeof host6, "%s", host);
    if (host6[0] == '[' && host6[strlen(host6) - 1] == ']') {
        host6[strlen(host6) - 1] = '\0';
        memmove(host6, host6 + 1, strlen(host6));
    }
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->listen_port);
    } else if (inet_pton(AF_INET6, host6, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->listen_port);
        flags |= MHD_USE_IPv6;
    } else {
        log_error("cannot listen on '%s': give an IPv4 or IPv6 address", cfg->listen_host);
        return RC_INVALID;
    }
    if (cache_new(CACHE_BUDGET_DEFAULT, &srv->cache) != RC_OK)
        return RC_NOMEM;
    if (pthread_key_create(&srv->db_key, worker_db_free) != 0) {
        cache_free(srv->cache);
        srv->cache = NULL;
        return RC_INTERNAL;
    }

    size_t memory = (size_t)cfg->max_headers * 2 + (size_t)cfg->max_uri + 16384;
    if (memory < 65536)
        memory = 65536;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        log_error("cannot listen on %s:%d (is the port in use?)", cfg->listen_host,
                  cfg->listen_port);
        pthread_key_delete(srv->db_key);
        cache_free(srv->cache);
        srv->cache = NULL;
        return RC_INTERNAL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->listen_port;
    char fields[160];
    snprintf(fields, sizeof fields, "url=http://%s%s%s:%d threads=%d", v4->sin_family ? "" : "[",
             host6, v4->sin_family ? "" : "]", srv->port, cfg->threads);
    log_line(LOG_INFO, __func__, NULL, fields, "listening");
    return RC_OK;
}

void server_stop(struct server *srv)
{
    if (!srv->daemon)
        return;
    /* Closing the quiesced listening socket at once makes the kernel refuse new
     * connections instead of queueing them in a backlog nobody will accept from. */
    MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    int64_t deadline = now_monotonic_us() + (int64_t)srv->cfg->shutdown_timeout * 1000000;
    int waiting;
    while ((waiting = atomic_load(&srv->metrics.requests_in_flight)) > 0 &&
           now_monotonic_us() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (waiting > 0)
        log_warn("stopping with %d requests still in flight", waiting);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    pthread_key_delete(srv->db_key);
    cache_free(srv->cache); /* the workers are gone: nobody uses it any more */
    srv->cache = NULL;
    log_info("stopped");
}
