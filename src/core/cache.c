/*
 * cache.c — the bounded answer cache (see cache.h).
 *
 * A chained hash table finds entries by key; a doubly linked list orders them by last
 * use (head: most recent), and eviction takes from its tail. Each entry is one
 * allocation: the struct, then its kind (NUL-terminated), then its bytes. The table
 * doubles when it holds more entries than buckets, so chains stay short. One mutex
 * guards everything; the work done under it is a hash lookup and a memcpy.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS_MIN 64

struct entry {
    struct entry *chain;         /* next in the bucket */
    struct entry *newer, *older; /* the use list */
    uint64_t hash;
    int64_t tenant_id, user_id, tag, valid_from, valid_until;
    size_t len;  /* of the bytes */
    size_t cost; /* charged against the budget */
    char *bytes; /* points into the same allocation, after the kind */
    char kind[];
};

struct cache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t nbuckets; /* a power of two */
    struct entry *newest, *oldest;
    size_t entries, bytes, budget;
    uint64_t hits, misses, stores, evictions;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

static uint64_t key_hash(int64_t tenant_id, int64_t user_id, const char *kind)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the kind, then the ids mixed in */
    for (const unsigned char *p = (const unsigned char *)kind; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return mix(mix(h, (uint64_t)tenant_id), (uint64_t)user_id);
}

enum rc cache_new(size_t budget, struct cache **out)
{
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return RC_NOMEM;
    c->nbuckets = BUCKETS_MIN;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return RC_NOMEM;
    }
    c->budget = budget ? budget : CACHE_BUDGET_DEFAULT;
    *out = c;
    return RC_OK;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    for (struct entry *e = c->newest, *next; e; e = next) {
        next = e->older;
        free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ---- under the lock ----------------------------------------------------------------- */

static struct entry **slot_of(struct cache *c, uint64_t hash, int64_t tenant_id, int64_t user_id,
                              const char *kind)
{
    struct entry **p = &c->buckets[hash & (c->nbuckets - 1)];
    for (; *p; p = &(*p)->chain) {
        struct entry *e = *p;
        if (e->hash == hash && e->tenant_id == tenant_id && e->user_id == user_id &&
            strcmp(e->kind, kind) == 0)
            return p;
    }
    return p;
}

static void unlink_use(struct cache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct cache *c, struct entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* Unlinks the entry at *slot from the table and the use list and frees it. */
static void drop(struct cache *c, struct entry **slot)
{
    struct entry *e = *slot;
    *slot = e->chain;
    unlink_use(c, e);
    c->entries--;
    c->bytes -= e->cost;
    free(e);
}

/* Doubles the table; keeps the old one when memory is short (chains just get longer). */
static void grow_table(struct cache *c)
{
    size_t n = c->nbuckets * 2;
    struct entry **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        for (struct entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

/* ---- the interface -------------------------------------------------------------------- */

int cache_get(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind, int64_t tag,
              int64_t now, struct buf *out)
{
    if (!c || !kind)
        return 0;
    uint64_t hash = key_hash(tenant_id, user_id, kind);
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    struct entry **slot = slot_of(c, hash, tenant_id, user_id, kind);
    struct entry *e = *slot;
    if (e && e->tag == tag && e->valid_from <= now && now < e->valid_until) {
        unlink_use(c, e);
        push_newest(c, e);
        hit = buf_addn(out, e->bytes, e->len) == RC_OK;
    } else if (e && (e->tag < tag || now >= e->valid_until)) {
        drop(c, slot); /* out of date for good */
    }
    if (hit)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

enum rc cache_put(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind,
                  int64_t tag, int64_t valid_from, int64_t valid_until, const void *bytes,
                  size_t len)
{
    if (!c || !kind || valid_from >= valid_until)
        return RC_OK;
    size_t klen = strlen(kind), cost = len + klen + 1 + CACHE_ENTRY_OVERHEAD;
    if (klen > CACHE_KIND_MAX || cost > c->budget / 8)
        return RC_OK;
    size_t size = sizeof(struct entry) + klen + 1 + len;
    struct entry *n = malloc(size);
    if (!n)
        return RC_NOMEM;
    memset(n, 0, sizeof *n);
    n->hash = key_hash(tenant_id, user_id, kind);
    n->tenant_id = tenant_id;
    n->user_id = user_id;
    n->tag = tag;
    n->valid_from = valid_from;
    n->valid_until = valid_until;
    n->len = len;
    n->cost = cost;
    memcpy(n->kind, kind, klen + 1);
    n->bytes = n->kind + klen + 1;
    if (len)
        memcpy(n->bytes, bytes, len);

    pthread_mutex_lock(&c->lock);
    struct entry **slot = slot_of(c, n->hash, tenant_id, user_id, kind);
    if (*slot && (*slot)->tag > tag) {
        pthread_mutex_unlock(&c->lock);
        free(n);
        return RC_OK;
    }
    if (*slot)
        drop(c, slot); /* *slot is now the old entry's successor in the chain */
    while (c->oldest && c->bytes + n->cost > c->budget) {
        struct entry *victim = c->oldest;
        drop(c, slot_of(c, victim->hash, victim->tenant_id, victim->user_id, victim->kind));
        c->evictions++;
    }
    if (c->entries >= c->nbuckets)
        grow_table(c);
    struct entry **head = &c->buckets[n->hash & (c->nbuckets - 1)];
    n->chain = *head;
    *head = n;
    push_newest(c, n);
    c->entries++;
    c->bytes += n->cost;
    c->stores++;
    pthread_mutex_unlock(&c->lock);
    return RC_OK;
}

void cache_forget(struct cache *c, int64_t tenant_id, int64_t user_id, const char *kind)
{
    if (!c || !kind)
        return;
    uint64_t hash = key_hash(tenant_id, user_id, kind);
    pthread_mutex_lock(&c->lock);
    struct entry **slot = slot_of(c, hash, tenant_id, user_id, kind);
    if (*slot)
        drop(c, slot);
    pthread_mutex_unlock(&c->lock);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    *out = (struct cache_stats){.hits = c->hits,
                                .misses = c->misses,
                                .stores = c->stores,
                                .evictions = c->evictions,
                                .entries = c->entries,
                                .bytes = c->bytes,
                                .budget = c->budget};
    pthread_mutex_unlock(&c->lock);
}
