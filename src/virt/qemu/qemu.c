/* qemu.c - the qemu virt driver: real virtual machines, one
 * qemu-system-x86_64 process per server, driven over QMP (see
 * docs/DESIGN.md and issue 4). Everything about an instance lives in its
 * directory <data_dir>/instances/<host>/<uuid>/ - domain.json (the
 * definition), disk (qcow2 overlay on _base/<image>), disk.config (config
 * drive), console.log (serial), qmp.sock, netcfg.sock (network settings
 * for the running guest), qemu.pid - so any operation, and a restarted
 * cirrusd, can pick an instance up from disk alone. This file holds the
 * host and lifecycle ops; instance.c starts and stops one QEMU; migrate.c
 * the cold and live moves. */
#include "virt/qemu/qemu_priv.h"

#include "core/instance.h"
#include "core/ipam.h"
#include "util/log.h"
#include "util/mem.h"
#include "virt/qemu/configdrive.h"
#include "virt/qemu/disks.h"
#include "virt/qemu/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Nova's libvirt driver returns the last 100 KiB of console.log. */
#define CONSOLE_MAX_BYTES (100 * 1024)
/* How long a running guest gets to acknowledge new network settings. */
#define NETCFG_ACK_MS 5000

/* --- host --- */

/* auto: KVM only where it really works. /dev/kvm can exist as a software
 * nested KVM on which stock guests hang, so the CPU must also advertise
 * vmx or svm (issue 4). */
static const char *resolve_accel(const char *setting)
{
    if (strcmp(setting, "kvm") == 0 || strcmp(setting, "tcg") == 0)
        return setting;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return "tcg";
    close(fd);
    char *cpuinfo = qemu_read_file("/proc/cpuinfo", NULL);
    bool hw = cpuinfo && (strstr(cpuinfo, " vmx") || strstr(cpuinfo, " svm"));
    free(cpuinfo);
    return hw ? "kvm" : "tcg";
}

static int q_init_host(const char *host, const struct cirrus_config *cfg, struct virt_host **out,
                       struct cerr *err)
{
    const char *a = cfg->qemu_accel;
    if (strcmp(a, "auto") != 0 && strcmp(a, "kvm") != 0 && strcmp(a, "tcg") != 0)
        return cerr_set(err, 500, "[qemu] accel must be auto, kvm or tcg, not \"%s\"", a);
    struct virt_host *h = xcalloc(1, sizeof(*h));
    str_copy(h->name, sizeof(h->name), host);
    h->cfg = cfg;
    h->dir = qemu_host_dir(cfg, host);
    str_copy(h->accel, sizeof(h->accel), resolve_accel(a));
    /* [qemu] netns_prefix: this host's VMs live in their own network
     * namespace, made by the operator (ip netns add), so moves between
     * hosts cross a real network. */
    if (cfg->qemu_netns_prefix[0]) {
        h->netns = xasprintf("/run/netns/%s%s", cfg->qemu_netns_prefix, host);
        if (!qemu_file_exists(h->netns)) {
            cerr_set(err, 500, "network namespace %s of host %s does not exist", h->netns, host);
            free(h->netns);
            free(h->dir);
            free(h);
            return -1;
        }
    }
    if (qemu_mkdirs(h->dir, err) < 0) {
        free(h->netns);
        free(h->dir);
        free(h);
        return -1;
    }
    log_info("%s: qemu driver, accelerator %s, instances in %s%s%s", host, h->accel, h->dir,
             h->netns ? ", network namespace " : "", h->netns ? h->netns : "");
    *out = h;
    return 0;
}

static void q_cleanup_host(struct virt_host *h)
{
    /* VMs outlive cirrusd (init_instance re-attaches), like nova-compute
     * leaving libvirt domains running when it stops. */
    if (!h)
        return;
    free(h->netns);
    free(h->dir);
    free(h);
}

/* --- spawn / destroy --- */

