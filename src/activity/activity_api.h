/*
 * activity_api.h — the HTTP handlers of the learner's side (docs/enrolments.md "An
 * activity", "The learner's journey", "Sign-offs"). Routes and flags are in
 * src/http/routes.c; who may do what is decided in activity.c:
 *
 *   GET    /api/v1/me/journey                           activity_api_journey
 *   GET    /api/v1/me/signoffs                          activity_api_signoffs
 *   GET    /api/v1/activities/{id}                      activity_api_get
 *   POST   /api/v1/activities/{id}/complete             activity_api_complete
 *   POST   /api/v1/activities/{id}/files                activity_api_upload (multipart)
 *   GET    /api/v1/activities/{id}/files/{file_id}      activity_api_file_get
 *   DELETE /api/v1/activities/{id}/files/{file_id}      activity_api_file_delete
 *   POST   /api/v1/activities/{id}/signoff              activity_api_signoff
 */
#ifndef WAYMARK_ACTIVITY_API_H
#define WAYMARK_ACTIVITY_API_H

#include "core/ctx.h"

enum rc activity_api_journey(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_signoffs(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_complete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_upload(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_file_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_file_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc activity_api_signoff(struct ctx *cx, const struct req *rq, struct resp *rs);

/* The Content-Disposition value for downloading a file called name (UTF-8): attachment
 * with an ASCII-only filename="…" (other characters and quotes become '_') and, when the
 * whole value fits in size - 1 bytes, filename*=UTF-8''… with the name percent-encoded
 * (RFC 6266, RFC 8187). Exposed for the tests. */
void activity_api_disposition(const char *name, char *out, size_t size);

#endif
