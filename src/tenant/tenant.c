/*
 * tenant.c — rules for tenants (see tenant.h).
 */
#include "tenant.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "tenant_store.h"

int tenant_slug_valid(const char *slug)
{
    size_t n = strlen(slug);
    if (n < 2 || n > TENANT_SLUG_MAX || slug[0] == '-' || slug[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((slug[i] >= 'a' && slug[i] <= 'z') || (slug[i] >= '0' && slug[i] <= '9') ||
              slug[i] == '-'))
            return 0;
    return 1;
}

enum rc tenant_ensure(struct ctx *cx, const char *slug, const char *name, struct tenant *out,
                      int *created)
{
    enum rc rc = RC_OK;
    if (!tenant_slug_valid(slug))
        rc = ctx_fail(cx, RC_INVALID, "slug",
                      "must be 2 to 63 lowercase letters, digits or hyphens");
    size_t chars = jsonx_utf8_valid(name, strlen(name)) ? jsonx_utf8_length(name) : 0;
    if (chars < 1 || chars > TENANT_NAME_MAX)
        rc = ctx_fail(cx, RC_INVALID, "name", "must be 1 to %d characters", TENANT_NAME_MAX);
    if (rc)
        return rc;

    struct tenant t;
    rc = tenant_store_find_by_slug(cx->db, slug, &t);
    if (rc == RC_OK) {
        *out = t;
        *created = 0;
        return RC_OK;
    }
    if (rc != RC_NOT_FOUND)
        return rc;
    memset(&t, 0, sizeof t);
    snprintf(t.slug, sizeof t.slug, "%s", slug);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.time_zone, sizeof t.time_zone, "UTC");
    t.created_at = cx->now;
    if ((rc = tenant_store_insert(cx->db, &t)))
        return rc;
    *out = t;
    *created = 1;
    return RC_OK;
}
