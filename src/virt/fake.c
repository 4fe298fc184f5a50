/* fake.c - the in-memory virt driver (libvirt's "test" driver, Nova's
 * fake.FakeDriver): each host keeps a table of VMs with correct power
 * state transitions, every operation takes [compute] fake_delay_ms, and a
 * short history per VM shows what happened (the console output carries
 * it). Capacity is not tracked here: the scheduler's claims on the hosts
 * table do that.
 *
 * Failure injection for tests: a server named "fail-<op>..." (e.g.
 * "fail-spawn-1") or with metadata fake_fail = "<op>[,<op>...]" fails that
 * operation, so the ERROR paths can be driven end to end.
 *
 * Test hook for the power state sync (core/compute_sync.c): metadata
 * fake_power = "<state>[:<tag>]", state one of running, paused, shutdown,
 * crashed, suspended or gone, changes the VM behind the store's back the
 * way a guest powering itself off or a dying QEMU does: get_info applies
 * it once per distinct value (a new tag fires again), "gone" forgets the
 * VM (get_info then answers 404). Test-only: nothing else reads it. */
#include "core/instance.h"
#include "util/clock.h"
#include "util/mem.h"
#include "virt/driver.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HIST_LINES 64
#define HIST_WIDTH 160

struct fake_vm {
    char uuid[40];
    char name[VIRT_NAME_MAX];
    struct virt_flavor flavor;
    int power;                 /* enum power_state */
    bool rescued;
    bool migrating_out;        /* disk handed over by migrate_disk_and_power_off */
    bool incoming;             /* pre_live_migration placeholder on a destination */
    bool lm_running, lm_abort, lm_force;
    int64_t started_us;
    char power_hook[64];       /* the fake_power value applied last */
    char hist[HIST_LINES][HIST_WIDTH];
    int hist_count;            /* lines ever written; the ring keeps the last HIST_LINES */
    struct fake_vm *next;
};

struct virt_host {
    char name[VIRT_HOST_MAX];
    int delay_ms;
    pthread_mutex_t lock;
    struct fake_vm *vms;
    struct virt_host *next;    /* g_hosts list, for virt_fake_history() */
};

static pthread_mutex_t g_hosts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct virt_host *g_hosts;

static const char *power_name(int p)
{
    switch (p) {
    case POWER_RUNNING: return "RUNNING";
    case POWER_PAUSED: return "PAUSED";
    case POWER_SHUTDOWN: return "SHUTDOWN";
    case POWER_CRASHED: return "CRASHED";
    case POWER_SUSPENDED: return "SUSPENDED";
    default: return "NOSTATE";
    }
}

static void sleep_ms(int ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void record(struct fake_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record(struct fake_vm *vm, const char *fmt, ...)
{
    char *line = vm->hist[vm->hist_count % HIST_LINES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, HIST_WIDTH, fmt, ap);
    va_end(ap);
    vm->hist_count++;
}

/* The failure hook: name "fail-<op>..." or metadata fake_fail listing op. */
static bool asked_to_fail(const struct virt_instance *vi, const char *op)
{
    size_t n = strlen(op);
    if (strncmp(vi->display_name, "fail-", 5) == 0 && strncmp(vi->display_name + 5, op, n) == 0)
        return true;
    const char *list = vi->metadata ? json_string_value(json_object_get(vi->metadata, "fake_fail"))
                                    : NULL;
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, op, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static struct fake_vm *vm_find(struct virt_host *h, const char *uuid)
{
    for (struct fake_vm *vm = h->vms; vm; vm = vm->next)
        if (strcmp(vm->uuid, uuid) == 0)
            return vm;
    return NULL;
}

static struct fake_vm *vm_add(struct virt_host *h, const struct virt_instance *vi, int power)
{
    struct fake_vm *vm = xcalloc(1, sizeof(*vm));
    str_copy(vm->uuid, sizeof(vm->uuid), vi->uuid);
    str_copy(vm->name, sizeof(vm->name), vi->name);
    vm->flavor = vi->flavor;
    vm->power = power;
    vm->started_us = clock_now_us();
    vm->next = h->vms;
    h->vms = vm;
    return vm;
}

static void vm_remove(struct virt_host *h, const char *uuid)
{
    for (struct fake_vm **pp = &h->vms; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->uuid, uuid) == 0) {
            struct fake_vm *dead = *pp;
            *pp = dead->next;
            free(dead);
            return;
        }
    }
}

/* Every operation starts here: the simulated duration (outside the lock,
 * so an abort can reach a running live migration), then the failure hook,
 * then the lock. Returns with h->lock held, or -1 (lock not held). */
static int op_begin(struct virt_host *h, const struct virt_instance *vi, const char *op,
                    struct cerr *err)
{
    sleep_ms(h->delay_ms);
    if (asked_to_fail(vi, op))
        return cerr_set(err, 500, "%s of %s failed: injected by the fake driver's test hook",
                        op, vi->name);
    pthread_mutex_lock(&h->lock);
    return 0;
}

/* Like op_begin for operations that need the VM to exist. */
static struct fake_vm *op_vm(struct virt_host *h, const struct virt_instance *vi, const char *op,
                             struct cerr *err)
{
    if (op_begin(h, vi, op, err) < 0)
        return NULL;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm) {
        pthread_mutex_unlock(&h->lock);
        cerr_set(err, 404, "Instance %s could not be found.", vi->uuid);
    }
    return vm;
}

