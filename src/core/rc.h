/*
 * rc.h — the one error type of Waymark.
 *
 * Every function that can fail returns an enum rc. Codes are for machines; the human
 * message for a request goes once into its context (ctx_fail in ctx.h). rc_http_status()
 * and rc_code() are the single table that maps an rc to an HTTP status and to the
 * "code" string of the API error shape, so no handler invents its own.
 *
 * RC_ROW and RC_DONE are not errors: db_step() uses them to say "a row is ready" and
 * "no more rows", as sqlite3_step does.
 */
#ifndef WAYMARK_RC_H
#define WAYMARK_RC_H

enum rc {
    RC_OK = 0,
    RC_ROW,                /* db_step: a row is ready */
    RC_DONE,               /* db_step: statement finished */
    RC_BAD_REQUEST,        /* 400: malformed syntax (JSON, UTF-8, nesting, query) */
    RC_UNAUTHORIZED,       /* 401 */
    RC_FORBIDDEN,          /* 403 */
    RC_NOT_FOUND,          /* 404: does not exist, or is not yours */
    RC_METHOD_NOT_ALLOWED, /* 405 */
    RC_CONFLICT,           /* 409: state or uniqueness conflict */
    RC_PRECONDITION,       /* 412: If-Match names a state that is no longer current */
    RC_TOO_LARGE,          /* 413 */
    RC_URI_TOO_LONG,       /* 414 */
    RC_UNSUPPORTED_MEDIA,  /* 415 */
    RC_INVALID,            /* 422: validation failed, details per field */
    RC_RATE_LIMITED,       /* 429 */
    RC_HEADERS_TOO_LARGE,  /* 431 */
    RC_NOMEM,              /* 500: allocation failed */
    RC_DB,                 /* 500: database error (message logged, not shown) */
    RC_BUSY,               /* 503: database busy or locked after retries; retry later */
    RC_INTERNAL,           /* 500: a bug or an environment failure */
};

/* HTTP status for rc (200 for RC_OK/RC_ROW/RC_DONE). */
int rc_http_status(enum rc rc);

/* The machine-readable "code" of the API error shape, e.g. "validation_failed". */
const char *rc_code(enum rc rc);

/* A short default message for people, used when nobody set a better one. */
const char *rc_message(enum rc rc);

/* Name of the enum value, for logs and tests ("RC_NOT_FOUND"). */
const char *rc_name(enum rc rc);

#endif
