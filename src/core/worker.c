/* worker.c - the background runtime: start-up reconcile, then one
 * conductor thread and one compute agent thread per local host, each
 * claiming rows of its queue in the tasks table. worker_kick() wakes the
 * agents whose queue has work at once after a commit; one poller thread
 * does the same every 200 ms to find work queued by another cirrusd
 * process on the same database, so idle cost does not grow with --hosts. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_MS          200
#define HEARTBEAT_US     (10LL * 1000000)
#define IDLE_WAIT_MS     5000     /* an idle agent wakes this often, for its heartbeat */
#define MAX_ATTEMPTS     3        /* failed runs before a task is given up */
#define RETRY_DELAY_US   (1LL * 1000000)

static struct {
    pthread_mutex_t lock;     /* guards stop, cond_ready and each agent's kicks */
    bool stop;
    bool cond_ready;          /* the agents' conditions exist (worker_start ran) */
    struct agent *agents;
    int n_agents;
    struct agent poller;      /* its wake condition and thread only */
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Caller holds g.lock. */
static void wake(struct agent *a)
{
    a->kicks++;
    pthread_cond_signal(&a->wake);
}

static void wake_all(void)
{
    for (int i = 0; i < g.n_agents; i++)
        wake(&g.agents[i]);
}

void worker_kick_queue(const char *host)
{
    pthread_mutex_lock(&g.lock);
    for (int i = 0; g.cond_ready && i < g.n_agents; i++)
        if (strcmp(g.agents[i].host, host ? host : "") == 0)
            wake(&g.agents[i]);
    pthread_mutex_unlock(&g.lock);
}

/* Wakes only the agents whose queue has pending work, so a commit does
 * not cost one query per local host (there may be a thousand). */
void worker_kick(void)
{
    struct db *db = store_db();
    char **hosts = NULL;
    int n = 0;
    bool conductor = false;
    bool known = db && store_task_pending_queues(db, &hosts, &n, &conductor) == 0;
    pthread_mutex_lock(&g.lock);
    if (g.cond_ready && !known)
        wake_all();
    for (int i = 0; g.cond_ready && known && i < g.n_agents; i++) {
        struct agent *a = &g.agents[i];
        bool want = !a->host[0] && conductor;
        for (int j = 0; !want && a->host[0] && j < n; j++)
            want = strcmp(a->host, hosts[j]) == 0;
        if (want)
            wake(a);
    }
    pthread_mutex_unlock(&g.lock);
    for (int j = 0; j < n; j++)
        free(hosts[j]);
    free(hosts);
}

static bool stopping(void)
{
    pthread_mutex_lock(&g.lock);
    bool s = g.stop;
    pthread_mutex_unlock(&g.lock);
    return s;
}

static struct timespec deadline_in(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Sleeps until a kick newer than the last one this agent saw, stop, or
 * ms elapsed. */
static void wait_for_kick(struct agent *a, int ms)
{
    struct timespec until = deadline_in(ms);
    pthread_mutex_lock(&g.lock);
    while (a->kicks == a->seen_kick && !g.stop)
        if (pthread_cond_timedwait(&a->wake, &g.lock, &until) != 0)
            break;
    pthread_mutex_unlock(&g.lock);
}

int worker_task_give_up(struct db *db, const struct task *t, const char *message)
{
    if (db_begin(db) < 0)
        return -1;
    int ok = store_task_fail(db, t->id) == 0;
    if (ok && t->instance_uuid[0]) {
        struct cerr lost;
        /* Lost (409) means the server went away: nothing to mark. */
        if (store_server_set_state(db, t->instance_uuid, NULL, VM_ERROR, "", POWER_KEEP,
                                   &lost) == 0)
            ok = store_server_fault_add(db, t->instance_uuid, 500, message, "",
                                        t->host[0] ? t->host : NULL) >= 0;
        if (ok && t->request_id[0])
            store_action_finish(db, t->instance_uuid, t->request_id, "Error");
    }
    if (!ok || db_commit(db) < 0) {
        db_rollback(db);
        return -1;
    }
    log_warn("task %lld (%s of %s) given up: %s", (long long)t->id, t->kind, t->instance_uuid,
             message);
    return 0;
}

/* A run that failed on the store: try again a little later, or give up. */
static void retry_or_give_up(struct db *db, const struct task *t, const struct cerr *err)
{
    if (t->attempts + 1 >= MAX_ATTEMPTS) {
        char msg[CERR_MSG_MAX + 64];
        snprintf(msg, sizeof(msg), "%s failed %d times: %s", t->kind, MAX_ATTEMPTS,
                 err->message);
        if (worker_task_give_up(db, t, msg) == 0)
            return;
    }
    if (store_task_retry(db, t->id, clock_now_us() + RETRY_DELAY_US * (t->attempts + 1)) < 0)
        log_error("task %lld: cannot re-queue", (long long)t->id);
}

static void run_task(struct agent *a, struct db *db, const struct task *t)
{
    struct cerr err = {0};
    int64_t t0 = clock_now_us();
    int rc = a->host[0] ? compute_run(a, t, &err) : conductor_run(a, t, &err);
    if (rc < 0) {
        log_error("task %lld (%s of %s) failed: %s", (long long)t->id, t->kind,
                  t->instance_uuid, err.message);
        retry_or_give_up(db, t, &err);
    }
    log_debug("%s: task %lld %s %s took %lld us", a->host[0] ? a->host : "conductor",
              (long long)t->id, t->kind, t->instance_uuid, (long long)(clock_now_us() - t0));
}

static void heartbeat(struct agent *a, struct db *db)
{
    int64_t now = clock_now_us();
    if (!a->host[0] || now - a->last_heartbeat < HEARTBEAT_US)
        return;
    if (store_host_heartbeat(db, a->host, now) == 0)
        a->last_heartbeat = now;
}

static void *agent_main(void *arg)
{
    struct agent *a = arg;
    if (a->host[0])
        compute_init_instances(a);
    while (!stopping()) {
        struct db *db = store_db();
        pthread_mutex_lock(&g.lock);
        a->seen_kick = a->kicks;
        pthread_mutex_unlock(&g.lock);
        if (db) {
            heartbeat(a, db);
            if (a->host[0])
                compute_sync_power_states(a);
            struct task t;
            int rc = store_task_claim_next(db, a->host[0] ? a->host : NULL, a->owner,
                                           clock_now_us(), &t);
            if (rc == 1) {
                run_task(a, db, &t);
                task_clear(&t);
                continue;
            }
        }
        wait_for_kick(a, compute_sync_wait_ms(a, IDLE_WAIT_MS));
    }
    store_thread_done();
    return NULL;
}

static void *poller_main(void *arg)
{
    while (!stopping()) {
        wait_for_kick(&g.poller, POLL_MS);
        worker_kick();
    }
    store_thread_done();
    return NULL;
}

/* --- start-up reconcile --- */

/* Tasks this process was running when it died go back to the queue: the
 * drivers make every operation idempotent, so running one again is safe. */
static int requeue_running(struct db *db, const char *owner)
{
    struct task *list = NULL;
    int n = 0;
    if (store_task_running_by(db, owner, &list, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const struct task *t = &list[i];
        if (t->attempts + 1 >= MAX_ATTEMPTS) {
            char msg[256];
            snprintf(msg, sizeof(msg), "%s was interrupted %d times by a restart of cirrusd",
                     t->kind, MAX_ATTEMPTS);
            worker_task_give_up(db, t, msg);
        } else if (store_task_retry(db, t->id, 0) == 0) {
            log_info("re-queued task %lld (%s of %s) left running by %s", (long long)t->id,
                     t->kind, t->instance_uuid, owner);
        }
    }
    task_list_free(list, n);
    return 0;
}

static void fix_orphan(struct db *db, const struct task_orphan *o)
{
    struct cerr err = {0};
    if (db_begin(db) < 0)
        return;
    int ok = 1;
    if (strcmp(o->task_state, "deleting") == 0) {
        ok = task_enqueue(db, TASK_DELETE, o->uuid, o->host[0] ? o->host : NULL, NULL, NULL,
                          &err) == 0;
    } else if (strcmp(o->vm_state, VM_BUILDING) == 0) {
        if (store_server_set_state(db, o->uuid, o->task_state, VM_ERROR, "", POWER_KEEP,
                                   &err) == 0)
            ok = store_server_fault_add(db, o->uuid, 500, "Build of instance was interrupted "
                                        "and no task remained to finish it", "",
                                        o->host[0] ? o->host : NULL) >= 0;
    } else {
        store_server_set_state(db, o->uuid, o->task_state, NULL, "", POWER_KEEP, &err);
    }
    if (!ok || db_commit(db) < 0) {
        db_rollback(db);
        log_error("reconcile of server %s failed", o->uuid);
        return;
    }
    log_info("reconciled server %s (%s/%s)", o->uuid, o->vm_state, o->task_state);
}

/* Servers in a task state that no live task will clear get a sane state. */
static int reconcile_orphans(struct db *db)
{
    struct task_orphan *list = NULL;
    int n = 0;
    if (store_task_orphans(db, &list, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        fix_orphan(db, &list[i]);
    free(list);
    return 0;
}

static int reconcile(struct db *db, struct cerr *err)
{
    for (int i = 0; i < g.n_agents; i++)
        if (requeue_running(db, g.agents[i].owner) < 0)
            return cerr_internal(err, "reconcile of running tasks");
    if (reconcile_orphans(db) < 0)
        return cerr_internal(err, "reconcile of servers");
    return 0;
}

/* --- start and stop --- */

/* Kick waits use the monotonic clock so a wall-clock jump cannot stall
 * the poll. */
static void wake_init(struct agent *a)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&a->wake, &attr);
    pthread_condattr_destroy(&attr);
}

static int agents_init(struct agent *agents, int n, const struct cirrus_config *cfg,
                       struct cerr *err)
{
    int hosts = host_local_count(cfg);
    const struct virt_driver *drv = NULL;
    if (hosts > 0 && !(drv = virt_driver_lookup(cfg->driver)))
        return cerr_set(err, 500, "virt driver \"%s\" is not available in this build",
                        cfg->driver);
    for (int i = 0; i < n; i++) {
        struct agent *a = &agents[i];
        a->cfg = cfg;
        wake_init(a);
        if (i == hosts) {
            snprintf(a->owner, sizeof(a->owner), "conductor:%s", cfg->host);
            continue;
        }
        host_local_name(cfg, i, a->host, sizeof(a->host));
        str_copy(a->owner, sizeof(a->owner), a->host);
        a->driver = drv;
        if (drv->init_host(a->host, cfg, &a->vh, err) < 0)
            return -1;
    }
    return 0;
}

int worker_start(const struct cirrus_config *cfg, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database connection");
    int hosts = host_local_count(cfg);
    int n = hosts + (strcmp(cfg->role, "compute") != 0 ? 1 : 0);
    struct agent *agents = xcalloc((size_t)n + 1, sizeof(*agents));
    pthread_mutex_lock(&g.lock);
    g.stop = false;
    g.agents = agents;
    g.n_agents = n;
    pthread_mutex_unlock(&g.lock);
    if (agents_init(agents, n, cfg, err) < 0 || reconcile(db, err) < 0)
        return -1;
    pthread_mutex_lock(&g.lock);
    g.cond_ready = true;
    pthread_mutex_unlock(&g.lock);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&agents[i].thread, NULL, agent_main, &agents[i]) != 0)
            return cerr_set(err, 500, "cannot start worker thread");
        agents[i].started = true;
    }
    wake_init(&g.poller);
    if (pthread_create(&g.poller.thread, NULL, poller_main, NULL) != 0)
        return cerr_set(err, 500, "cannot start worker thread");
    g.poller.started = true;
    log_info("workers started: %s%d compute agent%s", n > hosts ? "conductor, " : "", hosts,
             hosts == 1 ? "" : "s");
    return 0;
}

void worker_stop(void)
{
    pthread_mutex_lock(&g.lock);
    g.stop = true;
    if (g.cond_ready)
        wake_all();
    if (g.poller.started)
        wake(&g.poller);
    pthread_mutex_unlock(&g.lock);
    if (g.poller.started) {
        pthread_join(g.poller.thread, NULL);
        pthread_cond_destroy(&g.poller.wake);
        g.poller.started = false;
    }
    for (int i = 0; i < g.n_agents; i++) {
        struct agent *a = &g.agents[i];
        if (a->started)
            pthread_join(a->thread, NULL);
        if (a->driver && a->vh)
            a->driver->cleanup_host(a->vh);
    }
    pthread_mutex_lock(&g.lock);
    for (int i = 0; i < g.n_agents; i++)
        if (g.agents[i].cfg)
            pthread_cond_destroy(&g.agents[i].wake);
    free(g.agents);
    g.agents = NULL;
    g.n_agents = 0;
    g.cond_ready = false;
    pthread_mutex_unlock(&g.lock);
}
