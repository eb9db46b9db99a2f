/*
 * migrations.h — the migrations embedded in the binary (generated from
 * src/db/migrations/NNNN_name.sql by scripts/embed-migrations). Private to src/db/.
 */
#ifndef WAYMARK_MIGRATIONS_H
#define WAYMARK_MIGRATIONS_H

struct migration {
    int version;
    const char *name;
    const char *sql; /* may contain {{ID}} and {{BLOB}}, filled per backend */
};

extern const struct migration MIGRATIONS[];
extern const int MIGRATIONS_COUNT;

#endif
