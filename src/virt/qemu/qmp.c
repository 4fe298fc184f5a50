/* qmp.c - QMP client (see qmp.h). Blocking I/O bounded by poll() deadlines:
 * a wedged QEMU must cost a compute agent seconds, never forever. */
#include "virt/qemu/qmp.h"

#include "virt/qemu/process.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct qmp {
    int fd;
    int timeout_ms;
    unsigned next_id;
    struct qmp_lines in;
    json_t *events;            /* queued {"event": ...} messages */
};

/* --- pure parts --- */

void qmp_lines_feed(struct qmp_lines *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

char *qmp_lines_next(struct qmp_lines *b)
{
    while (b->len > 0) {
        char *nl = memchr(b->data, '\n', b->len);
        if (!nl)
            return NULL;
        size_t used = (size_t)(nl - b->data) + 1, n = used - 1;
        if (n > 0 && b->data[n - 1] == '\r')
            n--;
        char *line = n > 0 ? xstrndup(b->data, n) : NULL;
        memmove(b->data, b->data + used, b->len - used);
        b->len -= used;
        b->data[b->len] = '\0';
        if (line)
            return line;         /* blank lines are skipped */
    }
    return NULL;
}

void qmp_lines_free(struct qmp_lines *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

enum qmp_msg qmp_classify(const json_t *msg, const char **id)
{
    *id = NULL;
    if (!json_is_object(msg))
        return QMP_MSG_INVALID;
    *id = json_string_value(json_object_get(msg, "id"));
    if (json_object_get(msg, "QMP"))
        return QMP_MSG_GREETING;
    if (json_is_string(json_object_get(msg, "event")))
        return QMP_MSG_EVENT;
    if (json_object_get(msg, "return"))
        return QMP_MSG_RETURN;
    if (json_is_object(json_object_get(msg, "error")))
        return QMP_MSG_ERROR;
    return QMP_MSG_INVALID;
}

char *qmp_format_command(const char *cmd, const json_t *args, const char *id)
{
    json_t *o = json_pack("{s:s}", "execute", cmd);
    if (args)
        json_object_set(o, "arguments", (json_t *)args);
    if (id)
        json_object_set_new(o, "id", json_string(id));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *line = xasprintf("%s\r\n", body);
    free(body);
    return line;
}

/* --- I/O --- */

static int remaining_ms(int64_t deadline_us)
{
    int64_t left = (deadline_us - qemu_mono_us()) / 1000;
    return left < 0 ? 0 : (int)left;
}

static int write_all(struct qmp *q, const char *s, struct cerr *err)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(q->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return cerr_set(err, 500, "QMP write failed: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The next message (an object), waiting until deadline. 0 ok, 1 EOF,
 * -1 error (timeout included). */
static int read_msg(struct qmp *q, int64_t deadline_us, json_t **out, struct cerr *err)
{
    for (;;) {
        char *line = qmp_lines_next(&q->in);
        if (line) {
            json_error_t je;
            json_t *msg = json_loads(line, 0, &je);
            free(line);
            if (!json_is_object(msg)) {
                json_decref(msg);
                return cerr_set(err, 500, "QMP sent malformed JSON: %s", je.text);
            }
            *out = msg;
            return 0;
        }
        struct pollfd p = { .fd = q->fd, .events = POLLIN };
        int r = poll(&p, 1, remaining_ms(deadline_us));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cerr_set(err, 500, "QMP poll failed: %s", strerror(errno));
        if (r == 0)
            return cerr_set(err, 500, "QMP timed out");
        char chunk[4096];
        ssize_t n = recv(q->fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != ECONNRESET)
            return cerr_set(err, 500, "QMP read failed: %s", strerror(errno));
        if (n <= 0)
            return 1;
        qmp_lines_feed(&q->in, chunk, (size_t)n);
    }
}

/* Sends cmd and waits for the reply carrying our id; events met on the
 * way are queued. eof_ok: EOF before the reply counts as success. */
static int transact(struct qmp *q, const char *cmd, const json_t *args, json_t **ret,
                    bool eof_ok, struct cerr *err)
{
    char id[32];
    snprintf(id, sizeof(id), "cirrus-%u", ++q->next_id);
    char *line = qmp_format_command(cmd, args, id);
    int rc = write_all(q, line, err);
    free(line);
    if (rc < 0)
        return eof_ok ? 0 : -1;
    int64_t deadline = qemu_mono_us() + (int64_t)q->timeout_ms * 1000;
    for (;;) {
        json_t *msg = NULL;
        rc = read_msg(q, deadline, &msg, err);
        if (rc == 1) {
            if (eof_ok)
                return 0;
            return cerr_set(err, 500, "QEMU closed the monitor during %s", cmd);
        }
        if (rc < 0)
            return -1;
        const char *mid;
        enum qmp_msg kind = qmp_classify(msg, &mid);
        if (kind == QMP_MSG_EVENT) {
            json_array_append_new(q->events, msg);
            continue;
        }
        if ((kind == QMP_MSG_RETURN || kind == QMP_MSG_ERROR) && str_eq(mid, id)) {
            if (kind == QMP_MSG_ERROR) {
                json_t *e = json_object_get(msg, "error");
                cerr_set(err, 500, "QEMU %s failed: %s", cmd,
                         json_string_value(json_object_get(e, "desc")) ?: "unknown error");
                json_decref(msg);
                return -1;
            }
            if (ret)
                *ret = json_incref(json_object_get(msg, "return"));
            json_decref(msg);
            return 0;
        }
        json_decref(msg);        /* a stray reply (an earlier client's) */
    }
}

/* sun_path holds 108 bytes; instance directories under a long data_dir
 * do not fit, so connect through the directory's /proc/self/fd entry. */
int qmp_unix_connect(const char *path, struct cerr *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int dirfd = -1, fd = -1;
    if (strlen(path) < sizeof(sa.sun_path)) {
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    } else {
        char *copy = xstrdup(path), *copy2 = xstrdup(path);
        dirfd = open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0)
            snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd,
                     basename(copy2));
        free(copy);
        free(copy2);
        if (dirfd < 0)
            return cerr_set(err, 500, "cannot open %s: %s", path, strerror(errno));
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        cerr_set(err, 500, "cannot connect to QMP at %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    if (dirfd >= 0)
        close(dirfd);
    return fd;
}

int qmp_open(const char *path, int timeout_ms, struct qmp **out, struct cerr *err)
{
    int fd = qmp_unix_connect(path, err);
    if (fd < 0)
        return -1;
    struct qmp *q = xcalloc(1, sizeof(*q));
    q->fd = fd;
    q->timeout_ms = timeout_ms;
    q->events = json_array();
    json_t *greeting = NULL;
    int64_t deadline = qemu_mono_us() + (int64_t)timeout_ms * 1000;
    int rc = read_msg(q, deadline, &greeting, err);
    const char *id;
    if (rc == 1)
        rc = cerr_set(err, 500, "QEMU closed the monitor before its greeting");
    else if (rc == 0 && qmp_classify(greeting, &id) != QMP_MSG_GREETING)
        rc = cerr_set(err, 500, "QMP greeting expected");
    json_decref(greeting);
    if (rc == 0)
        rc = transact(q, "qmp_capabilities", NULL, NULL, false, err);
    if (rc < 0) {
        qmp_close(q);
        return -1;
    }
    *out = q;
    return 0;
}

void qmp_close(struct qmp *q)
{
    if (!q)
        return;
    close(q->fd);
    qmp_lines_free(&q->in);
    json_decref(q->events);
    free(q);
}

void qmp_set_timeout(struct qmp *q, int timeout_ms)
{
    q->timeout_ms = timeout_ms;
}

int qmp_command(struct qmp *q, const char *cmd, const json_t *args, json_t **ret,
                struct cerr *err)
{
    return transact(q, cmd, args, ret, false, err);
}

int qmp_quit(struct qmp *q, struct cerr *err)
{
    return transact(q, "quit", NULL, NULL, true, err);
}

static int take_event(struct qmp *q, const char *name, json_t **data)
{
    size_t i;
    json_t *ev;
    json_array_foreach(q->events, i, ev) {
        if (str_eq(json_string_value(json_object_get(ev, "event")), name)) {
            if (data)
                *data = json_incref(json_object_get(ev, "data"));
            json_array_remove(q->events, i);
            return 1;
        }
    }
    return 0;
}

int qmp_event_wait(struct qmp *q, const char *name, int timeout_ms, json_t **data,
                   struct cerr *err)
{
    int64_t deadline = qemu_mono_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        if (take_event(q, name, data))
            return 1;
        if (remaining_ms(deadline) == 0)
            return 0;
        json_t *msg = NULL;
        struct cerr rerr = {0};
        int rc = read_msg(q, deadline, &msg, &rerr);
        if (rc == 1)
            return cerr_set(err, 500, "QEMU closed the monitor while waiting for %s", name);
        if (rc < 0) {
            if (remaining_ms(deadline) == 0)
                return 0;
            *err = rerr;
            return -1;
        }
        const char *id;
        if (qmp_classify(msg, &id) == QMP_MSG_EVENT)
            json_array_append_new(q->events, msg);
        else
            json_decref(msg);
    }
}
