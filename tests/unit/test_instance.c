/* test_instance.c - the state model (core/instance.c) as tables: every
 * status cell of DIGEST b.1, the reverse map for ?status=, and every
 * guarded operation x every vm_state x a spread of task_states, locked
 * and unlocked, against the expectations written out from DIGEST b.3 and
 * nova/compute/api.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/instance.h"

#define UUID "9d4a2b5e-0c4f-4c53-8f6a-1f2e3d4c5b6a"

/* --- status map --- */

static const struct { const char *vm, *task; bool deleted; const char *status; } status_rows[] = {
    {"active", NULL, false, "ACTIVE"},
    {"active", "", false, "ACTIVE"},
    {"active", "rebooting", false, "REBOOT"},
    {"active", "reboot_pending", false, "REBOOT"},
    {"active", "reboot_started", false, "REBOOT"},
    {"active", "rebooting_hard", false, "HARD_REBOOT"},
    {"active", "reboot_pending_hard", false, "HARD_REBOOT"},
    {"active", "reboot_started_hard", false, "HARD_REBOOT"},
    {"active", "updating_password", false, "PASSWORD"},
    {"active", "rebuilding", false, "REBUILD"},
    {"active", "rebuild_block_device_mapping", false, "REBUILD"},
    {"active", "rebuild_spawning", false, "REBUILD"},
    {"active", "migrating", false, "MIGRATING"},
    {"active", "resize_prep", false, "RESIZE"},
    {"active", "resize_migrating", false, "RESIZE"},
    {"active", "resize_migrated", false, "RESIZE"},
    {"active", "resize_finish", false, "RESIZE"},
    /* tasks that do not change the status */
    {"active", "pausing", false, "ACTIVE"},
    {"active", "suspending", false, "ACTIVE"},
    {"active", "powering-off", false, "ACTIVE"},
    {"active", "rescuing", false, "ACTIVE"},
    {"active", "deleting", false, "ACTIVE"},
    {"active", "image_snapshot", false, "ACTIVE"},
    {"active", "image_snapshot_pending", false, "ACTIVE"},
    {"active", "resize_reverting", false, "ACTIVE"},
    {"building", NULL, false, "BUILD"},
    {"building", "scheduling", false, "BUILD"},
    {"building", "spawning", false, "BUILD"},
    {"building", "deleting", false, "BUILD"},
    {"stopped", NULL, false, "SHUTOFF"},
    {"stopped", "powering-on", false, "SHUTOFF"},
    {"stopped", "resize_prep", false, "RESIZE"},
    {"stopped", "resize_migrating", false, "RESIZE"},
    {"stopped", "resize_migrated", false, "RESIZE"},
    {"stopped", "resize_finish", false, "RESIZE"},
    {"stopped", "rebuilding", false, "REBUILD"},
    {"stopped", "rebuild_block_device_mapping", false, "REBUILD"},
    {"stopped", "rebuild_spawning", false, "REBUILD"},
    {"stopped", "rebooting_hard", false, "SHUTOFF"},
    {"stopped", "migrating", false, "SHUTOFF"},
    {"resized", NULL, false, "VERIFY_RESIZE"},
    {"resized", "resize_reverting", false, "REVERT_RESIZE"},
    {"resized", "resize_confirming", false, "VERIFY_RESIZE"},
    {"paused", NULL, false, "PAUSED"},
    {"paused", "migrating", false, "MIGRATING"},
    {"paused", "unpausing", false, "PAUSED"},
    {"suspended", NULL, false, "SUSPENDED"},
    {"suspended", "resuming", false, "SUSPENDED"},
    {"rescued", NULL, false, "RESCUE"},
    {"rescued", "unrescuing", false, "RESCUE"},
    {"error", NULL, false, "ERROR"},
    {"error", "rebuilding", false, "REBUILD"},
    {"error", "rebuild_block_device_mapping", false, "REBUILD"},
    {"error", "rebuild_spawning", false, "REBUILD"},
    {"error", "deleting", false, "ERROR"},
    {"deleted", NULL, false, "DELETED"},
    {"soft-delete", NULL, false, "SOFT_DELETED"},
    {"shelved", NULL, false, "SHELVED"},
    {"shelved_offloaded", NULL, false, "SHELVED_OFFLOADED"},
    {"bogus", NULL, false, "UNKNOWN"},
    {"", NULL, false, "UNKNOWN"},
    {NULL, NULL, false, "UNKNOWN"},
    {"ACTIVE", NULL, false, "UNKNOWN"},
    /* the deleted flag wins over every state */
    {"active", NULL, true, "DELETED"},
    {"error", "rebuilding", true, "DELETED"},
    {"bogus", NULL, true, "DELETED"},
};

