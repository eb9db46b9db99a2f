/*
 * import_api.c — the CSV import over HTTP (see import_api.h).
 *
 * The server hands over the raw body (ROUTE_CSV: text/csv is accepted and not parsed
 * as JSON). A file with errors is not a failed request in the usual sense: the answer
 * must carry the whole report, so the handler renders it itself — with 422 and an
 * "error" member on a real run, so that clients which only look at the error shape
 * still see that nothing was imported — and returns RC_OK. Nothing was written in that
 * case, so the router's commit is empty.
 */
#include "import_api.h"

#include <stdio.h>
#include <string.h>

#include "import.h"

enum rc import_api_users(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    /* The server parses a JSON body even on this route; a file must come as text/csv. */
    if (rq->json)
        return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                        "Send the CSV file itself as the body, with Content-Type text/csv.");
    const char *flag = rq->query ? rq->query(rq, "dry_run") : NULL;
    struct import_options opt = {0};
    if (flag) {
        if (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0)
            opt.dry_run = 1;
        else if (strcmp(flag, "0") != 0 && strcmp(flag, "false") != 0)
            return ctx_fail(cx, RC_BAD_REQUEST, "dry_run", "must be 1 or 0");
    }
    struct import_report rep;
    enum rc rc =
        import_users_csv(cx, rq->body ? rq->body : "", rq->body ? rq->body_len : 0, &opt, &rep);
    if (rc)
        return rc;
    json_t *body = import_report_json(&rep);
    int status = 200;
    if (rep.error_count && !opt.dry_run) {
        status = 422;
        json_t *details = json_array();
        for (size_t i = 0; i < rep.nerrors; i++)
            json_array_append_new(
                details, json_pack("{s:s, s:s, s:I}", "field", rep.errors[i].field, "message",
                                   rep.errors[i].message, "row", (json_int_t)rep.errors[i].row));
        char message[96];
        snprintf(message, sizeof message, "The file has %lld error%s; nothing was imported.",
                 (long long)rep.error_count, rep.error_count == 1 ? "" : "s");
        json_object_set_new(body, "error",
                            json_pack("{s:s, s:s, s:o}", "code", "validation_failed", "message",
                                      message, "details", details));
    }
    import_report_free(&rep);
    if (!body)
        return RC_NOMEM;
    return resp_json(rs, status, body);
}
