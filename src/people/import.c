/*
 * import.c — CSV import of users (see import.h for the contract).
 *
 * How it works, in five passes over memory and one over the database:
 *  1. parse: libcsv (CSV_STRICT) is fed one physical line at a time, so every record knows
 *     the line it started on and a broken quote is reported on its row, after which the
 *     parser restarts at the next line to find further problems. Each line is checked for
 *     UTF-8 before libcsv sees it; a file that is not UTF-8 stops at its first bad line,
 *     which makes 10 MB of random bytes cost one scan. Cells go into one string pool.
 *  2. check each row on its own: required cells, email syntax, lengths, roles.
 *  3. load every user of the tenant with one query into hash tables by email key and
 *     external id; match rows to users; find duplicates inside the file.
 *  4. resolve managers (file first, then the tenant) and look for reporting cycles in the
 *     graph of existing users plus new rows, as it would be after the import.
 *  5. count created/updated/unchanged; when there is no error and this is not a dry run,
 *     update existing people, insert new ones — managers before their reports, each
 *     naming its manager by email key so no id has to be read back — and finally
 *     re-point existing people whose manager changed.
 *
 * Graph nodes: existing users are nodes 0..E-1 in the order loaded (by id), new rows are
 * nodes E.. in file order. Every user has at most one manager, so the graph is a
 * functional graph and one colouring walk finds every cycle in linear time.
 *
 * It deliberately does not send invitations (imported users have no password until an
 * admin invites them) and never deletes or deactivates anyone missing from the file.
 */
#include "import.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/jsonx.h"
#include "core/secure.h"
#include "enrolment/enrolment.h"
#include "import_store.h"
#include "groups.h"
#include "people.h"

enum col {
    COL_EMAIL,
    COL_NAME,
    COL_MANAGER,
    COL_DEPARTMENT,
    COL_JOB_TITLE,
    COL_ROLES,
    COL_EXT,
    NCOLS
};

static const struct {
    const char *name;
    size_t max_chars;
} COLS[NCOLS] = {
    [COL_EMAIL] = {"email", PEOPLE_EMAIL_MAX},
    [COL_NAME] = {"name", PEOPLE_NAME_MAX},
    [COL_MANAGER] = {"manager_email", PEOPLE_EMAIL_MAX},
    [COL_DEPARTMENT] = {"department", PEOPLE_TEXT_MAX},
    [COL_JOB_TITLE] = {"job_title", PEOPLE_TEXT_MAX},
    [COL_ROLES] = {"roles", IMPORT_ROLES_MAX},
    [COL_EXT] = {"external_id", PEOPLE_EXTERNAL_ID_MAX},
};

#define COLUMN_LIST        "email, name, manager_email, department, job_title, roles, external_id"
#define MAX_HEADER_COLUMNS 32
#define ABSENT             ((size_t)-1)
#define PROGRESS_EVERY     4096

enum manager_state {
    MANAGER_KEEP,       /* no manager_email column: leave it */
    MANAGER_NONE,       /* empty cell: no manager */
    MANAGER_SET,        /* resolved to a node */
    MANAGER_UNRESOLVED, /* bad email or unknown manager: reported, takes no part */
};

struct row {
    int64_t line;
    size_t cell[NCOLS]; /* pool offsets; ABSENT when the header lacks the column */
    size_t key;         /* lower-cased email; ABSENT when the email is bad */
    size_t manager_key; /* ABSENT unless a valid manager email was given */
    unsigned roles;
    int bad;           /* the row has an error */
    unsigned bad_cols; /* bit (1 << enum col) per column with an error */
    enum manager_state manager;
    long node; /* -1 until matched */
    long manager_node;
    long existing; /* index of the matched user, -1 for a new one */
    int changed;   /* an existing user's fields (other than the manager) change */
    int manager_changed;
};

/* A string → index hash table over keys that live elsewhere (the pools). */
struct smap_slot {
    const char *key;
    long val;
};
struct smap {
    size_t mask;
    struct smap_slot *slots;
};

