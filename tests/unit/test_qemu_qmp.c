/* test_qemu_qmp.c - the QMP client (virt/qemu/qmp.c): line framing and
 * message classification as tables, then the whole conversation against a
 * scripted monitor on a UNIX socket (greeting, capabilities, events in the
 * middle of a reply, stray replies, errors, EOF after quit, timeouts, a
 * socket path longer than sun_path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "virt/qemu/qmp.h"

/* --- pure parts --- */

static void test_lines(void **state)
{
    struct qmp_lines b = {0};
    const char *part1 = "{\"a\":1}\r\n{\"b\"", *part2 = ":2}\n\r\n\n{\"c\":3}\r\n";
    qmp_lines_feed(&b, part1, strlen(part1));
    char *l = qmp_lines_next(&b);
    assert_string_equal(l, "{\"a\":1}");
    free(l);
    assert_null(qmp_lines_next(&b));             /* half a line waits */
    qmp_lines_feed(&b, part2, strlen(part2));
    l = qmp_lines_next(&b);
    assert_string_equal(l, "{\"b\":2}");          /* LF alone also ends a line */
    free(l);
    l = qmp_lines_next(&b);
    assert_string_equal(l, "{\"c\":3}");          /* blank lines skipped */
    free(l);
    assert_null(qmp_lines_next(&b));
    qmp_lines_free(&b);
}

static const struct { const char *json; enum qmp_msg kind; const char *id; } classify_rows[] = {
    {"{\"QMP\": {\"version\": {}, \"capabilities\": []}}", QMP_MSG_GREETING, NULL},
    {"{\"event\": \"STOP\", \"timestamp\": {}}", QMP_MSG_EVENT, NULL},
    {"{\"return\": {}, \"id\": \"cirrus-1\"}", QMP_MSG_RETURN, "cirrus-1"},
    {"{\"return\": []}", QMP_MSG_RETURN, NULL},
    {"{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": \"cirrus-2\"}",
     QMP_MSG_ERROR, "cirrus-2"},
    {"{\"error\": \"not an object\"}", QMP_MSG_INVALID, NULL},
    {"[1]", QMP_MSG_INVALID, NULL},
};

static void test_classify(void **state)
{
    for (size_t i = 0; i < sizeof(classify_rows) / sizeof(classify_rows[0]); i++) {
        json_t *j = json_loads(classify_rows[i].json, 0, NULL);
        const char *id;
        assert_int_equal(qmp_classify(j, &id), classify_rows[i].kind);
        if (classify_rows[i].id)
            assert_string_equal(id, classify_rows[i].id);
        else
            assert_null(id);
        json_decref(j);
    }
}

static void test_format(void **state)
{
    char *s = qmp_format_command("query-status", NULL, "cirrus-7");
    assert_string_equal(s, "{\"execute\":\"query-status\",\"id\":\"cirrus-7\"}\r\n");
    free(s);
    json_t *args = json_pack("{s:s}", "uri", "exec:cat > f");
    s = qmp_format_command("migrate", args, "x");
    assert_string_equal(s, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > f\"},"
                           "\"id\":\"x\"}\r\n");
    free(s);
    json_decref(args);
}

/* --- a scripted monitor --- */

struct script {
    int listen_fd;
    const char *const *replies;   /* per received command: text to send, "" = close */
    char received[8][256];
    int nreceived;
};

static void *serve(void *arg)
{
    struct script *sc = arg;
    int fd = accept(sc->listen_fd, NULL, NULL);
    const char *greeting = "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, "
                           "\"capabilities\": []}}\r\n";
    if (write(fd, greeting, strlen(greeting)) < 0)
        goto done;
    char buf[4096];
    size_t len = 0;
    for (int i = 0; sc->replies[i]; i++) {
        char *nl;
        while (!(nl = memchr(buf, '\n', len))) {
            ssize_t n = read(fd, buf + len, sizeof(buf) - len);
            if (n <= 0)
                goto done;
            len += (size_t)n;
        }
        size_t line = (size_t)(nl - buf) + 1;
        snprintf(sc->received[sc->nreceived++], 256, "%.*s", (int)line, buf);
        memmove(buf, buf + line, len - line);
        len -= line;
        if (!sc->replies[i][0])
            goto done;
        if (strcmp(sc->replies[i], "SILENT") != 0 &&
            write(fd, sc->replies[i], strlen(sc->replies[i])) < 0)
            goto done;
    }
    /* Keep the connection until the client closes it. */
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
done:
    close(fd);
    return NULL;
}

static char dir[512];

