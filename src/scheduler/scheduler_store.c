/*
 * scheduler_store.c — SQL of the scheduler's leases (see scheduler_store.h).
 */
#include "scheduler_store.h"

#include "db/db.h"

enum rc scheduler_store_lease_take(struct db *db, const char *name, const char *holder, int64_t now,
                                   int64_t until_at, int *taken)
{
    /* One statement, so two servers racing for the lease cannot both win: the row's
     * conflict serialises them and only one sees an expired (or its own) lease. */
    int64_t changes = 0;
    enum rc rc = DB_RUN(db,
                        "INSERT INTO scheduler_leases (name, holder, until_at) VALUES ($1, $2, $3) "
                        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                        "until_at = excluded.until_at "
                        "WHERE scheduler_leases.until_at <= $4 "
                        "OR scheduler_leases.holder = excluded.holder",
                        &changes, DB_TEXT(name), DB_TEXT(holder), DB_INT(until_at), DB_INT(now));
    *taken = rc == RC_OK && changes == 1;
    return rc;
}

enum rc scheduler_store_lease_release(struct db *db, const char *name, const char *holder)
{
    /* 0, not now: free for any clock, even a test's that goes back in time. */
    return DB_RUN(db, "UPDATE scheduler_leases SET until_at = 0 WHERE name = $1 AND holder = $2",
                  NULL, DB_TEXT(name), DB_TEXT(holder));
}
