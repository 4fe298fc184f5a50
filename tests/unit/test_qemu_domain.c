/* test_qemu_domain.c - the qemu driver's pure parts: the QEMU command line
 * built from a domain (disk order in rescue, accelerator, migration
 * flags, networking), domain.json round trips, and the config drive's
 * meta_data.json / network_data.json as Nova lays them out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virt/qemu/configdrive.h"
#include "virt/qemu/domain.h"

static struct qemu_domain sample_domain(void)
{
    struct qemu_domain d = { .vcpus = 2, .memory_mb = 128, .root_gb = 1, .config_drive = true };
    strcpy(d.uuid, "11111111-2222-3333-4444-555555555555");
    strcpy(d.name, "instance-0000002a");
    strcpy(d.mac, "fa:16:3e:00:00:01");
    strcpy(d.net_cidr, "10.0.0.0/16");
    strcpy(d.gateway, "10.0.0.1");
    strcpy(d.dns, "10.0.255.254");
    return d;
}

/* argv joined with spaces, for substring checks. */
static char *joined(char **argv)
{
    size_t n = 1;
    for (char **p = argv; *p; p++)
        n += strlen(*p) + 1;
    char *s = calloc(1, n);
    for (char **p = argv; *p; p++) {
        strcat(s, *p);
        strcat(s, " ");
    }
    return s;
}

static char *argv_of(const struct qemu_domain *d, const struct qemu_launch *l)
{
    char **argv = qemu_domain_argv(d, l);
    char *s = joined(argv);
    qemu_argv_free(argv);
    return s;
}

static const struct qemu_launch tcg = { "qemu-system-x86_64", "tcg", "pc", NULL, false };

static void test_argv_plain_boot(void **state)
{
    struct qemu_domain d = sample_domain();
    char *s = argv_of(&d, &tcg);
    assert_true(strncmp(s, "qemu-system-x86_64 ", 19) == 0);
    assert_non_null(strstr(s, "-uuid 11111111-2222-3333-4444-555555555555 "));
    assert_non_null(strstr(s, "-name guest=instance-0000002a,"));
    assert_non_null(strstr(s, "-accel tcg,tb-size=32 "));
    assert_null(strstr(s, "-cpu host"));
    assert_non_null(strstr(s, "-m 128 -smp 2 "));
    assert_non_null(strstr(s, "socket,id=qmp,path=qmp.sock,server=on,wait=off"));
    assert_non_null(strstr(s, "file,id=serial0,path=console.log,append=on"));
    /* root disk boots; the config drive is attached read-only after it */
    char *root = strstr(s, "\"filename\":\"disk\"");
    char *cfg = strstr(s, "\"filename\":\"disk.config\"");
    assert_non_null(root);
    assert_non_null(cfg);
    assert_true(root < cfg);
    assert_non_null(strstr(s, "drive=disk-root,id=disk-root-dev,bootindex=1"));
    assert_null(strstr(s, "disk.rescue"));
    assert_non_null(strstr(s, "user,id=net0,restrict=on,net=10.0.0.0/16,host=10.0.0.1,"
                              "dns=10.0.255.254"));
    assert_non_null(strstr(s, "mac=fa:16:3e:00:00:01"));
    assert_non_null(strstr(s, "virtserialport,bus=vser0.0,chardev=netcfg,"
                              "name=org.cirrus.netcfg.0"));
    assert_non_null(strstr(s, "socket,id=netcfg,path=netcfg.sock,server=on,wait=off"));
    assert_null(strstr(s, "-incoming"));
    assert_null(strstr(s, " -S "));
    assert_null(strstr(s, "-daemonize"));
    free(s);
}

static void test_argv_rescue_order(void **state)
{
    struct qemu_domain d = sample_domain();
    d.rescue = true;
    char *s = argv_of(&d, &tcg);
    char *rescue = strstr(s, "\"filename\":\"disk.rescue\"");
    char *root = strstr(s, "\"filename\":\"disk\"");
    assert_non_null(rescue);
    assert_non_null(root);
    assert_true(rescue < root);       /* Nova: rescue disk first, own disk second */
    assert_non_null(strstr(s, "drive=disk-rescue,id=disk-rescue-dev,bootindex=1"));
    assert_non_null(strstr(s, "drive=disk-root,id=disk-root-dev "));
    free(s);
}

/* Stable device rescue (2.87): the server's disks keep their places and
 * the rescue disk comes last, as the device and on the bus asked for, and
 * is the one that boots. */
