/*
 * test_cache.c — the answer cache (core/cache.h): keys, tags, the validity interval, the
 * byte budget and least-recently-used eviction, and four threads hammering one cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cache.h"

#define T0 1796115600LL /* any instant */

/* Looks the key up; the bytes found (or "") into text. */
static int get(struct cache *c, int64_t tenant, int64_t user, const char *kind, int64_t tag,
               int64_t now, char *text, size_t size)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    int hit = cache_get(c, tenant, user, kind, tag, now, &b);
    snprintf(text, size, "%s", b.data);
    buf_free(&b);
    return hit;
}

static void put(struct cache *c, int64_t tenant, int64_t user, const char *kind, int64_t tag,
                int64_t from, int64_t until, const char *bytes)
{
    assert_int_equal(cache_put(c, tenant, user, kind, tag, from, until, bytes, strlen(bytes)),
                     RC_OK);
}

static void a_key_finds_only_its_own_bytes(void **state)
{
    (void)state;
    struct cache *c = NULL;
    char text[64];
    assert_int_equal(cache_new(0, &c), RC_OK);
    put(c, 1, 10, "journey:UTC", 5, T0, T0 + 100, "one");
    put(c, 1, 11, "journey:UTC", 5, T0, T0 + 100, "two");
    put(c, 2, 10, "journey:UTC", 5, T0, T0 + 100, "three");
    put(c, 1, 10, "journey:Europe/London", 5, T0, T0 + 100, "four");
    assert_true(get(c, 1, 10, "journey:UTC", 5, T0, text, sizeof text));
    assert_string_equal(text, "one");
    assert_true(get(c, 1, 11, "journey:UTC", 5, T0, text, sizeof text));
    assert_string_equal(text, "two");
    assert_true(get(c, 2, 10, "journey:UTC", 5, T0, text, sizeof text));
    assert_string_equal(text, "three");
    assert_true(get(c, 1, 10, "journey:Europe/London", 5, T0, text, sizeof text));
    assert_string_equal(text, "four");
    assert_false(get(c, 1, 12, "journey:UTC", 5, T0, text, sizeof text));
    assert_string_equal(text, "");
    assert_false(get(c, 1, 10, "journey", 5, T0, text, sizeof text));
    /* Replacing keeps one entry. */
    put(c, 1, 10, "journey:UTC", 5, T0, T0 + 100, "one again");
    assert_true(get(c, 1, 10, "journey:UTC", 5, T0, text, sizeof text));
    assert_string_equal(text, "one again");
    struct cache_stats s;
    cache_stats(c, &s);
    assert_int_equal(s.entries, 4);
    assert_int_equal(s.hits, 5);
    assert_int_equal(s.misses, 2);
    /* Empty bytes are an answer too. */
    put(c, 3, 1, "k", 1, T0, T0 + 1, "");
    assert_true(get(c, 3, 1, "k", 1, T0, text, sizeof text));
    assert_string_equal(text, "");
    cache_forget(c, 3, 1, "k");
    assert_false(get(c, 3, 1, "k", 1, T0, text, sizeof text));
    cache_free(c);
    /* No cache: nothing is kept, nothing is found. */
    assert_int_equal(cache_put(NULL, 1, 1, "k", 1, T0, T0 + 1, "x", 1), RC_OK);
    assert_false(get(NULL, 1, 1, "k", 1, T0, text, sizeof text));
    cache_free(NULL);
}

