/*
 * array.h — growing a heap array of fixed-size elements, the one way: callers keep the
 * pointer, the count and the capacity, and ask for room before appending.
 */
#ifndef WAYMARK_ARRAY_H
#define WAYMARK_ARRAY_H

#include <stddef.h>

#include "rc.h"

/* Makes room in *items (elements of size bytes, *cap of them allocated) for at least need
 * elements, doubling from 16. RC_NOMEM leaves *items and *cap as they were. */
enum rc array_reserve(void **items, size_t size, size_t need, size_t *cap);

#endif
