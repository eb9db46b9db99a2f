/*
 * users.h — the rules for people in a tenant: creating, changing, deactivating and
 * reactivating users, reporting lines, coach assignments and who may list whom.
 *
 * Rules enforced here (whatever door the call comes through: API, CLI, import):
 *   - email is required, unique per tenant compared case-insensitively (people_email_key),
 *     409 with an "email" detail when taken; external_id, when given, is unique per
 *     tenant too (409, "external_id").
 *   - everyone is a learner: the learner bit is always added to roles.
 *   - manager_id names an active user of the same tenant (else 422 "manager_id"), and a
 *     change that would make a reporting cycle (a person managing themselves, directly
 *     or through others) is refused with 422 "manager_id". Reporting-line changes are
 *     serialised per tenant (users_store_lock_tenant), so two concurrent changes cannot
 *     build a cycle between them.
 *   - deactivating keeps the row and its history (active = 0, deactivated_at), ends the
 *     person's sessions, tokens and links (credentials_revoke_all); their direct reports
 *     keep their manager_id. Reactivating (active = true) undoes the flag only. An admin
 *     cannot deactivate themselves or drop their own admin role (409/422), so a tenant
 *     is never locked out by one click.
 *   - every change writes an audit entry (user.create, user.update with the changed
 *     fields' old and new values, user.deactivate, user.reactivate, user.coach) and
 *     re-evaluates rule groups (groups_refresh_rules).
 * Permission: changes need authz_can_manage_users; reads follow authz_can_read_user and
 * authz_user_filter. Callers outside a request (the CLI) set cx->actor.tenant_id and
 * roles = PEOPLE_ROLE_ADMIN with user_id 0; the audit entry then has no actor.
 *
 * All functions run inside the caller's transaction (the router opens one for writes).
 */
#ifndef WAYMARK_USERS_H
#define WAYMARK_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "credentials.h"
#include "people.h"

/* Which fields of struct users_change are given. */
enum users_field {
    USERS_EMAIL = 1 << 0,
    USERS_NAME = 1 << 1,
    USERS_ROLES = 1 << 2,
    USERS_MANAGER = 1 << 3,
    USERS_DEPARTMENT = 1 << 4,
    USERS_JOB_TITLE = 1 << 5,
    USERS_EXTERNAL_ID = 1 << 6,
    USERS_ACTIVE = 1 << 7,
};

/* A create or an update: only the fields named in set are read. Strings are borrowed. */
struct users_change {
    unsigned set;
    const char *email;
    const char *name;
    unsigned roles;     /* PEOPLE_ROLE_* bits; learner is added */
    int64_t manager_id; /* 0: no manager */
    const char *department;
    const char *job_title;
    const char *external_id; /* NULL or "": none */
    int active;
};

/* Checks the fields named in ch->set for form (lengths, UTF-8, control characters,
 * email shape, role bits) without touching the database; with creating, email and name
 * are required. Reports every bad field (RC_INVALID) at once. The import can call this
 * per row with a scratch ctx and read cx->details. */
enum rc users_check_change(struct ctx *cx, const struct users_change *ch, int creating);

/* Creates a user without a password. RC_FORBIDDEN (not an admin), RC_INVALID,
 * RC_CONFLICT (email or external_id taken). */
enum rc users_create(struct ctx *cx, const struct users_change *ch, struct user *out);

/* users_create, then an invitation link (credentials_issue_link, purpose "invite")
 * written into url (never stored in the audit log). What POST /api/v1/users does. */
enum rc users_invite(struct ctx *cx, const struct users_change *ch, struct user *out,
                     char url[CREDENTIALS_LINK_URL_MAX]);

/* Applies the fields of ch->set to user id. USERS_ACTIVE false deactivates and true
 * reactivates (see the file comment). RC_NOT_FOUND for an id the actor cannot see,
 * RC_FORBIDDEN when they may see but not change it, RC_INVALID, RC_CONFLICT. */
enum rc users_update(struct ctx *cx, int64_t id, const struct users_change *ch, struct user *out);

/* Deactivates user id (idempotent: an inactive user is returned unchanged). */
enum rc users_deactivate(struct ctx *cx, int64_t id, struct user *out);

/* A user as one person sees another: the record plus facts about them. */
struct users_detail {
    int is_manager;              /* has active direct reports */
    int64_t direct_report_count; /* active direct reports */
    int64_t coach_id;            /* assigned coach, 0: none */
};

/* Reads user id if the actor may see them (else RC_NOT_FOUND); detail may be NULL. */
enum rc users_get(struct ctx *cx, int64_t id, struct user *out, struct users_detail *detail);

/* Sets the coach of learner id (replacing any), or removes it with coach_id 0. The
 * coach must be an active user with the coach role, not the learner (422 "coach_id").
 * Admin only. */
enum rc users_set_coach(struct ctx *cx, int64_t id, int64_t coach_id, struct users_detail *detail);

#define USERS_LIST_DEFAULT 50
#define USERS_LIST_MAX     500

/* Filters of a list; NULL strings and negative numbers mean "not filtered". */
struct users_query {
    const char *q;          /* name or email contains, case-insensitive */
    int active;             /* -1, 0, 1 */
    int64_t manager_id;     /* -1: any; otherwise direct reports of this id */
    const char *department; /* equals, case-insensitive */
    unsigned role;          /* 0: any; else a PEOPLE_ROLE_* bit the user holds */
    int64_t after_id;       /* the cursor: 0 from the start */
    int limit;              /* 1..USERS_LIST_MAX */
};

/* Called once per user in the list, in order (name, then id). Must not use the database. */
typedef enum rc (*users_each_fn)(void *arg, const struct user *u);

/* Lists the users the actor may see (authz_user_filter) matching q, ordered by name then
 * id, at most q->limit. *next_after is the cursor of the next page, 0 when this was the
 * last. RC_BAD_REQUEST when after_id names no user of the tenant. */
enum rc users_list(struct ctx *cx, const struct users_query *q, users_each_fn each, void *arg,
                   int64_t *next_after);

#endif
