/* process.h - QEMU and its helper tools as child processes: QEMU runs in
 * its own session (no -daemonize: cirrusd knows the pid from fork) with a
 * pidfile in the instance directory, so a restarted cirrusd finds it
 * again; qemu-img and the ISO tool run to completion with their output
 * captured. */
#ifndef CIRRUS_VIRT_QEMU_PROCESS_H
#define CIRRUS_VIRT_QEMU_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* Monotonic microseconds, for deadlines. */
int64_t qemu_mono_us(void);
void qemu_sleep_ms(int ms);

/* Starts argv (argv[0] looked up in PATH) with dir as its working
 * directory, stdout/stderr appended to dir/qemu.log and every other
 * descriptor closed; writes dir/qemu.pid. netns: NULL, or the path of a
 * network namespace (/run/netns/NAME) the process runs in. */
int qemu_proc_start(const char *dir, char *const argv[], const char *netns, pid_t *out,
                    struct cerr *err);
/* The live QEMU of instance uuid recorded in dir/qemu.pid, or 0. An
 * exited child of ours is reaped here. */
pid_t qemu_proc_find(const char *dir, const char *uuid);
/* Whether pid is still the QEMU of uuid (not exited, not a reused pid). */
bool qemu_proc_alive(pid_t pid, const char *uuid);
/* Whether a child started by qemu_proc_start has not exited yet (valid
 * before exec too, when /proc does not show QEMU's command line). */
bool qemu_proc_child_running(pid_t pid);
/* Waits up to timeout_ms for it to exit; true once it is gone. */
bool qemu_proc_wait(pid_t pid, const char *uuid, int timeout_ms);
/* SIGTERM, then SIGKILL if it lingers; returns once it is gone. */
void qemu_proc_kill(pid_t pid, const char *uuid);
/* CPU time (user + system) of a live process, nanoseconds; 0 unknown. */
int64_t qemu_proc_cpu_ns(pid_t pid);
/* Resident set size of a live process in KiB; 0 unknown. */
int64_t qemu_proc_rss_kb(pid_t pid);

/* Runs a tool to completion. *out (if asked) gets its stdout; a non-zero
 * exit is a 500 quoting the last line of its stderr. */
int qemu_run(char *const argv[], char **out, struct cerr *err);

#endif
