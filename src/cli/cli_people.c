/*
 * cli_people.c — `waymark tenant add` and `waymark user add` (see cli_people.h).
 *
 * Each command opens the database, migrates it, and runs one domain call in one
 * transaction as the tenant's system actor (no user), so the same rules as the API
 * apply and nothing is half-written on failure.
 */
#include "cli_people.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "core/config.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/secure.h"
#include "db/db.h"
#include "people/credentials.h"
#include "people/people.h"
#include "people/users.h"
#include "tenant/tenant.h"

struct cli_args {
    const char *slug, *name, *timezone, *tenant, *email, *roles;
    char *config_argv[16];
    int config_argc;
};

static int usage(const char *what)
{
    if (strcmp(what, "tenant") == 0)
        fprintf(stderr, "usage: waymark tenant add --slug SLUG --name NAME [--timezone ZONE] "
                        "[--db URL]\n");
    else
        fprintf(stderr, "usage: waymark user add --tenant SLUG --email EMAIL --name NAME "
                        "[--roles admin,designer] [--db URL]  (password on standard input)\n");
    return 2;
}

/* Splits our own flags from the configuration flags (--db, --log-level). */
static int parse_args(int argc, char **argv, struct cli_args *a)
{
    static const char *const own[] = {"slug", "name", "timezone", "tenant", "email", "roles"};
    memset(a, 0, sizeof *a);
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        size_t len = 0;
        for (size_t k = 0; k < sizeof own / sizeof own[0] && !slot; k++) {
            len = strlen(own[k]);
            if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, own[k], len) == 0 &&
                (arg[2 + len] == '\0' || arg[2 + len] == '='))
                slot = k == 0   ? &a->slug
                       : k == 1 ? &a->name
                       : k == 2 ? &a->timezone
                       : k == 3 ? &a->tenant
                       : k == 4 ? &a->email
                                : &a->roles;
        }
        if (slot) {
            if (arg[2 + len] == '=') {
                *slot = arg + 3 + len;
            } else if (i + 1 < argc) {
                *slot = argv[++i];
            } else {
                fprintf(stderr, "waymark: %s needs a value\n", arg);
                return -1;
            }
        } else if (a->config_argc < 15) {
            a->config_argv[a->config_argc++] = argv[i];
        } else {
            return -1;
        }
    }
    return 0;
}

/* Reads one line without its newline; on a terminal, without echo. */
static int read_secret(const char *prompt, char *out, size_t size)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    int ok = fgets(out, (int)size, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!ok)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

struct add_args {
    struct ctx *cx;
    const struct cli_args *a;
    const char *password;
    struct tenant tenant;
    struct user user;
};

static enum rc add_tenant(struct db *db, void *arg)
{
    struct add_args *x = arg;
    (void)db;
    return tenant_create(x->cx, x->a->slug, x->a->name, x->a->timezone ? x->a->timezone : "UTC",
                         &x->tenant);
}

static enum rc parse_roles(struct ctx *cx, const char *list, unsigned *out)
{
    json_t *names = json_array();
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list ? list : "");
    for (char *p = copy, *comma; p && *p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            json_array_append_new(names, json_string(p));
    }
    enum rc rc = people_roles_parse(cx, names, "roles", out);
    json_decref(names);
    return rc;
}

static enum rc add_user(struct db *db, void *arg)
{
    struct add_args *x = arg;
    struct ctx *cx = x->cx;
    (void)db;
    struct tenant t;
    enum rc rc = tenant_find(cx, x->a->tenant, &t);
    if (rc)
        return rc;
    cx->actor.tenant_id = t.id; /* the tenant's system actor: no user */
    struct users_change ch = {
        .set = USERS_EMAIL | USERS_NAME | USERS_ROLES, .email = x->a->email, .name = x->a->name};
    if ((rc = parse_roles(cx, x->a->roles, &ch.roles)))
        return rc;
    if ((rc = users_create(cx, &ch, &x->user)))
        return rc;
    return credentials_set_password(cx, x->user.id, x->password);
}

static void print_failure(const struct ctx *cx, enum rc rc, struct db *db)
{
    if (cx->details) {
        size_t i;
        json_t *d;
        json_array_foreach(cx->details, i, d)
        {
            fprintf(stderr, "waymark: %s %s\n", json_string_value(json_object_get(d, "field")),
                    json_string_value(json_object_get(d, "message")));
        }
    } else {
        fprintf(stderr, "waymark: %s%s%s\n", cx->message[0] ? cx->message : rc_message(rc),
                rc == RC_DB ? ": " : "", rc == RC_DB ? db_errmsg(db) : "");
    }
}

int cli_people_main(int argc, char **argv)
{
    const char *what = argv[1];
    if (argc < 3 || strcmp(argv[2], "add") != 0)
        return usage(what);
    struct cli_args a;
    if (parse_args(argc, argv, &a) != 0)
        return usage(what);
    int is_tenant = strcmp(what, "tenant") == 0;
    if (is_tenant ? (!a.slug || !a.name) : (!a.tenant || !a.email || !a.name)) {
        fprintf(stderr, "waymark: %s\n",
                is_tenant ? "--slug and --name are required"
                          : "--tenant, --email and --name "
                            "are required");
        return usage(what);
    }
    struct config cfg;
    char err[512];
    if (config_parse(&cfg, CMD_MIGRATE, a.config_argc, a.config_argv, 0, err, sizeof err)) {
        fprintf(stderr, "waymark %s add: %s\n", what, err);
        return usage(what);
    }
    log_set_level((enum log_level)cfg.log_level);

    char password[CREDENTIALS_PASSWORD_MAX * 4 + 2] = "", again[sizeof password] = "";
    if (!is_tenant) {
        if (read_secret("Password: ", password, sizeof password) != 0 || !password[0]) {
            fprintf(stderr, "waymark: give the password on standard input\n");
            return 1;
        }
        if (isatty(STDIN_FILENO) &&
            (read_secret("Again: ", again, sizeof again) != 0 || strcmp(again, password) != 0)) {
            fprintf(stderr, "waymark: the passwords differ\n");
            return 1;
        }
    }

    struct ctx cx;
    if (cli_open(&cfg, "waymark", &cx) != 0) {
        secure_zero(password, sizeof password);
        secure_zero(again, sizeof again);
        return 1;
    }
    cx.actor.roles = PEOPLE_ROLES_ALL;
    struct add_args x = {&cx, &a, password, {0}, {0}};
    enum rc rc = db_transaction(cx.db, 1, is_tenant ? add_tenant : add_user, &x);
    secure_zero(password, sizeof password);
    secure_zero(again, sizeof again);
    if (rc) {
        print_failure(&cx, rc, cx.db);
    } else if (is_tenant) {
        printf("organisation \"%s\" added with slug %s (id %lld, time zone %s)\n", x.tenant.name,
               x.tenant.slug, (long long)x.tenant.id, x.tenant.time_zone);
    } else {
        printf("user %s added to %s (id %lld)\n", x.user.email, a.tenant, (long long)x.user.id);
    }
    cli_close(&cx);
    return rc ? 1 : 0;
}