/* The guest's NIC sits on a user-mode network shaped like the cirrus
 * network: the gateway at index 1 (Neutron's default), DNS at the top of
 * the range, where the IPAM hands addresses out last. */
static void domain_network(const struct virt_host *h, const json_t *net, struct qemu_domain *d)
{
    const char *label;
    json_t *addrs;
    json_object_foreach((json_t *)net, label, addrs) {
        size_t i;
        json_t *a;
        json_array_foreach(addrs, i, a) {
            const char *mac = json_string_value(json_object_get(a, "OS-EXT-IPS-MAC:mac_addr"));
            if (mac && !d->mac[0])
                str_copy(d->mac, sizeof(d->mac), mac);
        }
    }
    struct ipam_cidr c;
    if (!d->mac[0] || ipam_parse_cidr(h->cfg->ipv4_cidr, &c) < 0 || c.net.version != 4) {
        d->mac[0] = '\0';
        return;
    }
    char text[IPAM_ADDR_TEXT + 4];
    ipam_cidr_text(&c, text);
    str_copy(d->net_cidr, sizeof(d->net_cidr), text);
    int64_t first, last;
    ipam_range(&c, &first, &last);
    struct ipam_addr a;
    if (ipam_addr_at(&c, IPAM_GATEWAY_INDEX, &a) == 0)
        ipam_addr_text(&a, d->gateway);
    if (last > first && ipam_addr_at(&c, last, &a) == 0)
        ipam_addr_text(&a, d->dns);
}

/* network_info.json: the addresses resetNetwork hands the guest again. */
static int save_network_info(const char *dir, const json_t *network_info, struct cerr *err)
{
    char *path = xasprintf("%s/network_info.json", dir);
    char *text = network_info ? json_dumps(network_info, JSON_COMPACT) : xstrdup("{}");
    int rc = qemu_write_file(path, text, strlen(text), err);
    free(text);
    free(path);
    return rc;
}

