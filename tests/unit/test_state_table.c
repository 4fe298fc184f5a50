/* test_state_table.c - the action guard table of core/instance.c against
 * an expectation written out cell by cell from the decorators of
 * nova/compute/api.py (check_instance_lock, check_instance_state with its
 * vm_state / task_state / must_have_launched arguments) and the action
 * names the API controllers pass to raise_http_conflict_for_instance_
 * invalid_state. Every operation of enum instance_op x every vm_state x
 * no task and every transient task_state x unlocked / locked / locked but
 * admin x launched or not: allowed, or 409 with Nova's exact message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/instance.h"

#define UUID "5f0c0c3e-8d0a-4c4e-9a3c-2b1f6f0e7d11"

/* The columns of the vm_state grid below, in this order. */
static const char *const vm_states[] = {
    "active", "building", "paused", "suspended", "stopped", "rescued", "resized",
    "soft-delete", "deleted", "error", "shelved", "shelved_offloaded",
};
#define N_VM (sizeof(vm_states) / sizeof(vm_states[0]))

/* No task (""), then every transient task_state of nova/compute/task_states.py. */
static const char *const task_states[] = {
    "", "scheduling", "block_device_mapping", "networking", "spawning", "image_snapshot",
    "image_snapshot_pending", "image_pending_upload", "image_uploading", "image_backup",
    "updating_password", "resize_prep", "resize_migrating", "resize_migrated",
    "resize_finish", "resize_reverting", "resize_confirming", "rebooting", "reboot_pending",
    "reboot_started", "rebooting_hard", "reboot_pending_hard", "reboot_started_hard",
    "pausing", "unpausing", "suspending", "resuming", "powering-off", "powering-on",
    "rescuing", "unrescuing", "rebuilding", "rebuild_block_device_mapping",
    "rebuild_spawning", "migrating", "deleting", "soft-deleting", "restoring", "shelving",
    "shelving_image_pending_upload", "shelving_image_uploading", "shelving_offloading",
    "unshelving",
};
#define N_TASK (sizeof(task_states) / sizeof(task_states[0]))

/* Which task_states pass. */
enum tasks {
    T_NONE,      /* task_state=(None,), the decorator's default */
    T_ANY,       /* task_state=None: not checked */
    T_REBOOT,    /* task_states.ALLOW_REBOOT (_hard_reboot) */
};

struct row {
    enum instance_op op;
    const char *name;      /* the action in Nova's conflict message */
    bool lock;             /* @check_instance_lock */
    bool launched;         /* must_have_launched */
    /* One column per vm_states[] entry: 'Y' allowed, '.' refused.
     *      act bld pau sus sto res rsz sdl del err shv sho */
    const char *vm;
    enum tasks tasks;
};

