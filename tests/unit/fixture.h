/*
 * fixture.h — shared pieces of the unit tests: a fresh migrated database, a fake clock
 * and a fake request, so handlers and domain functions run without a socket.
 *
 * Header-only (static functions) because each test binary is one translation unit.
 * cmocka must be included before this file.
 */
#ifndef WAYMARK_TEST_FIXTURE_H
#define WAYMARK_TEST_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "db/db.h"

/* 2026-12-01T09:00:00Z, a Tuesday. */
#define FIXTURE_NOW 1796115600LL

struct fake_req {
    struct req rq;
    const char *headers[8][2];
    const char *query[8][2];
};

static const char *fake_lookup(const char *(*pairs)[2], const char *name)
{
    for (int i = 0; i < 8 && pairs[i][0]; i++)
        if (strcasecmp(pairs[i][0], name) == 0)
            return pairs[i][1];
    return NULL;
}

static const char *fake_header(const struct req *rq, const char *name)
{
    return fake_lookup(((struct fake_req *)rq->impl)->headers, name);
}

static const char *fake_query(const struct req *rq, const char *name)
{
    return fake_lookup(((struct fake_req *)rq->impl)->query, name);
}

/* A GET (or other method) request for path with no body. */
static inline void fake_req_init(struct fake_req *f, const char *method, const char *path)
{
    memset(f, 0, sizeof *f);
    f->rq.method = method;
    f->rq.path = path;
    f->rq.body = "";
    f->rq.header = fake_header;
    f->rq.query = fake_query;
    f->rq.impl = f;
}

/* A fresh in-memory SQLite database with every migration applied. */
static inline struct db *fixture_db(void)
{
    char err[256];
    struct db *db = NULL;
    if (db_open("sqlite::memory:", &db, err, sizeof err) != RC_OK ||
        db_migrate(db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "fixture_db: %s\n", err);
        abort();
    }
    return db;
}

/* A context on db at FIXTURE_NOW. */
static inline void fixture_ctx(struct ctx *cx, struct db *db)
{
    ctx_init(cx);
    cx->db = db;
    cx->now = FIXTURE_NOW;
    cx->request_id = "test";
}

#endif