static int op_end(struct virt_host *h, int rc)
{
    pthread_mutex_unlock(&h->lock);
    return rc;
}

/* An impossible power transition: unlocks and fails with 409. */
static int refuse(struct virt_host *h, struct fake_vm *vm, const char *op, struct cerr *err)
{
    cerr_set(err, 409, "Cannot %s %s while its power state is %s", op, vm->name,
             power_name(vm->power));
    return op_end(h, -1);
}

/* --- host --- */

static int fake_init_host(const char *host, const struct cirrus_config *cfg,
                          struct virt_host **out, struct cerr *err)
{
    struct virt_host *h = xcalloc(1, sizeof(*h));
    str_copy(h->name, sizeof(h->name), host);
    h->delay_ms = cfg->fake_delay_ms;
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_lock(&g_hosts_lock);
    h->next = g_hosts;
    g_hosts = h;
    pthread_mutex_unlock(&g_hosts_lock);
    *out = h;
    return 0;
}

static void fake_cleanup_host(struct virt_host *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&g_hosts_lock);
    for (struct virt_host **pp = &g_hosts; *pp; pp = &(*pp)->next) {
        if (*pp == h) {
            *pp = h->next;
            break;
        }
    }
    pthread_mutex_unlock(&g_hosts_lock);
    while (h->vms)
        vm_remove(h, h->vms->uuid);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* A restart of cirrusd loses the table; the store's view rebuilds it, the
 * way a real driver would reattach to guests that kept running. */
static int fake_init_instance(struct virt_host *h, const struct virt_instance *vi,
                              struct cerr *err)
{
    pthread_mutex_lock(&h->lock);
    if (!vm_find(h, vi->uuid) && vi->power_state != POWER_NOSTATE) {
        struct fake_vm *vm = vm_add(h, vi, vi->power_state);
        vm->rescued = strcmp(vi->vm_state, VM_RESCUED) == 0;
        record(vm, "init_instance power=%s", power_name(vm->power));
    }
    return op_end(h, 0);
}

static int fake_list_instances(struct virt_host *h, char ***uuids, int *count, struct cerr *err)
{
    pthread_mutex_lock(&h->lock);
    int n = 0;
    for (struct fake_vm *vm = h->vms; vm; vm = vm->next)
        n++;
    char **list = xcalloc((size_t)n + 1, sizeof(*list));
    int i = 0;
    for (struct fake_vm *vm = h->vms; vm; vm = vm->next)
        list[i++] = xstrdup(vm->uuid);
    *uuids = list;
    *count = n;
    return op_end(h, 0);
}

/* --- lifecycle --- */