static int q_spawn(struct virt_host *h, const struct virt_instance *vi,
                   const struct virt_boot *boot, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *base = NULL, *p = NULL;
    int rc = -1;
    if (qemu_proc_find(dir, vi->uuid)) {      /* a re-run task: already spawned */
        rc = 0;
        goto cleanup;
    }
    if (!vi->image_ref[0]) {
        cerr_set(err, 500, "Booting from a volume needs a block storage service; "
                 "the qemu driver boots servers from images");
        goto cleanup;
    }
    if (qemu_mkdirs(dir, err) < 0 || qemu_image_cache(h->cfg, h->dir, vi->image_ref, &base,
                                                      err) < 0)
        goto cleanup;
    const char *img = h->cfg->qemu_img;
    p = xasprintf("%s/disk", dir);
    if (qemu_disk_overlay(img, base, p, vi->flavor.root_gb, err) < 0)
        goto cleanup;
    struct qemu_domain d = { .vcpus = vi->flavor.vcpus, .memory_mb = vi->flavor.memory_mb,
                             .root_gb = vi->flavor.root_gb,
                             .ephemeral_gb = vi->flavor.ephemeral_gb,
                             .swap_mb = vi->flavor.swap_mb, .config_drive = true };
    str_copy(d.uuid, sizeof(d.uuid), vi->uuid);
    str_copy(d.name, sizeof(d.name), vi->name);
    str_copy(d.image_ref, sizeof(d.image_ref), vi->image_ref);
    if (d.ephemeral_gb > 0) {
        free(p);
        p = xasprintf("%s/disk.eph0", dir);
        if (qemu_disk_blank(img, p, d.ephemeral_gb * 1024, err) < 0)
            goto cleanup;
    }
    if (d.swap_mb > 0) {
        free(p);
        p = xasprintf("%s/disk.swap", dir);
        if (qemu_disk_blank(img, p, d.swap_mb, err) < 0)
            goto cleanup;
    }
    domain_network(h, boot ? boot->network_info : NULL, &d);
    free(p);
    p = xasprintf("%s/disk.config", dir);
    /* Nova's metadata names the instance's zone; a server scheduled
     * without one is in the default zone. */
    const char *az = vi->availability_zone[0] ? vi->availability_zone
                                              : h->cfg->availability_zone;
    if (qemu_configdrive_build(p, vi, boot, boot ? boot->network_info : NULL, &d, az, err) < 0 ||
        save_network_info(dir, boot ? boot->network_info : NULL, err) < 0 ||
        qemu_domain_save(dir, &d, err) < 0 || qemu_launch(h, dir, &d, NULL, false, err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(dir);
    free(base);
    free(p);
    return rc;
}

static int q_destroy(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    int rc = qemu_stop(dir, vi->uuid, 0, err);
    if (rc == 0)
        qemu_rm_rf(dir);
    free(dir);
    return rc;
}

/* --- power --- */

static char *state_file(const char *dir)
{
    return xasprintf("%s/memory.state", dir);
}

/* Boots the defined VM, from its saved memory when it was suspended. */
static int start_defined(struct virt_host *h, const char *dir, const struct qemu_domain *d,
                         struct cerr *err)
{
    char *state = state_file(dir);
    int rc;
    if (qemu_file_exists(state)) {
        rc = qemu_launch(h, dir, d, "exec:cat memory.state", false, err);
        if (rc == 0) {
            /* The incoming migration runs on after the monitor answers;
             * the VM is resumed once it completed. */
            char st[32] = "inmigrate";
            int64_t deadline = qemu_mono_us() + 120 * 1000000LL;
            while (rc == 0 && strcmp(st, "inmigrate") == 0 && qemu_mono_us() < deadline) {
                qemu_sleep_ms(50);
                rc = qemu_status(dir, d->uuid, st, sizeof(st), err);
            }
            /* suspend paused the guest before saving it, and the saved
             * run state comes back with it. */
            if (rc == 0 && strcmp(st, "paused") == 0) {
                struct qmp *q = NULL;
                rc = qemu_monitor(dir, d->uuid, &q, err);
                if (rc == 0)
                    rc = qmp_command(q, "cont", NULL, NULL, err);
                qmp_close(q);
                if (rc == 0)
                    rc = qemu_status(dir, d->uuid, st, sizeof(st), err);
            }
            if (rc == 0 && strcmp(st, "running") != 0)
                rc = cerr_set(err, 500, "restoring the saved state ended in %s", st);
            if (rc == 0)
                unlink(state);
            else
                qemu_stop(dir, d->uuid, 0, &(struct cerr){0});
        }
    } else {
        rc = qemu_launch(h, dir, d, NULL, false, err);
    }
    free(state);
    return rc;
}

static int q_power_off(struct virt_host *h, const struct virt_instance *vi, int timeout_s,
                       struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *state = state_file(dir);
    int rc = qemu_stop(dir, vi->uuid, timeout_s, err);
    if (rc == 0)
        unlink(state);           /* stopping a suspended server drops its memory */
    free(state);
    free(dir);
    return rc;
}

static int simple_command(struct virt_host *h, const struct virt_instance *vi, const char *cmd,
                          struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qmp *q = NULL;
    int rc = qemu_monitor(dir, vi->uuid, &q, err);
    if (rc == 0)
        rc = qmp_command(q, cmd, NULL, NULL, err);
    qmp_close(q);
    free(dir);
    return rc;
}

static int q_power_on(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0 && qemu_proc_find(dir, vi->uuid)) {
        char st[32];
        rc = qemu_status(dir, vi->uuid, st, sizeof(st), err);
        if (rc == 0 && strcmp(st, "paused") == 0)
            rc = simple_command(h, vi, "cont", err);
    } else if (rc == 0) {
        rc = start_defined(h, dir, &d, err);
    }
    free(dir);
    return rc;
}

static int q_reboot(struct virt_host *h, const struct virt_instance *vi, bool hard,
                    struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    /* Soft: the guest shuts down cleanly (ACPI) and boots again; a guest
     * that ignores it gets the hard path after the grace period, as in
     * Nova. Hard: the machine is torn down and started afresh from its
     * definition, which also revives a QEMU that died. */
    if (rc == 0)
        rc = qemu_stop(dir, vi->uuid, hard ? 0 : 60, err);
    if (rc == 0) {
        char *state = state_file(dir);
        unlink(state);
        free(state);
        rc = qemu_launch(h, dir, &d, NULL, false, err);
    }
    free(dir);
    return rc;
}

static int q_pause(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return simple_command(h, vi, "stop", err);
}

static int q_unpause(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return simple_command(h, vi, "cont", err);
}

/* Suspend = Nova's managed save: the RAM and device state go to
 * memory.state through a migration to a file, then QEMU exits; resume
 * starts a QEMU that loads it. */
static int q_suspend(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *part = xasprintf("%s/memory.state.part", dir), *state = state_file(dir);
    struct qmp *q = NULL;
    json_t *args = json_pack("{s:s}", "uri", "exec:cat > memory.state.part"), *ret = NULL;
    int rc = -1;
    if (qemu_monitor(dir, vi->uuid, &q, err) < 0 || qmp_command(q, "stop", NULL, NULL, err) < 0 ||
        qmp_command(q, "migrate", args, NULL, err) < 0)
        goto cleanup;
    int64_t deadline = qemu_mono_us() + 300 * 1000000LL;
    const char *status = "active";
    while (qemu_mono_us() < deadline) {
        json_decref(ret);
        ret = NULL;
        if (qmp_command(q, "query-migrate", NULL, &ret, err) < 0)
            goto cleanup;
        status = json_string_value(json_object_get(ret, "status")) ?: "none";
        if (strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
            strcmp(status, "cancelled") == 0)
            break;
        qemu_sleep_ms(50);
    }
    if (strcmp(status, "completed") != 0) {
        cerr_set(err, 500, "saving the memory of %s ended in %s", vi->uuid, status);
        qmp_command(q, "cont", NULL, NULL, &(struct cerr){0});
        goto cleanup;
    }
    if (rename(part, state) < 0) {
        cerr_set(err, 500, "cannot keep the saved state: %s", strerror(errno));
        goto cleanup;
    }
    qmp_close(q);
    q = NULL;
    rc = qemu_stop(dir, vi->uuid, 0, err);
cleanup:
    if (rc < 0)
        unlink(part);
    json_decref(args);
    json_decref(ret);
    qmp_close(q);
    free(part);
    free(state);
    free(dir);
    return rc;
}

static int q_resume(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    return q_power_on(h, vi, err);
}

/* --- rescue --- */

static int q_rescue(struct virt_host *h, const struct virt_instance *vi,
                    const struct virt_rescue *rescue, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *base = NULL, *p = xasprintf("%s/disk.rescue", dir);
    const char *image = rescue && rescue->image_ref && rescue->image_ref[0] ? rescue->image_ref
                                                                            : vi->image_ref;
    struct qemu_domain d;
    int rc = -1;
    if (qemu_domain_load(dir, &d, err) < 0)
        goto cleanup;
    if (!image[0]) {
        cerr_set(err, 500, "No image to rescue %s with", vi->uuid);
        goto cleanup;
    }
    /* Stable device rescue when the rescue image names a device or bus
     * (checked before anything is touched, like the missing image). */
    const char *rdev = rescue ? rescue->rescue_device : NULL;
    const char *rbus = rescue ? rescue->rescue_bus : NULL;
    if ((rdev || rbus) && qemu_rescue_device_check(rdev, rbus, err) < 0)
        goto cleanup;
    str_copy(d.rescue_device, sizeof(d.rescue_device), rdev ? rdev : "");
    str_copy(d.rescue_bus, sizeof(d.rescue_bus), rbus ? rbus : "");
    /* A fresh overlay of the rescue image every time (Nova builds
     * disk.rescue anew), created before the server is stopped so a missing
     * image leaves it running untouched. */
    if (qemu_image_cache(h->cfg, h->dir, image, &base, err) < 0 ||
        qemu_disk_overlay(h->cfg->qemu_img, base, p, 0, err) < 0 ||
        qemu_stop(dir, vi->uuid, 0, err) < 0)
        goto cleanup;
    d.rescue = true;
    if (qemu_domain_save(dir, &d, err) < 0)
        goto cleanup;
    if (qemu_launch(h, dir, &d, NULL, false, err) < 0) {
        /* Back to the server's own disk, like a failed Nova rescue's
         * unrescue: the server must not stay half-rescued. */
        d.rescue = false;
        d.rescue_device[0] = d.rescue_bus[0] = '\0';
        struct cerr ignored = {0};
        if (qemu_domain_save(dir, &d, &ignored) == 0)
            qemu_launch(h, dir, &d, NULL, false, &ignored);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc < 0)
        unlink(p);
    free(base);
    free(p);
    free(dir);
    return rc;
}

static int q_unrescue(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *p = xasprintf("%s/disk.rescue", dir);
    struct qemu_domain d;
    int rc = -1;
    if (qemu_domain_load(dir, &d, err) < 0 || qemu_stop(dir, vi->uuid, 0, err) < 0)
        goto cleanup;
    d.rescue = false;
    d.rescue_device[0] = d.rescue_bus[0] = '\0';
    if (qemu_domain_save(dir, &d, err) < 0)
        goto cleanup;
    unlink(p);
    rc = qemu_launch(h, dir, &d, NULL, false, err);
cleanup:
    free(p);
    free(dir);
    return rc;
}

/* --- information --- */

static int power_of_status(const char *st)
{
    if (strcmp(st, "running") == 0)
        return POWER_RUNNING;
    if (strcmp(st, "guest-panicked") == 0 || strcmp(st, "internal-error") == 0 ||
        strcmp(st, "io-error") == 0)
        return POWER_CRASHED;
    if (strcmp(st, "shutdown") == 0)
        return POWER_SHUTDOWN;
    if (strcmp(st, "suspended") == 0)
        return POWER_SUSPENDED;
    return POWER_PAUSED;     /* paused, prelaunch, inmigrate, postmigrate, ... */
}

static int q_get_info(struct virt_host *h, const struct virt_instance *vi,
                      struct virt_info *out, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *state = state_file(dir);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0) {
        struct virt_info info = { .power_state = POWER_SHUTDOWN,
                                  .max_mem_kb = d.memory_mb * 1024, .num_cpu = (int)d.vcpus };
        pid_t pid = qemu_proc_find(dir, vi->uuid);
        char st[32];
        if (pid && qemu_status(dir, vi->uuid, st, sizeof(st), &(struct cerr){0}) == 0) {
            info.power_state = power_of_status(st);
            info.mem_kb = info.max_mem_kb;
            info.cpu_time_ns = qemu_proc_cpu_ns(pid);
        } else if (pid) {
            info.power_state = POWER_NOSTATE;      /* alive but its monitor is wedged */
        } else if (qemu_file_exists(state)) {
            info.power_state = POWER_SUSPENDED;
        }
        *out = info;
    }
    free(state);
    free(dir);
    return rc;
}

