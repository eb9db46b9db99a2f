/*
 * secure.c — libsodium wrappers (see secure.h). Password hashing joins here with the
 * people module.
 */
#include "secure.h"

#include <sodium.h>

enum rc secure_init(void)
{
    return sodium_init() < 0 ? RC_INTERNAL : RC_OK;
}

void secure_random(void *p, size_t n)
{
    randombytes_buf(p, n);
}

void secure_random_hex(char *out, size_t n)
{
    unsigned char raw[64];
    while (n) {
        size_t k = n < sizeof raw ? n : sizeof raw;
        randombytes_buf(raw, k);
        sodium_bin2hex(out, 2 * k + 1, raw, k);
        out += 2 * k;
        n -= k;
    }
    *out = '\0';
}

int secure_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}
