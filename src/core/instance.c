/* instance.c - the server state model as data: Nova's _STATE_MAP
 * (nova/api/openstack/common.py, DIGEST b.1) and the guard decorators of
 * nova/compute/api.py (check_instance_lock, check_instance_state; DIGEST
 * b.2/b.3), one table row per operation so the rules read like the
 * reference and the unit test can walk them. */
#include "core/instance.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- status map (b.1) --- */

struct task_status { const char *task_state, *status; };

struct vm_status {
    const char *vm_state;
    const char *status;                    /* the 'default' cell */
    const struct task_status *overrides;   /* NULL-terminated, may be NULL */
};

#define RESIZE_CELLS                                                                 \
    {"resize_prep", "RESIZE"}, {"resize_migrating", "RESIZE"},                        \
    {"resize_migrated", "RESIZE"}, {"resize_finish", "RESIZE"}
#define REBUILD_CELLS                                                                \
    {"rebuilding", "REBUILD"}, {"rebuild_block_device_mapping", "REBUILD"},           \
    {"rebuild_spawning", "REBUILD"}

static const struct task_status active_tasks[] = {
    {"rebooting", "REBOOT"}, {"reboot_pending", "REBOOT"}, {"reboot_started", "REBOOT"},
    {"rebooting_hard", "HARD_REBOOT"}, {"reboot_pending_hard", "HARD_REBOOT"},
    {"reboot_started_hard", "HARD_REBOOT"},
    {"updating_password", "PASSWORD"},
    REBUILD_CELLS,
    {"migrating", "MIGRATING"},
    RESIZE_CELLS,
    {NULL, NULL},
};
static const struct task_status stopped_tasks[] = { RESIZE_CELLS, REBUILD_CELLS, {NULL, NULL} };
/* resize_confirming is deliberately absent in Nova: it still shows
 * VERIFY_RESIZE while the confirmation runs. */
static const struct task_status resized_tasks[] = {
    {"resize_reverting", "REVERT_RESIZE"}, {NULL, NULL},
};
static const struct task_status paused_tasks[] = { {"migrating", "MIGRATING"}, {NULL, NULL} };
static const struct task_status error_tasks[] = { REBUILD_CELLS, {NULL, NULL} };

static const struct vm_status state_map[] = {
    {VM_ACTIVE, "ACTIVE", active_tasks},
    {VM_BUILDING, "BUILD", NULL},
    {VM_STOPPED, "SHUTOFF", stopped_tasks},
    {VM_RESIZED, "VERIFY_RESIZE", resized_tasks},
    {VM_PAUSED, "PAUSED", paused_tasks},
    {VM_SUSPENDED, "SUSPENDED", NULL},
    {VM_RESCUED, "RESCUE", NULL},
    {VM_ERROR, "ERROR", error_tasks},
    {VM_DELETED, "DELETED", NULL},
    {VM_SOFT_DELETED, "SOFT_DELETED", NULL},
    {VM_SHELVED, "SHELVED", NULL},
    {VM_SHELVED_OFFLOADED, "SHELVED_OFFLOADED", NULL},
};
#define N_STATE_MAP (sizeof(state_map) / sizeof(state_map[0]))

static const struct vm_status *vm_row(const char *vm_state)
{
    for (size_t i = 0; vm_state && i < N_STATE_MAP; i++)
        if (strcmp(state_map[i].vm_state, vm_state) == 0)
            return &state_map[i];
    return NULL;
}

const char *instance_status(const char *vm_state, const char *task_state, bool deleted)
{
    /* views/servers.py _get_vm_status: a deleted row is DELETED whatever
     * its states say. */
    if (deleted)
        return "DELETED";
    const struct vm_status *row = vm_row(vm_state);
    if (!row)
        return "UNKNOWN";
    for (const struct task_status *t = row->overrides; task_state && t && t->task_state; t++)
        if (strcmp(t->task_state, task_state) == 0)
            return t->status;
    return row->status;
}

/* Adds s to a sorted set of static strings (Nova sorts its sets). */
static void set_add(const char **set, int *n, int max, const char *s)
{
    int i = 0;
    while (i < *n && strcmp(set[i], s) < 0)
        i++;
    if ((i < *n && strcmp(set[i], s) == 0) || *n >= max)
        return;
    memmove(&set[i + 1], &set[i], (size_t)(*n - i) * sizeof(*set));
    set[i] = s;
    (*n)++;
}

