/*
 * people.h — users as the rest of Waymark sees them: roles, the user record, its JSON,
 * and lookups by id. The rules for changing users live in users.c; sign-in, sessions
 * and tokens in auth.c; who may see whom in authz.c.
 *
 * Roles are bits (PEOPLE_ROLE_*); everyone is a learner. "Manager" is not a role: it is
 * anyone with active direct reports.
 */
#ifndef WAYMARK_PEOPLE_H
#define WAYMARK_PEOPLE_H

#include <jansson.h>
#include <stdint.h>

#include "core/ctx.h"

enum people_role {
    PEOPLE_ROLE_ADMIN = 1,
    PEOPLE_ROLE_DESIGNER = 2,
    PEOPLE_ROLE_ASSESSOR = 4,
    PEOPLE_ROLE_COACH = 8,
    PEOPLE_ROLE_LEARNER = 16,
};
#define PEOPLE_ROLES_ALL 31u

#define PEOPLE_EMAIL_MAX       254
#define PEOPLE_NAME_MAX        200 /* characters */
#define PEOPLE_TEXT_MAX        200 /* department, job title: characters */
#define PEOPLE_EXTERNAL_ID_MAX 200

struct user {
    int64_t id;
    int64_t tenant_id;
    char email[PEOPLE_EMAIL_MAX + 1];
    char name[PEOPLE_NAME_MAX * 4 + 1];
    unsigned roles;
    int64_t manager_id; /* 0: none */
    char department[PEOPLE_TEXT_MAX * 4 + 1];
    char job_title[PEOPLE_TEXT_MAX * 4 + 1];
    char external_id[PEOPLE_EXTERNAL_ID_MAX * 4 + 1]; /* "" when none */
    int active;
    int64_t created_at;
    int64_t updated_at;
};

/* "admin", "designer", … for one bit; NULL for anything else. */
const char *people_role_name(unsigned role);
/* The bit for a role name, 0 when unknown. */
unsigned people_role_from_name(const char *name);
/* ["admin","learner"] in a fixed order. New reference. */
json_t *people_roles_json(unsigned roles);
/* Reads a JSON array of role names into bits (learner always added). Unknown names,
 * duplicates and non-strings fail RC_INVALID on field. */
enum rc people_roles_parse(struct ctx *cx, const json_t *array, const char *field, unsigned *out);

/* Lower-cases ASCII letters of an email into out (size at least PEOPLE_EMAIL_MAX + 1).
 * Returns RC_INVALID when the email is not of the form local@domain.tld within limits. */
enum rc people_email_key(const char *email, char *out, size_t size);

/* The user as the API shows it (never the password hash). New reference. */
json_t *people_user_json(const struct user *u);

/* The user with this id in the actor's tenant; RC_NOT_FOUND when missing or elsewhere.
 * Performs no permission check: callers decide (authz.h). */
enum rc people_get_user(struct ctx *cx, int64_t id, struct user *out);

/* 1 when user_id has at least one active direct report. */
int people_is_manager(struct ctx *cx, int64_t user_id);

#endif