static void test_status_map(void **state)
{
    for (size_t i = 0; i < sizeof(status_rows) / sizeof(status_rows[0]); i++) {
        const char *got = instance_status(status_rows[i].vm, status_rows[i].task,
                                          status_rows[i].deleted);
        if (strcmp(got, status_rows[i].status) != 0)
            fail_msg("row %zu (%s, %s): got %s, want %s", i, status_rows[i].vm,
                     status_rows[i].task, got, status_rows[i].status);
    }
}

/* --- reverse map --- */

static const struct {
    const char *status;
    bool found;
    const char *vm;      /* sorted, comma-separated */
    const char *task;    /* sorted, comma-separated */
    bool task_any;
} reverse_rows[] = {
    {"ACTIVE", true, "active", "", true},
    {"active", true, "active", "", true},
    {"AcTiVe", true, "active", "", true},
    {"BUILD", true, "building", "", true},
    {"SHUTOFF", true, "stopped", "", true},
    {"REBOOT", true, "active", "reboot_pending,reboot_started,rebooting", false},
    {"HARD_REBOOT", true, "active", "reboot_pending_hard,reboot_started_hard,rebooting_hard",
     false},
    {"PASSWORD", true, "active", "updating_password", false},
    {"REBUILD", true, "active,error,stopped",
     "rebuild_block_device_mapping,rebuild_spawning,rebuilding", false},
    {"MIGRATING", true, "active,paused", "migrating", false},
    {"RESIZE", true, "active,stopped", "resize_finish,resize_migrated,resize_migrating,resize_prep",
     false},
    {"VERIFY_RESIZE", true, "resized", "", true},
    {"REVERT_RESIZE", true, "resized", "resize_reverting", false},
    {"PAUSED", true, "paused", "", true},
    {"SUSPENDED", true, "suspended", "", true},
    {"RESCUE", true, "rescued", "", true},
    {"ERROR", true, "error", "", true},
    {"DELETED", true, "deleted", "", true},
    {"SOFT_DELETED", true, "soft-delete", "", true},
    {"SHELVED", true, "shelved", "", true},
    {"SHELVED_OFFLOADED", true, "shelved_offloaded", "", true},
    {"UNKNOWN", false, "", "", false},
    {"CONFIRMING_RESIZE", false, "", "", false},
    {"bogus", false, "", "", false},
    {"", false, "", "", false},
};

static void join(const char **v, int n, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(out, ",", size - strlen(out) - 1);
        strncat(out, v[i], size - strlen(out) - 1);
    }
}

static void test_reverse_map(void **state)
{
    for (size_t i = 0; i < sizeof(reverse_rows) / sizeof(reverse_rows[0]); i++) {
        const char *vm[16], *task[16];
        int nvm = -1, ntask = -1;
        bool any = true;
        char vms[512], tasks[512];
        bool found = instance_states_for_status(reverse_rows[i].status, vm, &nvm, task, &ntask,
                                                &any, 16);
        join(vm, nvm, vms, sizeof(vms));
        join(task, ntask, tasks, sizeof(tasks));
        if (found != reverse_rows[i].found || strcmp(vms, reverse_rows[i].vm) != 0 ||
            strcmp(tasks, reverse_rows[i].task) != 0 || any != reverse_rows[i].task_any)
            fail_msg("status %s: found=%d vm=[%s] task=[%s] any=%d", reverse_rows[i].status,
                     found, vms, tasks, any);
    }
}

/* Every cell the reverse map names maps forward to the same status. */
static void test_reverse_roundtrip(void **state)
{
    static const char *statuses[] = {"ACTIVE", "REBOOT", "HARD_REBOOT", "PASSWORD", "REBUILD",
                                     "MIGRATING", "RESIZE", "REVERT_RESIZE", "SHUTOFF"};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        const char *vm[16], *task[16];
        int nvm, ntask;
        bool any;
        assert_true(instance_states_for_status(statuses[i], vm, &nvm, task, &ntask, &any, 16));
        for (int t = 0; t < ntask; t++) {
            bool hit = false;
            for (int v = 0; v < nvm; v++)
                hit = hit || strcmp(instance_status(vm[v], task[t], false), statuses[i]) == 0;
            assert_true(hit);
        }
    }
}

static void test_reverse_capacity(void **state)
{
    const char *vm[2], *task[2];
    int nvm, ntask;
    bool any;
    assert_true(instance_states_for_status("REBUILD", vm, &nvm, task, &ntask, &any, 2));
    assert_int_equal(nvm, 2);
    assert_int_equal(ntask, 2);
}

/* --- guards --- */

