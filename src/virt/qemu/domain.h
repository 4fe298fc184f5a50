/* domain.h - a VM's definition as the qemu driver keeps it: written to
 * <instance dir>/domain.json at spawn (like libvirt's domain XML) so power
 * on, reboot, rescue and a restarted cirrusd rebuild the same machine,
 * and the QEMU command line built from it. Pure: no I/O. */
#ifndef CIRRUS_VIRT_QEMU_DOMAIN_H
#define CIRRUS_VIRT_QEMU_DOMAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* The guest-visible name of the network configuration channel. */
#define QEMU_NETCFG_PORT "org.cirrus.netcfg.0"

struct qemu_domain {
    char uuid[40];
    char name[32];              /* instance-%08x */
    char image_ref[40];
    int64_t vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb;
    char mac[18];               /* "" = no NIC */
    char net_cidr[64];          /* user-mode network the NIC sits on */
    char gateway[46], dns[46];
    bool rescue;                /* boot disk.rescue (legacy: first, disk second) */
    /* Stable device rescue (Nova 2.87, hw_rescue_device / hw_rescue_bus):
     * both "" = legacy order; else disk.rescue is attached after every
     * disk of the server as this device type on this bus. */
    char rescue_device[8];      /* "disk" or "cdrom" */
    char rescue_bus[8];         /* "virtio", "scsi", "ide", "sata", "usb" */
    bool config_drive;          /* disk.config attached */
};

/* How this start of the process differs from a plain boot. */
struct qemu_launch {
    const char *binary;         /* qemu-system-x86_64 */
    const char *accel;          /* "tcg" or "kvm" (already resolved) */
    const char *machine;        /* "pc" */
    const char *incoming;       /* NULL, "defer" or a migration URI */
    bool paused;                /* -S */
};

json_t *qemu_domain_to_json(const struct qemu_domain *d);
int qemu_domain_from_json(const json_t *j, struct qemu_domain *d, struct cerr *err);
/* NULL-terminated argv (free with qemu_argv_free). Every path in it is
 * relative: QEMU runs in the instance directory, which keeps the monitor
 * socket's path short whatever data_dir is. */
char **qemu_domain_argv(const struct qemu_domain *d, const struct qemu_launch *l);
void qemu_argv_free(char **argv);
/* Whether the driver can attach a rescue disk as device on bus (NULL =
 * Nova's default for the other); 0, or -1 with a 500 naming the pair. */
int qemu_rescue_device_check(const char *device, const char *bus, struct cerr *err);

#endif
