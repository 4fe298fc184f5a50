/* test_extra_specs.c - the 2.86 flavor extra spec validators
 * (api/compute/flavor_extra_spec_rules.c), table-driven, and Python's
 * text form of JSON numbers used for extra spec values and flavor ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/compute/flavors.h"

struct spec_case { const char *name, *value, *error; };   /* error NULL = valid */

static const struct spec_case cases[] = {
    { "hw:cpu_policy", "dedicated", NULL },
    { "hw:cpu_policy", "bogus",
      "Validation failed; 'bogus' is not one of: dedicated, shared, mixed." },
    { "hw:cpu_thread_policy", "isolate", NULL },
    { "hw:numa_nodes", "2", NULL },
    { "hw:numa_nodes", "0", "Validation failed; '0' is less than the min value of '1'." },
    { "hw:numa_nodes", "two", "Validation failed; 'two' is not a valid integer value." },
    { "hw:numa_cpus.0", "0-3,^2", NULL },
    { "hw:numa_cpus.1", "x", "Validation failed; 'x' is not of the format "
      "'\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'." },
    { "hw:numa_mem.1", "1024", NULL },
    { "hw:mem_page_size", "large", NULL },
    { "hw:mem_page_size", "2MB", NULL },
    { "hw:mem_page_size", "1GiB", NULL },
    { "hw:mem_page_size", "huge", "Validation failed; 'huge' is not of the format "
      "'(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'." },
    { "hw:boot_menu", "True", NULL },
    { "hw:boot_menu", " yes ", NULL },
    { "hw:boot_menu", "maybe", "Validation failed; 'maybe' is not a valid boolean-like value." },
    { "hw:watchdog_action", "reset", NULL },
    { "hw:unknown", "1", "Validation failed; extra spec 'hw:unknown' does not appear to be a "
      "valid extra spec." },
    { "hw_rng:rate_bytes", "-1", "Validation failed; '-1' is less than the min value of '0'." },
    { "hw_video:ram_max_mb", "64", NULL },
    { "os:secure_boot", "required", NULL },
    { "quota:cpu_shares", "1024", NULL },
    { "quota:disk_total_iops_sec", "x", "Validation failed; 'x' is not a valid integer value." },
    { "quota:cpu_shares_level", "high", NULL },
    { "resources:VCPU", "2", NULL },
    { "resources_group1:CUSTOM_FOO", "1", NULL },
    { "resources:NOT_A_CLASS", "1", "Validation failed; extra spec 'resources:NOT_A_CLASS' "
      "does not appear to be a valid extra spec." },
    { "trait:HW_CPU_X86_AVX2", "required", NULL },
    { "trait1:CUSTOM_GPU", "forbidden", NULL },
    { "trait:HW_CPU_X86_AVX2", "preferred",
      "Validation failed; 'preferred' is not one of: required, forbidden." },
    { "aggregate_instance_extra_specs:ssd", "true", NULL },
    { "capabilities:hypervisor_type", "s== QEMU", NULL },
    { "capabilities:cpu_info:features", "<in> aes", NULL },
    { "pci_passthrough:alias", "a1:2, b2:1", NULL },
    { "pci_passthrough:alias", "a1", "Validation failed; 'a1' is not of the format "
      "'[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*'." },
    { "accel:device_profile", "anything", NULL },
    { "group_policy", "isolate", NULL },
    { "group_policy", "all", "Validation failed; 'all' is not one of: isolate, none." },
    { "custom:key", "free", NULL },
    { "no_namespace", "free", NULL },
};

static void test_validators(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cerr err = {0};
        int rc = flavor_extra_spec_validate(cases[i].name, cases[i].value, &err);
        if (!cases[i].error) {
            if (rc != 0)
                fail_msg("%s=%s: %s", cases[i].name, cases[i].value, err.message);
            continue;
        }
        assert_int_equal(rc, -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.message, cases[i].error);
    }
}

static void test_number_text(void **state)
{
    static const struct { const char *json, *text; } nums[] = {
        { "5", "5" }, { "-3", "-3" }, { "1.5", "1.5" }, { "2.0", "2.0" }, { "0.1", "0.1" },
        { "1e16", "1e+16" }, { "1.5e-05", "1.5e-05" }, { "123456.789", "123456.789" },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        char out[64];
        json_t *v = json_loads(nums[i].json, JSON_DECODE_ANY, NULL);
        api_number_text(v, out, sizeof(out));
        assert_string_equal(out, nums[i].text);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validators),
        cmocka_unit_test(test_number_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