static const char *const vm_states[] = {
    "active", "building", "paused", "suspended", "stopped", "rescued", "resized",
    "soft-delete", "deleted", "error", "shelved", "shelved_offloaded",
};
static const char *const task_states[] = {
    "", "scheduling", "spawning", "rebooting", "reboot_pending", "reboot_started",
    "rebooting_hard", "resuming", "unpausing", "pausing", "suspending", "powering-off",
    "powering-on", "deleting", "resize_prep", "resize_reverting", "migrating",
    "image_snapshot_pending", "rebuilding", "rescuing", "updating_password",
};

#define ANY "*"
#define REBOOT_TASKS \
    "-,rebooting,reboot_pending,reboot_started,rebooting_hard,resuming,unpausing,pausing,suspending"
#define HARD_VM "active,stopped,paused,suspended,error"

/* Allowed states as DIGEST b.3 lists them: "*" any, "-" = null task. */
static const struct expect {
    enum instance_op op;
    const char *name;
    bool lock;
    const char *vm, *task;
    const char *outer_vm, *outer_task;   /* a wider check made first (reboot) */
} expects[] = {
    {OP_DELETE, "delete", true, ANY, ANY, NULL, NULL},
    {OP_STOP, "stop", true, "active,error", "-", NULL, NULL},
    {OP_START, "start", true, "stopped", "-", NULL, NULL},
    {OP_REBOOT_SOFT, "reboot", true, "active", "-", NULL, NULL},
    {OP_REBOOT_HARD, "reboot", true, HARD_VM, REBOOT_TASKS, NULL, NULL},
    {OP_PAUSE, "pause", true, "active", "-", NULL, NULL},
    {OP_UNPAUSE, "unpause", true, "paused", "-", NULL, NULL},
    {OP_SUSPEND, "suspend", true, "active", "-", NULL, NULL},
    {OP_RESUME, "resume", true, "suspended", "-", NULL, NULL},
    {OP_RESCUE, "rescue", true, "active,stopped,error", "-", NULL, NULL},
    {OP_UNRESCUE, "unrescue", true, "rescued", "-", NULL, NULL},
    {OP_MIGRATE, "migrate", true, "active,stopped", "-", NULL, NULL},
    {OP_RESIZE, "resize", true, "active,stopped", "-", NULL, NULL},
    {OP_CONFIRM_RESIZE, "confirmResize", true, "resized", "-", NULL, NULL},
    {OP_REVERT_RESIZE, "revertResize", true, "resized", "-", NULL, NULL},
    {OP_LIVE_MIGRATE, "os-migrateLive", true, "active,paused", "-", NULL, NULL},
    {OP_REBUILD, "rebuild", true, "active,stopped,error", "-", NULL, NULL},
    {OP_CREATE_IMAGE, "createImage", false, "active,stopped,paused,suspended", "-", NULL, NULL},
    {OP_METADATA_WRITE, "update metadata", true, "active,paused,suspended,stopped", ANY, NULL,
     NULL},
    {OP_UPDATE, "update", false, ANY, ANY, NULL, NULL},
    {OP_TAGS_WRITE, "update tags", false, "active,paused,suspended,stopped", ANY, NULL, NULL},
    {OP_INJECT_NETWORK, "injectNetworkInfo", true, ANY, ANY, NULL, NULL},
    {OP_RESET_NETWORK, "resetNetwork", true, ANY, ANY, NULL, NULL},
    {OP_CHANGE_PASSWORD, "changePassword", true, "active", "-", NULL, NULL},
    {OP_CONSOLE_OUTPUT, "os-getConsoleOutput", false, ANY, ANY, NULL, NULL},
    {OP_TRIGGER_CRASH_DUMP, "trigger_crash_dump", true, "active,paused,rescued,resized,error",
     "-", NULL, NULL},
};