bool instance_states_for_status(const char *status, const char **vm_states, int *n_vm,
                                const char **task_states, int *n_task, bool *task_any,
                                int max)
{
    *n_vm = *n_task = 0;
    *task_any = false;
    for (size_t i = 0; status && i < N_STATE_MAP; i++) {
        const struct vm_status *row = &state_map[i];
        if (strcasecmp(row->status, status) == 0) {
            set_add(vm_states, n_vm, max, row->vm_state);
            *task_any = true;
        }
        for (const struct task_status *t = row->overrides; t && t->task_state; t++) {
            if (strcasecmp(t->status, status) != 0)
                continue;
            set_add(vm_states, n_vm, max, row->vm_state);
            set_add(task_states, n_task, max, t->task_state);
        }
    }
    return *n_vm > 0;
}

/* --- guards (b.2, b.3) --- */

/* A state list: NULL = any value; "" inside a list stands for null. */
#define STATES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ANY NULL
#define TASK_NULL STATES("")

struct guard {
    const char *name;              /* the action named in Nova's 409 message */
    bool lock;                     /* @check_instance_lock */
    const char *const *vm;         /* @check_instance_state(vm_state=...) */
    const char *const *task;       /* ...task_state=... ((None,) by default) */
    bool launched;                 /* ...must_have_launched (True by default) */
};

/* Nova's vm_states.ALLOW_HARD_REBOOT and task_states.ALLOW_REBOOT, checked
 * by _hard_reboot(); reboot() itself has only @check_instance_lock and
 * _soft_reboot() wants active with no task. */
#define HARD_REBOOT_VM STATES(VM_ACTIVE, VM_STOPPED, VM_PAUSED, VM_SUSPENDED, VM_ERROR)
#define REBOOT_TASKS STATES("", "rebooting", "reboot_pending", "reboot_started",             \
                            "rebooting_hard", "resuming", "unpausing", "pausing", "suspending")

static const struct guard guards[OP__COUNT] = {
    /* delete: vm_state=None, task_state=None - anything but a lock. */
    [OP_DELETE] = {"delete", true, ANY, ANY, false},
    [OP_STOP] = {"stop", true, STATES(VM_ACTIVE, VM_ERROR), TASK_NULL, true},
    [OP_START] = {"start", true, STATES(VM_STOPPED), TASK_NULL, true},
    [OP_REBOOT_SOFT] = {"reboot", true, STATES(VM_ACTIVE), TASK_NULL, true},
    [OP_REBOOT_HARD] = {"reboot", true, HARD_REBOOT_VM, REBOOT_TASKS, true},
    [OP_PAUSE] = {"pause", true, STATES(VM_ACTIVE), TASK_NULL, true},
    [OP_UNPAUSE] = {"unpause", true, STATES(VM_PAUSED), TASK_NULL, true},
    [OP_SUSPEND] = {"suspend", true, STATES(VM_ACTIVE), TASK_NULL, true},
    [OP_RESUME] = {"resume", true, STATES(VM_SUSPENDED), TASK_NULL, true},
    [OP_RESCUE] = {"rescue", true, STATES(VM_ACTIVE, VM_STOPPED, VM_ERROR), TASK_NULL, true},
    [OP_UNRESCUE] = {"unrescue", true, STATES(VM_RESCUED), TASK_NULL, true},
    [OP_MIGRATE] = {"migrate", true, STATES(VM_ACTIVE, VM_STOPPED), TASK_NULL, true},
    [OP_RESIZE] = {"resize", true, STATES(VM_ACTIVE, VM_STOPPED), TASK_NULL, true},
    [OP_CONFIRM_RESIZE] = {"confirmResize", true, STATES(VM_RESIZED), TASK_NULL, true},
    [OP_REVERT_RESIZE] = {"revertResize", true, STATES(VM_RESIZED), TASK_NULL, true},
    [OP_LIVE_MIGRATE] = {"os-migrateLive", true, STATES(VM_ACTIVE, VM_PAUSED), TASK_NULL, true},
    [OP_REBUILD] = {"rebuild", true, STATES(VM_ACTIVE, VM_STOPPED, VM_ERROR), TASK_NULL, true},
    /* snapshot() has no lock check: a locked server can still be imaged. */
    [OP_CREATE_IMAGE] = {"createImage", false,
                         STATES(VM_ACTIVE, VM_STOPPED, VM_PAUSED, VM_SUSPENDED), TASK_NULL, true},
    /* update_instance_metadata / delete_instance_metadata pass
     * task_state=None: metadata may change while a task runs. */
    [OP_METADATA_WRITE] = {"update metadata", true,
                           STATES(VM_ACTIVE, VM_PAUSED, VM_SUSPENDED, VM_STOPPED), ANY, true},
    /* PUT /servers/{id} goes straight to update_instance(): no guard. */
    [OP_UPDATE] = {"update", false, ANY, ANY, false},
    /* server_tags.py _check_instance_in_valid_state: vm_state only, no
     * lock, no task check. */
    [OP_TAGS_WRITE] = {"update tags", false,
                       STATES(VM_ACTIVE, VM_PAUSED, VM_SUSPENDED, VM_STOPPED), ANY, false},
    [OP_INJECT_NETWORK] = {"injectNetworkInfo", true, ANY, ANY, false},
    [OP_RESET_NETWORK] = {"resetNetwork", true, ANY, ANY, false},
    [OP_CHANGE_PASSWORD] = {"changePassword", true, STATES(VM_ACTIVE), TASK_NULL, true},
    /* get_console_output() checks only that the server has a host. */
    [OP_CONSOLE_OUTPUT] = {"os-getConsoleOutput", false, ANY, ANY, false},
    [OP_TRIGGER_CRASH_DUMP] = {"trigger_crash_dump", true,
                               STATES(VM_ACTIVE, VM_PAUSED, VM_RESCUED, VM_RESIZED, VM_ERROR),
                               TASK_NULL, true},
};