static int q_get_console_output(struct virt_host *h, const struct virt_instance *vi, char **out,
                                struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *path = xasprintf("%s/console.log", dir);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0) {
        size_t len = 0;
        char *text = qemu_read_file(path, &len);
        if (!text) {
            *out = xstrdup("");
        } else if (len > CONSOLE_MAX_BYTES) {
            *out = xstrdup(text + len - CONSOLE_MAX_BYTES);
            free(text);
        } else {
            *out = text;
        }
    }
    free(path);
    free(dir);
    return rc;
}

static int q_list_instances(struct virt_host *h, char ***uuids, int *count, struct cerr *err)
{
    DIR *dp = opendir(h->dir);
    if (!dp)
        return cerr_set(err, 500, "cannot list %s: %s", h->dir, strerror(errno));
    char **list = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (strlen(e->d_name) != 36)          /* uuids only: not _base, not *_resize */
            continue;
        char *def = xasprintf("%s/%s/domain.json", h->dir, e->d_name);
        if (qemu_file_exists(def)) {
            list = xrealloc(list, (size_t)(n + 1) * sizeof(char *));
            list[n++] = xstrdup(e->d_name);
        }
        free(def);
    }
    closedir(dp);
    *uuids = list;
    *count = n;
    return 0;
}

/* After a cirrusd restart: a QEMU still running is simply adopted (its
 * monitor must answer); one that is gone is started again when the store
 * says the server should be running (Nova's resume_guests_state_on_host_boot
 * for a host whose VMs died with it). */