static void record_network(struct fake_vm *vm, const char *what, const json_t *info)
{
    const char *label;
    json_t *addrs;
    json_object_foreach((json_t *)info, label, addrs) {
        size_t i;
        json_t *a;
        json_array_foreach(addrs, i, a) {
            const char *addr = json_string_value(json_object_get(a, "addr"));
            record(vm, "%s %s %s", what, label, addr ? addr : "?");
        }
    }
}

static int fake_spawn(struct virt_host *h, const struct virt_instance *vi,
                      const struct virt_boot *boot, struct cerr *err)
{
    if (op_begin(h, vi, "spawn", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (vm) {
        /* Re-run after a crash: the guest is already there. */
        vm->power = POWER_RUNNING;
        record(vm, "spawn (already defined)");
        return op_end(h, 0);
    }
    vm = vm_add(h, vi, POWER_RUNNING);
    record(vm, "spawn %s vcpus=%lld ram=%lldMB disk=%lldGB image=%s", vi->name,
           (long long)vi->flavor.vcpus, (long long)vi->flavor.memory_mb,
           (long long)vi->flavor.root_gb, vi->image_ref[0] ? vi->image_ref : "(volume)");
    if (boot && boot->network_info)
        record_network(vm, "network", boot->network_info);
    if (boot && boot->user_data)
        record(vm, "user_data %zu bytes", strlen(boot->user_data));
    if (boot && boot->injected_files)
        record(vm, "injected_files %zu", json_array_size(boot->injected_files));
    return op_end(h, 0);
}

static int fake_destroy(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    if (op_begin(h, vi, "destroy", err) < 0)
        return -1;
    vm_remove(h, vi->uuid);    /* idempotent: an unknown VM is already gone */
    return op_end(h, 0);
}

static int fake_power_off(struct virt_host *h, const struct virt_instance *vi, int timeout_s,
                          struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "power_off", err);
    if (!vm)
        return -1;
    vm->power = POWER_SHUTDOWN;
    record(vm, "power_off timeout=%d", timeout_s);
    return op_end(h, 0);
}

static int fake_power_on(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "power_on", err);
    if (!vm)
        return -1;
    if (vm->power == POWER_PAUSED || vm->power == POWER_SUSPENDED)
        return refuse(h, vm, "power on", err);
    if (vm->power != POWER_RUNNING)
        vm->started_us = clock_now_us();
    vm->power = POWER_RUNNING;
    record(vm, "power_on");
    return op_end(h, 0);
}

static int fake_reboot(struct virt_host *h, const struct virt_instance *vi, bool hard,
                       struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "reboot", err);
    if (!vm)
        return -1;
    /* A soft reboot asks the guest (ACPI), so it must be running; a hard
     * reboot recreates the domain from any state (DIGEST b.3). */
    if (!hard && vm->power != POWER_RUNNING)
        return refuse(h, vm, "soft reboot", err);
    vm->power = POWER_RUNNING;
    vm->started_us = clock_now_us();
    record(vm, "reboot %s", hard ? "HARD" : "SOFT");
    return op_end(h, 0);
}

/* pause/suspend: from RUNNING (or already there: a re-run after a crash). */
static int transition(struct virt_host *h, const struct virt_instance *vi, const char *op,
                      int from, int to, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, op, err);
    if (!vm)
        return -1;
    if (vm->power != from && vm->power != to)
        return refuse(h, vm, op, err);
    vm->power = to;
    record(vm, "%s", op);
    return op_end(h, 0);
}

static int fake_pause(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return transition(h, vi, "pause", POWER_RUNNING, POWER_PAUSED, err);
}

static int fake_unpause(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return transition(h, vi, "unpause", POWER_PAUSED, POWER_RUNNING, err);
}

static int fake_suspend(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return transition(h, vi, "suspend", POWER_RUNNING, POWER_SUSPENDED, err);
}

static int fake_resume(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return transition(h, vi, "resume", POWER_SUSPENDED, POWER_RUNNING, err);
}

