/*
 * secure.c — libsodium wrappers (see secure.h).
 */
#include "secure.h"

#include <sodium.h>
#include <string.h>

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

void secure_token_new(char out[SECURE_TOKEN_HEX + 1])
{
    secure_random_hex(out, SECURE_TOKEN_HEX / 2);
}

void secure_token_hash(const char *token, char out[SECURE_TOKEN_HEX + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, SECURE_TOKEN_HEX + 1, h, sizeof h);
}

enum rc secure_password_hash(const char *password, char out[SECURE_PASSWORD_HASH])
{
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return RC_NOMEM;
    return RC_OK;
}

int secure_password_verify(const char *hash, const char *password)
{
    /* A real hash of a throw-away password with the same parameters, verified when there
     * is no account, so an unknown email takes as long as a wrong password. */
    static const char *const DUMMY = "$argon2id$v=19$m=65536,t=2,p=1$zVseeKNTxkGD1HcW+VNkow$"
                                     "b0yOwuRIF7KtR1MNyIST2F1VMRlz1wJHULdn2bWGBak";
    int real = hash && *hash;
    int ok = crypto_pwhash_str_verify(real ? hash : DUMMY, password, strlen(password)) == 0;
    return real && ok;
}

int secure_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void secure_zero(void *p, size_t n)
{
    sodium_memzero(p, n);
}

void secure_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                            char out[SECURE_HMAC_HEX + 1])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, msg, msg_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, SECURE_HMAC_HEX + 1, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}
