/* qemu_priv.h - what the qemu driver's files share: the per-host state, the
 * instance-directory helpers of instance.c (launch, monitor, stop) that the
 * lifecycle ops (qemu.c) and the migration ops (migrate.c) build on, and
 * the migration ops the driver table points at. */
#ifndef CIRRUS_VIRT_QEMU_PRIV_H
#define CIRRUS_VIRT_QEMU_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/config.h"
#include "util/err.h"
#include "virt/driver.h"
#include "virt/qemu/domain.h"
#include "virt/qemu/qmp.h"

/* How long one QMP command may take before the monitor counts as wedged. */
#define QEMU_QMP_TIMEOUT_MS 10000

struct virt_host {
    char name[VIRT_HOST_MAX];
    const struct cirrus_config *cfg;
    char *dir;                  /* <data_dir>/instances/<host> */
    char accel[8];              /* resolved: "tcg" or "kvm" */
    char *netns;                /* /run/netns/<prefix><host>, NULL = cirrusd's own */
};

/* The address of host in [qemu] host_addresses ("H=ADDR,..."): live
 * migrations to a host listed there go over TCP to it (the hosts' network
 * namespaces are joined by a network), else over UNIX sockets. */
bool qemu_host_address(const struct cirrus_config *cfg, const char *host, char *out,
                       size_t size);

/* <host dir>/<uuid> (malloc'd); suffix e.g. "_resize" or "". */
char *qemu_inst_dir(const struct virt_host *h, const char *uuid, const char *suffix);
/* <data_dir>/instances/<host> of any host (malloc'd). */
char *qemu_host_dir(const struct cirrus_config *cfg, const char *host);
/* Reads <dir>/domain.json; 404 when the instance is unknown here. */
int qemu_domain_load(const char *dir, struct qemu_domain *d, struct cerr *err);
int qemu_domain_save(const char *dir, const struct qemu_domain *d, struct cerr *err);
/* Starts QEMU for d in dir and waits until its monitor answers. incoming:
 * NULL, "defer" or a migration URI. On failure nothing is left running. */
int qemu_launch(const struct virt_host *h, const char *dir, const struct qemu_domain *d,
                const char *incoming, bool paused, struct cerr *err);
/* A monitor connection to the running QEMU of uuid; 409 when none runs. */
int qemu_monitor(const char *dir, const char *uuid, struct qmp **out, struct cerr *err);
/* Stops the VM: ACPI power button and up to grace_s seconds for the guest
 * (0 = no grace), then quit, then signals. 0 once no QEMU runs. */
int qemu_stop(const char *dir, const char *uuid, int grace_s, struct cerr *err);
/* query-status of a running QEMU ("running", "paused", ...), or NULL. */
int qemu_status(const char *dir, const char *uuid, char *out, size_t size, struct cerr *err);

/* Cold and live migration ops of the driver table (migrate.c). */
int qemu_migrate_disk_and_power_off(struct virt_host *h, const struct virt_instance *vi,
                                    const char *dest_host, const struct virt_flavor *flavor,
                                    struct cerr *err);
int qemu_finish_migration(struct virt_host *h, const struct virt_instance *vi,
                          const struct virt_flavor *flavor, bool power_on, struct cerr *err);
int qemu_confirm_migration(struct virt_host *h, const struct virt_instance *vi,
                           struct cerr *err);
int qemu_finish_revert_migration(struct virt_host *h, const struct virt_instance *vi,
                                 bool power_on, struct cerr *err);
int qemu_pre_live_migration(struct virt_host *h, const struct virt_instance *vi,
                            struct cerr *err);
int qemu_live_migration(struct virt_host *h, const struct virt_instance *vi,
                        const char *dest_host, virt_lm_progress_cb cb, void *cb_ctx,
                        struct cerr *err);
int qemu_post_live_migration(struct virt_host *h, const struct virt_instance *vi,
                             struct cerr *err);
int qemu_post_live_migration_at_destination(struct virt_host *h, const struct virt_instance *vi,
                                            struct cerr *err);
int qemu_rollback_live_migration(struct virt_host *h, const struct virt_instance *vi,
                                 struct cerr *err);
int qemu_live_migration_abort(struct virt_host *h, const struct virt_instance *vi,
                              struct cerr *err);
int qemu_live_migration_force_complete(struct virt_host *h, const struct virt_instance *vi,
                                       struct cerr *err);

#endif