static int q_init_instance(struct virt_host *h, const struct virt_instance *vi,
                           struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0 && qemu_proc_find(dir, vi->uuid)) {
        char st[32];
        rc = qemu_status(dir, vi->uuid, st, sizeof(st), err);
        if (rc == 0)
            log_info("%s: re-attached to %s (%s)", h->name, vi->uuid, st);
    } else if (rc == 0 && (vi->power_state == POWER_RUNNING ||
                           vi->power_state == POWER_PAUSED)) {
        rc = start_defined(h, dir, &d, err);
        if (rc == 0 && vi->power_state == POWER_PAUSED)
            rc = simple_command(h, vi, "stop", err);
        if (rc == 0)
            log_info("%s: restarted %s", h->name, vi->uuid);
    }
    free(dir);
    return rc;
}

/* --- network, snapshot --- */

/* Hands the running guest its network configuration on the virtio-serial
 * channel; a stopped guest reads the config drive when it boots. */
static int send_netcfg(const char *dir, const char *uuid, const json_t *network_info,
                       const struct qemu_domain *d, struct cerr *err)
{
    char *line = qemu_netcfg_line(network_info, d);
    char *sock = xasprintf("%s/netcfg.sock", dir);
    int rc = 0;
    if (line && qemu_proc_find(dir, uuid)) {
        int fd = qmp_unix_connect(sock, err);
        if (fd < 0) {
            rc = -1;
        } else {
            size_t n = strlen(line);
            if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
                rc = cerr_set(err, 500, "cannot send the network configuration: %s",
                              strerror(errno));
            } else {
                /* QEMU drops what the guest has not read when we hang up, so
                 * wait for the guest's "applied" line. A guest without a
                 * reader (a stock cloud image) applies it at its next boot. */
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                char ack[128];
                if (poll(&pfd, 1, NETCFG_ACK_MS) != 1 || recv(fd, ack, sizeof(ack), 0) <= 0)
                    log_info("%s: the guest did not acknowledge its network configuration",
                             uuid);
            }
            close(fd);
        }
    }
    free(line);
    free(sock);
    return rc;
}