static int fake_rescue(struct virt_host *h, const struct virt_instance *vi,
                       const struct virt_rescue *rescue, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "rescue", err);
    if (!vm)
        return -1;
    if (vm->power == POWER_PAUSED || vm->power == POWER_SUSPENDED)
        return refuse(h, vm, "rescue", err);
    vm->rescued = true;
    vm->power = POWER_RUNNING;
    bool stable = rescue && (rescue->rescue_device || rescue->rescue_bus);
    record(vm, "rescue image=%s%s%s%s%s",
           rescue && rescue->image_ref && rescue->image_ref[0] ? rescue->image_ref
                                                               : vi->image_ref,
           stable ? " device=" : "", stable && rescue->rescue_device ? rescue->rescue_device : "",
           stable ? " bus=" : "", stable && rescue->rescue_bus ? rescue->rescue_bus : "");
    return op_end(h, 0);
}

static int fake_unrescue(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "unrescue", err);
    if (!vm)
        return -1;
    /* Nova ends an unrescue ACTIVE even if the server was stopped before. */
    vm->rescued = false;
    vm->power = POWER_RUNNING;
    record(vm, "unrescue");
    return op_end(h, 0);
}

/* --- inspection and guest agent --- */

/* The fake_power hook (see the top of this file). Caller holds h->lock. */
static void apply_power_hook(struct virt_host *h, const struct virt_instance *vi,
                             struct fake_vm *vm)
{
    static const struct { const char *name; int power; } states[] = {
        {"running", POWER_RUNNING}, {"paused", POWER_PAUSED}, {"shutdown", POWER_SHUTDOWN},
        {"crashed", POWER_CRASHED}, {"suspended", POWER_SUSPENDED}, {"gone", -1},
    };
    const char *v = vi->metadata ? json_string_value(json_object_get(vi->metadata, "fake_power"))
                                 : NULL;
    if (!vm || !v || strcmp(v, vm->power_hook) == 0)
        return;
    size_t len = strcspn(v, ":");
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        if (strlen(states[i].name) != len || strncasecmp(v, states[i].name, len) != 0)
            continue;
        str_copy(vm->power_hook, sizeof(vm->power_hook), v);
        record(vm, "fake_power %s (was %s)", v, power_name(vm->power));
        if (states[i].power < 0)
            vm_remove(h, vm->uuid);
        else
            vm->power = states[i].power;
        return;
    }
}

static int fake_get_info(struct virt_host *h, const struct virt_instance *vi,
                         struct virt_info *out, struct cerr *err)
{
    pthread_mutex_lock(&h->lock);
    apply_power_hook(h, vi, vm_find(h, vi->uuid));
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm) {
        cerr_set(err, 404, "Instance %s could not be found.", vi->uuid);
        return op_end(h, -1);
    }
    memset(out, 0, sizeof(*out));
    out->power_state = vm->power;
    out->max_mem_kb = vm->flavor.memory_mb * 1024;
    out->mem_kb = vm->power == POWER_RUNNING ? out->max_mem_kb : 0;
    out->num_cpu = (int)vm->flavor.vcpus;
    if (vm->power == POWER_RUNNING)
        out->cpu_time_ns = (clock_now_us() - vm->started_us) * 1000;
    return op_end(h, 0);
}

static int fake_get_console_output(struct virt_host *h, const struct virt_instance *vi,
                                   char **out, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "get_console_output", err);
    if (!vm)
        return -1;
    struct buf b = {0};
    int first = vm->hist_count > HIST_LINES ? vm->hist_count - HIST_LINES : 0;
    for (int i = first; i < vm->hist_count; i++)
        buf_printf(&b, "[fake] %s\n", vm->hist[i % HIST_LINES]);
    /* The lines Nova's FakeDriver prints, last, as clients' tests expect. */
    buf_puts(&b, "FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE");
    *out = b.data;
    return op_end(h, 0);
}

static int fake_inject_network_info(struct virt_host *h, const struct virt_instance *vi,
                                    const json_t *network_info, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "inject_network_info", err);
    if (!vm)
        return -1;
    record(vm, "inject_network_info");
    if (network_info)
        record_network(vm, "inject_network_info", network_info);
    return op_end(h, 0);
}

