/*
 * cli.c — see cli.h.
 */
#include "cli.h"

#include <stdio.h>

#include "core/now.h"
#include "db/db.h"

struct db *cli_open_db(const struct config *cfg, const char *prog)
{
    char err[512];
    struct db *db = NULL;
    if (db_open(cfg->db_url, &db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "%s: cannot open database %s: %s\n", prog, cfg->db_url, err);
        return NULL;
    }
    if (db_migrate(db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        db_close(db);
        return NULL;
    }
    return db;
}

int cli_open(const struct config *cfg, const char *prog, struct ctx *cx)
{
    struct db *db = cli_open_db(cfg, prog);
    if (!db)
        return -1;
    ctx_init(cx);
    cx->db = db;
    cx->cfg = cfg;
    cx->now = now_read(NULL);
    return 0;
}

void cli_close(struct ctx *cx)
{
    ctx_clear(cx);
    db_close(cx->db);
    cx->db = NULL;
}
