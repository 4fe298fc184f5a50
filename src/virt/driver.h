/* driver.h - the hypervisor seam: one table of operations per virt driver
 * (like libvirt's _virHypervisorDriver), registered by name. The compute
 * agent of a host is the only caller; a driver never touches the store and
 * never answers HTTP. Drivers make every operation idempotent, because a
 * task interrupted by a crash is simply run again after restart. */
#ifndef CIRRUS_VIRT_DRIVER_H
#define CIRRUS_VIRT_DRIVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/config.h"
#include "util/err.h"

#define VIRT_DRIVER_VERSION 1
#define VIRT_NAME_MAX 32      /* "instance-%08x" */
#define VIRT_HOST_MAX 256

/* The sizes a VM is built with (a flavor, or the new flavor of a resize). */
struct virt_flavor {
    int64_t vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb;
};

/* What a driver knows about an instance: the store's row reduced to what
 * a hypervisor needs. name is the hypervisor-side domain name Nova uses
 * (instance_name_template "instance-%08x" of the integer id). */
struct virt_instance {
    int64_t id;
    char uuid[40];
    char name[VIRT_NAME_MAX];
    char display_name[256];        /* the server's user-facing name */
    struct virt_flavor flavor;
    char image_ref[40];            /* "" for volume-backed */
    char host[VIRT_HOST_MAX];      /* host the instance is on (source of a move) */
    char availability_zone[256];   /* the server's zone ("" = none): config drive metadata */
    char vm_state[24];             /* the store's view, for init_instance */
    int power_state;               /* enum power_state (core/instance.h) */
    const json_t *metadata;        /* borrowed {"k": "v"}, may be NULL */
};

/* Fills id, uuid and name ("instance-%08x"); the rest is zeroed. */
void virt_instance_init(struct virt_instance *vi, int64_t id, const char *uuid);

/* Boot-time inputs of spawn. Borrowed; any may be NULL. */
struct virt_boot {
    const json_t *network_info;    /* {"<label>": [{"addr", "version", "mac"...}]} */
    const char *admin_password;
    const char *user_data;         /* base64 text */
    const json_t *injected_files;  /* [{"path", "contents"}] */
};

/* Rescue: boot from a rescue image with the original disk attached.
 * Stable device rescue (Nova's hw_rescue_device / hw_rescue_bus image
 * properties, any microversion; volume-backed servers from 2.87): every
 * original disk keeps its place and the rescue image is added as one more
 * device of that type on that bus. Both NULL = legacy rescue (the rescue
 * image boots as the first disk). */
struct virt_rescue {
    const char *image_ref;         /* NULL = the instance's own image */
    const char *admin_password;
    const char *rescue_device;     /* cdrom, disk, floppy, fs, lun; NULL = default */
    const char *rescue_bus;        /* virtio, scsi, ide, usb, sata, ...; NULL = default */
};

struct virt_info {
    int power_state;               /* enum power_state */
    int64_t max_mem_kb, mem_kb;
    int num_cpu;
    int64_t cpu_time_ns;
};

/* What the live-migration progress callback asks the driver to do next:
 * the caller polls the store for abort / force-complete requests, since
 * the agent thread is busy inside live_migration meanwhile. */
enum virt_lm_action { VIRT_LM_CONTINUE = 0, VIRT_LM_ABORT, VIRT_LM_FORCE_COMPLETE };
struct virt_lm_progress {
    int64_t memory_total, memory_processed, memory_remaining;
    int64_t disk_total, disk_processed, disk_remaining;
};
typedef enum virt_lm_action (*virt_lm_progress_cb)(void *ctx, const struct virt_lm_progress *p);

struct virt_host;   /* a driver's per-host connection (like virConnectPtr) */

/* Every op returns 0 or -1 with err filled (status 500 for hypervisor
 * failures, 404 when the instance is unknown to the hypervisor, 409 for an
 * impossible power transition). "h" is the host the op runs on. */
struct virt_driver {
    int version;                   /* VIRT_DRIVER_VERSION */
    const char *name;              /* "fake", "qemu" */
    const char *hypervisor_type;   /* os-hypervisors hypervisor_type: "fake", "QEMU" */
    int hypervisor_version;        /* os-hypervisors hypervisor_version */
    const char *root_device_name;  /* the boot disk's name in the guest (OS-EXT-SRV-ATTR:root_device_name) */

    int  (*init_host)(const char *host, const struct cirrus_config *cfg, struct virt_host **out,
                      struct cerr *err);
    void (*cleanup_host)(struct virt_host *h);
    /* Brings an instance the store says lives here back under management
     * after a cirrusd restart (reattach, or recreate in vi->power_state). */
    int  (*init_instance)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    /* uuids of the instances on this host; caller frees each and the array. */
    int  (*list_instances)(struct virt_host *h, char ***uuids, int *count, struct cerr *err);

