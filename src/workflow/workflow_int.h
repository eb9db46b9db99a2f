/*
 * workflow_int.h — helpers shared by the files of src/workflow/ and nobody else.
 */
#ifndef WAYMARK_WORKFLOW_INT_H
#define WAYMARK_WORKFLOW_INT_H

#include <stddef.h>

/* Writes "prefix.field" (or "field" when prefix is NULL or empty) into buf and returns
 * buf: the name of a detail, e.g. "phases[1].steps[3].kind". Cut to size when a client
 * sent a very long field name. */
const char *workflow_field(char *buf, size_t size, const char *prefix, const char *field);

#endif
