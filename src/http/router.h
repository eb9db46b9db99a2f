/*
 * router.h — matching a method and path against the route table.
 *
 * A pattern is a path whose segments are literals or {name} placeholders, e.g.
 * "/api/v1/workflows/{id}/steps/{step_id}". A placeholder matches one non-empty
 * segment; its text is copied into the caller's storage and pointed at from params.
 * Matching is a linear scan comparing segments in place — no allocation, no regexes —
 * which for a table of a few hundred rows costs well under a microsecond.
 *
 * The router only matches. server.c decides what a miss means (static file, 404, 405)
 * and enforces the flags of a hit.
 */
#ifndef WAYMARK_ROUTER_H
#define WAYMARK_ROUTER_H

#include <stddef.h>

#include "core/ctx.h"

typedef enum rc (*route_handler)(struct ctx *cx, const struct req *rq, struct resp *rs);

/* Flags the server enforces before the handler runs, so no handler can forget them. */
enum route_flags {
    ROUTE_UPLOAD = 1 << 0,   /* accepts multipart/form-data (or text/csv) up to --max-upload */
    ROUTE_AUTH = 1 << 1,     /* needs a signed-in user (cookie or bearer token): else 401 */
    ROUTE_CSRF = 1 << 2,     /* with a session cookie, X-CSRF-Token must match: else 403 */
    ROUTE_OWN_TX = 1 << 3,   /* the handler manages its own transactions (e.g. sign-in, which
                                records a failure even though it answers 401) */
    ROUTE_CSV = 1 << 4,      /* accepts text/csv bodies (up to --max-upload) */
    ROUTE_ANY_BODY = 1 << 5, /* takes any body and ignores it (RFC 8058 one-click POSTs) */
};

struct route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* see above */
    route_handler handler;
    unsigned flags;
    unsigned roles; /* with ROUTE_AUTH: the actor needs one of these PEOPLE_ROLE_* bits
                       (0: any signed-in user); finer rules live in the domain */
};

#define ROUTER_NOT_FOUND          (-1)
#define ROUTER_METHOD_NOT_ALLOWED (-2)

/* Finds the route for method and path. HEAD matches GET routes.
 * Returns the index into routes, with params[0..*nparams) pointing into param_store;
 * or ROUTER_NOT_FOUND; or ROUTER_METHOD_NOT_ALLOWED when the path matches under other
 * methods, which are then listed in allow (e.g. "GET, HEAD, POST"). */
int router_match(const struct route *routes, size_t nroutes, const char *method, const char *path,
                 const char **params, int *nparams, char *param_store, size_t store_size,
                 char *allow, size_t allow_size);

#endif
