/* instance.c - one instance directory of the qemu driver: its definition
 * (domain.json) and its QEMU process - start and wait for the monitor,
 * connect, ask the run state, stop (ACPI first, then quit, then signals).
 * The lifecycle ops (qemu.c) and the migrations (migrate.c) use these. */
#include "virt/qemu/qemu_priv.h"

#include "util/mem.h"
#include "virt/qemu/disks.h"
#include "virt/qemu/process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *qemu_host_dir(const struct cirrus_config *cfg, const char *host)
{
    return xasprintf("%s/instances/%s", cfg->data_dir, host);
}

bool qemu_host_address(const struct cirrus_config *cfg, const char *host, char *out,
                       size_t size)
{
    size_t n = strlen(host);
    for (const char *p = cfg->qemu_host_addresses; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *end = p + strcspn(p, ",");
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq && (size_t)(eq - p) == n && strncmp(p, host, n) == 0 && end > eq + 1 &&
            (size_t)(end - eq - 1) < size) {
            memcpy(out, eq + 1, (size_t)(end - eq - 1));
            out[end - eq - 1] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

char *qemu_inst_dir(const struct virt_host *h, const char *uuid, const char *suffix)
{
    return xasprintf("%s/%s%s", h->dir, uuid, suffix ? suffix : "");
}

int qemu_domain_load(const char *dir, struct qemu_domain *d, struct cerr *err)
{
    char *path = xasprintf("%s/domain.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    int rc;
    if (!j)
        rc = cerr_set(err, 404, "Instance is not defined on this host (%s)", path);
    else
        rc = qemu_domain_from_json(j, d, err);
    json_decref(j);
    free(path);
    return rc;
}

int qemu_domain_save(const char *dir, const struct qemu_domain *d, struct cerr *err)
{
    char *path = xasprintf("%s/domain.json", dir);
    json_t *j = qemu_domain_to_json(d);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = qemu_write_file(path, text, strlen(text), err);
    free(text);
    json_decref(j);
    free(path);
    return rc;
}

/* Why QEMU refused to start: its last error line ("qemu-system-x86_64:
 * ...") among what it wrote to its log after offset, else the last line. */
static void log_reason(const char *dir, size_t offset, char *out, size_t size)
{
    char *path = xasprintf("%s/qemu.log", dir);
    size_t len = 0;
    char *text = qemu_read_file(path, &len);
    out[0] = '\0';
    if (text && offset < len) {
        char *save = NULL;
        for (char *line = strtok_r(text + offset, "\r\n", &save); line;
             line = strtok_r(NULL, "\r\n", &save)) {
            char *e = strstr(line, "qemu-system");
            if (e || !out[0] || !strstr(out, "qemu-system"))
                str_copy(out, size, e ? e : line);
        }
    }
    free(text);
    free(path);
}

/* console.log is appended to across boots; at each start it is cut back
 * to its tail once it passes CONSOLE_KEEP_MAX, so a chatty guest cannot
 * fill the host's disk (os-getConsoleOutput shows at most 100 KiB). */
#define CONSOLE_KEEP_MAX (1024 * 1024)
#define CONSOLE_KEEP_TAIL (256 * 1024)

static void console_trim(const char *dir)
{
    char *path = xasprintf("%s/console.log", dir);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > CONSOLE_KEEP_MAX) {
        size_t len = 0;
        char *text = qemu_read_file(path, &len);
        struct cerr ignored = {0};
        if (text && len > CONSOLE_KEEP_TAIL)
            qemu_write_file(path, text + len - CONSOLE_KEEP_TAIL, CONSOLE_KEEP_TAIL, &ignored);
        free(text);
    }
    free(path);
}

int qemu_launch(const struct virt_host *h, const char *dir, const struct qemu_domain *d,
                const char *incoming, bool paused, struct cerr *err)
{
    struct qemu_launch l = { .binary = h->cfg->qemu_binary, .accel = h->accel,
                             .machine = h->cfg->qemu_machine, .incoming = incoming,
                             .paused = paused };
    char **argv = qemu_domain_argv(d, &l);
    char *sock = xasprintf("%s/qmp.sock", dir);
    char *log = xasprintf("%s/qemu.log", dir);
    struct stat st;
    size_t log_offset = stat(log, &st) == 0 ? (size_t)st.st_size : 0;
    pid_t pid = 0;
    int rc = -1;
    free(log);
    unlink(sock);
    console_trim(dir);
    if (qemu_proc_start(dir, argv, h->netns, &pid, err) < 0)
        goto cleanup;
    int64_t deadline = qemu_mono_us() + (int64_t)h->cfg->qemu_boot_timeout * 1000000;
    for (;;) {
        if (!qemu_proc_child_running(pid)) {
            pid = 0;
            char why[256];
            log_reason(dir, log_offset, why, sizeof(why));
            cerr_set(err, 500, "QEMU exited at start: %s", why[0] ? why : "no message");
            goto cleanup;
        }
        struct qmp *q = NULL;
        struct cerr qerr = {0};
        if (qemu_file_exists(sock) && qmp_open(sock, 2000, &q, &qerr) == 0) {
            qmp_close(q);
            break;
        }
        if (qemu_mono_us() > deadline) {
            cerr_set(err, 500, "QEMU monitor did not answer within %d s",
                     h->cfg->qemu_boot_timeout);
            goto cleanup;
        }
        qemu_sleep_ms(20);
    }
    rc = 0;
cleanup:
    if (rc < 0 && pid > 0)
        qemu_proc_kill(pid, d->uuid);
    qemu_argv_free(argv);
    free(sock);
    return rc;
}

int qemu_monitor(const char *dir, const char *uuid, struct qmp **out, struct cerr *err)
{
    if (!qemu_proc_find(dir, uuid))
        return cerr_set(err, 409, "Instance %s is not running", uuid);
    char *sock = xasprintf("%s/qmp.sock", dir);
    int rc = qmp_open(sock, QEMU_QMP_TIMEOUT_MS, out, err);
    free(sock);
    return rc;
}

int qemu_status(const char *dir, const char *uuid, char *out, size_t size, struct cerr *err)
{
    struct qmp *q = NULL;
    json_t *ret = NULL;
    int rc = -1;
    if (qemu_monitor(dir, uuid, &q, err) < 0 ||
        qmp_command(q, "query-status", NULL, &ret, err) < 0)
        goto cleanup;
    str_copy(out, size, json_string_value(json_object_get(ret, "status")) ?: "unknown");
    rc = 0;
cleanup:
    json_decref(ret);
    qmp_close(q);
    return rc;
}

int qemu_stop(const char *dir, const char *uuid, int grace_s, struct cerr *err)
{
    pid_t pid = qemu_proc_find(dir, uuid);
    if (!pid)
        return 0;
    struct qmp *q = NULL;
    struct cerr ignored = {0};
    char *sock = xasprintf("%s/qmp.sock", dir);
    if (grace_s > 0 && qmp_open(sock, QEMU_QMP_TIMEOUT_MS, &q, &ignored) == 0) {
        /* Nova's clean shutdown: the guest sees its power button and gets
         * shutdown_timeout seconds before the plug is pulled. A paused
         * guest cannot react, so it is not waited for. */
        json_t *st = NULL;
        bool running = qmp_command(q, "query-status", NULL, &st, &ignored) == 0 &&
                       str_eq(json_string_value(json_object_get(st, "status")), "running");
        json_decref(st);
        if (running && qmp_command(q, "system_powerdown", NULL, NULL, &ignored) == 0) {
            qmp_close(q);
            q = NULL;
            if (qemu_proc_wait(pid, uuid, grace_s * 1000))
                goto done;
        }
    }
    if (!q)
        qmp_open(sock, QEMU_QMP_TIMEOUT_MS, &q, &ignored);
    if (q)
        qmp_quit(q, &ignored);
    if (!qemu_proc_wait(pid, uuid, 5000))
        qemu_proc_kill(pid, uuid);
done:
    qmp_close(q);
    free(sock);
    if (qemu_proc_alive(pid, uuid))
        return cerr_set(err, 500, "QEMU of %s would not stop", uuid);
    return 0;
}

