/* process.c - child processes of the qemu driver (see process.h). fork()
 * happens in a threaded daemon, so the child only calls async-signal-safe
 * functions before exec, with everything it needs built beforehand. */
#include "virt/qemu/process.h"

#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t qemu_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void qemu_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* In the child: a clean signal state and no descriptor of cirrusd's
 * (listening sockets, the database) leaking into a process that outlives
 * it. */
static void child_reset(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    close_range(3, ~0U, 0);
}

int qemu_proc_start(const char *dir, char *const argv[], const char *netns, pid_t *out,
                    struct cerr *err)
{
    char *logpath = xasprintf("%s/qemu.log", dir);
    char *pidpath = xasprintf("%s/qemu.pid", dir);
    int rc = -1, nsfd = -1;
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logfd < 0) {
        cerr_set(err, 500, "cannot open %s: %s", logpath, strerror(errno));
        goto cleanup;
    }
    /* Opened here: the child may only make async-signal-safe calls. */
    if (netns && (nsfd = open(netns, O_RDONLY | O_CLOEXEC)) < 0) {
        cerr_set(err, 500, "cannot open network namespace %s: %s", netns, strerror(errno));
        close(logfd);
        goto cleanup;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        /* The child is single-threaded, so it may change its network
         * namespace (setns(2) refuses that to a threaded process). */
        if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0) {
            static const char msg[] = "qemu-system: cannot enter the network namespace\n";
            if (write(logfd, msg, sizeof(msg) - 1) < 0)
                _exit(125);
            _exit(125);
        }
        if (chdir(dir) < 0)
            _exit(126);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        child_reset();
        execvp(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    if (nsfd >= 0)
        close(nsfd);
    if (pid < 0) {
        cerr_set(err, 500, "fork failed: %s", strerror(errno));
        goto cleanup;
    }
    FILE *f = fopen(pidpath, "we");
    if (f) {
        fprintf(f, "%d\n", (int)pid);
        fclose(f);
    }
    *out = pid;
    rc = 0;
cleanup:
    free(logpath);
    free(pidpath);
    return rc;
}

static bool read_small(const char *path, char *buf, size_t size, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return false;
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return true;
}

bool qemu_proc_alive(pid_t pid, const char *uuid)
{
    if (pid <= 0)
        return false;
    char path[64], buf[8192];
    size_t len = 0;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    if (!read_small(path, buf, sizeof(buf), &len))
        return false;
    /* cmdline is NUL-separated; a zombie's is empty. */
    for (size_t i = 0; i < len; i++)
        if (strcmp(buf + i, uuid) == 0)
            return true;
        else
            i += strlen(buf + i);
    /* Not (or no longer) that QEMU: reap it if it is our exited child.
     * comm guards against reaping a helper another thread waits for. */
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof(buf), NULL)) {
        char *close_paren = strrchr(buf, ')');
        if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z' &&
            strstr(buf, "(qemu-system"))
            waitpid(pid, NULL, WNOHANG);
    }
    return false;
}

bool qemu_proc_child_running(pid_t pid)
{
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR)
        ;
    return r == 0;
}

pid_t qemu_proc_find(const char *dir, const char *uuid)
{
    char *pidpath = xasprintf("%s/qemu.pid", dir);
    char buf[32];
    pid_t pid = 0;
    if (read_small(pidpath, buf, sizeof(buf), NULL))
        pid = (pid_t)atoi(buf);
    free(pidpath);
    return qemu_proc_alive(pid, uuid) ? pid : 0;
}

bool qemu_proc_wait(pid_t pid, const char *uuid, int timeout_ms)
{
    int64_t deadline = qemu_mono_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        if (!qemu_proc_alive(pid, uuid))
            return true;
        if (qemu_mono_us() >= deadline)
            return false;
        qemu_sleep_ms(50);
    }
}

void qemu_proc_kill(pid_t pid, const char *uuid)
{
    if (!qemu_proc_alive(pid, uuid))
        return;
    kill(pid, SIGTERM);
    if (!qemu_proc_wait(pid, uuid, 5000)) {
        kill(pid, SIGKILL);
        qemu_proc_wait(pid, uuid, 5000);
    }
}

int64_t qemu_proc_cpu_ns(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (!read_small(path, buf, sizeof(buf), NULL))
        return 0;
    char *p = strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0;
    /* fields after comm: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                     &utime, &stime) != 2)
        return 0;
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? (int64_t)((utime + stime) * (1000000000ULL / (unsigned long long)hz)) : 0;
}

int64_t qemu_proc_rss_kb(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!read_small(path, buf, sizeof(buf), NULL))
        return 0;
    char *p = strstr(buf, "VmRSS:");
    return p ? atoll(p + 6) : 0;
}

int qemu_run(char *const argv[], char **out, struct cerr *err)
{
    int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 };
    struct buf so = {0}, se = {0};
    int rc = -1;
    if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0) {
        cerr_set(err, 500, "pipe failed: %s", strerror(errno));
        goto cleanup;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(opipe[1], 1);
        dup2(epipe[1], 2);
        child_reset();
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        cerr_set(err, 500, "fork failed: %s", strerror(errno));
        goto cleanup;
    }
    close(opipe[1]);
    close(epipe[1]);
    opipe[1] = epipe[1] = -1;
    struct pollfd p[2] = { { .fd = opipe[0], .events = POLLIN },
                           { .fd = epipe[0], .events = POLLIN } };
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char chunk[4096];
            ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                buf_append(i == 0 ? &so : &se, chunk, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    buf_append(&se, "", 1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *msg = se.data ? se.data : "";
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        char *last = strrchr(msg, '\n');
        cerr_set(err, 500, "%s failed (status %d): %s", argv[0],
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                 last ? last + 1 : msg);
        goto cleanup;
    }
    if (out) {
        buf_append(&so, "", 1);
        *out = so.data;
        so.data = NULL;
    }
    rc = 0;
cleanup:
    for (int i = 0; i < 2; i++) {
        if (opipe[i] >= 0)
            close(opipe[i]);
        if (epipe[i] >= 0)
            close(epipe[i]);
    }
    buf_free(&so);
    buf_free(&se);
    return rc;
}
