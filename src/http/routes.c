/*
 * routes.c — the whole URL surface of Waymark, one row per route.
 *
 * This is the one place where src/http/ names module handlers. Keep rows grouped by
 * module and ordered by path. Everything not listed here is a static file from web/
 * (GET only) or 404. Flags and roles are enforced by the server before the handler
 * runs (router.h); finer permission checks live in the domain.
 */
#include "routes.h"

#include "activity/activity_api.h"
#include "audit/audit_api.h"
#include "calendar/calendar_api.h"
#include "enrolment/enrolment_api.h"
#include "notify/notify_api.h"
#include "people/auth_api.h"
#include "people/credentials_api.h"
#include "people/groups_api.h"
#include "people/import_api.h"
#include "people/people.h"
#include "people/users_api.h"
#include "system_api.h"
#include "team/team_api.h"
#include "tenant/tenant_api.h"
#include "workflow/markdown_api.h"
#include "workflow/workflow_api.h"

#define AUTH   ROUTE_AUTH
#define WRITE  (ROUTE_AUTH | ROUTE_CSRF)
#define ADMIN  PEOPLE_ROLE_ADMIN
#define DESIGN (PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_DESIGNER)

const struct route ROUTES[] = {
    /* method   pattern      handler               flags   roles */
    {"GET", "/healthz", system_api_healthz, 0, 0},
    {"GET", "/metrics", system_api_metrics, 0, 0},

    /* people: sign-in and the current user (people/auth_api.c) */
    {"POST", "/api/v1/auth/login", auth_api_login, ROUTE_OWN_TX, 0},
    {"POST", "/api/v1/auth/logout", auth_api_logout, WRITE, 0},
    {"GET", "/api/v1/me", auth_api_me, AUTH, 0},

    /* people: passwords, API tokens, one-time links (people/credentials_api.c) */
    {"POST", "/api/v1/auth/accept", credentials_api_accept, 0, 0},
    {"POST", "/api/v1/me/password", credentials_api_change_password, WRITE, 0},
    {"GET", "/api/v1/me/tokens", credentials_api_list_tokens, AUTH, 0},
    {"POST", "/api/v1/me/tokens", credentials_api_create_token, WRITE, 0},
    {"DELETE", "/api/v1/me/tokens/{id}", credentials_api_revoke_token, WRITE, 0},
    {"POST", "/api/v1/users/{id}/password-reset", credentials_api_reset_password, WRITE, ADMIN},

    /* people: users and reporting lines (people/users_api.c) */
    {"GET", "/api/v1/users", users_api_list, AUTH, 0},
    {"POST", "/api/v1/users", users_api_create, WRITE, ADMIN},
    {"GET", "/api/v1/users/{id}", users_api_get, AUTH, 0},
    {"PATCH", "/api/v1/users/{id}", users_api_update, WRITE, ADMIN},
    {"DELETE", "/api/v1/users/{id}", users_api_deactivate, WRITE, ADMIN},
    {"PUT", "/api/v1/users/{id}/coach", users_api_set_coach, WRITE, ADMIN},

    /* people: CSV import (people/import_api.c) */
    {"POST", "/api/v1/users/import", import_api_users, WRITE | ROUTE_CSV, ADMIN},

    /* people: groups (people/groups_api.c) */
    {"GET", "/api/v1/groups", groups_api_list, AUTH, ADMIN | PEOPLE_ROLE_DESIGNER},
    {"POST", "/api/v1/groups", groups_api_create, WRITE, ADMIN},
    {"GET", "/api/v1/groups/{id}", groups_api_get, AUTH, ADMIN | PEOPLE_ROLE_DESIGNER},
    {"PATCH", "/api/v1/groups/{id}", groups_api_update, WRITE, ADMIN},
    {"DELETE", "/api/v1/groups/{id}", groups_api_delete, WRITE, ADMIN},
    {"GET", "/api/v1/groups/{id}/members", groups_api_members, AUTH, ADMIN | PEOPLE_ROLE_DESIGNER},
    {"POST", "/api/v1/groups/{id}/members", groups_api_add_members, WRITE, ADMIN},
    {"DELETE", "/api/v1/groups/{id}/members/{user_id}", groups_api_remove_member, WRITE, ADMIN},

    /* audit log (audit/audit_api.c) */
    {"GET", "/api/v1/audit", audit_api_list, AUTH, ADMIN},

    /* tenant settings and branding (tenant/tenant_api.c) */
    {"GET", "/api/v1/tenant", tenant_api_get, AUTH, 0},
    {"PATCH", "/api/v1/tenant", tenant_api_update, WRITE, ADMIN},
    {"GET", "/api/v1/tenant/logo", tenant_api_logo_get, AUTH, 0},
    {"PUT", "/api/v1/tenant/logo", tenant_api_logo_put, WRITE | ROUTE_UPLOAD, ADMIN},
    {"DELETE", "/api/v1/tenant/logo", tenant_api_logo_delete, WRITE, ADMIN},

    /* workflow design: drafts, phases, steps, versions, import/export, templates
     * (workflow/workflow_api.c) */
    {"GET", "/api/v1/workflows", workflow_api_list, AUTH, DESIGN},
    {"POST", "/api/v1/workflows", workflow_api_create, WRITE, DESIGN},
    {"POST", "/api/v1/workflows/import", workflow_api_import, WRITE, DESIGN},
    {"GET", "/api/v1/workflows/{id}", workflow_api_get, AUTH, DESIGN},
    {"PATCH", "/api/v1/workflows/{id}", workflow_api_update, WRITE, DESIGN},
    {"DELETE", "/api/v1/workflows/{id}", workflow_api_delete, WRITE, DESIGN},
    {"POST", "/api/v1/workflows/{id}/archive", workflow_api_archive, WRITE, DESIGN},
    {"GET", "/api/v1/workflows/{id}/diff", workflow_api_diff, AUTH, DESIGN},
    {"POST", "/api/v1/workflows/{id}/duplicate", workflow_api_duplicate, WRITE, DESIGN},
    {"GET", "/api/v1/workflows/{id}/export", workflow_api_export, AUTH, DESIGN},
    {"POST", "/api/v1/workflows/{id}/phases", workflow_api_phase_add, WRITE, DESIGN},
    {"PATCH", "/api/v1/workflows/{id}/phases/{phase_id}", workflow_api_phase_update, WRITE, DESIGN},
    {"DELETE", "/api/v1/workflows/{id}/phases/{phase_id}", workflow_api_phase_delete, WRITE,
     DESIGN},
    {"POST", "/api/v1/workflows/{id}/publish", workflow_api_publish, WRITE, DESIGN},
    {"POST", "/api/v1/workflows/{id}/restore", workflow_api_restore, WRITE, DESIGN},
    {"POST", "/api/v1/workflows/{id}/steps", workflow_api_step_add, WRITE, DESIGN},
    {"PATCH", "/api/v1/workflows/{id}/steps/{step_id}", workflow_api_step_update, WRITE, DESIGN},
    {"DELETE", "/api/v1/workflows/{id}/steps/{step_id}", workflow_api_step_delete, WRITE, DESIGN},
    {"GET", "/api/v1/workflows/{id}/versions", workflow_api_versions, AUTH, DESIGN},
    {"GET", "/api/v1/workflows/{id}/versions/{n}", workflow_api_version_get, AUTH, DESIGN},
    {"PATCH", "/api/v1/workflows/{id}/versions/{n}", workflow_api_version_change, WRITE, DESIGN},
    {"PUT", "/api/v1/workflows/{id}/versions/{n}", workflow_api_version_change, WRITE, DESIGN},
    {"DELETE", "/api/v1/workflows/{id}/versions/{n}", workflow_api_version_change, WRITE, DESIGN},
    {"GET", "/api/v1/workflow-templates", workflow_api_templates, AUTH, DESIGN},
    {"GET", "/api/v1/workflow-templates/{key}", workflow_api_template_get, AUTH, DESIGN},

    /* enrolment: enrolling, pacing, re-planning (enrolment/enrolment_api.c) */
    {"POST", "/api/v1/workflows/{id}/enrolments", enrolment_api_enrol, WRITE, DESIGN},
    {"GET", "/api/v1/workflows/{id}/enrolment-rules", enrolment_api_rules, AUTH, DESIGN},
    {"DELETE", "/api/v1/workflows/{id}/enrolment-rules/{rule_id}", enrolment_api_rule_stop, WRITE,
     DESIGN},
    {"GET", "/api/v1/enrolments", enrolment_api_list, AUTH, 0},
    {"GET", "/api/v1/enrolments/{id}", enrolment_api_get, AUTH, 0},
    {"PATCH", "/api/v1/enrolments/{id}", enrolment_api_update, WRITE, 0},

    /* activities: the journey, completing, evidence files, sign-off (activity/activity_api.c) */
    {"GET", "/api/v1/me/journey", activity_api_journey, AUTH, 0},
    {"GET", "/api/v1/me/signoffs", activity_api_signoffs, AUTH, 0},
    {"GET", "/api/v1/activities/{id}", activity_api_get, AUTH, 0},
    {"POST", "/api/v1/activities/{id}/complete", activity_api_complete, WRITE, 0},
    {"POST", "/api/v1/activities/{id}/files", activity_api_upload, WRITE | ROUTE_UPLOAD, 0},
    {"GET", "/api/v1/activities/{id}/files/{file_id}", activity_api_file_get, AUTH, 0},
    {"DELETE", "/api/v1/activities/{id}/files/{file_id}", activity_api_file_delete, WRITE, 0},
    {"POST", "/api/v1/activities/{id}/signoff", activity_api_signoff, WRITE, 0},

    /* calendar: the secret iCalendar feed (calendar/calendar_api.c) */
    {"GET", "/api/v1/me/calendar", calendar_api_get, AUTH, 0},
    {"POST", "/api/v1/me/calendar", calendar_api_create, WRITE, 0},
    {"DELETE", "/api/v1/me/calendar", calendar_api_revoke, WRITE, 0},
    {"GET", "/calendar/{token}", calendar_api_feed, 0, 0},

    /* notifications: in-app, preferences, settings, webhooks, outbox, unsubscribe
     * (notify/notify_api.c) */
    {"GET", "/api/v1/me/notifications", notify_api_list, AUTH, 0},
    {"GET", "/api/v1/me/notifications/unread", notify_api_unread, AUTH, 0},
    {"POST", "/api/v1/me/notifications/read-all", notify_api_read_all, WRITE, 0},
    {"POST", "/api/v1/me/notifications/{id}/read", notify_api_read, WRITE, 0},
    {"GET", "/api/v1/me/notification-preferences", notify_api_prefs_get, AUTH, 0},
    {"PATCH", "/api/v1/me/notification-preferences", notify_api_prefs_update, WRITE, 0},
    {"GET", "/api/v1/notification-settings", notify_api_settings_get, AUTH, ADMIN},
    {"PATCH", "/api/v1/notification-settings", notify_api_settings_update, WRITE, ADMIN},
    {"GET", "/api/v1/outbox", notify_api_outbox, AUTH, ADMIN},
    {"GET", "/api/v1/unsubscribe/{token}", notify_api_unsubscribe_peek, 0, 0},
    {"POST", "/api/v1/unsubscribe/{token}", notify_api_unsubscribe, ROUTE_ANY_BODY, 0},
    {"GET", "/api/v1/webhooks", notify_api_webhooks_list, AUTH, ADMIN},
    {"POST", "/api/v1/webhooks", notify_api_webhook_create, WRITE, ADMIN},
    {"GET", "/api/v1/webhooks/{id}", notify_api_webhook_get, AUTH, ADMIN},
    {"PATCH", "/api/v1/webhooks/{id}", notify_api_webhook_update, WRITE, ADMIN},
    {"DELETE", "/api/v1/webhooks/{id}", notify_api_webhook_delete, WRITE, ADMIN},
    {"POST", "/api/v1/webhooks/{id}/test", notify_api_webhook_test, WRITE, ADMIN},

    /* team: a manager's direct reports (team/team_api.c) */
    {"GET", "/api/v1/me/team", team_api_get, AUTH, 0},

    /* Markdown preview, for any signed-in person (workflow/markdown_api.c) */
    {"POST", "/api/v1/markdown/preview", markdown_api_preview, WRITE, 0},
};

const size_t ROUTES_COUNT = sizeof ROUTES / sizeof ROUTES[0];
