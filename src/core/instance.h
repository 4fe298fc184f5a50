/* instance.h - the server state model (DIGEST (b)): how status is derived
 * from (vm_state, task_state), the reverse map for ?status= filters, and
 * the guard table saying which action may start from which state.
 *
 * Pure functions over strings: no store, no I/O, unit-tested as tables. */
#ifndef CIRRUS_INSTANCE_H
#define CIRRUS_INSTANCE_H

#include <stdbool.h>

#include "util/err.h"

/* vm_state values */
#define VM_ACTIVE    "active"
#define VM_BUILDING  "building"
#define VM_PAUSED    "paused"
#define VM_SUSPENDED "suspended"
#define VM_STOPPED   "stopped"
#define VM_RESCUED   "rescued"
#define VM_RESIZED   "resized"
#define VM_DELETED   "deleted"
#define VM_ERROR     "error"
#define VM_SHELVED   "shelved"
#define VM_SHELVED_OFFLOADED "shelved_offloaded"
#define VM_SOFT_DELETED "soft-delete"

/* power_state values */
enum power_state { POWER_NOSTATE = 0, POWER_RUNNING = 1, POWER_PAUSED = 3,
                   POWER_SHUTDOWN = 4, POWER_CRASHED = 6, POWER_SUSPENDED = 7 };

/* The status shown to users; task_state "" or NULL = none. */
const char *instance_status(const char *vm_state, const char *task_state, bool deleted);

/* Reverse map for ?status=X (case-insensitive). Fills vm_states[] and
 * task_states[] (static strings). *task_any = true when no task filter
 * applies. Returns false when X matches nothing. */
bool instance_states_for_status(const char *status, const char **vm_states, int *n_vm,
                                const char **task_states, int *n_task, bool *task_any,
                                int max);

/* Every guarded operation of the compute API. */
enum instance_op {
    OP_DELETE, OP_STOP, OP_START, OP_REBOOT_SOFT, OP_REBOOT_HARD, OP_PAUSE, OP_UNPAUSE,
    OP_SUSPEND, OP_RESUME, OP_RESCUE, OP_UNRESCUE, OP_MIGRATE, OP_RESIZE,
    OP_CONFIRM_RESIZE, OP_REVERT_RESIZE, OP_LIVE_MIGRATE, OP_REBUILD, OP_CREATE_IMAGE,
    OP_METADATA_WRITE, OP_UPDATE, OP_TAGS_WRITE, OP_INJECT_NETWORK, OP_RESET_NETWORK,
    OP_CHANGE_PASSWORD, OP_CONSOLE_OUTPUT, OP_TRIGGER_CRASH_DUMP, OP__COUNT
};

/* The name Nova uses in conflict messages, e.g. "rescue", "reboot". */
const char *instance_op_name(enum instance_op op);
/* Whether the lock guard applies to op. */
bool instance_op_checks_lock(enum instance_op op);

/* The guard of DIGEST b.2: lock (unless is_admin), then vm_state, then
 * task_state. 0 allowed; -1 with 409 and Nova's message otherwise. */
int instance_check(enum instance_op op, const char *uuid, const char *vm_state,
                   const char *task_state, const char *locked_by, bool is_admin,
                   struct cerr *err);
/* The last check of @check_instance_state, must_have_launched: an
 * operation that needs a server launched at least once (launched_at set)
 * gives 409 "Instance <uuid> is in an invalid state for '<op>'". Call it
 * after instance_check(). */
int instance_check_launched(enum instance_op op, const char *uuid, bool launched,
                            struct cerr *err);

#endif
