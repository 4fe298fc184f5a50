/* test_virt_fake.c - the fake virt driver (virt/fake.c) through the
 * driver table, as the compute agent uses it: power state transitions as
 * a table (every op from every state), idempotent re-runs, the failure
 * hook, the history it records, the simulated delay, and VMs moving
 * between hosts by cold and live migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance.h"
#include "util/clock.h"
#include "util/config.h"
#include "virt/driver.h"

static const struct virt_driver *drv;
static struct cirrus_config cfg;

static struct virt_host *new_host(const char *name)
{
    struct virt_host *h = NULL;
    struct cerr err;
    assert_int_equal(drv->init_host(name, &cfg, &h, &err), 0);
    return h;
}

static struct virt_instance instance(int64_t id, const char *name)
{
    struct virt_instance vi;
    char uuid[40];
    snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012lld", (long long)id);
    virt_instance_init(&vi, id, uuid);
    snprintf(vi.display_name, sizeof(vi.display_name), "%s", name);
    vi.flavor = (struct virt_flavor){ 1, 512, 1, 0, 0 };
    return vi;
}

static int power_of(struct virt_host *h, const struct virt_instance *vi)
{
    struct virt_info info;
    struct cerr err;
    return drv->get_info(h, vi, &info, &err) == 0 ? info.power_state : -1;
}

static int setup(void **state)
{
    config_defaults(&cfg);
    drv = virt_driver_lookup("fake");
    return drv ? 0 : -1;
}

static void test_registry(void **state)
{
    assert_non_null(drv);
    assert_int_equal(drv->version, VIRT_DRIVER_VERSION);
    assert_string_equal(drv->hypervisor_type, "fake");
    assert_null(virt_driver_lookup("xen"));
    assert_null(virt_driver_lookup(NULL));
    struct virt_instance vi = instance(0x2a, "x");
    assert_string_equal(vi.name, "instance-0000002a");
}

/* --- the transition table --- */

enum op { SPAWN, POWER_OFF, POWER_ON, SOFT_REBOOT, HARD_REBOOT, PAUSE, UNPAUSE, SUSPEND,
          RESUME, RESCUE, UNRESCUE, N_OPS };

static int run_op(struct virt_host *h, const struct virt_instance *vi, enum op op,
                  struct cerr *err)
{
    switch (op) {
    case SPAWN: return drv->spawn(h, vi, NULL, err);
    case POWER_OFF: return drv->power_off(h, vi, 60, err);
    case POWER_ON: return drv->power_on(h, vi, err);
    case SOFT_REBOOT: return drv->reboot(h, vi, false, err);
    case HARD_REBOOT: return drv->reboot(h, vi, true, err);
    case PAUSE: return drv->pause(h, vi, err);
    case UNPAUSE: return drv->unpause(h, vi, err);
    case SUSPEND: return drv->suspend(h, vi, err);
    case RESUME: return drv->resume(h, vi, err);
    case RESCUE: return drv->rescue(h, vi, NULL, err);
    case UNRESCUE: return drv->unrescue(h, vi, err);
    default: return -1;
    }
}

