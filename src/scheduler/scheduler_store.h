/*
 * scheduler_store.h — the scheduler's leases (table scheduler_leases).
 */
#ifndef WAYMARK_SCHEDULER_STORE_H
#define WAYMARK_SCHEDULER_STORE_H

#include <stdint.h>

#include "core/rc.h"

struct db;

/* Takes lease name for holder until until_at when it is free at now (no row, expired,
 * or already holder's). *taken 1 when it is now holder's. Runs in its own statement. */
enum rc scheduler_store_lease_take(struct db *db, const char *name, const char *holder, int64_t now,
                                   int64_t until_at, int *taken);
/* Gives it back when holder still holds it: free at once, whatever the clock. */
enum rc scheduler_store_lease_release(struct db *db, const char *name, const char *holder);

#endif
