/* domain.c - domain.json and the QEMU command line (see domain.h). The
 * device model is fixed and explicit (-nodefaults, named nodes) because a
 * live migration's destination must be started with exactly the same
 * devices as its source. */
#include "virt/qemu/domain.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *qemu_domain_to_json(const struct qemu_domain *d)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:b, "
                     "s:s, s:s}",
                     "uuid", d->uuid, "name", d->name, "image_ref", d->image_ref,
                     "vcpus", (json_int_t)d->vcpus, "memory_mb", (json_int_t)d->memory_mb,
                     "root_gb", (json_int_t)d->root_gb,
                     "ephemeral_gb", (json_int_t)d->ephemeral_gb,
                     "swap_mb", (json_int_t)d->swap_mb, "mac", d->mac,
                     "net_cidr", d->net_cidr, "gateway", d->gateway, "dns", d->dns,
                     "rescue", d->rescue, "config_drive", d->config_drive,
                     "rescue_device", d->rescue_device, "rescue_bus", d->rescue_bus);
}

static bool get_str(const json_t *j, const char *k, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(j, k));
    return v && str_copy(out, size, v);
}

int qemu_domain_from_json(const json_t *j, struct qemu_domain *d, struct cerr *err)
{
    memset(d, 0, sizeof(*d));
    if (!json_is_object(j) || !get_str(j, "uuid", d->uuid, sizeof(d->uuid)) ||
        !get_str(j, "name", d->name, sizeof(d->name)))
        return cerr_set(err, 500, "malformed domain definition");
    get_str(j, "image_ref", d->image_ref, sizeof(d->image_ref));
    get_str(j, "mac", d->mac, sizeof(d->mac));
    get_str(j, "net_cidr", d->net_cidr, sizeof(d->net_cidr));
    get_str(j, "gateway", d->gateway, sizeof(d->gateway));
    get_str(j, "dns", d->dns, sizeof(d->dns));
    get_str(j, "rescue_device", d->rescue_device, sizeof(d->rescue_device));
    get_str(j, "rescue_bus", d->rescue_bus, sizeof(d->rescue_bus));
    d->vcpus = json_integer_value(json_object_get(j, "vcpus"));
    d->memory_mb = json_integer_value(json_object_get(j, "memory_mb"));
    d->root_gb = json_integer_value(json_object_get(j, "root_gb"));
    d->ephemeral_gb = json_integer_value(json_object_get(j, "ephemeral_gb"));
    d->swap_mb = json_integer_value(json_object_get(j, "swap_mb"));
    d->rescue = json_is_true(json_object_get(j, "rescue"));
    d->config_drive = json_is_true(json_object_get(j, "config_drive"));
    if (d->vcpus < 1 || d->memory_mb < 16)
        return cerr_set(err, 500, "domain definition of %s has no usable size", d->uuid);
    return 0;
}

struct argv_builder {
    char **v;
    int n, cap;
};

static void add(struct argv_builder *b, char *owned)
{
    if (b->n + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 48;
        b->v = xrealloc(b->v, (size_t)b->cap * sizeof(char *));
    }
    b->v[b->n++] = owned;
    b->v[b->n] = NULL;
}

static void add2(struct argv_builder *b, const char *opt, char *owned_value)
{
    add(b, xstrdup(opt));
    add(b, owned_value);
}

/* One virtio disk: a qcow2 or raw node over a file, and its device. The
 * node names are what blockdev-mirror and nbd-server-add refer to. */
static void add_disk(struct argv_builder *b, const char *node, const char *file,
                     const char *format, bool readonly, int bootindex)
{
    add2(b, "-blockdev",
         xasprintf("{\"driver\":\"%s\",\"node-name\":\"%s\",\"read-only\":%s,"
                   "\"discard\":\"unmap\",\"file\":{\"driver\":\"file\",\"filename\":\"%s\","
                   "\"read-only\":%s}}",
                   format, node, readonly ? "true" : "false", file,
                   readonly ? "true" : "false"));
    if (bootindex > 0)
        add2(b, "-device", xasprintf("virtio-blk-pci,drive=%s,id=%s-dev,bootindex=%d", node,
                                     node, bootindex));
    else
        add2(b, "-device", xasprintf("virtio-blk-pci,drive=%s,id=%s-dev", node, node));
}