static int listen_at(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    /* bind through a relative name: the test path may exceed sun_path */
    assert_int_equal(chdir(dir), 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", strrchr(path, '/') + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(chdir(cwd), 0);
    return fd;
}

static int setup(void **state)
{
    /* Deeper than sun_path's 108 bytes, like a long data_dir. */
    snprintf(dir, sizeof(dir), "/tmp/cirrus-qmp-test-%d", (int)getpid());
    mkdir(dir, 0700);
    strcat(dir, "/a-directory-name-long-enough-to-push-the-socket-path-over-the-limit-of-unix-sockets");
    mkdir(dir, 0700);
    return 0;
}

static int teardown(void **state)
{
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "rm -rf /tmp/cirrus-qmp-test-%d", (int)getpid());
    return system(cmd) == 0 ? 0 : -1;
}

static void run_script(struct script *sc, pthread_t *th, char *path, size_t size)
{
    snprintf(path, size, "%s/qmp.sock", dir);
    unlink(path);
    assert_true(strlen(path) > 108);
    sc->listen_fd = listen_at(path);
    pthread_create(th, NULL, serve, sc);
}

static void test_conversation(void **state)
{
    const char *const replies[] = {
        "{\"return\": {}, \"id\": \"cirrus-1\"}\r\n",
        /* an event and a stray reply before ours */
        "{\"event\": \"RESUME\", \"data\": {}}\r\n{\"return\": 1, \"id\": \"other\"}\r\n"
        "{\"return\": {\"status\": \"running\"}, \"id\": \"cirrus-2\"}\r\n",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"No such job\"}, "
        "\"id\": \"cirrus-3\"}\r\n",
        "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true}}\r\n"
        "{\"return\": {}, \"id\": \"cirrus-4\"}\r\n",
        "",                            /* quit: closes without replying */
        NULL,
    };
    struct script sc = { .replies = replies };
    pthread_t th;
    char path[700];
    run_script(&sc, &th, path, sizeof(path));
    struct qmp *q = NULL;
    struct cerr err = {0};
    assert_int_equal(qmp_open(path, 2000, &q, &err), 0);
    json_t *ret = NULL;
    assert_int_equal(qmp_command(q, "query-status", NULL, &ret, &err), 0);
    assert_string_equal(json_string_value(json_object_get(ret, "status")), "running");
    json_decref(ret);
    json_t *args = json_pack("{s:s}", "device", "x");
    assert_int_equal(qmp_command(q, "block-job-cancel", args, NULL, &err), -1);
    json_decref(args);
    assert_int_equal(err.status, 500);
    assert_non_null(strstr(err.message, "No such job"));
    assert_int_equal(qmp_command(q, "system_powerdown", NULL, NULL, &err), 0);
    json_t *data = NULL;
    assert_int_equal(qmp_event_wait(q, "RESUME", 10, NULL, &err), 1);   /* queued earlier */
    assert_int_equal(qmp_event_wait(q, "SHUTDOWN", 10, &data, &err), 1);
    assert_true(json_is_true(json_object_get(data, "guest")));
    json_decref(data);
    assert_int_equal(qmp_quit(q, &err), 0);
    qmp_close(q);
    pthread_join(th, NULL);
    close(sc.listen_fd);
    assert_string_equal(sc.received[0], "{\"execute\":\"qmp_capabilities\",\"id\":\"cirrus-1\"}\r\n");
    assert_non_null(strstr(sc.received[4], "\"quit\""));
}

static void test_timeout_and_eof(void **state)
{
    const char *const replies[] = {
        "{\"return\": {}, \"id\": \"cirrus-1\"}\r\n",
        "SILENT",                      /* never answers query-status */
        "",                            /* then hangs up */
        NULL,
    };
    struct script sc = { .replies = replies };
    pthread_t th;
    char path[700];
    run_script(&sc, &th, path, sizeof(path));
    struct qmp *q = NULL;
    struct cerr err = {0};
    assert_int_equal(qmp_open(path, 2000, &q, &err), 0);
    qmp_set_timeout(q, 200);
    assert_int_equal(qmp_command(q, "query-status", NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "timed out"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(qmp_command(q, "cont", NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "closed the monitor"));
    qmp_close(q);
    pthread_join(th, NULL);
    close(sc.listen_fd);
}

static void test_no_monitor(void **state)
{
    struct qmp *q = NULL;
    struct cerr err = {0};
    assert_int_equal(qmp_open("/nonexistent/qmp.sock", 100, &q, &err), -1);
    assert_int_equal(err.status, 500);
    assert_null(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_conversation),
        cmocka_unit_test(test_timeout_and_eof),
        cmocka_unit_test(test_no_monitor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