struct run {
    struct ctx *cx;
    const struct import_options *opt;
    struct import_report *rep;
    enum rc rc; /* first allocation failure */
    /* parsing */
    struct buf pool;
    struct row *rows;
    size_t nrows, rows_cap;
    int header_done, header_bad, stop;
    int ncolumns;                   /* columns in the header */
    int col_of[MAX_HEADER_COLUMNS]; /* header position → enum col */
    int header_pos[NCOLS];          /* enum col → header position, -1 absent */
    int field;                      /* index of the next cell in the record */
    int64_t line, record_line;
    int between_records;
    struct row cur;
    /* matching */
    struct buf existing_pool;
    struct import_existing *existing;
    size_t nexisting, existing_cap;
    struct smap file_email, file_ext, db_email, db_ext;
    long *claimed; /* existing index → row that matched it, or -1 */
    long *new_row; /* new node - E → row */
    size_t nnew;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static const char *pool_str(const struct buf *pool, size_t off)
{
    return off == ABSENT ? "" : pool->data + off;
}

static const char *cell(const struct run *r, const struct row *w, enum col c)
{
    return pool_str(&r->pool, w->cell[c]);
}

static const char *ex_str(const struct run *r, size_t off)
{
    return pool_str(&r->existing_pool, off);
}

/* Offset 0 of the pool always holds "", shared by every empty cell. */
#define EMPTY ((size_t)0)

static size_t pool_add(struct run *r, const char *s, size_t n)
{
    if (n == 0)
        return EMPTY;
    size_t at = r->pool.len;
    if (buf_addn(&r->pool, s, n) != RC_OK || buf_addc(&r->pool, '\0') != RC_OK) {
        if (!r->rc)
            r->rc = RC_NOMEM;
        return ABSENT;
    }
    return at;
}

static void add_error(struct run *r, int64_t row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_error(struct run *r, int64_t row, const char *field, const char *fmt, ...)
{
    struct import_report *rep = r->rep;
    rep->error_count++;
    if (rep->nerrors >= IMPORT_MAX_ERRORS)
        return;
    if (!rep->errors) {
        rep->errors = calloc(IMPORT_MAX_ERRORS, sizeof *rep->errors);
        if (!rep->errors) {
            r->rc = RC_NOMEM;
            return;
        }
    }
    struct import_error *e = &rep->errors[rep->nerrors++];
    e->row = row;
    snprintf(e->field, sizeof e->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    /* A message cut at the buffer's end must not end inside a UTF-8 sequence. */
    size_t n = strlen(e->message);
    if (!jsonx_utf8_valid(e->message, n)) {
        while (n > 0 && ((unsigned char)e->message[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0 && (unsigned char)e->message[n - 1] >= 0xC0)
            n--;
        e->message[n] = '\0';
    }
}

static void row_error(struct run *r, struct row *w, enum col c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void row_error(struct run *r, struct row *w, enum col c, const char *fmt, ...)
{
    char text[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    w->bad = 1;
    w->bad_cols |= 1u << c;
    add_error(r, w->line, COLS[c].name, "%s", text);
}

static void progress(const struct run *r, const char *phase, int64_t done, int64_t total)
{
    if (r->opt && r->opt->progress)
        r->opt->progress(r->opt->progress_arg, phase, done, total);
}

/* Copies up to size-1 bytes of s for a message, cutting at a character boundary. */
static const char *quote_for_message(const char *s, size_t n, char *out, size_t size)
{
    size_t k = n < size - 1 ? n : size - 1;
    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(out, s, k);
    out[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    return out;
}

static int has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    return 0;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static enum rc smap_init(struct smap *m, size_t n)
{
    size_t cap = 64;
    while (cap < 2 * n + 16)
        cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = cap - 1;
    return m->slots ? RC_OK : RC_NOMEM;
}

static void smap_free(struct smap *m)
{
    free(m->slots);
    m->slots = NULL;
}

/* Inserts key → val unless key is there; returns the value already stored, or -1. */
static long smap_put(struct smap *m, const char *key, long val)
{
    for (size_t i = hash_str(key) & m->mask;; i = (i + 1) & m->mask) {
        if (!m->slots[i].key) {
            m->slots[i].key = key;
            m->slots[i].val = val;
            return -1;
        }
        if (strcmp(m->slots[i].key, key) == 0)
            return m->slots[i].val;
    }
}

static long smap_get(const struct smap *m, const char *key)
{
    if (!m->slots)
        return -1;
    for (size_t i = hash_str(key) & m->mask; m->slots[i].key; i = (i + 1) & m->mask)
        if (strcmp(m->slots[i].key, key) == 0)
            return m->slots[i].val;
    return -1;
}

/* ---- 1. parsing ------------------------------------------------------------------------- */

static void header_cell(struct run *r, const char *s, size_t n)
{
    int pos = r->field;
    if (pos >= MAX_HEADER_COLUMNS) {
        if (pos == MAX_HEADER_COLUMNS)
            add_error(r, r->record_line, "header", "has more than %d columns; the columns are %s",
                      MAX_HEADER_COLUMNS, COLUMN_LIST);
        r->header_bad = 1;
        return;
    }
    r->col_of[pos] = -1;
    for (int c = 0; c < NCOLS; c++)
        if (n == strlen(COLS[c].name) && strncasecmp(s, COLS[c].name, n) == 0)
            r->col_of[pos] = c;
    int c = r->col_of[pos];
    if (c < 0) {
        char shown[60];
        if (n == 0)
            add_error(r, r->record_line, "header", "column %d has no name; the columns are %s",
                      pos + 1, COLUMN_LIST);
        else
            add_error(r, r->record_line, "header",
                      "names an unknown column '%s'; the columns are %s",
                      quote_for_message(s, n, shown, sizeof shown), COLUMN_LIST);
        r->header_bad = 1;
    } else if (r->header_pos[c] >= 0) {
        add_error(r, r->record_line, "header", "names the column %s twice", COLS[c].name);
        r->header_bad = 1;
    } else {
        r->header_pos[c] = pos;
    }
}

static void header_done(struct run *r)
{
    r->ncolumns = r->field;
    for (int c = COL_EMAIL; c <= COL_NAME; c++)
        if (r->header_pos[c] < 0 && r->ncolumns <= MAX_HEADER_COLUMNS) {
            add_error(r, r->record_line, "header", "lacks the %s column (the columns are %s)",
                      COLS[c].name, COLUMN_LIST);
            r->header_bad = 1;
        }
    r->header_done = 1;
    if (r->header_bad)
        r->stop = 1;
}

static void start_row(struct run *r)
{
    memset(&r->cur, 0, sizeof r->cur);
    r->cur.line = r->record_line;
    for (int c = 0; c < NCOLS; c++)
        r->cur.cell[c] = ABSENT;
    r->cur.key = r->cur.manager_key = ABSENT;
    r->cur.node = r->cur.manager_node = r->cur.existing = -1;
}

static void data_cell(struct run *r, const char *s, size_t n)
{
    if (r->field >= r->ncolumns)
        return; /* too many cells: reported when the row ends */
    enum col c = (enum col)r->col_of[r->field];
    struct row *w = &r->cur;
    if (n > COLS[c].max_chars * 4) {
        row_error(r, w, c, "is longer than %zu characters", COLS[c].max_chars);
        w->cell[c] = pool_add(r, "", 0);
        return;
    }
    if (has_control(s, n)) {
        row_error(r, w, c, "must not contain line breaks or control characters");
        w->cell[c] = pool_add(r, "", 0);
        return;
    }
    w->cell[c] = pool_add(r, s, n);
}

/* libcsv callback: one cell. */
static void on_cell(void *p, size_t n, void *arg)
{
    struct run *r = arg;
    if (r->stop || r->rc)
        return;
    if (r->between_records) {
        r->between_records = 0;
        r->record_line = r->line;
        if (r->header_done)
            start_row(r);
    }
    const char *s = p ? p : "";
    /* libcsv trims unquoted cells; quoted ones keep their spaces, which no value needs. */
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!r->header_done)
        header_cell(r, s, n);
    else
        data_cell(r, s, n);
    r->field++;
}

static void check_row(struct run *r, struct row *w);

/* libcsv callback: end of a record. */
static void on_record(int terminator, void *arg)
{
    struct run *r = arg;
    (void)terminator;
    if (r->stop || r->rc)
        return;
    if (r->between_records) { /* libcsv reports empty lines only with CSV_REPALL_NL */
        r->between_records = 0;
        r->record_line = r->line;
        if (r->header_done)
            start_row(r);
    }
    if (!r->header_done) {
        header_done(r);
    } else {
        struct row *w = &r->cur;
        if (r->field != r->ncolumns) {
            w->bad = 1;
            add_error(r, w->line, "cells", "has %d values, but the header names %d columns",
                      r->field, r->ncolumns);
        }
        for (int c = 0; c < NCOLS; c++)
            if (r->header_pos[c] >= 0 && w->cell[c] == ABSENT)
                w->cell[c] = pool_add(r, "", 0);
        if (r->nrows >= IMPORT_MAX_ROWS) {
            add_error(r, w->line, "file", "has more than %d rows; split it into smaller files",
                      IMPORT_MAX_ROWS);
            r->stop = 1;
            return;
        }
        if (r->nrows == r->rows_cap) {
            size_t want = r->rows_cap ? r->rows_cap * 2 : 1024;
            struct row *grown = realloc(r->rows, want * sizeof *grown);
            if (!grown) {
                r->rc = RC_NOMEM;
                return;
            }
            r->rows = grown;
            r->rows_cap = want;
        }
        check_row(r, w);
        r->rows[r->nrows++] = *w;
        r->rep->rows = (int64_t)r->nrows;
    }
    r->field = 0;
    r->between_records = 1;
}

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static void broken_quote(struct run *r)
{
    const char *field = "file";
    if (!r->header_done)
        field = "header";
    else if (r->field < r->ncolumns)
        field = COLS[r->col_of[r->field]].name;
    add_error(r, r->record_line, field,
              "has broken quoting: a quote inside a cell must be doubled (\"\") and a quoted "
              "cell must end with a quote");
    if (!r->header_done) {
        r->header_bad = 1;
        r->stop = 1;
    }
}

/* The end of the physical line starting at pos: after "\n", "\r\n", or a lone "\r" (the
 * line end of old Mac spreadsheets), or len. */
static size_t line_end(const char *data, size_t pos, size_t len)
{
    for (size_t i = pos; i < len; i++) {
        if (data[i] == '\n')
            return i + 1;
        if (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n'))
            return i + 1;
    }
    return len;
}

static enum rc parse(struct run *r, const char *data, size_t len)
{
    struct csv_parser p;
    const unsigned char options = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
    if (csv_init(&p, options) != 0)
        return RC_NOMEM;
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    r->between_records = 1;
    while (pos < len && !r->stop && !r->rc) {
        size_t end = line_end(data, pos, len);
        r->line++;
        int utf8 = jsonx_utf8_valid(data + pos, end - pos);
        if (!utf8 || memchr(data + pos, '\0', end - pos)) {
            add_error(r, r->between_records ? r->line : r->record_line, "file",
                      utf8 ? "contains a NUL byte on line %lld; is it really a CSV file?"
                           : "is not UTF-8 text (line %lld); save the spreadsheet as \"CSV "
                             "UTF-8\"",
                      (long long)r->line);
            r->stop = 1;
            break;
        }
        if (r->between_records && !blank_line(data + pos, end - pos)) {
            r->between_records = 0;
            r->record_line = r->line;
            r->field = 0;
            if (r->header_done)
                start_row(r);
        }
        if (csv_parse(&p, data + pos, end - pos, on_cell, on_record, r) != end - pos) {
            if (csv_error(&p) != CSV_EPARSE) {
                csv_free(&p);
                return RC_NOMEM;
            }
            broken_quote(r);
            /* Start afresh on the next line, dropping the broken record. */
            csv_free(&p);
            if (csv_init(&p, options) != 0)
                return RC_NOMEM;
            r->between_records = 1;
            r->field = 0;
        }
        pos = end;
        if (r->line % PROGRESS_EVERY == 0)
            progress(r, "reading", (int64_t)pos, (int64_t)len);
    }
    if (!r->stop && !r->rc && csv_fini(&p, on_cell, on_record, r) != 0)
        broken_quote(r);
    csv_free(&p);
    if (r->rc)
        return r->rc;
    progress(r, "reading", (int64_t)len, (int64_t)len);
    if (!r->header_done && !r->stop)
        add_error(r, 1, "file",
                  "is empty; its first line must name the columns, e.g. email,name,manager_email");
    else if (r->header_done && !r->header_bad && r->nrows == 0 && r->rep->error_count == 0)
        add_error(r, 2, "file", "has no data rows below the header");
    return RC_OK;
}

/* ---- 2. checking each row --------------------------------------------------------------- */

static size_t email_key(struct run *r, struct row *w, enum col c)
{
    const char *email = cell(r, w, c);
    char key[PEOPLE_EMAIL_MAX + 1];
    if (people_email_key(email, key, sizeof key) != RC_OK) {
        char shown[60];
        row_error(r, w, c, "'%s' is not an email address such as ana@example.com",
                  quote_for_message(email, strlen(email), shown, sizeof shown));
        return ABSENT;
    }
    return pool_add(r, key, strlen(key));
}

static void check_length(struct run *r, struct row *w, enum col c)
{
    const char *s = cell(r, w, c);
    if (w->cell[c] != ABSENT && jsonx_utf8_length(s) > COLS[c].max_chars)
        row_error(r, w, c, "is longer than %zu characters", COLS[c].max_chars);
}

static void check_roles(struct run *r, struct row *w)
{
    w->roles = PEOPLE_ROLE_LEARNER;
    if (w->cell[COL_ROLES] == ABSENT)
        return;
    const char *s = cell(r, w, COL_ROLES);
    while (*s) {
        size_t n = strcspn(s, ";|, \t");
        if (n) {
            char name[16];
            unsigned bit = 0;
            if (n < sizeof name) {
                for (size_t i = 0; i < n; i++)
                    name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
                name[n] = '\0';
                bit = people_role_from_name(name);
            }
            if (!bit) {
                char shown[40];
                row_error(r, w, COL_ROLES,
                          "names an unknown role '%s'; use admin, designer, assessor, coach or "
                          "learner, separated by ';'",
                          quote_for_message(s, n, shown, sizeof shown));
                return;
            }
            w->roles |= bit;
        }
        s += n;
        if (*s)
            s++;
    }
}

static void check_row(struct run *r, struct row *w)
{
    if (cell(r, w, COL_EMAIL)[0])
        w->key = email_key(r, w, COL_EMAIL);
    else if (!(w->bad_cols & (1u << COL_EMAIL)))
        row_error(r, w, COL_EMAIL, "is required");
    if (!cell(r, w, COL_NAME)[0] && !(w->bad_cols & (1u << COL_NAME)))
        row_error(r, w, COL_NAME, "is required");
    check_length(r, w, COL_NAME);
    check_length(r, w, COL_DEPARTMENT);
    check_length(r, w, COL_JOB_TITLE);
    check_length(r, w, COL_EXT);
    check_roles(r, w);
    if (w->cell[COL_MANAGER] == ABSENT) {
        w->manager = MANAGER_KEEP;
    } else if (!cell(r, w, COL_MANAGER)[0]) {
        w->manager = MANAGER_NONE;
    } else {
        w->manager_key = email_key(r, w, COL_MANAGER);
        w->manager = MANAGER_UNRESOLVED;
        if (w->manager_key != ABSENT && w->key != ABSENT &&
            strcmp(pool_str(&r->pool, w->manager_key), pool_str(&r->pool, w->key)) == 0) {
            row_error(r, w, COL_MANAGER, "is the person's own email; nobody manages themselves");
            w->manager_key = ABSENT;
        }
    }
}

/* ---- 3. matching ------------------------------------------------------------------------ */

static enum rc build_maps(struct run *r)
{
    enum rc rc;
    if ((rc = smap_init(&r->file_email, r->nrows)) || (rc = smap_init(&r->file_ext, r->nrows)) ||
        (rc = smap_init(&r->db_email, r->nexisting)) || (rc = smap_init(&r->db_ext, r->nexisting)))
        return rc;
    for (size_t i = 0; i < r->nexisting; i++) {
        smap_put(&r->db_email, ex_str(r, r->existing[i].email_key), (long)i);
        if (ex_str(r, r->existing[i].external_id)[0])
            smap_put(&r->db_ext, ex_str(r, r->existing[i].external_id), (long)i);
    }
    for (size_t i = 0; i < r->nrows; i++) {
        struct row *w = &r->rows[i];
        if (w->key != ABSENT) {
            long first = smap_put(&r->file_email, pool_str(&r->pool, w->key), (long)i);
            if (first >= 0) {
                row_error(r, w, COL_EMAIL, "appears again; row %lld has the same email",
                          (long long)r->rows[first].line);
                w->key = ABSENT; /* the first row owns it */
            }
        }
        const char *ext = cell(r, w, COL_EXT);
        if (ext[0]) {
            long first = smap_put(&r->file_ext, ext, (long)i);
            if (first >= 0)
                row_error(r, w, COL_EXT, "appears again; row %lld has the same external id",
                          (long long)r->rows[first].line);
        }
    }
    return RC_OK;
}

static void match_rows(struct run *r)
{
    size_t E = r->nexisting;
    for (size_t i = 0; i < r->nrows; i++) {
        struct row *w = &r->rows[i];
        if (w->key == ABSENT || (w->bad_cols & (1u << COL_EXT)))
            continue;
        const char *ext = cell(r, w, COL_EXT);
        long by_ext = ext[0] ? smap_get(&r->db_ext, ext) : -1;
        long by_email = smap_get(&r->db_email, pool_str(&r->pool, w->key));
        long target = by_ext;
        if (target < 0 && by_email >= 0) {
            const char *had = ex_str(r, r->existing[by_email].external_id);
            if (ext[0] && had[0]) {
                char shown[60];
                row_error(r, w, COL_EMAIL, "belongs to a person with another external id ('%s')",
                          quote_for_message(had, strlen(had), shown, sizeof shown));
                continue;
            }
            target = by_email;
        } else if (target >= 0 && by_email >= 0 && by_email != target) {
            row_error(r, w, COL_EMAIL,
                      "already belongs to another person than the one with this external id");
            continue;
        }
        if (target >= 0) {
            if (r->claimed[target] >= 0) {
                row_error(r, w, ext[0] ? COL_EXT : COL_EMAIL,
                          "refers to the same person as row %lld",
                          (long long)r->rows[r->claimed[target]].line);
                continue;
            }
            r->claimed[target] = (long)i;
            w->existing = target;
            w->node = target;
            const struct import_existing *u = &r->existing[target];
            if (u->id == r->cx->actor.user_id && w->cell[COL_ROLES] != ABSENT &&
                !(w->roles & PEOPLE_ROLE_ADMIN))
                row_error(r, w, COL_ROLES, "would remove your own admin role");
        } else {
            w->node = (long)(E + r->nnew);
            r->new_row[r->nnew++] = (long)i;
        }
    }
}

/* ---- 4. managers and cycles ------------------------------------------------------------- */

static long existing_index(const struct run *r, int64_t id)
{
    size_t lo = 0, hi = r->nexisting;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->existing[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->nexisting && r->existing[lo].id == id ? (long)lo : -1;
}

static void resolve_managers(struct run *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        struct row *w = &r->rows[i];
        if (w->manager != MANAGER_UNRESOLVED || w->manager_key == ABSENT || w->node < 0)
            continue;
        const char *mkey = pool_str(&r->pool, w->manager_key);
        long in_file = smap_get(&r->file_email, mkey);
        long node = -1;
        if (in_file >= 0) {
            node = r->rows[in_file].node;
            if (node < 0)
                continue; /* that row has its own error */
        } else {
            node = smap_get(&r->db_email, mkey);
            if (node < 0) {
                char shown[60];
                row_error(r, w, COL_MANAGER,
                          "'%s' is not anyone in this file or in the organisation",
                          quote_for_message(mkey, strlen(mkey), shown, sizeof shown));
                continue;
            }
        }
        if (node < (long)r->nexisting && !r->existing[node].active) {
            row_error(r, w, COL_MANAGER, "'%s' is deactivated", mkey);
            continue;
        }
        w->manager = MANAGER_SET;
        w->manager_node = node;
    }
}

/* The email of a node as it will be after the import. */
static const char *node_email(const struct run *r, long node)
{
    long E = (long)r->nexisting;
    if (node >= E)
        return cell(r, &r->rows[r->new_row[node - E]], COL_EMAIL);
    if (r->claimed[node] >= 0)
        return cell(r, &r->rows[r->claimed[node]], COL_EMAIL);
    return ex_str(r, r->existing[node].email);
}

/* "a@x → b@x → a@x" for the cycle of n nodes, shortened with "…" to fit size bytes.
 * Emails are ASCII and the arrows are added whole, so the text stays valid UTF-8. */
static void cycle_text(const struct run *r, const long *cycle, long n, char *out, size_t size)
{
    static const char arrow[] = " \xE2\x86\x92 ", more[] = " \xE2\x86\x92 \xE2\x80\xA6";
    size_t used = 0;
    out[0] = '\0';
    for (long j = 0; j <= n; j++) {
        const char *e = node_email(r, cycle[j < n ? j : 0]);
        size_t need = (j ? strlen(arrow) : 0) + strlen(e);
        if (used + need + sizeof more > size) {
            memcpy(out + used, more, sizeof more);
            return;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", j ? arrow : "", e);
    }
}

static enum rc find_cycles(struct run *r)
{
    long E = (long)r->nexisting, V = E + (long)r->nnew;
    long *next = malloc((size_t)(V ? V : 1) * sizeof *next);
    unsigned char *state = calloc((size_t)(V ? V : 1), 1);
    long *path = malloc((size_t)(V ? V : 1) * sizeof *path);
    enum rc rc = RC_OK;
    if (!next || !state || !path) {
        rc = RC_NOMEM;
        goto out;
    }
    /* The manager of every node after the import. */
    for (long v = 0; v < E; v++)
        next[v] = r->existing[v].manager_id ? existing_index(r, r->existing[v].manager_id) : -1;
    for (long v = E; v < V; v++)
        next[v] = -1;
    for (size_t i = 0; i < r->nrows; i++) {
        const struct row *w = &r->rows[i];
        if (w->node >= 0 && (w->manager == MANAGER_SET || w->manager == MANAGER_NONE))
            next[w->node] = w->manager == MANAGER_SET ? w->manager_node : -1;
    }
    /* state: 0 unseen, 1 on the current walk, 2 finished. */
    for (long start = 0; start < V; start++) {
        long n = 0, v = start;
        while (v >= 0 && state[v] == 0) {
            state[v] = 1;
            path[n++] = v;
            v = next[v];
        }
        if (v >= 0 && state[v] == 1) {
            /* path[k..n) is a cycle; blame the rows of the file that set its edges. */
            long k = n - 1;
            while (path[k] != v)
                k--;
            char chain[200];
            cycle_text(r, path + k, n - k, chain, sizeof chain);
            for (long j = k; j < n; j++) {
                long node = path[j];
                long ri = node >= E ? r->new_row[node - E] : r->claimed[node];
                if (ri >= 0 && r->rows[ri].manager == MANAGER_SET)
                    row_error(r, &r->rows[ri], COL_MANAGER, "makes a reporting cycle: %s", chain);
            }
        }
        for (long j = 0; j < n; j++)
            state[path[j]] = 2;
    }
out:
    free(next);
    free(state);
    free(path);
    return rc;
}

/* ---- 5. counting and writing ------------------------------------------------------------ */

/* The email key a node will have after the import (the manager look-up key). */
static const char *node_key(const struct run *r, long node)
{
    long E = (long)r->nexisting;
    if (node >= E)
        return pool_str(&r->pool, r->rows[r->new_row[node - E]].key);
    if (r->claimed[node] >= 0)
        return pool_str(&r->pool, r->rows[r->claimed[node]].key);
    return ex_str(r, r->existing[node].email_key);
}

/* The values row w writes, filling absent columns from the existing user u (or defaults). */
static void row_values(const struct run *r, const struct row *w, const struct import_existing *u,
                       struct import_values *v)
{
    v->email = cell(r, w, COL_EMAIL);
    v->email_key = pool_str(&r->pool, w->key);
    v->name = cell(r, w, COL_NAME);
    v->department = w->cell[COL_DEPARTMENT] != ABSENT ? cell(r, w, COL_DEPARTMENT)
                    : u                               ? ex_str(r, u->department)
                                                      : "";
    v->job_title = w->cell[COL_JOB_TITLE] != ABSENT ? cell(r, w, COL_JOB_TITLE)
                   : u                              ? ex_str(r, u->job_title)
                                                    : "";
    v->roles = w->cell[COL_ROLES] != ABSENT ? w->roles : u ? u->roles : PEOPLE_ROLE_LEARNER;
    v->external_id = cell(r, w, COL_EXT)[0] ? cell(r, w, COL_EXT)
                     : u                    ? ex_str(r, u->external_id)
                                            : "";
}

static void count(struct run *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        struct row *w = &r->rows[i];
        if (w->bad)
            continue;
        if (w->existing < 0) {
            r->rep->created++;
            continue;
        }
        const struct import_existing *u = &r->existing[w->existing];
        struct import_values v;
        row_values(r, w, u, &v);
        w->changed = strcmp(v.email, ex_str(r, u->email)) != 0 ||
                     strcmp(v.name, ex_str(r, u->name)) != 0 ||
                     strcmp(v.department, ex_str(r, u->department)) != 0 ||
                     strcmp(v.job_title, ex_str(r, u->job_title)) != 0 ||
                     strcmp(v.external_id, ex_str(r, u->external_id)) != 0 || v.roles != u->roles;
        if (w->manager == MANAGER_NONE)
            w->manager_changed = u->manager_id != 0;
        else if (w->manager == MANAGER_SET)
            w->manager_changed = w->manager_node >= (long)r->nexisting ||
                                 r->existing[w->manager_node].id != u->manager_id;
        if (w->changed || w->manager_changed)
            r->rep->updated++;
        else
            r->rep->unchanged++;
    }
}

/* New rows ordered so that every new manager comes before their reports: by the depth of
 * their chain of new managers (a counting sort, stable in file order). The chains are
 * acyclic — find_cycles refused the file otherwise. Returns a malloc'd list of rows. */
static long *new_rows_managers_first(const struct run *r)
{
    long E = (long)r->nexisting, N = (long)r->nnew;
    long *depth = malloc((size_t)(N ? N : 1) * sizeof *depth);
    long *path = malloc((size_t)(N ? N : 1) * sizeof *path);
    long *count = calloc((size_t)N + 1, sizeof *count);
    long *order = malloc((size_t)(N ? N : 1) * sizeof *order);
    if (!depth || !path || !count || !order) {
        free(order);
        order = NULL;
        goto out;
    }
    for (long k = 0; k < N; k++)
        depth[k] = -1;
    for (long k = 0; k < N; k++) {
        long n = 0, v = k, base = 0;
        while (v >= 0 && depth[v] < 0) {
            path[n++] = v;
            const struct row *w = &r->rows[r->new_row[v]];
            v = w->manager == MANAGER_SET && w->manager_node >= E ? w->manager_node - E : -1;
        }
        if (v >= 0)
            base = depth[v] + 1;
        while (n > 0)
            depth[path[--n]] = base++;
    }
    for (long k = 0; k < N; k++)
        count[depth[k] + 1]++;
    for (long d = 1; d <= N; d++)
        count[d] += count[d - 1];
    for (long k = 0; k < N; k++)
        order[count[depth[k]]++] = r->new_row[k];
out:
    free(depth);
    free(path);
    free(count);
    return order;
}

/* Three passes, each a prepared statement per row: existing people's fields (so changed
 * emails are in place before anyone looks a manager up by email), new people with their
 * managers (managers first), then existing people whose manager changed. */
static enum rc write_rows(struct run *r)
{
    struct ctx *cx = r->cx;
    int64_t tenant = cx->actor.tenant_id, total = (int64_t)r->nrows, done = 0;
    long *order = new_rows_managers_first(r);
    enum rc rc = order ? RC_OK : RC_NOMEM;
    for (size_t i = 0; i < r->nrows && !rc; i++) {
        const struct row *w = &r->rows[i];
        if (w->existing < 0)
            continue;
        const struct import_existing *u = &r->existing[w->existing];
        struct import_values v;
        row_values(r, w, u, &v);
        if (w->changed)
            rc = import_store_update_user(cx->db, tenant, u->id, &v, cx->now);
        if (++done % PROGRESS_EVERY == 0)
            progress(r, "writing", done, total);
    }
    for (size_t k = 0; k < r->nnew && !rc; k++) {
        const struct row *w = &r->rows[order[k]];
        struct import_values v;
        row_values(r, w, NULL, &v);
        rc = import_store_insert_user(
            cx->db, tenant, &v, w->manager == MANAGER_SET ? node_key(r, w->manager_node) : NULL,
            cx->now);
        if (++done % PROGRESS_EVERY == 0)
            progress(r, "writing", done, total);
    }
    for (size_t i = 0; i < r->nrows && !rc; i++) {
        const struct row *w = &r->rows[i];
        if (w->existing >= 0 && w->manager_changed)
            rc = import_store_set_manager(
                cx->db, tenant, r->existing[w->existing].id,
                w->manager == MANAGER_SET ? node_key(r, w->manager_node) : NULL, cx->now);
    }
    free(order);
    if (rc == RC_CONFLICT)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "Someone changed people in this organisation while the file was being "
                        "imported; import it again.");
    if (rc)
        return rc;
    progress(r, "writing", total, total);
    return RC_OK;
}

static enum rc finish(struct run *r)
{
    struct ctx *cx = r->cx;
    const struct import_report *rep = r->rep;
    if (rep->created == 0 && rep->updated == 0)
        return RC_OK; /* nothing changed: no groups to refresh, nothing to audit */
    enum rc rc = groups_refresh_rules(cx);
    if (!rc)
        rc = enrolment_follow_rules(cx, 0);
    if (rc)
        return rc;
    return audit_record(cx, "users.import", "user", 0,
                        json_pack("{s:I, s:I, s:I, s:I}", "rows", (json_int_t)rep->rows, "created",
                                  (json_int_t)rep->created, "updated", (json_int_t)rep->updated,
                                  "unchanged", (json_int_t)rep->unchanged));
}

/* Sorts the kept errors by row, keeping the order found within a row (insertion sort:
 * stable, and there are at most IMPORT_MAX_ERRORS). */
static void sort_errors(struct import_report *rep)
{
    for (size_t i = 1; i < rep->nerrors; i++) {
        struct import_error e = rep->errors[i];
        size_t j = i;
        while (j > 0 && rep->errors[j - 1].row > e.row) {
            rep->errors[j] = rep->errors[j - 1];
            j--;
        }
        rep->errors[j] = e;
    }
}

static void run_free(struct run *r)
{
    buf_free(&r->pool);
    buf_free(&r->existing_pool);
    free(r->rows);
    free(r->existing);
    free(r->claimed);
    free(r->new_row);
    smap_free(&r->file_email);
    smap_free(&r->file_ext);
    smap_free(&r->db_email);
    smap_free(&r->db_ext);
}

enum rc import_users_csv(struct ctx *cx, const char *data, size_t len,
                         const struct import_options *opt, struct import_report *out)
{
    memset(out, 0, sizeof *out);
    if (cx->actor.tenant_id <= 0 || !(cx->actor.roles & PEOPLE_ROLE_ADMIN))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an administrator may import people.");
    struct import_report rep = {.dry_run = opt && opt->dry_run};
    struct run r = {.cx = cx, .opt = opt, .rep = &rep};
    memset(r.header_pos, -1, sizeof r.header_pos);
    /* Every cell, key and NUL fits in a few times the input. */
    buf_init(&r.pool, 4 * len + 4096);
    buf_addc(&r.pool, '\0'); /* EMPTY */
    buf_init(&r.existing_pool, (size_t)1 << 40);
    enum rc rc = parse(&r, data, len);
    if (rc || r.header_bad || r.nrows == 0)
        goto out;

    if ((rc = import_store_load_users(cx->db, cx->actor.tenant_id, &r.existing_pool, &r.existing,
                                      &r.nexisting, &r.existing_cap)))
        goto out;
    r.claimed = malloc((r.nexisting ? r.nexisting : 1) * sizeof *r.claimed);
    r.new_row = malloc(r.nrows * sizeof *r.new_row);
    if (!r.claimed || !r.new_row) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < r.nexisting; i++)
        r.claimed[i] = -1;
    progress(&r, "checking", 0, (int64_t)r.nrows);
    if ((rc = build_maps(&r)))
        goto out;
    match_rows(&r);
    resolve_managers(&r);
    if ((rc = find_cycles(&r)) || (rc = r.rc))
        goto out;
    count(&r);
    progress(&r, "checking", (int64_t)r.nrows, (int64_t)r.nrows);
    if (rep.error_count == 0 && !rep.dry_run) {
        if ((rc = write_rows(&r)) || (rc = finish(&r)))
            goto out;
        rep.written = 1;
    }
out:
    if (!rc)
        rc = r.rc;
    run_free(&r);
    if (rc) {
        free(rep.errors);
        return rc;
    }
    sort_errors(&rep);
    *out = rep;
    return RC_OK;
}

void import_report_free(struct import_report *r)
{
    if (!r)
        return;
    free(r->errors);
    r->errors = NULL;
    r->nerrors = 0;
}

json_t *import_report_json(const struct import_report *r)
{
    json_t *errors = json_array();
    for (size_t i = 0; i < r->nerrors; i++)
        json_array_append_new(
            errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)r->errors[i].row, "field",
                              r->errors[i].field, "message", r->errors[i].message));
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:b}", "rows", (json_int_t)r->rows, "created",
                     (json_int_t)r->created, "updated", (json_int_t)r->updated, "unchanged",
                     (json_int_t)r->unchanged, "errors", errors, "error_count",
                     (json_int_t)r->error_count, "dry_run", r->dry_run);
}

/* ---- seeding helpers -------------------------------------------------------------------- */

static enum rc need_admin(struct ctx *cx)
{
    if (cx->actor.tenant_id <= 0 || !(cx->actor.roles & PEOPLE_ROLE_ADMIN))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an administrator may do this.");
    return RC_OK;
}

enum rc import_set_missing_passwords(struct ctx *cx, const char *const *emails, size_t n,
                                     const char *password, int64_t *changed)
{
    enum rc rc = need_admin(cx);
    char hash[SECURE_PASSWORD_HASH] = "";
    *changed = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char key[PEOPLE_EMAIL_MAX + 1];
        int missing = 0, one = 0;
        if (people_email_key(emails[i], key, sizeof key) != RC_OK)
            continue;
        if ((rc = import_store_password_missing(cx->db, cx->actor.tenant_id, key, &missing)) ||
            !missing)
            continue;
        if (!hash[0] && (rc = secure_password_hash(password, hash)))
            break;
        rc = import_store_set_password_if_none(cx->db, cx->actor.tenant_id, key, hash, cx->now,
                                               &one);
        *changed += one;
    }
    return rc;
}

enum rc import_assign_coach(struct ctx *cx, const char *coach_email, const char *learner_email,
                            int *created)
{
    enum rc rc = need_admin(cx);
    char coach[PEOPLE_EMAIL_MAX + 1], learner[PEOPLE_EMAIL_MAX + 1];
    *created = 0;
    if (rc)
        return rc;
    if (people_email_key(coach_email, coach, sizeof coach) != RC_OK ||
        people_email_key(learner_email, learner, sizeof learner) != RC_OK)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    rc = import_store_assign_coach(cx->db, cx->actor.tenant_id, coach, learner, cx->now, created);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    return rc;
}
