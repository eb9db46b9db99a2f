/*
 * ctx.h — the plain value types a request travels in: struct req (what came in),
 * struct resp (what goes out) and struct ctx (who is asking, when, on which connection,
 * and what went wrong).
 *
 * They live in core so that module handlers (*_api.c) and the domain never include
 * anything from src/http/: the HTTP server fills a struct req from libmicrohttpd and
 * turns a struct resp back into a response; unit tests fill them by hand.
 *
 * Errors: a function that fails calls ctx_fail(cx, rc, field, fmt, …) once per problem
 * and returns the rc. The first call sets the message; calls with a field add one
 * {"field","message"} detail each, so validation can report every bad field at once.
 * ctx_error_json renders the API error shape.
 */
#ifndef WAYMARK_CTX_H
#define WAYMARK_CTX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"

struct db;
struct config;
struct server;
struct cache;

#define REQ_MAX_PARAMS   4
#define RESP_MAX_HEADERS 8
/* At most this many {field, message} details are kept; a hostile document with 10,000
 * bad rows gets the first ones and a count of the rest, not a 10,000-entry answer. */
#define CTX_DETAILS_MAX 100

struct req {
    const char *method;       /* "GET", "POST", … (HEAD is routed as GET) */
    const char *path;         /* percent-decoded path, without the query */
    const char *content_type; /* NULL when absent */
    const char *client_ip;    /* peer address as text, "" when unknown */
    const char *body;         /* NUL-terminated copy of the body; "" when none */
    size_t body_len;
    json_t *json;                       /* parsed body (borrowed) when it was JSON, else NULL */
    const char *params[REQ_MAX_PARAMS]; /* path parameters in pattern order */
    int nparams;
    /* Lookups into the underlying request; NULL when absent. */
    const char *(*header)(const struct req *rq, const char *name);
    const char *(*query)(const struct req *rq, const char *name);
    void *impl; /* the server's (or a test's) own data for the lookups */
};

struct resp_header {
    const char *name; /* a string literal */
    char value[256];
};

struct resp {
    int status;
    const char *content_type; /* a string literal; NULL for no body */
    struct buf body;
    struct resp_header headers[RESP_MAX_HEADERS];
    int nheaders;
    int file_fd;        /* >= 0: send this file instead of body (the server closes it) */
    uint64_t file_size; /* bytes of file_fd to send */
};

/* Who is asking. Filled by the router from the session cookie or bearer token on routes
 * that need a signed-in user; all zero otherwise. roles uses the PEOPLE_ROLE_* bits. */
struct actor {
    int64_t tenant_id; /* 0: nobody is signed in */
    int64_t user_id;
    unsigned roles;
    int64_t session_id;  /* set when signed in by cookie */
    char csrf_token[65]; /* the session's CSRF token; "" for bearer tokens */
    int64_t token_id;    /* set when signed in by bearer token */
};

struct ctx {
    struct db *db;
    struct actor actor;
    const struct config *cfg;
    struct server *server; /* opaque here; only src/http/ looks inside */
    /* The server's answer cache (core/cache.h), shared by its threads; NULL (tests, the
     * command line) means "do not cache". */
    struct cache *cache;
    int64_t now;            /* the request's instant, UTC seconds */
    const char *request_id; /* for logs */
    /* The revision the client says it last saw (If-Match), for resources that keep one;
     * 0 when it sent none. Set by the handler, checked by the domain. */
    int64_t if_match;
    /* The failure, if any (see ctx_fail). */
    enum rc rc;
    const char *code; /* overrides rc_code(rc) when set (a string literal) */
    char message[512];
    json_t *details;      /* owned array of {field, message}, or NULL */
    long details_omitted; /* details beyond CTX_DETAILS_MAX, counted, not kept */
};

void ctx_init(struct ctx *cx);
/* Frees what the ctx owns (details). */
void ctx_clear(struct ctx *cx);

/* Records a failure; see the file comment. field may be NULL. Returns rc. */
enum rc ctx_fail(struct ctx *cx, enum rc rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Like ctx_fail without a field, with an explicit machine code ("malformed_json"). */
enum rc ctx_fail_code(struct ctx *cx, enum rc rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1 when a detail for field has already been recorded (so a later check can stay quiet
 * about a field an earlier one already explained). */
int ctx_has_detail(const struct ctx *cx, const char *field);
/* The error shape for rc (using the ctx's message/details when they were set for rc).
 * Returns a new reference. */
json_t *ctx_error_json(const struct ctx *cx, enum rc rc);

void resp_init(struct resp *rs);
void resp_free(struct resp *rs);
/* Adds a response header; the value is formatted and truncated to 255 bytes.
 * RC_INTERNAL when RESP_MAX_HEADERS are already set. */
enum rc resp_header(struct resp *rs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets status and a JSON body (steals the reference to v, which may be NULL → no body). */
enum rc resp_json(struct resp *rs, int status, json_t *v);
/* Sets status and the JSON content type, empties the body and returns it, for handlers
 * that write their JSON directly (core/jsonw.h). Check buf_failed on it at the end. */
struct buf *resp_json_body(struct resp *rs, int status);
/* Renders the error shape of cx for rc into rs (status from rc). */
void resp_error(struct resp *rs, const struct ctx *cx, enum rc rc);

#endif
