/*
 * rc.c — the table from enum rc to HTTP status, error code and default message.
 */
#include "rc.h"

struct rc_info {
    int status;
    const char *name;
    const char *code;
    const char *message;
};

static const struct rc_info RC_TABLE[] = {
    [RC_OK] = {200, "RC_OK", "ok", "OK"},
    [RC_ROW] = {200, "RC_ROW", "ok", "OK"},
    [RC_DONE] = {200, "RC_DONE", "ok", "OK"},
    [RC_BAD_REQUEST] = {400, "RC_BAD_REQUEST", "bad_request", "The request is malformed."},
    [RC_UNAUTHORIZED] = {401, "RC_UNAUTHORIZED", "unauthorized", "Please sign in."},
    [RC_FORBIDDEN] = {403, "RC_FORBIDDEN", "forbidden", "You are not allowed to do that."},
    [RC_NOT_FOUND] = {404, "RC_NOT_FOUND", "not_found", "Not found."},
    [RC_METHOD_NOT_ALLOWED] = {405, "RC_METHOD_NOT_ALLOWED", "method_not_allowed",
                               "This method is not allowed here."},
    [RC_CONFLICT] = {409, "RC_CONFLICT", "conflict", "That conflicts with the current state."},
    [RC_PRECONDITION] = {412, "RC_PRECONDITION", "precondition_failed",
                         "This changed since you loaded it; reload and try again."},
    [RC_TOO_LARGE] = {413, "RC_TOO_LARGE", "payload_too_large", "The request body is too large."},
    [RC_URI_TOO_LONG] = {414, "RC_URI_TOO_LONG", "uri_too_long", "The URL is too long."},
    [RC_UNSUPPORTED_MEDIA] = {415, "RC_UNSUPPORTED_MEDIA", "unsupported_media_type",
                              "Send the body as application/json."},
    [RC_INVALID] = {422, "RC_INVALID", "validation_failed", "Some fields are not valid."},
    [RC_RATE_LIMITED] = {429, "RC_RATE_LIMITED", "rate_limited",
                         "Too many requests; try again later."},
    [RC_HEADERS_TOO_LARGE] = {431, "RC_HEADERS_TOO_LARGE", "headers_too_large",
                              "The request headers are too large."},
    [RC_NOMEM] = {500, "RC_NOMEM", "internal_error", "The server ran out of memory."},
    [RC_DB] = {500, "RC_DB", "internal_error", "The server could not reach its database."},
    [RC_BUSY] = {503, "RC_BUSY", "unavailable", "The server is busy; try again shortly."},
    [RC_INTERNAL] = {500, "RC_INTERNAL", "internal_error", "Something went wrong on our side."},
};

static const struct rc_info *rc_info(enum rc rc)
{
    if ((unsigned)rc >= sizeof RC_TABLE / sizeof RC_TABLE[0] || !RC_TABLE[rc].name)
        return &RC_TABLE[RC_INTERNAL];
    return &RC_TABLE[rc];
}

int rc_http_status(enum rc rc)
{
    return rc_info(rc)->status;
}

const char *rc_code(enum rc rc)
{
    return rc_info(rc)->code;
}

const char *rc_message(enum rc rc)
{
    return rc_info(rc)->message;
}

const char *rc_name(enum rc rc)
{
    return rc_info(rc)->name;
}