    int  (*spawn)(struct virt_host *h, const struct virt_instance *vi,
                  const struct virt_boot *boot, struct cerr *err);
    int  (*destroy)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*power_off)(struct virt_host *h, const struct virt_instance *vi, int timeout_s,
                      struct cerr *err);
    int  (*power_on)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*reboot)(struct virt_host *h, const struct virt_instance *vi, bool hard,
                   struct cerr *err);
    int  (*pause)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*unpause)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*suspend)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*resume)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*rescue)(struct virt_host *h, const struct virt_instance *vi,
                   const struct virt_rescue *rescue, struct cerr *err);
    int  (*unrescue)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    int  (*get_info)(struct virt_host *h, const struct virt_instance *vi, struct virt_info *out,
                     struct cerr *err);
    /* *out is malloc'd text (caller frees). */
    int  (*get_console_output)(struct virt_host *h, const struct virt_instance *vi, char **out,
                               struct cerr *err);
    int  (*inject_network_info)(struct virt_host *h, const struct virt_instance *vi,
                                const json_t *network_info, struct cerr *err);
    int  (*reset_network)(struct virt_host *h, const struct virt_instance *vi, struct cerr *err);
    /* changePassword: sets the guest's admin password (libvirt: through
     * the guest agent). Required; a driver that cannot answers 409 with
     * the reason, as libvirt's InstanceAgentNotEnabled does. */
    int  (*set_admin_password)(struct virt_host *h, const struct virt_instance *vi,
                               const char *password, struct cerr *err);
    /* Writes the instance's disk image to out_path (created by the driver). */
    int  (*snapshot)(struct virt_host *h, const struct virt_instance *vi, const char *image_id,
                     const char *out_path, struct cerr *err);

    /* Cold migration / resize, in Nova's order: source
     * migrate_disk_and_power_off -> destination finish_migration -> source
     * confirm_migration; or, on revert, destination destroy -> source
     * finish_revert_migration. */
    int  (*migrate_disk_and_power_off)(struct virt_host *h, const struct virt_instance *vi,
                                       const char *dest_host, const struct virt_flavor *flavor,
                                       struct cerr *err);
    int  (*finish_migration)(struct virt_host *h, const struct virt_instance *vi,
                             const struct virt_flavor *flavor, bool power_on, struct cerr *err);
    int  (*confirm_migration)(struct virt_host *h, const struct virt_instance *vi,
                              struct cerr *err);
    int  (*finish_revert_migration)(struct virt_host *h, const struct virt_instance *vi,
                                    bool power_on, struct cerr *err);

    /* Live migration: destination pre_live_migration -> source
     * live_migration (progress reported through cb) -> source
     * post_live_migration and destination post_live_migration_at_destination;
     * on failure destination rollback_live_migration. abort/force_complete
     * act on a live_migration in progress on the source. */
    int  (*pre_live_migration)(struct virt_host *h, const struct virt_instance *vi,
                               struct cerr *err);
    /* 0 copied (switch over next), 1 aborted (the VM keeps running on
     * the source), -1 failed. */
    int  (*live_migration)(struct virt_host *h, const struct virt_instance *vi,
                           const char *dest_host, virt_lm_progress_cb cb, void *cb_ctx,
                           struct cerr *err);
    int  (*post_live_migration)(struct virt_host *h, const struct virt_instance *vi,
                                struct cerr *err);
    int  (*post_live_migration_at_destination)(struct virt_host *h, const struct virt_instance *vi,
                                               struct cerr *err);
    int  (*rollback_live_migration)(struct virt_host *h, const struct virt_instance *vi,
                                    struct cerr *err);
    int  (*live_migration_abort)(struct virt_host *h, const struct virt_instance *vi,
                                 struct cerr *err);
    int  (*live_migration_force_complete)(struct virt_host *h, const struct virt_instance *vi,
                                          struct cerr *err);
};

/* The registry (virt/virt.c): NULL when no driver has that name. */
const struct virt_driver *virt_driver_lookup(const char *name);

extern const struct virt_driver virt_fake_driver;
extern const struct virt_driver virt_qemu_driver;   /* virt/qemu/qemu.c */

/* Test hook of the fake driver: what happened to an instance on a host,
 * one line per operation ("spawn", "inject_network_info ..."), copied into
 * out. Returns the number of lines, -1 when the instance is unknown. */
int virt_fake_history(const char *host, const char *uuid, char *out, size_t size);

#endif
