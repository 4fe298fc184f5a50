/* agent.h - the contract inside the background runtime: worker.c runs the
 * threads and the task loop, conductor.c and compute.c say what one task
 * does, host.c names the local hosts. Not used outside src/core/. */
#ifndef CIRRUS_AGENT_H
#define CIRRUS_AGENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/host.h"
#include "store/server.h"
#include "store/task.h"
#include "util/config.h"
#include "util/err.h"
#include "virt/driver.h"

/* One worker thread: the conductor (host "" and no driver) or the compute
 * agent of one local host. */
struct agent {
    const struct cirrus_config *cfg;
    char host[HOST_NAME_LEN];          /* "" = conductor */
    char owner[TASK_OWNER_LEN];        /* tasks.owner while this agent runs one */
    const struct virt_driver *driver;  /* compute agents only */
    struct virt_host *vh;
    pthread_t thread;
    bool started;
    pthread_cond_t wake;               /* signalled by kicks aimed at this queue */
    uint64_t kicks, seen_kick;         /* guarded by the worker lock */
    int64_t last_heartbeat;
    int64_t last_power_sync;           /* compute_sync.c; 0 = never ran */
};

/* Action event names, as Nova records them (os-instance-actions). */
#define EV_SCHEDULE "conductor_schedule_and_build_instances"
#define EV_BUILD    "compute__do_build_and_run_instance"
#define EV_DELETE   "compute_terminate_instance"

/* --- host.c --- */
/* Compute hosts this process runs (0 for role api). */
int host_local_count(const struct cirrus_config *cfg);
/* The name of local host i (0-based): "<host>" alone, "<host>-<i+1>" of many. */
void host_local_name(const struct cirrus_config *cfg, int i, char *out, size_t len);

/* --- conductor.c / compute.c: run one claimed task ---
 * 0: the task is settled (finished, failed or handed on) and committed.
 * -1: a store failure, nothing committed; the worker retries the task. */
int conductor_run(struct agent *a, const struct task *t, struct cerr *err);
int compute_run(struct agent *a, const struct task *t, struct cerr *err);
/* Puts the instances the store places on this host back under the
 * driver's management after a restart. */
void compute_init_instances(struct agent *a);

/* --- compute_sync.c: power state sync (Nova's _sync_power_states) ---
 * What Nova's sync does with a server that has no task_state, given its
 * vm_state and the power state the hypervisor reports (a driver 404 =
 * POWER_NOSTATE). The power_state column is always rewritten from the
 * hypervisor first; this says what follows. */
enum power_sync_action {
    POWER_SYNC_NONE,    /* in line, or a mismatch Nova ignores (paused guest, NOSTATE) */
    POWER_SYNC_STOP,    /* compute_api.stop/force_stop: a "stop" action by the system */
};
enum power_sync_action power_sync_decide(const char *vm_state, int vm_power);
/* One pass over this host's servers when [compute] sync_power_state_interval
 * seconds have passed since the last (the first pass runs at once; <= 0
 * never runs). Per server: driver get_info outside any transaction, then
 * one transaction that re-reads the row (host, no task_state) so a user
 * action that started meanwhile wins, writes power_state and, when
 * power_sync_decide() says so, sets task_state powering-off, records the
 * "stop" instance action (no user or project: Nova's admin context) and
 * queues TASK_POWER_OFF for this agent. Store failures are logged; the
 * next pass retries. */
void compute_sync_power_states(struct agent *a);
/* Milliseconds until the next pass is due, at most max_ms. */
int compute_sync_wait_ms(const struct agent *a, int max_ms);

/* --- worker.c --- */
/* Wakes the local agent of one queue (host NULL or "" = the conductor);
 * nothing when that queue is served by another process. */
void worker_kick_queue(const char *host);
/* Settles a task that cannot succeed: task failed, its server in error
 * with a fault (message), its action finished with "Error". One
 * transaction. */
int worker_task_give_up(struct db *db, const struct task *t, const char *message);

/* One task kind and what runs it. Tables are {0}-terminated; compute.c
 * and conductor.c consult the tables below in order. */
struct agent_handler {
    const char *kind;
    int (*run)(struct agent *a, const struct task *t, struct cerr *err);
};
extern const struct agent_handler compute_power_handlers[];     /* compute_power.c */
extern const struct agent_handler compute_rescue_handlers[];    /* compute_rescue.c */
extern const struct agent_handler compute_migrate_handlers[];   /* compute_migrate.c */
extern const struct agent_handler conductor_migrate_handlers[]; /* conductor_migrate.c */
extern const struct agent_handler compute_live_handlers[];      /* compute_live.c */
extern const struct agent_handler conductor_live_handlers[];    /* conductor_live.c */

/* --- shared by conductor.c and compute.c (compute.c) --- */
/* Commits when ok, else rolls back; -1 with err (a store failure when
 * err is still empty). */
int agent_commit_or_fail(struct db *db, bool ok, struct cerr *err, const char *what);
/* The driver's view of a server row (metadata borrowed, may be NULL). */
void agent_instance_of(const struct server *s, const json_t *metadata, struct virt_instance *vi);
/* Re-reads the row inside the caller's transaction: 1 still in
 * expect_task (NULL = any), 0 it moved on (deleted, or another operation
 * took over), -1 store error. *out is the row when 1. */
int agent_still_in(struct db *db, const char *uuid, const char *expect_task,
                   struct server **out, struct cerr *err);
/* Loads a live server: 1 found, 0 gone (deleted), -1 store error. */
int agent_load_server(struct db *db, const char *uuid, struct server **out, struct cerr *err);
/* In a transaction: finishes the task alone (its server went away or
 * moved on, e.g. a delete overtook a build). */
int agent_finish_only(struct db *db, const struct task *t, struct cerr *err);

#endif
