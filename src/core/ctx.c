/*
 * ctx.c — request context errors and response building (see ctx.h).
 */
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonx.h"

#define RESP_BODY_CAP (64u << 20)

void ctx_init(struct ctx *cx)
{
    memset(cx, 0, sizeof *cx);
}

void ctx_clear(struct ctx *cx)
{
    json_decref(cx->details);
    cx->details = NULL;
    cx->details_omitted = 0;
    cx->rc = RC_OK;
    cx->code = NULL;
    cx->message[0] = '\0';
}

static void ctx_vset(struct ctx *cx, enum rc rc, const char *field, const char *fmt, va_list ap)
{
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    if (cx->rc == RC_OK || cx->rc != rc) {
        /* A new kind of failure replaces the old one entirely. */
        json_decref(cx->details);
        cx->details = NULL;
        cx->details_omitted = 0;
        cx->code = NULL;
        cx->rc = rc;
        if (field)
            snprintf(cx->message, sizeof cx->message, "%s", rc_message(rc));
        else
            snprintf(cx->message, sizeof cx->message, "%s", text);
    }
    if (field && json_array_size(cx->details) >= CTX_DETAILS_MAX) {
        cx->details_omitted++;
    } else if (field) {
        if (!cx->details)
            cx->details = json_array();
        json_array_append_new(cx->details,
                              json_pack("{s:s, s:s}", "field", field, "message", text));
    }
}

enum rc ctx_fail(struct ctx *cx, enum rc rc, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_vset(cx, rc, field, fmt, ap);
    va_end(ap);
    return rc;
}

enum rc ctx_fail_code(struct ctx *cx, enum rc rc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_vset(cx, rc, NULL, fmt, ap);
    va_end(ap);
    cx->code = code;
    return rc;
}

int ctx_has_detail(const struct ctx *cx, const char *field)
{
    size_t i;
    json_t *d;
    json_array_foreach(cx->details, i, d)
    {
        const char *f = json_string_value(json_object_get(d, "field"));
        if (f && strcmp(f, field) == 0)
            return 1;
    }
    return 0;
}

json_t *ctx_error_json(const struct ctx *cx, enum rc rc)
{
    int own = cx && cx->rc == rc && cx->message[0];
    json_t *details = own && cx->details ? json_deep_copy(cx->details) : json_array();
    if (own && cx->details_omitted > 0) {
        char more[80];
        snprintf(more, sizeof more, "… and %ld more problems not listed", cx->details_omitted);
        json_array_append_new(details, json_pack("{s:s, s:s}", "field", "", "message", more));
    }
    return json_pack("{s:{s:s, s:s, s:o}}", "error", "code",
                     own && cx->code ? cx->code : rc_code(rc), "message",
                     own ? cx->message : rc_message(rc), "details", details);
}

void resp_init(struct resp *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->status = 200;
    rs->file_fd = -1;
    buf_init(&rs->body, RESP_BODY_CAP);
}

void resp_free(struct resp *rs)
{
    buf_free(&rs->body);
    if (rs->file_fd >= 0)
        close(rs->file_fd);
    rs->file_fd = -1;
}

enum rc resp_header(struct resp *rs, const char *name, const char *fmt, ...)
{
    if (rs->nheaders >= RESP_MAX_HEADERS)
        return RC_INTERNAL;
    struct resp_header *h = &rs->headers[rs->nheaders++];
    h->name = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->value, sizeof h->value, fmt, ap);
    va_end(ap);
    return RC_OK;
}

enum rc resp_json(struct resp *rs, int status, json_t *v)
{
    rs->status = status;
    buf_reset(&rs->body);
    if (!v) {
        rs->content_type = NULL;
        return RC_OK;
    }
    rs->content_type = "application/json; charset=utf-8";
    enum rc rc = jsonx_dump(v, &rs->body);
    json_decref(v);
    return rc;
}

struct buf *resp_json_body(struct resp *rs, int status)
{
    rs->status = status;
    rs->content_type = "application/json; charset=utf-8";
    buf_reset(&rs->body);
    return &rs->body;
}

void resp_error(struct resp *rs, const struct ctx *cx, enum rc rc)
{
    if (rs->file_fd >= 0) {
        close(rs->file_fd);
        rs->file_fd = -1;
    }
    if (resp_json(rs, rc_http_status(rc), ctx_error_json(cx, rc)) != RC_OK) {
        buf_reset(&rs->body);
        buf_add(&rs->body, "{\"error\":{\"code\":\"internal_error\",\"message\":\"Something "
                           "went wrong on our side.\",\"details\":[]}}");
        rs->status = 500;
    }
}