static void tags_and_time_decide_freshness(void **state)
{
    (void)state;
    struct cache *c = NULL;
    char text[64];
    assert_int_equal(cache_new(0, &c), RC_OK);
    put(c, 1, 10, "j", 7, T0, T0 + 60, "rev7");
    /* The interval is [from, until). */
    assert_true(get(c, 1, 10, "j", 7, T0 + 59, text, sizeof text));
    assert_false(get(c, 1, 10, "j", 7, T0 - 1, text, sizeof text)); /* the clock went back */
    assert_true(get(c, 1, 10, "j", 7, T0, text, sizeof text));      /* … and is kept */
    /* A reader that saw an older revision misses but keeps the newer entry. */
    assert_false(get(c, 1, 10, "j", 6, T0, text, sizeof text));
    assert_true(get(c, 1, 10, "j", 7, T0, text, sizeof text));
    /* A slower build of an older revision does not replace a newer one. */
    put(c, 1, 10, "j", 6, T0, T0 + 60, "rev6");
    assert_true(get(c, 1, 10, "j", 7, T0, text, sizeof text));
    assert_string_equal(text, "rev7");
    /* A newer revision in the database: a miss that drops the entry. */
    assert_false(get(c, 1, 10, "j", 8, T0, text, sizeof text));
    struct cache_stats s;
    cache_stats(c, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.bytes, 0);
    /* Expiry drops it too. */
    put(c, 1, 10, "j", 8, T0, T0 + 60, "rev8");
    assert_false(get(c, 1, 10, "j", 8, T0 + 60, text, sizeof text));
    cache_stats(c, &s);
    assert_int_equal(s.entries, 0);
    /* An empty interval and an over-long kind are not stored. */
    put(c, 1, 10, "j", 8, T0, T0, "never");
    char kind[CACHE_KIND_MAX + 2];
    memset(kind, 'k', sizeof kind - 1);
    kind[sizeof kind - 1] = '\0';
    put(c, 1, 10, kind, 8, T0, T0 + 1, "never");
    cache_stats(c, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.stores, 2);
    cache_free(c);
}

static void the_budget_evicts_the_least_recently_used(void **state)
{
    (void)state;
    struct cache *c = NULL;
    char text[64], bytes[1001], kind[16];
    /* Room for eight entries of ~1,130 bytes each. */
    size_t budget = 8 * (1000 + 2 + CACHE_ENTRY_OVERHEAD) + 100;
    assert_int_equal(cache_new(budget, &c), RC_OK);
    memset(bytes, 'x', 1000);
    bytes[1000] = '\0';
    for (int i = 0; i < 8; i++) {
        snprintf(kind, sizeof kind, "%d", i);
        put(c, 1, 1, kind, 1, T0, T0 + 10, bytes);
    }
    struct cache_stats s;
    cache_stats(c, &s);
    assert_int_equal(s.entries, 8);
    assert_true(s.bytes <= budget);
    assert_int_equal(s.evictions, 0);
    /* Using 0 makes 1 the least recently used; two more entries push out 1 and 2. */
    assert_true(get(c, 1, 1, "0", 1, T0, text, sizeof text));
    put(c, 1, 1, "8", 1, T0, T0 + 10, bytes);
    put(c, 1, 1, "9", 1, T0, T0 + 10, bytes);
    cache_stats(c, &s);
    assert_int_equal(s.entries, 8);
    assert_int_equal(s.evictions, 2);
    assert_true(s.bytes <= budget);
    assert_false(get(c, 1, 1, "1", 1, T0, text, sizeof text));
    assert_false(get(c, 1, 1, "2", 1, T0, text, sizeof text));
    for (int i = 0; i < 10; i++) {
        if (i == 1 || i == 2)
            continue;
        snprintf(kind, sizeof kind, "%d", i);
        if (!get(c, 1, 1, kind, 1, T0, text, sizeof text))
            fail_msg("entry %d was evicted", i);
    }
    /* An entry costing more than an eighth of the budget is not kept, and evicts nothing. */
    char *big = malloc(budget / 8 + 1);
    memset(big, 'y', budget / 8);
    big[budget / 8] = '\0';
    put(c, 1, 1, "big", 1, T0, T0 + 10, big);
    free(big);
    assert_false(get(c, 1, 1, "big", 1, T0, text, sizeof text));
    cache_stats(c, &s);
    assert_int_equal(s.entries, 8);
    /* Many keys: the table grows and every entry stays findable. */
    cache_free(c);
    assert_int_equal(cache_new(1u << 20, &c), RC_OK);
    for (int i = 0; i < 2000; i++)
        put(c, 1, i, "j", i, T0, T0 + 10, "v");
    for (int i = 0; i < 2000; i++)
        if (!get(c, 1, i, "j", i, T0, text, sizeof text))
            fail_msg("user %d is missing", i);
    cache_stats(c, &s);
    assert_int_equal(s.entries, 2000);
    cache_free(c);
}