static bool listed(const char *list, const char *value)
{
    if (strcmp(list, ANY) == 0)
        return true;
    if (!value[0])
        value = "-";
    size_t n = strlen(value);
    for (const char *p = list; (p = strstr(p, value)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* The message Nova gives for one @check_instance_state, or "" when it passes. */
static void expect_states(const struct expect *e, const char *vm_list, const char *task_list,
                          const char *vm, const char *task, char *out, size_t size)
{
    if (!listed(vm_list, vm))
        snprintf(out, size, "Cannot '%s' instance " UUID " while it is in vm_state %s", e->name,
                 vm);
    else if (!listed(task_list, task))
        snprintf(out, size, "Cannot '%s' instance " UUID " while it is in task_state %s",
                 e->name, task[0] ? task : "None");
    else
        out[0] = '\0';
}

static void expected(const struct expect *e, const char *vm, const char *task, bool locked,
                     bool admin, char *out, size_t size)
{
    out[0] = '\0';
    if (e->lock && locked && !admin) {
        snprintf(out, size, "Instance " UUID " is locked");
        return;
    }
    if (e->outer_vm)
        expect_states(e, e->outer_vm, e->outer_task, vm, task, out, size);
    if (!out[0])
        expect_states(e, e->vm, e->task, vm, task, out, size);
}

static void check_cell(const struct expect *e, const char *vm, const char *task, bool locked,
                       bool admin, int *allowed)
{
    char want[512];
    struct cerr err = {0};
    expected(e, vm, task, locked, admin, want, sizeof(want));
    int rc = instance_check(e->op, UUID, vm, task, locked ? "owner" : "", admin, &err);
    if (!want[0]) {
        if (rc != 0)
            fail_msg("%s vm=%s task=%s locked=%d admin=%d: refused (%s)", e->name, vm, task,
                     locked, admin, err.message);
        (*allowed)++;
        return;
    }
    if (rc != -1 || err.status != 409 || strcmp(err.message, want) != 0)
        fail_msg("%s vm=%s task=%s locked=%d admin=%d: rc=%d %d '%s', want 409 '%s'", e->name,
                 vm, task, locked, admin, rc, err.status, err.message, want);
}

static void test_guard_table(void **state)
{
    int cells = 0, allowed = 0;
    assert_int_equal(sizeof(expects) / sizeof(expects[0]), OP__COUNT);
    for (size_t o = 0; o < sizeof(expects) / sizeof(expects[0]); o++) {
        const struct expect *e = &expects[o];
        assert_string_equal(instance_op_name(e->op), e->name);
        assert_int_equal(instance_op_checks_lock(e->op), e->lock);
        for (size_t v = 0; v < sizeof(vm_states) / sizeof(vm_states[0]); v++)
            for (size_t t = 0; t < sizeof(task_states) / sizeof(task_states[0]); t++)
                for (int mode = 0; mode < 3; mode++, cells++)
                    check_cell(e, vm_states[v], task_states[t], mode > 0, mode == 2, &allowed);
    }
    /* sanity: the table both allows and refuses */
    assert_true(allowed > 0 && allowed < cells);
}

/* Spot checks written straight from DIGEST b.3, independent of the
 * expectation table above. */
static void test_guard_examples(void **state)
{
    struct cerr err;
    assert_int_equal(instance_check(OP_STOP, UUID, "active", NULL, NULL, false, &err), 0);
    assert_int_equal(instance_check(OP_STOP, UUID, "stopped", NULL, NULL, false, &err), -1);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.message,
                        "Cannot 'stop' instance " UUID " while it is in vm_state stopped");
    assert_int_equal(instance_check(OP_PAUSE, UUID, "active", "pausing", "", false, &err), -1);
    assert_string_equal(err.message,
                        "Cannot 'pause' instance " UUID " while it is in task_state pausing");
    /* lock before states */
    assert_int_equal(instance_check(OP_PAUSE, UUID, "stopped", "pausing", "admin", false, &err),
                     -1);
    assert_string_equal(err.message, "Instance " UUID " is locked");
    /* admins pass the lock */
    assert_int_equal(instance_check(OP_PAUSE, UUID, "active", NULL, "owner", true, &err), 0);
    /* a locked server can still be snapshotted */
    assert_int_equal(instance_check(OP_CREATE_IMAGE, UUID, "active", "", "owner", false, &err),
                     0);
    /* hard reboot from a pausing task; soft reboot needs null */
    assert_int_equal(instance_check(OP_REBOOT_HARD, UUID, "paused", "pausing", "", false, &err),
                     0);
    assert_int_equal(instance_check(OP_REBOOT_SOFT, UUID, "active", "rebooting", "", false,
                                    &err), -1);
    assert_string_equal(err.message,
                        "Cannot 'reboot' instance " UUID " while it is in task_state rebooting");
    /* reboot() has only the lock check; _soft_reboot()'s vm_state speaks
     * before the task_state */
    assert_int_equal(instance_check(OP_REBOOT_SOFT, UUID, "stopped", "deleting", "", false,
                                    &err), -1);
    assert_string_equal(err.message,
                        "Cannot 'reboot' instance " UUID " while it is in vm_state stopped");
    /* delete: anything unless locked */
    assert_int_equal(instance_check(OP_DELETE, UUID, "building", "scheduling", "", false, &err),
                     0);
    assert_int_equal(instance_check(OP_DELETE, UUID, "error", NULL, "owner", false, &err), -1);
    /* an unknown op is an internal error, not a pass */
    assert_int_equal(instance_check(OP__COUNT, UUID, "active", NULL, NULL, true, &err), -1);
    assert_int_equal(err.status, 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_map),
        cmocka_unit_test(test_reverse_map),
        cmocka_unit_test(test_reverse_roundtrip),
        cmocka_unit_test(test_reverse_capacity),
        cmocka_unit_test(test_guard_table),
        cmocka_unit_test(test_guard_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
