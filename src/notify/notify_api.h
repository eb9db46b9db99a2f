/*
 * notify_api.h — the HTTP handlers of notifications (notify.h, notify_settings.h;
 * docs/notifications.md is the contract). The routes and their flags are in
 * src/http/routes.c:
 *
 *   GET    /api/v1/me/notifications              notify_api_list
 *   GET    /api/v1/me/notifications/unread       notify_api_unread
 *   POST   /api/v1/me/notifications/read-all     notify_api_read_all
 *   POST   /api/v1/me/notifications/{id}/read    notify_api_read        204
 *   GET    /api/v1/me/notification-preferences   notify_api_prefs_get
 *   PATCH  /api/v1/me/notification-preferences   notify_api_prefs_update
 *   GET    /api/v1/notification-settings         notify_api_settings_get     (admin)
 *   PATCH  /api/v1/notification-settings         notify_api_settings_update  (admin)
 *   GET    /api/v1/webhooks                      notify_api_webhooks_list    (admin)
 *   POST   /api/v1/webhooks                      notify_api_webhook_create   (admin) 201
 *   GET    /api/v1/webhooks/{id}                 notify_api_webhook_get      (admin)
 *   PATCH  /api/v1/webhooks/{id}                 notify_api_webhook_update   (admin)
 *   DELETE /api/v1/webhooks/{id}                 notify_api_webhook_delete   (admin) 204
 *   POST   /api/v1/webhooks/{id}/test            notify_api_webhook_test     (admin) 202
 *   GET    /api/v1/outbox                        notify_api_outbox           (admin)
 *   GET    /api/v1/unsubscribe/{token}           notify_api_unsubscribe_peek (no sign-in)
 *   POST   /api/v1/unsubscribe/{token}           notify_api_unsubscribe      (no sign-in)
 */
#ifndef WAYMARK_NOTIFY_API_H
#define WAYMARK_NOTIFY_API_H

#include "core/ctx.h"

enum rc notify_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_unread(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_read_all(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_read(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_prefs_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_prefs_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_settings_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_settings_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhooks_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhook_create(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhook_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhook_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhook_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_webhook_test(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_outbox(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_unsubscribe_peek(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc notify_api_unsubscribe(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
