/*
 * router.c — segment-by-segment route matching (see router.h).
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Matches path against pattern; on success copies placeholder values into store. */
static int match_pattern(const char *pattern, const char *path, const char **params, int *nparams,
                         char *store, size_t store_size)
{
    const char *p = pattern, *s = path;
    size_t used = 0;
    int n = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return 0;
        p++;
        s++;
        const char *pend = strchr(p, '/'), *send = strchr(s, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (slen == 0 || n >= REQ_MAX_PARAMS || used + slen + 1 > store_size)
                return 0;
            memcpy(store + used, s, slen);
            store[used + slen] = '\0';
            params[n++] = store + used;
            used += slen + 1;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return 0;
        }
        p += plen;
        s += slen;
    }
    if (*p || *s)
        return 0;
    *nparams = n;
    return 1;
}

int router_match(const struct route *routes, size_t nroutes, const char *method, const char *path,
                 const char **params, int *nparams, char *param_store, size_t store_size,
                 char *allow, size_t allow_size)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    int path_known = 0;
    size_t allow_len = 0;
    if (allow_size)
        allow[0] = '\0';
    for (size_t i = 0; i < nroutes; i++) {
        const struct route *r = &routes[i];
        if (!match_pattern(r->pattern, path, params, nparams, param_store, store_size))
            continue;
        if (strcmp(r->method, want) == 0)
            return (int)i;
        path_known = 1;
        int n = snprintf(allow + allow_len, allow_size - allow_len, "%s%s%s", allow_len ? ", " : "",
                         r->method, strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
        if (n > 0 && (size_t)n < allow_size - allow_len)
            allow_len += (size_t)n;
    }
    *nparams = 0;
    return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}
