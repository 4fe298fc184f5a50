/* test_power_sync.c - the power state sync's decision (core/compute_sync.c
 * power_sync_decide) as a full table: every vm_state x every power state
 * the hypervisor can report, against nova/compute/manager.py
 * _sync_instance_power_state written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/agent.h"
#include "core/instance.h"

static const int powers[] = {POWER_NOSTATE, POWER_RUNNING, POWER_PAUSED, POWER_SHUTDOWN,
                             POWER_CRASHED, POWER_SUSPENDED};
#define N_POWERS (sizeof(powers) / sizeof(powers[0]))

#define N POWER_SYNC_NONE
#define S POWER_SYNC_STOP

/* Columns in the order of powers[]: NOSTATE RUNNING PAUSED SHUTDOWN CRASHED SUSPENDED. */
static const struct { const char *vm_state; enum power_sync_action want[N_POWERS]; } rows[] = {
    /* "Instance shutdown by itself" / "suspended unexpectedly" -> stop;
     * paused ("Ignore", bug 1097806) and not found ("Ignore") -> nothing. */
    {VM_ACTIVE, {N, N, N, S, S, S}},
    /* "Instance is not (soft-)stopped" -> force_stop. */
    {VM_STOPPED, {N, S, S, N, N, S}},
    /* "Paused instance shutdown by itself" -> force_stop. */
    {VM_PAUSED, {N, N, N, S, S, N}},
    /* "we ignore these vm_state for now" */
    {VM_BUILDING, {N, N, N, N, N, N}},
    {VM_RESCUED, {N, N, N, N, N, N}},
    {VM_RESIZED, {N, N, N, N, N, N}},
    {VM_SUSPENDED, {N, N, N, N, N, N}},
    {VM_ERROR, {N, N, N, N, N, N}},
    /* "Instance is not (soft-)deleted": only logged. */
    {VM_SOFT_DELETED, {N, N, N, N, N, N}},
    {VM_DELETED, {N, N, N, N, N, N}},
    {VM_SHELVED, {N, N, N, N, N, N}},
    {VM_SHELVED_OFFLOADED, {N, N, N, N, N, N}},
};

static void test_decision_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        for (size_t p = 0; p < N_POWERS; p++) {
            enum power_sync_action got = power_sync_decide(rows[r].vm_state, powers[p]);
            if (got != rows[r].want[p]) {
                fprintf(stderr, "vm_state %s, hypervisor power %d: got %d, want %d\n",
                        rows[r].vm_state, powers[p], got, rows[r].want[p]);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* A vm_state the table does not know (or none) never triggers a stop. */
static void test_unknown_vm_state(void **state)
{
    (void)state;
    for (size_t p = 0; p < N_POWERS; p++) {
        assert_int_equal(power_sync_decide("no-such-state", powers[p]), POWER_SYNC_NONE);
        assert_int_equal(power_sync_decide(NULL, powers[p]), POWER_SYNC_NONE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_table),
        cmocka_unit_test(test_unknown_vm_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