static void test_argv_stable_rescue(void **state)
{
    struct qemu_domain d = sample_domain();
    d.rescue = true;
    strcpy(d.rescue_device, "disk");
    strcpy(d.rescue_bus, "virtio");
    char *s = argv_of(&d, &tcg);
    char *root = strstr(s, "\"filename\":\"disk\"");
    char *config = strstr(s, "\"filename\":\"disk.config\"");
    char *rescue = strstr(s, "\"filename\":\"disk.rescue\"");
    assert_non_null(root);
    assert_non_null(config);
    assert_non_null(rescue);
    assert_true(root < config && config < rescue);
    assert_non_null(strstr(s, "virtio-blk-pci,drive=disk-rescue,id=disk-rescue-dev,bootindex=1"));
    assert_non_null(strstr(s, "drive=disk-root,id=disk-root-dev "));
    free(s);

    strcpy(d.rescue_device, "cdrom");
    strcpy(d.rescue_bus, "scsi");
    s = argv_of(&d, &tcg);
    assert_non_null(strstr(s, "virtio-scsi-pci,id=rescue-scsi "));
    assert_non_null(strstr(s, "scsi-cd,bus=rescue-scsi.0,drive=disk-rescue"));
    free(s);
    strcpy(d.rescue_bus, "usb");
    s = argv_of(&d, &tcg);
    assert_non_null(strstr(s, "usb-bot,id=rescue-bot,bus=rescue-usb.0 "));
    free(s);
    strcpy(d.rescue_device, "");              /* bus only: a disk (Nova's default) */
    strcpy(d.rescue_bus, "sata");
    s = argv_of(&d, &tcg);
    assert_non_null(strstr(s, "ahci,id=rescue-sata "));
    assert_non_null(strstr(s, "ide-hd,bus=rescue-sata.0,drive=disk-rescue"));
    free(s);

    struct cerr err = {0};
    assert_int_equal(qemu_rescue_device_check("disk", "virtio", &err), 0);
    assert_int_equal(qemu_rescue_device_check("cdrom", NULL, &err), 0);      /* on IDE */
    assert_int_equal(qemu_rescue_device_check(NULL, "usb", &err), 0);
    assert_int_equal(qemu_rescue_device_check("cdrom", "virtio", &err), -1);
    assert_int_equal(err.status, 500);
    assert_int_equal(qemu_rescue_device_check("floppy", "fdc", &err), -1);
    assert_int_equal(qemu_rescue_device_check("disk", "xen", &err), -1);
}

static void test_argv_kvm_incoming_extras(void **state)
{
    struct qemu_domain d = sample_domain();
    d.ephemeral_gb = 2;
    d.swap_mb = 64;
    d.mac[0] = '\0';
    d.config_drive = false;
    struct qemu_launch l = { "/opt/qemu", "kvm", "q35", "defer", true };
    char *s = argv_of(&d, &l);
    assert_true(strncmp(s, "/opt/qemu ", 10) == 0);
    assert_non_null(strstr(s, "-accel kvm -cpu host "));
    assert_non_null(strstr(s, "-machine q35 "));
    assert_non_null(strstr(s, "-incoming defer -S "));
    assert_non_null(strstr(s, "\"filename\":\"disk.eph0\""));
    assert_non_null(strstr(s, "\"filename\":\"disk.swap\""));
    assert_null(strstr(s, "disk.config"));
    assert_null(strstr(s, "-netdev"));
    free(s);
}

static void test_domain_json_round_trip(void **state)
{
    struct qemu_domain d = sample_domain(), back;
    d.rescue = true;
    d.swap_mb = 32;
    strcpy(d.image_ref, "abc");
    strcpy(d.rescue_device, "cdrom");
    strcpy(d.rescue_bus, "scsi");
    json_t *j = qemu_domain_to_json(&d);
    struct cerr err = {0};
    assert_int_equal(qemu_domain_from_json(j, &back, &err), 0);
    assert_memory_equal(&d, &back, sizeof(d));
    json_object_set_new(j, "memory_mb", json_integer(0));
    assert_int_equal(qemu_domain_from_json(j, &back, &err), -1);
    assert_int_equal(err.status, 500);
    json_decref(j);
    j = json_pack("{s:s}", "name", "x");         /* no uuid */
    assert_int_equal(qemu_domain_from_json(j, &back, &err), -1);
    json_decref(j);
}