/* Nova's defaults when an image sets only one rescue property (libvirt
 * blockinfo): a disk, on virtio for a disk and on IDE for a cdrom. */
static void rescue_defaults(const char *device, const char *bus, const char **dev_out,
                            const char **bus_out)
{
    *dev_out = device && device[0] ? device : "disk";
    *bus_out = bus && bus[0] ? bus : strcmp(*dev_out, "cdrom") == 0 ? "ide" : "virtio";
}

int qemu_rescue_device_check(const char *device, const char *bus, struct cerr *err)
{
    const char *dv, *bs;
    rescue_defaults(device, bus, &dv, &bs);
    bool dev_ok = strcmp(dv, "disk") == 0 || strcmp(dv, "cdrom") == 0;
    bool bus_ok = strcmp(bs, "virtio") == 0 || strcmp(bs, "scsi") == 0 ||
                  strcmp(bs, "ide") == 0 || strcmp(bs, "sata") == 0 || strcmp(bs, "usb") == 0;
    /* QEMU has no virtio-blk cdrom (libvirt refuses it too). */
    if (!dev_ok || !bus_ok || (strcmp(dv, "cdrom") == 0 && strcmp(bs, "virtio") == 0))
        return cerr_set(err, 500, "The qemu driver cannot attach a rescue %s on the %s bus", dv,
                        bs);
    return 0;
}

/* Stable device rescue: disk.rescue after all of the server's disks, as
 * the device and on the bus the rescue image asks for, and the one the
 * firmware boots. Controllers get their own ids so they never clash with
 * the fixed device model. */
static void add_rescue_stable(struct argv_builder *b, const struct qemu_domain *d)
{
    const char *dv, *bs;
    rescue_defaults(d->rescue_device, d->rescue_bus, &dv, &bs);
    bool cd = strcmp(dv, "cdrom") == 0;
    add2(b, "-blockdev",
         xasprintf("{\"driver\":\"qcow2\",\"node-name\":\"disk-rescue\",\"read-only\":%s,"
                   "\"file\":{\"driver\":\"file\",\"filename\":\"disk.rescue\","
                   "\"read-only\":%s}}", cd ? "true" : "false", cd ? "true" : "false"));
    const char *common = "drive=disk-rescue,id=disk-rescue-dev,bootindex=1";
    if (strcmp(bs, "virtio") == 0) {
        add2(b, "-device", xasprintf("virtio-blk-pci,%s", common));
    } else if (strcmp(bs, "scsi") == 0) {
        add2(b, "-device", xstrdup("virtio-scsi-pci,id=rescue-scsi"));
        add2(b, "-device", xasprintf("%s,bus=rescue-scsi.0,%s", cd ? "scsi-cd" : "scsi-hd",
                                     common));
    } else if (strcmp(bs, "sata") == 0) {
        add2(b, "-device", xstrdup("ahci,id=rescue-sata"));
        add2(b, "-device", xasprintf("%s,bus=rescue-sata.0,%s", cd ? "ide-cd" : "ide-hd",
                                     common));
    } else if (strcmp(bs, "ide") == 0) {
        add2(b, "-device", xasprintf("%s,%s", cd ? "ide-cd" : "ide-hd", common));
    } else {                                         /* usb */
        add2(b, "-device", xstrdup("qemu-xhci,id=rescue-usb"));
        if (cd) {
            add2(b, "-device", xstrdup("usb-bot,id=rescue-bot,bus=rescue-usb.0"));
            add2(b, "-device", xasprintf("scsi-cd,bus=rescue-bot.0,%s", common));
        } else {
            add2(b, "-device", xasprintf("usb-storage,bus=rescue-usb.0,%s", common));
        }
    }
}