/* Puts a fresh VM into a power state through legal operations. */
static void reach(struct virt_host *h, const struct virt_instance *vi, int power)
{
    struct cerr err;
    drv->destroy(h, vi, &err);
    assert_int_equal(drv->spawn(h, vi, NULL, &err), 0);
    int rc = 0;
    if (power == POWER_PAUSED)
        rc = drv->pause(h, vi, &err);
    else if (power == POWER_SUSPENDED)
        rc = drv->suspend(h, vi, &err);
    else if (power == POWER_SHUTDOWN)
        rc = drv->power_off(h, vi, 0, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(power_of(h, vi), power);
}

#define R POWER_RUNNING
#define P POWER_PAUSED
#define S POWER_SUSPENDED
#define D POWER_SHUTDOWN
#define X (-409)            /* refused with 409, state unchanged */

static const int from_states[] = { R, P, S, D };
/* expected power state after op, per starting state R, P, S, D */
static const int table[N_OPS][4] = {
    [SPAWN]       = { R, R, R, R },     /* a re-run finds the guest defined */
    [POWER_OFF]   = { D, D, D, D },
    [POWER_ON]    = { R, X, X, R },
    [SOFT_REBOOT] = { R, X, X, X },
    [HARD_REBOOT] = { R, R, R, R },
    [PAUSE]       = { P, P, X, X },
    [UNPAUSE]     = { R, R, X, X },
    [SUSPEND]     = { S, X, S, X },
    [RESUME]      = { R, X, R, X },
    [RESCUE]      = { R, X, X, R },
    [UNRESCUE]    = { R, R, R, R },
};

static void test_transition_table(void **state)
{
    struct virt_host *h = new_host("table");
    struct virt_instance vi = instance(1, "vm");
    for (int op = 0; op < N_OPS; op++) {
        for (int f = 0; f < 4; f++) {
            reach(h, &vi, from_states[f]);
            struct cerr err = {0};
            int rc = run_op(h, &vi, (enum op)op, &err);
            int want = table[op][f];
            if (want == X) {
                if (rc != -1 || err.status != 409 || power_of(h, &vi) != from_states[f])
                    fail_msg("op %d from %d: rc %d status %d", op, from_states[f], rc,
                             err.status);
            } else if (rc != 0 || power_of(h, &vi) != want) {
                fail_msg("op %d from %d: rc %d (%s), power %d want %d", op, from_states[f],
                         rc, err.message, power_of(h, &vi), want);
            }
        }
    }
    drv->cleanup_host(h);
}

static void test_unknown_instance(void **state)
{
    struct virt_host *h = new_host("empty");
    struct virt_instance vi = instance(2, "ghost");
    struct cerr err = {0};
    assert_int_equal(drv->destroy(h, &vi, &err), 0);          /* idempotent */
    assert_int_equal(drv->pause(h, &vi, &err), -1);
    assert_int_equal(err.status, 404);
    struct virt_info info;
    assert_int_equal(drv->get_info(h, &vi, &info, &err), -1);
    assert_int_equal(err.status, 404);
    drv->cleanup_host(h);
}

static void test_failure_hook(void **state)
{
    struct virt_host *h = new_host("hook");
    struct cerr err = {0};
    struct virt_instance vi = instance(3, "fail-spawn-1");
    assert_int_equal(drv->spawn(h, &vi, NULL, &err), -1);
    assert_int_equal(err.status, 500);
    assert_int_equal(power_of(h, &vi), -1);                    /* nothing left behind */
    json_t *md = json_pack("{s:s}", "fake_fail", "pause,reboot");
    vi = instance(4, "fine");
    vi.metadata = md;
    assert_int_equal(drv->spawn(h, &vi, NULL, &err), 0);
    assert_int_equal(drv->pause(h, &vi, &err), -1);
    assert_int_equal(drv->reboot(h, &vi, true, &err), -1);
    assert_int_equal(drv->suspend(h, &vi, &err), 0);
    json_decref(md);
    vi = instance(5, "failure-is-not-an-op");
    assert_int_equal(drv->spawn(h, &vi, NULL, &err), 0);
    drv->cleanup_host(h);
}

static void test_history_and_console(void **state)
{
    struct virt_host *h = new_host("hist");
    struct virt_instance vi = instance(6, "web");
    struct cerr err;
    json_t *net = json_pack("{s:[{s:s, s:i}]}", "private", "addr", "10.0.0.5", "version", 4);
    struct virt_boot boot = { .network_info = net };
    assert_int_equal(drv->spawn(h, &vi, &boot, &err), 0);
    assert_int_equal(drv->inject_network_info(h, &vi, net, &err), 0);
    assert_int_equal(drv->reset_network(h, &vi, &err), 0);
    char text[4096];
    assert_true(virt_fake_history("hist", vi.uuid, text, sizeof(text)) >= 4);
    assert_non_null(strstr(text, "network private 10.0.0.5"));
    assert_non_null(strstr(text, "inject_network_info private 10.0.0.5"));
    assert_non_null(strstr(text, "reset_network"));
    assert_int_equal(virt_fake_history("hist", "nope", text, sizeof(text)), -1);
    assert_int_equal(virt_fake_history("other", vi.uuid, text, sizeof(text)), -1);
    char *out = NULL;
    assert_int_equal(drv->get_console_output(h, &vi, &out, &err), 0);
    size_t n = strlen(out);
    assert_true(n > 9 && strcmp(out + n - 9, "LAST LINE") == 0);
    assert_non_null(strstr(out, "[fake] spawn instance-00000006"));
    free(out);
    for (int i = 0; i < 100; i++)                              /* the ring keeps the tail */
        drv->reset_network(h, &vi, &err);
    assert_int_equal(virt_fake_history("hist", vi.uuid, text, sizeof(text)), 64);
    json_decref(net);
    drv->cleanup_host(h);
}

static void test_delay(void **state)
{
    cfg.fake_delay_ms = 60;
    struct virt_host *h = new_host("slow");
    cfg.fake_delay_ms = 0;
    struct virt_instance vi = instance(7, "slow");
    struct cerr err;
    int64_t t0 = clock_now_us();
    assert_int_equal(drv->spawn(h, &vi, NULL, &err), 0);
    assert_true(clock_now_us() - t0 >= 60000);
    drv->cleanup_host(h);
}

static void test_init_instance_after_restart(void **state)
{
    struct virt_host *h = new_host("restarted");
    struct virt_instance vi = instance(8, "kept");
    struct cerr err;
    vi.power_state = POWER_PAUSED;
    assert_int_equal(drv->init_instance(h, &vi, &err), 0);
    assert_int_equal(power_of(h, &vi), POWER_PAUSED);
    vi.power_state = POWER_RUNNING;                /* a second call changes nothing */
    assert_int_equal(drv->init_instance(h, &vi, &err), 0);
    assert_int_equal(power_of(h, &vi), POWER_PAUSED);
    struct virt_instance never = instance(9, "never-spawned");
    assert_int_equal(drv->init_instance(h, &never, &err), 0);   /* NOSTATE: nothing */
    assert_int_equal(power_of(h, &never), -1);
    char **uuids = NULL;
    int n = 0;
    assert_int_equal(drv->list_instances(h, &uuids, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(uuids[0], vi.uuid);
    free(uuids[0]);
    free(uuids);
    drv->cleanup_host(h);
}

static void test_cold_migration(void **state)
{
    struct virt_host *a = new_host("src"), *b = new_host("dst");
    struct virt_instance vi = instance(10, "mover");
    struct cerr err;
    struct virt_flavor bigger = { 2, 1024, 2, 0, 0 };
    assert_int_equal(drv->spawn(a, &vi, NULL, &err), 0);
    assert_int_equal(drv->migrate_disk_and_power_off(a, &vi, "dst", &bigger, &err), 0);
    assert_int_equal(power_of(a, &vi), POWER_SHUTDOWN);
    assert_int_equal(drv->finish_migration(b, &vi, &bigger, true, &err), 0);
    struct virt_info info;
    assert_int_equal(drv->get_info(b, &vi, &info, &err), 0);
    assert_int_equal(info.num_cpu, 2);
    assert_int_equal(info.power_state, POWER_RUNNING);
    assert_int_equal(drv->confirm_migration(a, &vi, &err), 0);
    assert_int_equal(power_of(a, &vi), -1);
    /* revert path: destination destroyed, source powered back on */
    assert_int_equal(drv->migrate_disk_and_power_off(b, &vi, "src", &bigger, &err), 0);
    assert_int_equal(drv->finish_migration(a, &vi, &bigger, true, &err), 0);
    assert_int_equal(drv->destroy(a, &vi, &err), 0);
    assert_int_equal(drv->finish_revert_migration(b, &vi, false, &err), 0);
    assert_int_equal(power_of(b, &vi), POWER_SHUTDOWN);
    /* same-host resize: confirm must not remove the only copy */
    assert_int_equal(drv->migrate_disk_and_power_off(b, &vi, "dst", &bigger, &err), 0);
    assert_int_equal(drv->finish_migration(b, &vi, &bigger, true, &err), 0);
    assert_int_equal(drv->confirm_migration(b, &vi, &err), 0);
    assert_int_equal(power_of(b, &vi), POWER_RUNNING);
    drv->cleanup_host(a);
    drv->cleanup_host(b);
}

struct lm_ctx { int calls; enum virt_lm_action answer_at_2; int64_t last_remaining; };

static enum virt_lm_action progress(void *p, const struct virt_lm_progress *lp)
{
    struct lm_ctx *c = p;
    c->last_remaining = lp->memory_remaining;
    return ++c->calls == 2 ? c->answer_at_2 : VIRT_LM_CONTINUE;
}

static void test_live_migration(void **state)
{
    struct virt_host *a = new_host("lm-src"), *b = new_host("lm-dst");
    struct virt_instance vi = instance(11, "live");
    struct cerr err;
    assert_int_equal(drv->spawn(a, &vi, NULL, &err), 0);
    /* aborted: the destination placeholder is rolled back */
    struct lm_ctx c = { 0, VIRT_LM_ABORT, -1 };
    assert_int_equal(drv->pre_live_migration(b, &vi, &err), 0);
    assert_int_equal(drv->live_migration(a, &vi, "lm-dst", progress, &c, &err), 1);
    assert_int_equal(c.calls, 2);
    assert_int_equal(drv->rollback_live_migration(b, &vi, &err), 0);
    assert_int_equal(power_of(b, &vi), -1);
    assert_int_equal(power_of(a, &vi), POWER_RUNNING);
    /* forced to complete early */
    c = (struct lm_ctx){ 0, VIRT_LM_FORCE_COMPLETE, -1 };
    assert_int_equal(drv->pre_live_migration(b, &vi, &err), 0);
    assert_int_equal(drv->live_migration(a, &vi, "lm-dst", progress, &c, &err), 0);
    assert_int_equal(c.calls, 2);
    assert_int_equal(drv->post_live_migration(a, &vi, &err), 0);
    assert_int_equal(drv->post_live_migration_at_destination(b, &vi, &err), 0);
    assert_int_equal(power_of(a, &vi), -1);
    assert_int_equal(power_of(b, &vi), POWER_RUNNING);
    /* and back, to completion */
    c = (struct lm_ctx){ 0, VIRT_LM_CONTINUE, -1 };
    assert_int_equal(drv->pre_live_migration(a, &vi, &err), 0);
    assert_int_equal(drv->live_migration(b, &vi, "lm-src", progress, &c, &err), 0);
    assert_int_equal(c.last_remaining, 0);
    assert_int_equal(drv->live_migration_abort(b, &vi, &err), -1);   /* none running */
    assert_int_equal(err.status, 400);
    drv->cleanup_host(a);
    drv->cleanup_host(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_unknown_instance),
        cmocka_unit_test(test_failure_hook),
        cmocka_unit_test(test_history_and_console),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_init_instance_after_restart),
        cmocka_unit_test(test_cold_migration),
        cmocka_unit_test(test_live_migration),
    };
    return cmocka_run_group_tests_name("virt fake", tests, setup, NULL);
}