static void test_hostname(void **state)
{
    static const struct { const char *in, *out; } rows[] = {
        {"vm-1", "vm-1"}, {"My Server_01", "my-server-01"}, {"--a..b--", "a-b"},
        {"ÄÖ", "server"}, {"", "server"}, {NULL, "server"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[64];
        qemu_cd_hostname(rows[i].in, out);
        assert_string_equal(out, rows[i].out);
    }
}

static void test_network_data(void **state)
{
    struct qemu_domain d = sample_domain();
    json_t *net = json_loads(
        "{\"private\": [{\"version\": 6, \"addr\": \"fd00::5\", "
        "\"OS-EXT-IPS-MAC:mac_addr\": \"fa:16:3e:00:00:01\"}, "
        "{\"version\": 4, \"addr\": \"10.0.0.5\", "
        "\"OS-EXT-IPS-MAC:mac_addr\": \"fa:16:3e:00:00:01\"}]}", 0, NULL);
    json_t *nd = qemu_cd_network_data(net, &d);
    assert_int_equal(json_array_size(json_object_get(nd, "links")), 1);
    json_t *link = json_array_get(json_object_get(nd, "links"), 0);
    assert_string_equal(json_string_value(json_object_get(link, "ethernet_mac_address")),
                        "fa:16:3e:00:00:01");
    json_t *nets = json_object_get(nd, "networks");
    assert_int_equal(json_array_size(nets), 2);
    json_t *v4 = json_array_get(nets, 0);           /* IPv4 first */
    assert_string_equal(json_string_value(json_object_get(v4, "type")), "ipv4");
    assert_string_equal(json_string_value(json_object_get(v4, "ip_address")), "10.0.0.5");
    assert_string_equal(json_string_value(json_object_get(v4, "netmask")), "255.255.0.0");
    json_t *route = json_array_get(json_object_get(v4, "routes"), 0);
    assert_string_equal(json_string_value(json_object_get(route, "gateway")), "10.0.0.1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(nets, 1), "type")),
                        "ipv6");
    json_t *dns = json_array_get(json_object_get(nd, "services"), 0);
    assert_string_equal(json_string_value(json_object_get(dns, "address")), "10.0.255.254");
    json_decref(nd);
    json_decref(net);
    nd = qemu_cd_network_data(NULL, &d);            /* networks "none" */
    assert_int_equal(json_array_size(json_object_get(nd, "networks")), 0);
    json_decref(nd);
}

static void test_netcfg_line(void **state)
{
    struct qemu_domain d = sample_domain();
    json_t *net = json_loads("{\"private\": [{\"version\": 6, \"addr\": \"fd00::5\"}, "
                             "{\"version\": 4, \"addr\": \"10.0.0.5\"}]}", 0, NULL);
    char *line = qemu_netcfg_line(net, &d);
    assert_string_equal(line, "ip=10.0.0.5 netmask=255.255.0.0 gateway=10.0.0.1\n");
    free(line);
    json_decref(net);
    net = json_loads("{\"private\": [{\"version\": 6, \"addr\": \"fd00::5\"}]}", 0, NULL);
    assert_null(qemu_netcfg_line(net, &d));          /* nothing IPv4 to apply */
    json_decref(net);
    assert_null(qemu_netcfg_line(NULL, &d));
}

static void test_meta_data(void **state)
{
    struct virt_instance vi;
    virt_instance_init(&vi, 42, "11111111-2222-3333-4444-555555555555");
    strcpy(vi.display_name, "Web 1");
    json_t *meta = json_pack("{s:s}", "role", "web");
    vi.metadata = meta;
    json_t *files = json_loads("[{\"path\": \"/etc/motd\", \"contents\": \"aGk=\"}]", 0, NULL);
    struct virt_boot boot = { .admin_password = "s3cret", .injected_files = files };
    json_t *md = qemu_cd_meta_data(&vi, &boot, "nova");
    assert_string_equal(json_string_value(json_object_get(md, "uuid")), vi.uuid);
    assert_string_equal(json_string_value(json_object_get(md, "name")), "Web 1");
    assert_string_equal(json_string_value(json_object_get(md, "hostname")), "web-1");
    assert_string_equal(json_string_value(json_object_get(md, "availability_zone")), "nova");
    assert_string_equal(json_string_value(json_object_get(md, "admin_pass")), "s3cret");
    assert_string_equal(json_string_value(json_object_get(json_object_get(md, "meta"), "role")),
                        "web");
    json_t *f = json_array_get(json_object_get(md, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "path")), "/etc/motd");
    assert_string_equal(json_string_value(json_object_get(f, "content_path")), "/content/0000");
    json_decref(md);
    json_decref(files);
    json_decref(meta);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_plain_boot),
        cmocka_unit_test(test_argv_rescue_order),
        cmocka_unit_test(test_argv_stable_rescue),
        cmocka_unit_test(test_argv_kvm_incoming_extras),
        cmocka_unit_test(test_domain_json_round_trip),
        cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_network_data),
        cmocka_unit_test(test_netcfg_line),
        cmocka_unit_test(test_meta_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
