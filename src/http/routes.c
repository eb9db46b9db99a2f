/*
 * routes.c — the whole URL surface of Waymark, one row per route.
 *
 * This is the one place where src/http/ names module handlers. Keep rows grouped by
 * module and ordered by path. Everything not listed here is a static file from web/
 * (GET only) or 404. Flags and roles are enforced by the server before the handler
 * runs (router.h); finer permission checks live in the domain.
 */
#include "routes.h"

#include "audit/audit_api.h"
#include "people/auth_api.h"
#include "people/credentials_api.h"
#include "people/groups_api.h"
#include "people/import_api.h"
#include "people/people.h"
#include "people/users_api.h"
#include "system_api.h"
#include "tenant/tenant_api.h"

#define AUTH  ROUTE_AUTH
#define WRITE (ROUTE_AUTH | ROUTE_CSRF)
#define ADMIN PEOPLE_ROLE_ADMIN

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
};

const size_t ROUTES_COUNT = sizeof ROUTES / sizeof ROUTES[0];