static int fake_reset_network(struct virt_host *h, const struct virt_instance *vi,
                              struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "reset_network", err);
    if (!vm)
        return -1;
    record(vm, "reset_network");
    return op_end(h, 0);
}

/* Nova's FakeDriver accepts any password; the history keeps its length
 * only, never the password itself. */
static int fake_set_admin_password(struct virt_host *h, const struct virt_instance *vi,
                                   const char *password, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "set_admin_password", err);
    if (!vm)
        return -1;
    record(vm, "set_admin_password length=%zu", password ? strlen(password) : 0);
    return op_end(h, 0);
}

static int fake_snapshot(struct virt_host *h, const struct virt_instance *vi,
                         const char *image_id, const char *out_path, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "snapshot", err);
    if (!vm)
        return -1;
    record(vm, "snapshot image=%s", image_id);
    op_end(h, 0);
    if (!out_path)
        return 0;
    FILE *f = fopen(out_path, "wb");
    if (!f)
        return cerr_set(err, 500, "cannot write snapshot %s: %s", out_path, strerror(errno));
    fprintf(f, "cirrus fake snapshot of %s (%s)\n", vi->name, vi->uuid);
    if (fclose(f) != 0)
        return cerr_set(err, 500, "cannot write snapshot %s", out_path);
    return 0;
}

/* --- cold migration and resize --- */

static int fake_migrate_disk_and_power_off(struct virt_host *h, const struct virt_instance *vi,
                                           const char *dest_host,
                                           const struct virt_flavor *flavor, struct cerr *err)
{
    struct fake_vm *vm = op_vm(h, vi, "migrate_disk_and_power_off", err);
    if (!vm)
        return -1;
    vm->power = POWER_SHUTDOWN;
    vm->migrating_out = true;
    record(vm, "migrate_disk_and_power_off to %s vcpus=%lld ram=%lldMB", dest_host,
           (long long)(flavor ? flavor->vcpus : vm->flavor.vcpus),
           (long long)(flavor ? flavor->memory_mb : vm->flavor.memory_mb));
    return op_end(h, 0);
}

/* On the destination (which may be the source itself for a same-host
 * resize: then the existing VM takes the new flavor). */
