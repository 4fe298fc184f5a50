/* test_qemu_process.c - the qemu driver's child processes
 * (virt/qemu/process.c) with stand-ins for QEMU: a tool's output and its
 * failure message, a supervised process found again through its pidfile
 * and recognised by the uuid on its command line, then stopped and reaped;
 * and the image-format probe of disks.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virt/qemu/disks.h"
#include "virt/qemu/process.h"

#define UUID "0a0a0a0a-1111-2222-3333-444444444444"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/cirrus-proc-test-%d", (int)getpid());
    return mkdir(dir, 0700);
}

static int teardown(void **state)
{
    qemu_rm_rf(dir);
    return 0;
}

static void test_run_output_and_failure(void **state)
{
    char *out = NULL;
    struct cerr err = {0};
    char *ok[] = { "sh", "-c", "echo hello; echo noise >&2", NULL };
    assert_int_equal(qemu_run(ok, &out, &err), 0);
    assert_string_equal(out, "hello\n");
    free(out);
    char *bad[] = { "sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3", NULL };
    assert_int_equal(qemu_run(bad, NULL, &err), -1);
    assert_int_equal(err.status, 500);
    assert_non_null(strstr(err.message, "status 3"));
    assert_non_null(strstr(err.message, "the reason"));
    assert_null(strstr(err.message, "first"));       /* the last line says why */
    char *missing[] = { "/nonexistent/qemu-img", NULL };
    assert_int_equal(qemu_run(missing, NULL, &err), -1);
    assert_non_null(strstr(err.message, "status 127"));
}

static void test_supervised_process(void **state)
{
    /* "sh -c CMD UUID": the uuid sits on the command line like QEMU's -uuid. */
    char *argv[] = { "sh", "-c", "sleep 30", UUID, NULL };
    pid_t pid = 0;
    struct cerr err = {0};
    assert_int_equal(qemu_proc_start(dir, argv, NULL, &pid, &err), 0);
    assert_true(pid > 0);
    assert_true(qemu_proc_child_running(pid));
    /* wait for exec: before it, /proc shows the parent's command line */
    for (int i = 0; i < 100 && !qemu_proc_alive(pid, UUID); i++)
        qemu_sleep_ms(10);
    assert_true(qemu_proc_alive(pid, UUID));
    assert_int_equal(qemu_proc_find(dir, UUID), pid);            /* via qemu.pid */
    assert_int_equal(qemu_proc_find(dir, "another-uuid"), 0);     /* not that VM */
    assert_true(qemu_proc_cpu_ns(pid) >= 0);
    assert_true(qemu_proc_rss_kb(pid) > 0);
    assert_false(qemu_proc_wait(pid, UUID, 50));
    qemu_proc_kill(pid, UUID);
    assert_false(qemu_proc_alive(pid, UUID));
    assert_int_equal(qemu_proc_find(dir, UUID), 0);
    assert_false(qemu_proc_child_running(pid));                  /* reaped */
}

static void test_start_failure_is_seen(void **state)
{
    char *argv[] = { "/nonexistent/qemu-system-x86_64", UUID, NULL };
    pid_t pid = 0;
    struct cerr err = {0};
    assert_int_equal(qemu_proc_start(dir, argv, NULL, &pid, &err), 0);
    for (int i = 0; i < 200 && qemu_proc_child_running(pid); i++)
        qemu_sleep_ms(10);
    assert_false(qemu_proc_child_running(pid));
    assert_false(qemu_proc_alive(pid, UUID));
}

static void test_image_format_and_files(void **state)
{
    char path[300];
    struct cerr err = {0};
    snprintf(path, sizeof(path), "%s/img", dir);
    assert_int_equal(qemu_write_file(path, "QFI\xfb\0\0\0\3", 8, &err), 0);
    assert_string_equal(qemu_image_format(path), "qcow2");
    assert_int_equal(qemu_write_file(path, "\0\0\0\0", 4, &err), 0);
    assert_string_equal(qemu_image_format(path), "raw");
    char copy[320];
    snprintf(copy, sizeof(copy), "%s/sub/dir/copy", dir);
    char sub[320];
    snprintf(sub, sizeof(sub), "%s/sub/dir", dir);
    assert_int_equal(qemu_mkdirs(sub, &err), 0);
    assert_int_equal(qemu_copy_file(path, copy, &err), 0);
    size_t len = 0;
    char *data = qemu_read_file(copy, &len);
    assert_int_equal(len, 4);
    free(data);
    assert_int_equal(qemu_copy_file("/nonexistent", copy, &err), -1);
    assert_true(qemu_file_exists(copy));                  /* the old copy stays whole */
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_output_and_failure),
        cmocka_unit_test(test_supervised_process),
        cmocka_unit_test(test_start_failure_is_seen),
        cmocka_unit_test(test_image_format_and_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
