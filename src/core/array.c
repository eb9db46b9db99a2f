/*
 * array.c — see array.h.
 */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

enum rc array_reserve(void **items, size_t size, size_t need, size_t *cap)
{
    if (need <= *cap)
        return RC_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return RC_NOMEM;
        ncap *= 2;
    }
    if (size && ncap > SIZE_MAX / size)
        return RC_NOMEM;
    void *grown = realloc(*items, ncap * size);
    if (!grown)
        return RC_NOMEM;
    *items = grown;
    *cap = ncap;
    return RC_OK;
}
