/*
 * people.c — roles, emails and the user's JSON (see people.h).
 */
#include "people.h"

#include <string.h>

#include "core/jsonx.h"
#include "people_store.h"

static const struct {
    unsigned bit;
    const char *name;
} ROLES[] = {
    {PEOPLE_ROLE_ADMIN, "admin"},       {PEOPLE_ROLE_DESIGNER, "designer"},
    {PEOPLE_ROLE_ASSESSOR, "assessor"}, {PEOPLE_ROLE_COACH, "coach"},
    {PEOPLE_ROLE_LEARNER, "learner"},
};
#define NROLES (sizeof ROLES / sizeof ROLES[0])

const char *people_role_name(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (ROLES[i].bit == role)
            return ROLES[i].name;
    return NULL;
}

unsigned people_role_from_name(const char *name)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcmp(ROLES[i].name, name) == 0)
            return ROLES[i].bit;
    return 0;
}

json_t *people_roles_json(unsigned roles)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NROLES; i++)
        if (roles & ROLES[i].bit)
            json_array_append_new(a, json_string(ROLES[i].name));
    return a;
}

enum rc people_roles_parse(struct ctx *cx, const json_t *array, const char *field, unsigned *out)
{
    if (!json_is_array(array))
        return ctx_fail(cx, RC_INVALID, field, "must be a list of role names");
    unsigned roles = PEOPLE_ROLE_LEARNER, seen = 0;
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        unsigned bit = json_is_string(v) ? people_role_from_name(json_string_value(v)) : 0;
        if (!bit)
            return ctx_fail(cx, RC_INVALID, field,
                            "must name only admin, designer, assessor, coach or learner");
        if (seen & bit)
            return ctx_fail(cx, RC_INVALID, field, "names %s twice", people_role_name(bit));
        seen |= bit;
        roles |= bit;
    }
    *out = roles;
    return RC_OK;
}

enum rc people_email_key(const char *email, char *out, size_t size)
{
    size_t n = strlen(email);
    const char *at = strchr(email, '@');
    if (n < 3 || n > PEOPLE_EMAIL_MAX || n + 1 > size || !at || at == email ||
        strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' || email[n - 1] == '.')
        return RC_INVALID;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
            c == '(' || c == ')' || c == '\\' || c >= 0x80)
            return RC_INVALID;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = '\0';
    return RC_OK;
}

json_t *people_user_json(const struct user *u)
{
    return json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:b, s:o, s:o}", "id", (json_int_t)u->id, "email",
        u->email, "name", u->name, "roles", people_roles_json(u->roles), "manager_id",
        u->manager_id ? json_integer(u->manager_id) : json_null(), "department", u->department,
        "job_title", u->job_title, "external_id",
        u->external_id[0] ? json_string(u->external_id) : json_null(), "active", u->active,
        "created_at", jsonx_instant(u->created_at), "updated_at", jsonx_instant(u->updated_at));
}

enum rc people_get_user(struct ctx *cx, int64_t id, struct user *out)
{
    if (id <= 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    enum rc rc = people_store_user_by_id(cx->db, cx->actor.tenant_id, id, out);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    return rc;
}

int people_is_manager(struct ctx *cx, int64_t user_id)
{
    return people_store_has_reports(cx->db, cx->actor.tenant_id, user_id) == 1;
}