static const struct row table[] = {
    /* delete(): check_instance_state(vm_state=None, task_state=None,
     * must_have_launched=False) */
    {OP_DELETE, "delete", true, false,
     "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y", T_ANY},
    {OP_STOP, "stop", true, true,
     "Y   .   .   .   .   .   .   .   .   Y   .   .", T_NONE},
    {OP_START, "start", true, true,
     ".   .   .   .   Y   .   .   .   .   .   .   .", T_NONE},
    /* reboot() checks only the lock; _soft_reboot(): ALLOW_SOFT_REBOOT */
    {OP_REBOOT_SOFT, "reboot", true, true,
     "Y   .   .   .   .   .   .   .   .   .   .   .", T_NONE},
    /* _hard_reboot(): ALLOW_HARD_REBOOT, task_states.ALLOW_REBOOT */
    {OP_REBOOT_HARD, "reboot", true, true,
     "Y   .   Y   Y   Y   .   .   .   .   Y   .   .", T_REBOOT},
    {OP_PAUSE, "pause", true, true,
     "Y   .   .   .   .   .   .   .   .   .   .   .", T_NONE},
    {OP_UNPAUSE, "unpause", true, true,
     ".   .   Y   .   .   .   .   .   .   .   .   .", T_NONE},
    {OP_SUSPEND, "suspend", true, true,
     "Y   .   .   .   .   .   .   .   .   .   .   .", T_NONE},
    {OP_RESUME, "resume", true, true,
     ".   .   .   Y   .   .   .   .   .   .   .   .", T_NONE},
    {OP_RESCUE, "rescue", true, true,
     "Y   .   .   .   Y   .   .   .   .   Y   .   .", T_NONE},
    {OP_UNRESCUE, "unrescue", true, true,
     ".   .   .   .   .   Y   .   .   .   .   .   .", T_NONE},
    /* resize() serves both; the controller names the action */
    {OP_MIGRATE, "migrate", true, true,
     "Y   .   .   .   Y   .   .   .   .   .   .   .", T_NONE},
    {OP_RESIZE, "resize", true, true,
     "Y   .   .   .   Y   .   .   .   .   .   .   .", T_NONE},
    {OP_CONFIRM_RESIZE, "confirmResize", true, true,
     ".   .   .   .   .   .   Y   .   .   .   .   .", T_NONE},
    {OP_REVERT_RESIZE, "revertResize", true, true,
     ".   .   .   .   .   .   Y   .   .   .   .   .", T_NONE},
    {OP_LIVE_MIGRATE, "os-migrateLive", true, true,
     "Y   .   Y   .   .   .   .   .   .   .   .   .", T_NONE},
    {OP_REBUILD, "rebuild", true, true,
     "Y   .   .   .   Y   .   .   .   .   Y   .   .", T_NONE},
    /* snapshot(): no @check_instance_lock */
    {OP_CREATE_IMAGE, "createImage", false, true,
     "Y   .   Y   Y   Y   .   .   .   .   .   .   .", T_NONE},
    /* update_instance_metadata(): task_state=None */
    {OP_METADATA_WRITE, "update metadata", true, true,
     "Y   .   Y   Y   Y   .   .   .   .   .   .   .", T_ANY},
    /* update_instance(): no decorator */
    {OP_UPDATE, "update", false, false,
     "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y", T_ANY},
    /* server_tags.py _check_instance_in_valid_state: vm_state only */
    {OP_TAGS_WRITE, "update tags", false, false,
     "Y   .   Y   Y   Y   .   .   .   .   .   .   .", T_ANY},
    /* inject_network_info(), reset_network(): @check_instance_lock only */
    {OP_INJECT_NETWORK, "injectNetworkInfo", true, false,
     "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y", T_ANY},
    {OP_RESET_NETWORK, "resetNetwork", true, false,
     "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y", T_ANY},
    {OP_CHANGE_PASSWORD, "changePassword", true, true,
     "Y   .   .   .   .   .   .   .   .   .   .   .", T_NONE},
    /* get_console_output(): @check_instance_host only */
    {OP_CONSOLE_OUTPUT, "os-getConsoleOutput", false, false,
     "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y", T_ANY},
    /* vm_states.ALLOW_TRIGGER_CRASH_DUMP */
    {OP_TRIGGER_CRASH_DUMP, "trigger_crash_dump", true, true,
     "Y   .   Y   .   .   Y   Y   .   .   Y   .   .", T_NONE},
};
#define N_ROWS (sizeof(table) / sizeof(table[0]))

/* The grid cell of vm_states[v]: the v-th non-blank character. */
static bool vm_allowed(const struct row *r, size_t v)
{
    size_t i = 0;
    for (const char *p = r->vm; *p; p++) {
        if (*p == ' ')
            continue;
        if (i++ == v)
            return *p == 'Y';
    }
    fail_msg("%s: vm_state grid too short", r->name);
    return false;
}

static bool task_allowed(enum tasks tasks, const char *task)
{
    static const char *const allow_reboot[] = {
        "", "rebooting", "reboot_pending", "reboot_started", "resuming", "rebooting_hard",
        "unpausing", "pausing", "suspending", NULL,
    };
    if (tasks == T_ANY)
        return true;
    if (tasks == T_NONE)
        return task[0] == '\0';
    for (int i = 0; allow_reboot[i]; i++)
        if (strcmp(allow_reboot[i], task) == 0)
            return true;
    return false;
}

/* Nova's answer for one cell: "" when allowed. */
static void expected(const struct row *r, size_t v, const char *task, bool locked, bool admin,
                     bool launched, char *out, size_t size)
{
    out[0] = '\0';
    if (r->lock && locked && !admin)
        snprintf(out, size, "Instance " UUID " is locked");
    else if (!vm_allowed(r, v))
        snprintf(out, size, "Cannot '%s' instance " UUID " while it is in vm_state %s",
                 r->name, vm_states[v]);
    else if (!task_allowed(r->tasks, task))
        snprintf(out, size, "Cannot '%s' instance " UUID " while it is in task_state %s",
                 r->name, task);
    else if (r->launched && !launched)
        snprintf(out, size, "Instance " UUID " is in an invalid state for '%s'", r->name);
}

/* instance_check then instance_check_launched, as a handler calls them. */
static int actual(const struct row *r, size_t v, const char *task, bool locked, bool admin,
                  bool launched, struct cerr *err)
{
    /* a null task_state is NULL or "" to the API; use both */
    const char *t = task[0] ? task : (v % 2 ? NULL : "");
    if (instance_check(r->op, UUID, vm_states[v], t, locked ? "owner" : "", admin, err) < 0)
        return -1;
    return instance_check_launched(r->op, UUID, launched, err);
}

