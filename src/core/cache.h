/*
 * cache.h — a small bounded, thread-safe cache of answers (byte strings) kept by the
 * server between requests, so a page that is asked for again and has not changed costs a
 * copy instead of its queries.
 *
 * Key and freshness. An entry is stored under (tenant_id, user_id, kind), kind being a
 * short text chosen by the caller ("journey:Europe/London"). Besides its bytes it keeps a
 * tag, the revision of what it was built from (for the journey: users.journey_rev, which
 * every change to it bumps in the database, so several servers on one database agree),
 * and the interval of instants [valid_from, valid_until) in which the answer stays the same
 * by time alone. A lookup names the tag it read from the database and the request's
 * instant; it hits only when both match. The cache never decides freshness itself: the
 * caller must read the tag BEFORE building what it stores, so that a change committed
 * while it builds leaves an entry whose tag is already out of date (a harmless miss),
 * never a current tag on old bytes.
 *
 * Budget. The entries' bytes plus a fixed overhead each stay within the byte budget
 * given at creation; storing past it evicts the least recently used entries. An entry
 * that would cost more than an eighth of the budget is not kept, so one huge answer
 * cannot flush the others. Entries found out of date by a lookup (an older tag, or expired) are
 * dropped at once.
 *
 * Threads. Every function may be called from any thread: one mutex guards the table, and
 * a hit copies the bytes into the caller's buffer while holding it (an answer of 50 KB
 * copies in a few microseconds). Nothing is kept between calls but the entries.
 *
 * There is no global instance: the HTTP server creates one and hands it to handlers in
 * struct ctx (cx->cache); unit tests and the command line leave it NULL, meaning "do not
 * cache".
 */
#ifndef WAYMARK_CACHE_H
#define WAYMARK_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rc.h"

#define CACHE_BUDGET_DEFAULT (16u << 20) /* bytes */
#define CACHE_KIND_MAX       95          /* bytes of a kind */
#define CACHE_ENTRY_OVERHEAD 128         /* bytes an entry costs besides its bytes and kind */

struct cache;

/* What a cache has done since it was created. */
struct cache_stats {
    uint64_t hits, misses, stores, evictions;
    size_t entries;
    size_t bytes; /* charged against the budget */
    size_t budget;
};

/* A new empty cache holding at most budget bytes (0: CACHE_BUDGET_DEFAULT). *out is owned
 * by the caller: cache_free. RC_NOMEM. */
enum rc cache_new(size_t budget, struct cache **out);
/* Frees the cache and every entry. Accepts NULL. No other thread may be using it. */
void cache_free(struct cache *c);

/* Appends the bytes stored under (tenant_id, user_id, kind) to out and returns 1 when the
 * entry's tag equals tag and valid_from <= now < valid_until; otherwise returns 0 and
 * leaves out alone. An entry with an older tag, or expired at now, is dropped. A hit
 * whose append fails (out's cap, memory) is reported as a miss, with out's failure set.
 * c may be NULL (always a miss). */
int cache_get(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind, int64_t tag,
              int64_t now, struct buf *out);

/* Stores a copy of bytes[0..len) under the key with its tag and validity, replacing what
 * was there, unless the entry there has a newer tag (a slower build that read an older
 * revision must not replace a newer one). Evicts least recently used entries to stay in
 * the budget. An entry too large to keep (see the file comment), an empty interval or a kind longer
 * than CACHE_KIND_MAX is simply not stored (RC_OK). c may be NULL (nothing stored). RC_NOMEM when
 * the copy cannot be allocated (the cache is unchanged). */
enum rc cache_put(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind,
                  int64_t tag, int64_t valid_from, int64_t valid_until, const void *bytes,
                  size_t len);

/* Drops the entry under the key, if any. */
void cache_forget(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind);

/* A snapshot of the counters. */
void cache_stats(struct cache *c, struct cache_stats *out);

#endif
