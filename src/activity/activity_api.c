/*
 * activity_api.c — JSON and multipart ⇄ activity.h for the routes listed in
 * activity_api.h.
 *
 * Bodies are read strictly: unknown fields and wrong types are 422, every bad field
 * reported at once. The journey and the sign-off queue are written straight into the
 * response with jsonw (they are the pages every learner and manager opens first; the
 * journey is also kept in the server's cache, see activity_journey); the rest use
 * Jansson. Uploads arrive as the raw multipart body (the route's ROUTE_UPLOAD
 * flag lets them past the JSON check, up to --max-upload); every part named "file" is a
 * file, and activity.c decides from their bytes what they are. Downloads go out as
 * attachments with the sniffed type and never cached by shared caches.
 */
#include "activity_api.h"

#include <stdio.h>
#include <string.h>

#include "activity.h"
#include "core/jsonw.h"
#include "core/jsonx.h"
#include "core/multipart.h"
#include "core/query.h"
#include "core/sniff.h"

static enum rc answer(struct resp *rs, int status, json_t *v, enum rc rc)
{
    if (rc) {
        json_decref(v);
        return rc;
    }
    return resp_json(rs, status, v);
}

enum rc activity_api_journey(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    enum rc rc = activity_journey(cx, resp_json_body(rs, 200));
    if (rc)
        return rc;
    return resp_header(rs, "Cache-Control", "private, no-store");
}

enum rc activity_api_signoffs(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int limit;
    int64_t cursor;
    enum rc rc = query_paging(cx, rq, &limit, &cursor);
    if (rc)
        return rc;
    if (!rq->query(rq, "limit"))
        limit = ACTIVITY_SIGNOFFS_DEFAULT;
    struct jsonw w;
    jsonw_init(&w, resp_json_body(rs, 200));
    if ((rc = activity_signoffs(cx, cursor, limit, &w)))
        return rc;
    return buf_failed(&rs->body);
}

enum rc activity_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    json_t *out = NULL;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc)
        return rc;
    return answer(rs, 200, out, activity_get(cx, id, &out));
}

/* An optional text field: absent leaves *out NULL, null reads as "" (clear it). */
static void read_text(struct ctx *cx, const json_t *body, const char *key, size_t max_chars,
                      const char **out)
{
    json_t *v = json_object_get(body, key);
    if (v && json_is_null(v))
        *out = "";
    else
        jsonx_string(cx, body, key, 0, 0, max_chars, out);
}

enum rc activity_api_complete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"reflection", "evidence_text", "evidence_url", NULL};
    struct activity_input in = {0};
    int64_t id;
    json_t *out = NULL;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc)
        return rc;
    if (rq->json) {
        if ((rc = jsonx_only(cx, rq->json, FIELDS)) && !json_is_object(rq->json))
            return rc;
        read_text(cx, rq->json, "reflection", ACTIVITY_TEXT_MAX, &in.reflection);
        read_text(cx, rq->json, "evidence_text", ACTIVITY_TEXT_MAX, &in.evidence_text);
        read_text(cx, rq->json, "evidence_url", 100000, &in.evidence_url);
        if (cx->rc == RC_INVALID)
            return RC_INVALID;
    }
    return answer(rs, 200, out, activity_complete(cx, id, &in, &out));
}

enum rc activity_api_signoff(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"decision", "comment", NULL};
    const char *decision = NULL, *comment = NULL;
    int64_t id;
    json_t *out = NULL;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc)
        return rc;
    if (!rq->json)
        return ctx_fail(cx, RC_INVALID, "decision", "is required: approve or return");
    if ((rc = jsonx_only(cx, rq->json, FIELDS)) && !json_is_object(rq->json))
        return rc;
    if (jsonx_string(cx, rq->json, "decision", 1, 1, 20, &decision) == RC_OK &&
        strcmp(decision, "approve") != 0 && strcmp(decision, "return") != 0)
        ctx_fail(cx, RC_INVALID, "decision", "must be approve or return");
    read_text(cx, rq->json, "comment", ACTIVITY_COMMENT_MAX, &comment);
    if (cx->rc == RC_INVALID)
        return RC_INVALID;
    int approve = strcmp(decision, "approve") == 0;
    return answer(rs, 200, out, activity_sign_off(cx, id, approve, comment, &out));
}

enum rc activity_api_upload(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct multipart m;
    struct activity_upload files[MULTIPART_PARTS_MAX];
    size_t n = 0;
    int64_t id;
    json_t *out = NULL;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc)
        return rc;
    if ((rc = multipart_parse(cx, rq->content_type, rq->body, rq->body_len, &m))) {
        if (rc == RC_UNSUPPORTED_MEDIA && !cx->message[0])
            ctx_fail(cx, rc, NULL, "Send the files as multipart/form-data, in parts named file.");
        return rc;
    }
    for (size_t i = 0; i < m.nparts; i++) {
        const struct multipart_part *p = &m.parts[i];
        if (strcmp(p->name, "file") != 0)
            continue;
        files[n].name = p->is_file ? p->filename : "";
        files[n].data = p->data;
        files[n].len = p->len;
        n++;
    }
    if (n == 0)
        return ctx_fail(cx, RC_INVALID, "file", "is required: send each file in a part named file");
    return answer(rs, 201, out, activity_add_files(cx, id, files, n, &out));
}

/* RFC 8187 attr-char: what may stay unencoded in filename*. */
static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

void activity_api_disposition(const char *name, char *out, size_t size)
{
    static const char HEX[] = "0123456789ABCDEF";
    char ascii[SNIFF_NAME_MAX + 1], encoded[3 * SNIFF_NAME_MAX + 1];
    size_t a = 0, e = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && a < SNIFF_NAME_MAX)
            ascii[a++] = (char)c;
        else if ((c & 0xc0) != 0x80 && a < SNIFF_NAME_MAX) /* one '_' per character */
            ascii[a++] = '_';
        if (e + 3 < sizeof encoded) {
            if (attr_char(c)) {
                encoded[e++] = (char)c;
            } else {
                encoded[e++] = '%';
                encoded[e++] = HEX[c >> 4];
                encoded[e++] = HEX[c & 15];
            }
        }
    }
    ascii[a] = '\0';
    encoded[e] = '\0';
    if (a == 0)
        snprintf(ascii, sizeof ascii, "file");
    int n = snprintf(out, size, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
    if (n < 0 || (size_t)n >= size)
        snprintf(out, size, "attachment; filename=\"%s\"", ascii);
}

enum rc activity_api_file_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, file_id;
    char name[SNIFF_NAME_MAX + 1], disposition[256];
    const char *type = NULL;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc || (rc = query_path_id(cx, rq, 1, "file", &file_id)))
        return rc;
    buf_reset(&rs->body);
    if ((rc = activity_file_get(cx, id, file_id, &rs->body, name, sizeof name, &type)))
        return rc;
    rs->status = 200;
    rs->content_type = type;
    activity_api_disposition(name, disposition, sizeof disposition);
    if ((rc = resp_header(rs, "Content-Disposition", "%s", disposition)))
        return rc;
    return resp_header(rs, "Cache-Control", "private, no-store");
}

enum rc activity_api_file_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, file_id;
    enum rc rc = query_path_id(cx, rq, 0, "activity", &id);
    if (rc || (rc = query_path_id(cx, rq, 1, "file", &file_id)))
        return rc;
    if ((rc = activity_file_delete(cx, id, file_id)))
        return rc;
    return resp_json(rs, 204, NULL);
}