char **qemu_domain_argv(const struct qemu_domain *d, const struct qemu_launch *l)
{
    struct argv_builder b = {0};
    add(&b, xstrdup(l->binary));
    add2(&b, "-name", xasprintf("guest=%s,debug-threads=on", d->name));
    add2(&b, "-uuid", xstrdup(d->uuid));
    add(&b, xstrdup("-nodefaults"));
    add(&b, xstrdup("-no-user-config"));
    add2(&b, "-display", xstrdup("none"));
    add2(&b, "-machine", xstrdup(l->machine));
    if (strcmp(l->accel, "kvm") == 0) {
        add2(&b, "-accel", xstrdup("kvm"));
        add2(&b, "-cpu", xstrdup("host"));
    } else {
        /* A small translation cache keeps a TCG guest near 150 MB RSS
         * instead of QEMU's default 1 GiB buffer. */
        add2(&b, "-accel", xstrdup("tcg,tb-size=32"));
    }
    add2(&b, "-m", xasprintf("%lld", (long long)d->memory_mb));
    add2(&b, "-smp", xasprintf("%lld", (long long)d->vcpus));
    add2(&b, "-msg", xstrdup("timestamp=on"));
    add2(&b, "-chardev", xstrdup("socket,id=qmp,path=qmp.sock,server=on,wait=off"));
    add2(&b, "-mon", xstrdup("chardev=qmp,mode=control"));
    /* The serial console is appended to across boots, like Nova's
     * console.log, so os-getConsoleOutput shows earlier boots too. */
    add2(&b, "-chardev", xstrdup("file,id=serial0,path=console.log,append=on"));
    add2(&b, "-device", xstrdup("isa-serial,chardev=serial0"));
    /* Nova's legacy rescue: the rescue disk first (it boots), the
     * server's own disk second (the rescue guest repairs it). Stable
     * device rescue keeps every disk in place and adds the rescue disk
     * last (below). */
    bool stable = d->rescue && (d->rescue_device[0] || d->rescue_bus[0]);
    if (d->rescue && !stable) {
        add_disk(&b, "disk-rescue", "disk.rescue", "qcow2", false, 1);
        add_disk(&b, "disk-root", "disk", "qcow2", false, 0);
    } else {
        add_disk(&b, "disk-root", "disk", "qcow2", false, stable ? 0 : 1);
    }
    if (d->ephemeral_gb > 0)
        add_disk(&b, "disk-eph0", "disk.eph0", "qcow2", false, 0);
    if (d->swap_mb > 0)
        add_disk(&b, "disk-swap", "disk.swap", "qcow2", false, 0);
    if (d->config_drive)
        add_disk(&b, "disk-config", "disk.config", "raw", true, 0);
    if (stable)
        add_rescue_stable(&b, d);
    if (d->mac[0]) {
        /* User-mode networking on the server's own subnet, restricted so
         * the guest reaches nothing outside this machine. */
        char *net = xasprintf("user,id=net0,restrict=on,net=%s%s%s%s%s", d->net_cidr,
                              d->gateway[0] ? ",host=" : "", d->gateway,
                              d->dns[0] ? ",dns=" : "", d->dns);
        add2(&b, "-netdev", net);
        add2(&b, "-device", xasprintf("virtio-net-pci,netdev=net0,mac=%s,romfile=", d->mac));
    }
    /* A virtio-serial channel on which the running guest receives its
     * network configuration again (injectNetworkInfo / resetNetwork). */
    add2(&b, "-device", xstrdup("virtio-serial-pci,id=vser0"));
    add2(&b, "-chardev", xstrdup("socket,id=netcfg,path=netcfg.sock,server=on,wait=off"));
    add2(&b, "-device", xasprintf("virtserialport,bus=vser0.0,chardev=netcfg,name=%s",
                                  QEMU_NETCFG_PORT));
    if (l->incoming)
        add2(&b, "-incoming", xstrdup(l->incoming));
    if (l->paused)
        add(&b, xstrdup("-S"));
    return b.v;
}

void qemu_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}
