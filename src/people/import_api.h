/*
 * import_api.h — POST /api/v1/users/import (text/csv): the CSV import over HTTP.
 */
#ifndef WAYMARK_PEOPLE_IMPORT_API_H
#define WAYMARK_PEOPLE_IMPORT_API_H

#include "core/ctx.h"

/* Body: the CSV file (Content-Type text/csv, up to --max-upload). ?dry_run=1 checks
 * without writing. Answers 200 with the report (import.h) on a dry run and on a
 * successful run; 422 with the same report plus the error shape
 * ({"error":{"code":"validation_failed",…}}) when a real run found errors, in which
 * case nothing was written. Admins only. */
enum rc import_api_users(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
