/*
 * test_config.c — flags, environment and their validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static enum rc parse(struct config *cfg, enum config_command cmd, char **argv, int argc, char *err)
{
    return config_parse(cfg, cmd, argc, argv, 0, err, 256);
}

static void defaults_are_sane(void **state)
{
    (void)state;
    unsetenv("WAYMARK_DB");
    unsetenv("WAYMARK_THREADS");
    struct config cfg;
    char err[256];
    assert_int_equal(parse(&cfg, CMD_SERVE, NULL, 0, err), RC_OK);
    assert_string_equal(cfg.db_url, "sqlite:data/waymark.db");
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_int_equal(cfg.threads, 2);
    assert_int_equal(cfg.max_body, 1 << 20);
    assert_int_equal(cfg.max_upload, 25 << 20);
    assert_int_equal(cfg.access_log, 1);
}

static void flags_beat_environment(void **state)
{
    (void)state;
    setenv("WAYMARK_THREADS", "8", 1);
    setenv("WAYMARK_DB", "postgres://x@127.0.0.1/w", 1);
    struct config cfg;
    char err[256];
    char *argv[] = {"--threads",    "4",  "--listen=0.0.0.0:0", "--max-body=2MiB",
                    "--access-log", "off"};
    assert_int_equal(parse(&cfg, CMD_SERVE, argv, 6, err), RC_OK);
    assert_int_equal(cfg.threads, 4);
    assert_string_equal(cfg.db_url, "postgres://x@127.0.0.1/w");
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 0);
    assert_int_equal(cfg.max_body, 2 << 20);
    assert_int_equal(cfg.access_log, 0);
    unsetenv("WAYMARK_THREADS");
    unsetenv("WAYMARK_DB");
}

static void bad_values_fail_with_one_clear_line(void **state)
{
    (void)state;
    struct {
        char *argv[2];
        int argc;
        const char *says;
    } cases[] = {
        {{"--threads=0"}, 1, "--threads: '0' is not a whole number from 1 to 256"},
        {{"--threads=two"}, 1, "--threads: 'two' is not a whole number"},
        {{"--listen=8080"}, 1, "must be HOST:PORT"},
        {{"--listen=127.0.0.1:70000"}, 1, "must be HOST:PORT"},
        {{"--max-body=1TB"}, 1, "is not a size"},
        {{"--access-log=maybe"}, 1, "must be on or off"},
        {{"--log-level=loud"}, 1, "must be error, warn, info or debug"},
        {{"--nope"}, 1, "unknown option --nope"},
        {{"--threads"}, 1, "--threads needs a value"},
        {{"serve"}, 1, "unexpected argument 'serve'"},
        {{"--db=mysql://root:secret@h/x"}, 1, "--db: must start with sqlite:, postgres://"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config cfg;
        char err[256] = "";
        assert_int_equal(parse(&cfg, CMD_SERVE, cases[i].argv, cases[i].argc, err), RC_INVALID);
        if (!strstr(err, cases[i].says))
            fail_msg("case %zu: got '%s', wanted '%s'", i, err, cases[i].says);
        assert_null(strchr(err, '\n'));
    }
}

static void options_belong_to_their_commands(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    char *argv[] = {"--threads=4"};
    assert_int_equal(parse(&cfg, CMD_MIGRATE, argv, 1, err), RC_INVALID);
    assert_string_equal(err, "unknown option --threads");
    setenv("WAYMARK_THREADS", "nonsense", 1); /* not read by migrate */
    char *argv2[] = {"--db", "sqlite::memory:"};
    assert_int_equal(parse(&cfg, CMD_MIGRATE, argv2, 2, err), RC_OK);
    assert_string_equal(cfg.db_url, "sqlite::memory:");
    assert_int_equal(parse(&cfg, CMD_SERVE, NULL, 0, err), RC_INVALID);
    assert_non_null(strstr(err, "WAYMARK_THREADS"));
    unsetenv("WAYMARK_THREADS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_sane),
        cmocka_unit_test(flags_beat_environment),
        cmocka_unit_test(bad_values_fail_with_one_clear_line),
        cmocka_unit_test(options_belong_to_their_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
