/* test_policy.c - Nova's default rules (core/policy.c) as a table: every
 * role set a token can carry (implied roles included, as auth fills them)
 * against every rule, plus the 403 message and the admin test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/policy.h"

/* The role sets Keystone's implication produces for each assigned role. */
#define R_READER  (ROLE_READER)
#define R_MEMBER  (ROLE_MEMBER | ROLE_READER)
#define R_MANAGER (ROLE_MANAGER | ROLE_MEMBER | ROLE_READER)
#define R_ADMIN   (ROLE_ADMIN | ROLE_MANAGER | ROLE_MEMBER | ROLE_READER)

static const struct {
    unsigned roles;
    const char *who;
    bool any, reader, member, manager, admin;
} rows[] = {
    {0, "no role", true, false, false, false, false},
    {R_READER, "reader", true, true, false, false, false},
    {R_MEMBER, "member", true, true, true, false, false},
    {R_MANAGER, "manager", true, true, true, true, false},
    {R_ADMIN, "admin", true, true, true, true, true},
    /* single bits, should a token carry a role without its implications */
    {ROLE_MEMBER, "member only", true, true, true, false, false},
    {ROLE_MANAGER, "manager only", true, true, true, true, false},
    {ROLE_ADMIN, "admin only", true, true, true, true, true},
};

static void test_table(void **state)
{
    static const enum policy_rule rules[] = { POLICY_ANY, POLICY_READER, POLICY_MEMBER,
                                              POLICY_MANAGER, POLICY_ADMIN };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct auth a = { .valid = true, .roles = rows[i].roles };
        const bool want[] = { rows[i].any, rows[i].reader, rows[i].member, rows[i].manager,
                              rows[i].admin };
        for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
            struct cerr err = {0};
            int rc = policy_check(&a, rules[r], "os_compute_api:x", &err);
            if ((rc == 0) != want[r])
                fail_msg("%s, rule %zu: rc %d", rows[i].who, r, rc);
            if (rc != 0) {
                assert_int_equal(err.status, 403);
                assert_string_equal(err.message,
                                    "Policy doesn't allow os_compute_api:x to be performed.");
            }
        }
        assert_int_equal(policy_is_admin(&a), rows[i].admin);
    }
}

static void test_unknown_rule_is_admin_only(void **state)
{
    struct auth member = { .valid = true, .roles = R_MANAGER };
    struct auth admin = { .valid = true, .roles = R_ADMIN };
    struct cerr err;
    assert_int_equal(policy_check(&member, (enum policy_rule)99, "x", &err), -1);
    assert_int_equal(policy_check(&admin, (enum policy_rule)99, "x", &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_unknown_rule_is_admin_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