static void test_every_cell(void **state)
{
    int cells = 0, allowed = 0;
    bool seen[OP__COUNT] = {false};
    for (size_t o = 0; o < N_ROWS; o++) {
        const struct row *r = &table[o];
        seen[r->op] = true;
        assert_string_equal(instance_op_name(r->op), r->name);
        assert_int_equal(instance_op_checks_lock(r->op), r->lock);
        for (size_t v = 0; v < N_VM; v++) {
            for (size_t t = 0; t < N_TASK; t++) {
                for (int mode = 0; mode < 6; mode++, cells++) {
                    bool locked = mode % 3 > 0, admin = mode % 3 == 2, launched = mode < 3;
                    char want[512];
                    struct cerr err = {0};
                    expected(r, v, task_states[t], locked, admin, launched, want, sizeof(want));
                    int rc = actual(r, v, task_states[t], locked, admin, launched, &err);
                    if (!want[0] && rc != 0)
                        fail_msg("%s vm=%s task=%s locked=%d admin=%d launched=%d: refused "
                                 "(%s)", r->name, vm_states[v], task_states[t], locked, admin,
                                 launched, err.message);
                    if (want[0] && (rc != -1 || err.status != 409 ||
                                    strcmp(err.message, want) != 0))
                        fail_msg("%s vm=%s task=%s locked=%d admin=%d launched=%d: got %d "
                                 "'%s', want 409 '%s'", r->name, vm_states[v], task_states[t],
                                 locked, admin, launched, err.status, err.message, want);
                    allowed += !want[0];
                }
            }
        }
    }
    for (int op = 0; op < OP__COUNT; op++)
        if (!seen[op])
            fail_msg("operation %d (%s) has no row", op, instance_op_name(op));
    assert_true(allowed > 0 && allowed < cells);
}

/* A few cells spelled out in full, independent of the grid reader. */
static void test_literal_cells(void **state)
{
    struct cerr err;
    assert_int_equal(instance_check(OP_RESCUE, UUID, "rescued", NULL, NULL, false, &err), -1);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.message, "Cannot 'rescue' instance " UUID
                        " while it is in vm_state rescued");
    assert_int_equal(instance_check(OP_RESCUE, UUID, "active", "rescuing", NULL, false, &err),
                     -1);
    assert_string_equal(err.message, "Cannot 'rescue' instance " UUID
                        " while it is in task_state rescuing");
    assert_int_equal(instance_check(OP_RESCUE, UUID, "building", "spawning", NULL, false, &err),
                     -1);
    assert_string_equal(err.message, "Cannot 'rescue' instance " UUID
                        " while it is in vm_state building");
    assert_int_equal(instance_check(OP_RESCUE, UUID, "shelved_offloaded", NULL, NULL, false,
                                    &err), -1);
    assert_string_equal(err.message, "Cannot 'rescue' instance " UUID
                        " while it is in vm_state shelved_offloaded");
    assert_int_equal(instance_check(OP_RESCUE, UUID, "stopped", NULL, "owner", false, &err), -1);
    assert_string_equal(err.message, "Instance " UUID " is locked");
    assert_int_equal(instance_check(OP_RESCUE, UUID, "error", NULL, "admin", true, &err), 0);
    assert_int_equal(instance_check_launched(OP_RESCUE, UUID, false, &err), -1);
    assert_string_equal(err.message, "Instance " UUID " is in an invalid state for 'rescue'");
    assert_int_equal(instance_check(OP_UNRESCUE, UUID, "active", NULL, NULL, false, &err), -1);
    assert_string_equal(err.message, "Cannot 'unrescue' instance " UUID
                        " while it is in vm_state active");
    assert_int_equal(instance_check(OP_UNRESCUE, UUID, "rescued", "unrescuing", NULL, false,
                                    &err), -1);
    assert_string_equal(err.message, "Cannot 'unrescue' instance " UUID
                        " while it is in task_state unrescuing");
    /* soft reboot: the vm_state speaks before the task (no outer guard) */
    assert_int_equal(instance_check(OP_REBOOT_SOFT, UUID, "paused", "pausing", NULL, false,
                                    &err), -1);
    assert_string_equal(err.message, "Cannot 'reboot' instance " UUID
                        " while it is in vm_state paused");
    assert_int_equal(instance_check(OP_REBOOT_HARD, UUID, "paused", "pausing", NULL, false,
                                    &err), 0);
    /* delete of a never-launched server is fine */
    assert_int_equal(instance_check_launched(OP_DELETE, UUID, false, &err), 0);
    assert_int_equal(instance_check_launched(OP__COUNT, UUID, true, &err), -1);
    assert_int_equal(err.status, 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cell),
        cmocka_unit_test(test_literal_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