/* Nova's injectNetworkInfo: the config drive gets the new addresses (for
 * the next boot) and the running guest gets them now. */
static int q_inject_network_info(struct virt_host *h, const struct virt_instance *vi,
                                 const json_t *network_info, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *p = xasprintf("%s/disk.config", dir);
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0)
        rc = save_network_info(dir, network_info, err);
    if (rc == 0)
        rc = qemu_configdrive_set_network(p, network_info, &d, err);
    if (rc == 0)
        rc = send_netcfg(dir, vi->uuid, network_info, &d, err);
    free(p);
    free(dir);
    return rc;
}

/* changePassword: libvirt sets the password through the QEMU guest agent
 * and, without one, refuses with InstanceAgentNotEnabled (409). cirrus
 * does not wire a guest agent channel, so it answers as libvirt does for
 * an image without hw_qemu_guest_agent. */
static int q_set_admin_password(struct virt_host *h, const struct virt_instance *vi,
                                const char *password, struct cerr *err)
{
    return cerr_set(err, 409, "QEMU guest agent is not enabled");
}

/* Nova's resetNetwork: the guest applies its configuration again. */
static int q_reset_network(struct virt_host *h, const struct virt_instance *vi,
                           struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *p = xasprintf("%s/network_info.json", dir);
    json_t *net = NULL;
    struct qemu_domain d;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc == 0) {
        net = json_load_file(p, 0, NULL);
        rc = send_netcfg(dir, vi->uuid, net, &d, err);
    }
    json_decref(net);
    free(p);
    free(dir);
    return rc;
}