static void a_hit_that_does_not_fit_the_buffer_is_a_miss(void **state)
{
    (void)state;
    struct cache *c = NULL;
    assert_int_equal(cache_new(0, &c), RC_OK);
    put(c, 1, 1, "j", 1, T0, T0 + 1, "0123456789");
    struct buf b;
    buf_init(&b, 5);
    assert_false(cache_get(c, 1, 1, "j", 1, T0, &b));
    assert_int_equal(buf_failed(&b), RC_TOO_LARGE);
    buf_free(&b);
    /* The entry is still there for a caller with room. */
    buf_init(&b, 100);
    assert_true(cache_get(c, 1, 1, "j", 1, T0, &b));
    assert_string_equal(b.data, "0123456789");
    buf_free(&b);
    cache_free(c);
}

/* ---- four threads ----------------------------------------------------------------------- */

struct worker {
    struct cache *c;
    int id;
    long hits, wrong;
};

/* Stores and reads entries whose bytes name their key and tag, so a torn or misplaced
 * copy shows as a wrong answer. */
static void *work(void *arg)
{
    struct worker *w = arg;
    char bytes[256], kind[16];
    struct buf b;
    buf_init(&b, 1u << 16);
    unsigned seed = (unsigned)w->id * 7919u + 1;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        int64_t user = (seed >> 8) % 64, tag = (seed >> 16) % 4;
        snprintf(kind, sizeof kind, "k%d", (int)(seed >> 24) % 3);
        if (i % 3 == 0) {
            int n = snprintf(bytes, sizeof bytes, "%lld/%s/%lld:", (long long)user, kind,
                             (long long)tag);
            memset(bytes + n, 'z', (size_t)(seed % 150));
            n += (int)(seed % 150);
            if (cache_put(w->c, 1, user, kind, tag, T0, T0 + 1000, bytes, (size_t)n) != RC_OK)
                w->wrong++;
        } else {
            buf_reset(&b);
            if (cache_get(w->c, 1, user, kind, tag, T0 + i % 2000, &b)) {
                char want[64];
                int n = snprintf(want, sizeof want, "%lld/%s/%lld:", (long long)user, kind,
                                 (long long)tag);
                w->hits++;
                if (b.len < (size_t)n || memcmp(b.data, want, (size_t)n) != 0)
                    w->wrong++;
                for (size_t k = (size_t)n; k < b.len; k++)
                    if (b.data[k] != 'z')
                        w->wrong++;
            }
        }
        if (i % 1000 == 0)
            cache_forget(w->c, 1, user, kind);
    }
    buf_free(&b);
    return NULL;
}

static void four_threads_share_one_cache(void **state)
{
    (void)state;
    struct cache *c = NULL;
    /* A small budget, so eviction runs all the time too. */
    assert_int_equal(cache_new(16 * 1024, &c), RC_OK);
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.c = c, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    long hits = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].wrong, 0);
        hits += w[i].hits;
    }
    assert_true(hits > 0);
    struct cache_stats s;
    cache_stats(c, &s);
    assert_true(s.bytes <= s.budget);
    assert_true(s.evictions > 0);
    assert_int_equal(s.hits, (uint64_t)hits);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_key_finds_only_its_own_bytes),
        cmocka_unit_test(tags_and_time_decide_freshness),
        cmocka_unit_test(the_budget_evicts_the_least_recently_used),
        cmocka_unit_test(a_hit_that_does_not_fit_the_buffer_is_a_miss),
        cmocka_unit_test(four_threads_share_one_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
