/* flavor_extra_spec_rules.c - the extra specs Nova knows and how their
 * values must look (the files of nova/api/validation/extra_specs/), used from
 * microversion 2.86 to reject bad values on POST/PUT os-extra_specs.
 * Names in Nova's namespaces that match no rule are rejected; names
 * outside them are free-form. Patterns are POSIX EREs; `shown` is Nova's
 * Python spelling of a value pattern, used in the error message. */
#include "api/compute/flavors.h"
#include "util/mem.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum spec_type { SPEC_STR, SPEC_INT, SPEC_BOOL };

struct spec_rule {
    const char *name;                 /* ERE for the whole name */
    enum spec_type type;
    const char *pattern, *shown;      /* SPEC_STR: value ERE and Nova's form */
    const char *const *choices;       /* SPEC_STR: allowed values (NULL-terminated) */
    bool has_min, has_max;
    int64_t min, max;
};

#define CPU_MASK "\\^?[0-9]+((-[0-9]+)?(,\\^?[0-9]+(-[0-9]+)?)?)*"
#define CPU_MASK_SHOWN "\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"
#define GROUP "([a-zA-Z0-9_-]{1,64})?"
#define BOOL(n) { n, SPEC_BOOL, NULL, NULL, NULL, false, false, 0, 0 }
#define INT(n) { n, SPEC_INT, NULL, NULL, NULL, false, false, 0, 0 }
#define INT_MIN_(n, lo) { n, SPEC_INT, NULL, NULL, NULL, true, false, lo, 0 }
#define STR(n) { n, SPEC_STR, NULL, NULL, NULL, false, false, 0, 0 }
#define PATTERN(n, re, shown) { n, SPEC_STR, re, shown, NULL, false, false, 0, 0 }
#define CHOICE(n, list) { n, SPEC_STR, NULL, NULL, list, false, false, 0, 0 }

#define LIST(name, ...) static const char *const name[] = { __VA_ARGS__, NULL }
LIST(cpu_policy, "dedicated", "shared", "mixed");
LIST(thread_policy, "prefer", "isolate", "require");
LIST(emulator_policy, "isolate", "share");
LIST(pci_numa, "required", "preferred", "legacy", "socket");
LIST(tpm_model, "tpm-tis", "tpm-crb");
LIST(tpm_version, "1.2", "2.0");
LIST(tpm_secret, "user", "host", "deployment");
LIST(watchdog, "none", "pause", "poweroff", "reset", "disabled");
LIST(eph_format, "luks", "plain");
LIST(viommu, "intel", "smmuv3", "virtio", "auto");
LIST(physaddr, "emulate", "passthrough");
LIST(mem_enc_model, "amd-sev", "amd-sev-es");
LIST(secure_boot, "disabled", "required");
LIST(trait_value, "required", "forbidden");
LIST(group_policy, "isolate", "none");

/* The standard resource classes of os-resource-classes. */
#define RC "(VCPU|MEMORY_MB|DISK_GB|PCI_DEVICE|SRIOV_NET_VF|NUMA_SOCKET|NUMA_CORE|" \
    "NUMA_THREAD|NUMA_MEMORY_MB|IPV4_ADDRESS|VGPU|VGPU_DISPLAY_HEAD|" \
    "NET_BW_EGR_KILOBIT_PER_SEC|NET_BW_IGR_KILOBIT_PER_SEC|PCPU|MEM_ENCRYPTION_CONTEXT|" \
    "FPGA|PGPU|NET_PACKET_RATE_KILOPACKET_PER_SEC|NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC|" \
    "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC|CUSTOM_[A-Z0-9_]+)"