static int q_snapshot(struct virt_host *h, const struct virt_instance *vi, const char *image_id,
                      const char *out_path, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *disk = xasprintf("%s/disk", dir);
    struct qemu_domain d;
    struct qmp *q = NULL;
    bool resume = false;
    int rc = qemu_domain_load(dir, &d, err);
    if (rc < 0)
        goto cleanup;
    /* A running guest is paused while its disk is copied, so the image is
     * consistent (Nova's cold snapshot of a live instance). */
    char st[32];
    if (qemu_proc_find(dir, vi->uuid) && qemu_status(dir, vi->uuid, st, sizeof(st), err) == 0 &&
        strcmp(st, "running") == 0) {
        if (qemu_monitor(dir, vi->uuid, &q, err) < 0 ||
            qmp_command(q, "stop", NULL, NULL, err) < 0) {
            rc = -1;
            goto cleanup;
        }
        resume = true;
    }
    rc = qemu_disk_flatten(h->cfg->qemu_img, disk, out_path, err);
cleanup:
    if (resume)
        qmp_command(q, "cont", NULL, NULL, &(struct cerr){0});
    qmp_close(q);
    free(disk);
    free(dir);
    return rc;
}

const struct virt_driver virt_qemu_driver = {
    .version = VIRT_DRIVER_VERSION,
    .name = "qemu",
    .hypervisor_type = "QEMU",
    .hypervisor_version = 7002000,     /* libvirt's encoding of QEMU 7.2.0 */
    .root_device_name = "/dev/vda",    /* virtio-blk, as Nova's libvirt driver names it */
    .init_host = q_init_host,
    .cleanup_host = q_cleanup_host,
    .init_instance = q_init_instance,
    .list_instances = q_list_instances,
    .spawn = q_spawn,
    .destroy = q_destroy,
    .power_off = q_power_off,
    .power_on = q_power_on,
    .reboot = q_reboot,
    .pause = q_pause,
    .unpause = q_unpause,
    .suspend = q_suspend,
    .resume = q_resume,
    .rescue = q_rescue,
    .unrescue = q_unrescue,
    .get_info = q_get_info,
    .get_console_output = q_get_console_output,
    .inject_network_info = q_inject_network_info,
    .reset_network = q_reset_network,
    .set_admin_password = q_set_admin_password,
    .snapshot = q_snapshot,
    .migrate_disk_and_power_off = qemu_migrate_disk_and_power_off,
    .finish_migration = qemu_finish_migration,
    .confirm_migration = qemu_confirm_migration,
    .finish_revert_migration = qemu_finish_revert_migration,
    .pre_live_migration = qemu_pre_live_migration,
    .live_migration = qemu_live_migration,
    .post_live_migration = qemu_post_live_migration,
    .post_live_migration_at_destination = qemu_post_live_migration_at_destination,
    .rollback_live_migration = qemu_rollback_live_migration,
    .live_migration_abort = qemu_live_migration_abort,
    .live_migration_force_complete = qemu_live_migration_force_complete,
};