const char *instance_op_name(enum instance_op op)
{
    return (unsigned)op < OP__COUNT ? guards[op].name : "unknown";
}

bool instance_op_checks_lock(enum instance_op op)
{
    return (unsigned)op < OP__COUNT && guards[op].lock;
}

static bool in_states(const char *const *list, const char *value)
{
    if (!list)
        return true;
    for (; *list; list++)
        if (strcmp(*list, value) == 0)
            return true;
    return false;
}

/* common.raise_http_conflict_for_instance_invalid_state: the state names
 * the attribute and value, or, when the value is None (an unlaunched
 * server), only the action. */
static int invalid_state(const char *name, const char *uuid, const char *attr,
                         const char *value, struct cerr *err)
{
    if (!value || !value[0])
        return cerr_set(err, 409, "Instance %s is in an invalid state for '%s'", uuid, name);
    return cerr_set(err, 409, "Cannot '%s' instance %s while it is in %s %s", name, uuid, attr,
                    value);
}

int instance_check(enum instance_op op, const char *uuid, const char *vm_state,
                   const char *task_state, const char *locked_by, bool is_admin,
                   struct cerr *err)
{
    if ((unsigned)op >= OP__COUNT)
        return cerr_internal(err, "unknown instance operation");
    const struct guard *g = &guards[op];
    vm_state = vm_state ? vm_state : "";
    task_state = task_state ? task_state : "";
    if (g->lock && locked_by && locked_by[0] && !is_admin)
        return cerr_set(err, 409, "Instance %s is locked", uuid);
    /* @check_instance_state: vm_state first, then task_state */
    if (!in_states(g->vm, vm_state))
        return invalid_state(g->name, uuid, "vm_state", vm_state, err);
    if (!in_states(g->task, task_state))
        return invalid_state(g->name, uuid, "task_state", task_state, err);
    return 0;
}

int instance_check_launched(enum instance_op op, const char *uuid, bool launched,
                            struct cerr *err)
{
    if ((unsigned)op >= OP__COUNT)
        return cerr_internal(err, "unknown instance operation");
    if (!guards[op].launched || launched)
        return 0;
    return invalid_state(guards[op].name, uuid, "launched_at", NULL, err);
}