static const struct spec_rule rules[] = {
    /* hw.py */
    BOOL("hw:cpu_realtime"),
    PATTERN("hw:cpu_realtime_mask", CPU_MASK, "(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"),
    BOOL("hw:hide_hypervisor_id"),
    CHOICE("hw:cpu_policy", cpu_policy),
    CHOICE("hw:cpu_thread_policy", thread_policy),
    CHOICE("hw:emulator_threads_policy", emulator_policy),
    PATTERN("hw:cpu_dedicated_mask", CPU_MASK, CPU_MASK_SHOWN),
    PATTERN("hw:mem_page_size", "(large|small|any|[0-9]+([kKMGT]i?)?(b|bit|B)?)",
            "(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)"),
    INT_MIN_("hw:numa_nodes", 1),
    PATTERN("hw:numa_cpus\\.[0-9]+", CPU_MASK, CPU_MASK_SHOWN),
    INT_MIN_("hw:numa_mem\\.[0-9]+", 1),
    CHOICE("hw:pci_numa_affinity_policy", pci_numa),
    INT_MIN_("hw:cpu_sockets", 1),
    INT_MIN_("hw:cpu_cores", 1),
    INT_MIN_("hw:cpu_threads", 1),
    INT_MIN_("hw:max_cpu_sockets", 1),
    INT_MIN_("hw:max_cpu_cores", 1),
    INT_MIN_("hw:max_cpu_threads", 1),
    BOOL("hw:boot_menu"),
    BOOL("hw:mem_encryption"),
    CHOICE("hw:mem_encryption_model", mem_enc_model),
    PATTERN("hw:pmem", "([a-zA-Z0-9_]+(,)?)+", "([a-zA-Z0-9_]+(,)?)+"),
    BOOL("hw:pmu"),
    INT_MIN_("hw:serial_port_count", 0),
    CHOICE("hw:tpm_model", tpm_model),
    CHOICE("hw:tpm_version", tpm_version),
    CHOICE("hw:tpm_secret_security", tpm_secret),
    CHOICE("hw:watchdog_action", watchdog),
    BOOL("hw:vif_multiqueue_enabled"),
    BOOL("hw:virtio_packed_ring"),
    BOOL("hw:locked_memory"),
    BOOL("hw:ephemeral_encryption"),
    CHOICE("hw:ephemeral_encryption_format", eph_format),
    CHOICE("hw:viommu_model", viommu),
    CHOICE("hw:maxphysaddr_mode", physaddr),
    INT_MIN_("hw:maxphysaddr_bits", 1),
    /* hw_rng.py, hw_video.py, os.py, accel.py, pci_passthrough.py */
    BOOL("hw_rng:allowed"),
    INT_MIN_("hw_rng:rate_bytes", 0),
    INT_MIN_("hw_rng:rate_period", 0),
    INT_MIN_("hw_video:ram_max_mb", 0),
    CHOICE("os:secure_boot", secure_boot),
    STR("accel:device_profile"),
    PATTERN("pci_passthrough:alias",
            "[^:]+:[0-9]+([[:space:]]*,[[:space:]]*[^:]+:[0-9]+)*",
            "[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*"),
    /* quota.py */
    INT("quota:(cpu|memory|disk_io|vif)_(limit|reservation|shares_share)"),
    STR("quota:(cpu|memory|disk_io|vif)_shares_level"),
    INT_MIN_("quota:cpu_(shares|period|quota)", 0),
    INT_MIN_("quota:disk_(read|write|total)_(bytes|iops)_sec", 0),
    INT_MIN_("quota:vif_(inbound|outbound)_(average|peak|burst)", 0),
    /* resources.py, traits.py (any trait name os-traits could define) */
    INT("resources" GROUP ":" RC),
    CHOICE("trait" GROUP ":[A-Z0-9_]+", trait_value),
    /* aggregate_instance_extra_specs.py, capabilities.py, vmware.py */
    STR("aggregate_instance_extra_specs:.+"),
    STR("capabilities:(id|uuid|service_id|host|vcpus|memory_mb|local_gb|vcpus_used|"
        "memory_mb_used|local_gb_used|hypervisor_type|hypervisor_version|"
        "hypervisor_hostname|free_ram_mb|free_disk_gb|current_workload|running_vms|"
        "disk_available_least|host_ip|mapped|cpu_allocation_ratio|ram_allocation_ratio|"
        "disk_allocation_ratio|total_usable_ram_mb|total_usable_disk_gb|disk_mb_used|"
        "free_disk_mb|vcpus_total|num_instances|num_io_ops|failed_builds|aggregates|"
        "cell_uuid|updated)"),
    STR("capabilities:(cpu_info|metrics|stats|numa_topology|supported_hv_specs|"
        "pci_device_pools|nodename|pci_stats|supported_instances|limits|instances)"
        "(:[[:alnum:]_]+)*"),
    STR("vmware:hw_version"),
    STR("vmware:storage_policy"),
    /* null.py */
    BOOL("hide_hypervisor_id"),
    CHOICE("group_policy", group_policy),
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

/* The namespaces those rules live in; other names are not checked. */
static const char *const namespaces =
    "^(hw|hw_rng|hw_video|os|accel|pci_passthrough|quota|resources" GROUP "|trait" GROUP
    "|aggregate_instance_extra_specs|capabilities|vmware)$";

static regex_t name_re[NRULES], value_re[NRULES], ns_re;
static pthread_once_t compiled = PTHREAD_ONCE_INIT;

static void compile_one(regex_t *re, const char *pattern)
{
    char *anchored = xasprintf("^(%s)$", pattern);
    if (regcomp(re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
        abort();   /* the table is static: a bad pattern is a build defect */
    free(anchored);
}

static void compile_rules(void)
{
    for (size_t i = 0; i < NRULES; i++) {
        compile_one(&name_re[i], rules[i].name);
        if (rules[i].pattern)
            compile_one(&value_re[i], rules[i].pattern);
    }
    if (regcomp(&ns_re, namespaces, REG_EXTENDED | REG_NOSUB) != 0)
        abort();
}

static int check_int(const struct spec_rule *r, const char *value, struct cerr *err)
{
    char *end;
    const char *p = value;
    while (isspace((unsigned char)*p))
        p++;
    errno = 0;
    long long n = strtoll(p, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == p || *end || errno)
        return cerr_set(err, 400, "Validation failed; '%s' is not a valid integer value.",
                        value);
    if (r->has_max && n > r->max)
        return cerr_set(err, 400, "Validation failed; '%s' is greater than the max value of "
                        "'%lld'.", value, (long long)r->max);
    if (r->has_min && n < r->min)
        return cerr_set(err, 400, "Validation failed; '%s' is less than the min value of "
                        "'%lld'.", value, (long long)r->min);
    return 0;
}

/* oslo strutils.bool_from_string(strict=True). */
static int check_bool(const char *value, struct cerr *err)
{
    static const char *const ok[] = { "1", "t", "true", "on", "y", "yes",
                                      "0", "f", "false", "off", "n", "no", NULL };
    char buf[16];
    const char *p = value;
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (n < sizeof(buf)) {
        memcpy(buf, p, n);
        buf[n] = '\0';
        for (int i = 0; ok[i]; i++)
            if (strcasecmp(buf, ok[i]) == 0)
                return 0;
    }
    return cerr_set(err, 400, "Validation failed; '%s' is not a valid boolean-like value.",
                    value);
}

static int check_str(const struct spec_rule *r, size_t idx, const char *value,
                     struct cerr *err)
{
    if (r->pattern && regexec(&value_re[idx], value, 0, NULL, 0) != 0)
        return cerr_set(err, 400, "Validation failed; '%s' is not of the format '%s'.", value,
                        r->shown);
    if (!r->pattern && r->choices) {
        struct buf list = {0};
        for (int i = 0; r->choices[i]; i++) {
            if (strcmp(r->choices[i], value) == 0) {
                buf_free(&list);
                return 0;
            }
            buf_printf(&list, "%s%s", i ? ", " : "", r->choices[i]);
        }
        cerr_set(err, 400, "Validation failed; '%s' is not one of: %s.", value, list.data);
        buf_free(&list);
        return -1;
    }
    return 0;
}

int flavor_extra_spec_validate(const char *name, const char *value, struct cerr *err)
{
    pthread_once(&compiled, compile_rules);
    for (size_t i = 0; i < NRULES; i++) {
        if (regexec(&name_re[i], name, 0, NULL, 0) != 0)
            continue;
        switch (rules[i].type) {
        case SPEC_INT: return check_int(&rules[i], value, err);
        case SPEC_BOOL: return check_bool(value, err);
        case SPEC_STR: return check_str(&rules[i], i, value, err);
        }
    }
    const char *colon = strchr(name, ':');
    if (!colon)
        return 0;
    char *ns = xstrndup(name, (size_t)(colon - name));
    bool known = regexec(&ns_re, ns, 0, NULL, 0) == 0;
    free(ns);
    if (!known)
        return 0;
    return cerr_set(err, 400, "Validation failed; extra spec '%s' does not appear to be a "
                    "valid extra spec.", name);
}