static int fake_finish_migration(struct virt_host *h, const struct virt_instance *vi,
                                 const struct virt_flavor *flavor, bool power_on,
                                 struct cerr *err)
{
    if (op_begin(h, vi, "finish_migration", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm)
        vm = vm_add(h, vi, POWER_SHUTDOWN);
    vm->flavor = flavor ? *flavor : vi->flavor;
    vm->migrating_out = false;
    vm->power = power_on ? POWER_RUNNING : POWER_SHUTDOWN;
    record(vm, "finish_migration vcpus=%lld ram=%lldMB power_on=%d", (long long)vm->flavor.vcpus,
           (long long)vm->flavor.memory_mb, power_on);
    return op_end(h, 0);
}

/* On the source: drop the copy left behind. A same-host resize has no
 * copy (finish_migration took the VM over), so nothing is removed. */
static int fake_confirm_migration(struct virt_host *h, const struct virt_instance *vi,
                                  struct cerr *err)
{
    if (op_begin(h, vi, "confirm_migration", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (vm && vm->migrating_out)
        vm_remove(h, vi->uuid);
    return op_end(h, 0);
}

static int fake_finish_revert_migration(struct virt_host *h, const struct virt_instance *vi,
                                        bool power_on, struct cerr *err)
{
    if (op_begin(h, vi, "finish_revert_migration", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm)
        vm = vm_add(h, vi, POWER_SHUTDOWN);
    vm->flavor = vi->flavor;
    vm->migrating_out = false;
    vm->power = power_on ? POWER_RUNNING : POWER_SHUTDOWN;
    record(vm, "finish_revert_migration power_on=%d", power_on);
    return op_end(h, 0);
}

/* --- live migration --- */

/* The destination waits for memory in a paused domain, as QEMU -incoming. */
static int fake_pre_live_migration(struct virt_host *h, const struct virt_instance *vi,
                                   struct cerr *err)
{
    if (op_begin(h, vi, "pre_live_migration", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm) {
        vm = vm_add(h, vi, POWER_PAUSED);
        vm->incoming = true;
    }
    record(vm, "pre_live_migration");
    return op_end(h, 0);
}

#define LM_STEPS 5

/* One step of the copy; 1 finished, 0 continue, -1 gone, 2 aborted. */
static int lm_step(struct virt_host *h, const struct virt_instance *vi, int step,
                   virt_lm_progress_cb cb, void *ctx, struct cerr *err)
{
    int64_t total = vi->flavor.memory_mb * 1024 * 1024;
    struct virt_lm_progress p = { .memory_total = total,
                                  .memory_processed = total * step / LM_STEPS,
                                  .memory_remaining = total - total * step / LM_STEPS };
    enum virt_lm_action act = cb ? cb(ctx, &p) : VIRT_LM_CONTINUE;
    pthread_mutex_lock(&h->lock);
    struct fake_vm *vm = vm_find(h, vi->uuid);
    int rc = 0;
    if (!vm) {
        cerr_set(err, 404, "Instance %s could not be found.", vi->uuid);
        rc = -1;
    } else if (act == VIRT_LM_ABORT || vm->lm_abort) {
        rc = 2;
    } else if (act == VIRT_LM_FORCE_COMPLETE || vm->lm_force || step >= LM_STEPS) {
        rc = 1;
    }
    if (vm && rc != 0) {
        vm->lm_running = vm->lm_abort = vm->lm_force = false;
        record(vm, "live_migration %s", rc == 1 ? "completed" : rc == 2 ? "aborted" : "failed");
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

/* Returns 0 when the memory was copied, 1 when aborted (the VM keeps
 * running here), -1 on failure. */
static int fake_live_migration(struct virt_host *h, const struct virt_instance *vi,
                               const char *dest_host, virt_lm_progress_cb cb, void *cb_ctx,
                               struct cerr *err)
{
    if (asked_to_fail(vi, "live_migration"))
        return cerr_set(err, 500, "live_migration of %s failed: injected by the fake "
                        "driver's test hook", vi->name);
    pthread_mutex_lock(&h->lock);
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm) {
        cerr_set(err, 404, "Instance %s could not be found.", vi->uuid);
        return op_end(h, -1);
    }
    if (vm->power != POWER_RUNNING && vm->power != POWER_PAUSED)
        return refuse(h, vm, "live-migrate", err);
    vm->lm_running = true;
    vm->lm_abort = vm->lm_force = false;
    record(vm, "live_migration to %s", dest_host);
    pthread_mutex_unlock(&h->lock);
    for (int step = 0;; step++) {
        int rc = lm_step(h, vi, step, cb, cb_ctx, err);
        if (rc == 1)
            return 0;
        if (rc == 2)
            return 1;
        if (rc < 0)
            return -1;
        sleep_ms(h->delay_ms / LM_STEPS);
    }
}

static int fake_post_live_migration(struct virt_host *h, const struct virt_instance *vi,
                                    struct cerr *err)
{
    if (op_begin(h, vi, "post_live_migration", err) < 0)
        return -1;
    vm_remove(h, vi->uuid);
    return op_end(h, 0);
}

static int fake_post_live_migration_at_destination(struct virt_host *h,
                                                   const struct virt_instance *vi,
                                                   struct cerr *err)
{
    if (op_begin(h, vi, "post_live_migration_at_destination", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm)
        vm = vm_add(h, vi, POWER_RUNNING);
    /* A paused server stays paused across a live migration (DIGEST b.3). */
    vm->power = vi->power_state == POWER_PAUSED ? POWER_PAUSED : POWER_RUNNING;
    vm->incoming = false;
    record(vm, "post_live_migration_at_destination");
    return op_end(h, 0);
}

static int fake_rollback_live_migration(struct virt_host *h, const struct virt_instance *vi,
                                        struct cerr *err)
{
    if (op_begin(h, vi, "rollback_live_migration", err) < 0)
        return -1;
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (vm && vm->incoming)
        vm_remove(h, vi->uuid);
    return op_end(h, 0);
}

/* abort / force_complete only flag the migration: the copy loop running in
 * the source agent's thread acts on the flags at its next step. */
static int lm_flag(struct virt_host *h, const struct virt_instance *vi, bool abort,
                   struct cerr *err)
{
    pthread_mutex_lock(&h->lock);
    struct fake_vm *vm = vm_find(h, vi->uuid);
    if (!vm || !vm->lm_running) {
        cerr_set(err, 400, "No live migration in progress for instance %s", vi->uuid);
        return op_end(h, -1);
    }
    if (abort)
        vm->lm_abort = true;
    else
        vm->lm_force = true;
    return op_end(h, 0);
}

static int fake_live_migration_abort(struct virt_host *h, const struct virt_instance *vi,
                                     struct cerr *err)
{
    return lm_flag(h, vi, true, err);
}

static int fake_live_migration_force_complete(struct virt_host *h,
                                              const struct virt_instance *vi, struct cerr *err)
{
    return lm_flag(h, vi, false, err);
}

/* --- registry and test hook --- */

int virt_fake_history(const char *host, const char *uuid, char *out, size_t size)
{
    int lines = -1;
    if (size)
        out[0] = '\0';
    pthread_mutex_lock(&g_hosts_lock);
    for (struct virt_host *h = g_hosts; h && lines < 0; h = h->next) {
        if (strcmp(h->name, host) != 0)
            continue;
        pthread_mutex_lock(&h->lock);
        struct fake_vm *vm = vm_find(h, uuid);
        if (vm) {
            size_t used = 0;
            int first = vm->hist_count > HIST_LINES ? vm->hist_count - HIST_LINES : 0;
            for (int i = first; i < vm->hist_count && used < size; i++)
                used += (size_t)snprintf(out + used, size - used, "%s\n",
                                         vm->hist[i % HIST_LINES]);
            lines = vm->hist_count - first;
        }
        pthread_mutex_unlock(&h->lock);
    }
    pthread_mutex_unlock(&g_hosts_lock);
    return lines;
}

const struct virt_driver virt_fake_driver = {
    .version = VIRT_DRIVER_VERSION,
    .name = "fake",
    .hypervisor_type = "fake",
    .hypervisor_version = 1000,   /* Nova's FakeDriver reports 1000 */
    .root_device_name = "/dev/sda",   /* what Nova's api samples show */
    .init_host = fake_init_host,
    .cleanup_host = fake_cleanup_host,
    .init_instance = fake_init_instance,
    .list_instances = fake_list_instances,
    .spawn = fake_spawn,
    .destroy = fake_destroy,
    .power_off = fake_power_off,
    .power_on = fake_power_on,
    .reboot = fake_reboot,
    .pause = fake_pause,
    .unpause = fake_unpause,
    .suspend = fake_suspend,
    .resume = fake_resume,
    .rescue = fake_rescue,
    .unrescue = fake_unrescue,
    .get_info = fake_get_info,
    .get_console_output = fake_get_console_output,
    .inject_network_info = fake_inject_network_info,
    .reset_network = fake_reset_network,
    .set_admin_password = fake_set_admin_password,
    .snapshot = fake_snapshot,
    .migrate_disk_and_power_off = fake_migrate_disk_and_power_off,
    .finish_migration = fake_finish_migration,
    .confirm_migration = fake_confirm_migration,
    .finish_revert_migration = fake_finish_revert_migration,
    .pre_live_migration = fake_pre_live_migration,
    .live_migration = fake_live_migration,
    .post_live_migration = fake_post_live_migration,
    .post_live_migration_at_destination = fake_post_live_migration_at_destination,
    .rollback_live_migration = fake_rollback_live_migration,
    .live_migration_abort = fake_live_migration_abort,
    .live_migration_force_complete = fake_live_migration_force_complete,
};
