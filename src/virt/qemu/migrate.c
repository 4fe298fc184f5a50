/* migrate.c - moving a qemu instance between hosts. Every host of this
 * process keeps its instances under the same data_dir, so a host reaches
 * another's directory by path (Nova copies with ssh/rsync instead).
 *
 * Cold (Nova's order): the source stops the VM, renames its directory to
 * <uuid>_resize (kept for a revert) and copies the disks to the
 * destination; the destination rebases the overlay on its own image cache,
 * grows it to the new flavor and boots; confirm drops <uuid>_resize,
 * revert renames it back.
 *
 * Live, without shared storage: the destination starts the same machine
 * with -incoming defer -S and exports its fresh disks over NBD; the source
 * mirrors its overlays into them (blockdev-mirror sync=top: the base image
 * is in both caches), migrates RAM once the mirrors are ready, cancels the
 * mirrors when the source is paused, and the destination continues.
 * Both streams use UNIX sockets in the destination's directory, or TCP to
 * the destination's address when [qemu] host_addresses names one (hosts
 * in their own network namespaces, [qemu] netns_prefix). */
#include "virt/qemu/qemu_priv.h"

#include "util/log.h"
#include "util/mem.h"
#include "virt/qemu/disks.h"
#include "virt/qemu/process.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Nova's CONF.shutdown_timeout for the stop that starts a cold move. */
#define MIGRATE_SHUTDOWN_S 60

/* disk.config.d is the config drive's source tree: it moves with the
 * server so injectNetworkInfo on the new host can repack the drive. */
static const char *const moved_files[] = {
    "disk", "disk.eph0", "disk.swap", "disk.config", "disk.config.d", "domain.json",
    "network_info.json", "console.log", NULL,
};

static int copy_instance_files(const char *from, const char *to, struct cerr *err)
{
    if (qemu_mkdirs(to, err) < 0)
        return -1;
    for (const char *const *f = moved_files; *f; f++) {
        char *src = xasprintf("%s/%s", from, *f), *dst = xasprintf("%s/%s", to, *f);
        int rc = qemu_file_exists(src) ? qemu_copy_tree(src, dst, err) : 0;
        free(src);
        free(dst);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int qemu_migrate_disk_and_power_off(struct virt_host *h, const struct virt_instance *vi,
                                    const char *dest_host, const struct virt_flavor *flavor,
                                    struct cerr *err)
{
    char *src = qemu_inst_dir(h, vi->uuid, NULL), *bak = qemu_inst_dir(h, vi->uuid, "_resize");
    char *dest_root = qemu_host_dir(h->cfg, dest_host);
    char *dest = xasprintf("%s/%s", dest_root, vi->uuid);
    struct qemu_domain d;
    int rc = -1;
    /* A re-run after a crash may find the rename already done. */
    if (!qemu_file_exists(bak)) {
        if (qemu_domain_load(src, &d, err) < 0 ||
            qemu_stop(src, vi->uuid, MIGRATE_SHUTDOWN_S, err) < 0)
            goto cleanup;
        if (rename(src, bak) < 0) {
            cerr_set(err, 500, "cannot set %s aside: %s", src, strerror(errno));
            goto cleanup;
        }
    }
    rc = copy_instance_files(bak, dest, err);
cleanup:
    free(src);
    free(bak);
    free(dest_root);
    free(dest);
    return rc;
}

int qemu_finish_migration(struct virt_host *h, const struct virt_instance *vi,
                          const struct virt_flavor *flavor, bool power_on, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *base = NULL, *p = xasprintf("%s/disk", dir);
    struct qemu_domain d;
    const char *img = h->cfg->qemu_img;
    int rc = -1;
    if (qemu_domain_load(dir, &d, err) < 0 ||
        qemu_image_cache(h->cfg, h->dir, d.image_ref, &base, err) < 0 ||
        qemu_disk_rebase(img, p, base, err) < 0 || qemu_disk_grow(img, p, flavor->root_gb, err) < 0)
        goto cleanup;
    if (flavor->ephemeral_gb > 0) {
        free(p);
        p = xasprintf("%s/disk.eph0", dir);
        if ((qemu_file_exists(p) ? qemu_disk_grow(img, p, flavor->ephemeral_gb, err)
                                 : qemu_disk_blank(img, p, flavor->ephemeral_gb * 1024, err)) < 0)
            goto cleanup;
    }
    if (flavor->swap_mb > 0 && flavor->swap_mb != d.swap_mb) {
        free(p);
        p = xasprintf("%s/disk.swap", dir);
        unlink(p);
        if (qemu_disk_blank(img, p, flavor->swap_mb, err) < 0)
            goto cleanup;
    }
    d.vcpus = flavor->vcpus;
    d.memory_mb = flavor->memory_mb;
    d.root_gb = flavor->root_gb;
    d.ephemeral_gb = flavor->ephemeral_gb;
    d.swap_mb = flavor->swap_mb;
    if (qemu_domain_save(dir, &d, err) < 0)
        goto cleanup;
    rc = power_on ? qemu_launch(h, dir, &d, NULL, false, err) : 0;
cleanup:
    free(base);
    free(p);
    free(dir);
    return rc;
}

int qemu_confirm_migration(struct virt_host *h, const struct virt_instance *vi,
                           struct cerr *err)
{
    char *bak = qemu_inst_dir(h, vi->uuid, "_resize");
    qemu_rm_rf(bak);
    free(bak);
    return 0;
}

int qemu_finish_revert_migration(struct virt_host *h, const struct virt_instance *vi,
                                 bool power_on, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL), *bak = qemu_inst_dir(h, vi->uuid, "_resize");
    struct qemu_domain d;
    int rc = -1;
    if (qemu_file_exists(bak)) {
        /* A resize to the same host left the new copy here. */
        if (qemu_stop(dir, vi->uuid, 0, err) < 0)
            goto cleanup;
        qemu_rm_rf(dir);
        if (rename(bak, dir) < 0) {
            cerr_set(err, 500, "cannot restore %s: %s", bak, strerror(errno));
            goto cleanup;
        }
    }
    if (qemu_domain_load(dir, &d, err) < 0)
        goto cleanup;
    rc = power_on && !qemu_proc_find(dir, vi->uuid) ? qemu_launch(h, dir, &d, NULL, false, err)
                                                    : 0;
cleanup:
    free(dir);
    free(bak);
    return rc;
}

/* --- live migration --- */

struct lm_disk { const char *node, *file; };
static const struct lm_disk lm_disks[] = {
    { "disk-root", "disk" }, { "disk-eph0", "disk.eph0" }, { "disk-swap", "disk.swap" },
};
#define LM_NDISKS (sizeof(lm_disks) / sizeof(lm_disks[0]))

static bool disk_used(const struct qemu_domain *d, size_t i)
{
    return i == 0 || (i == 1 && d->ephemeral_gb > 0) || (i == 2 && d->swap_mb > 0);
}

/* The source QEMU reaches the destination's sockets by a path relative to
 * its own directory, which stays short whatever data_dir is. */
static char *peer_path(const char *dest_host, const char *uuid, const char *name)
{
    return xasprintf("../../%s/%s/%s", dest_host, uuid, name);
}

/* Over TCP (the destination has an address in [qemu] host_addresses) the
 * NBD export and the migration stream listen on ports both ends derive
 * from the instance id, so concurrent moves of different instances to
 * one host do not collide. */
#define LM_PORT_BASE 49152
#define LM_PORT_SLOTS 8000
static int lm_port(const struct virt_instance *vi, int which)   /* 0 NBD, 1 RAM */
{
    return LM_PORT_BASE + (int)(vi->id % LM_PORT_SLOTS) * 2 + which;
}

/* The NBD server address of the destination, as nbd-server-start (legacy
 * SocketAddress form, wrapped) or blockdev-add (flat) take it. */
static json_t *nbd_addr(const char *ip, const struct virt_instance *vi, const char *unix_path,
                        bool legacy)
{
    char port[8];
    snprintf(port, sizeof(port), "%d", lm_port(vi, 0));
    if (legacy)
        return ip ? json_pack("{s:s, s:{s:s, s:s}}", "type", "inet", "data", "host", ip, "port",
                              port)
                  : json_pack("{s:s, s:{s:s}}", "type", "unix", "data", "path", unix_path);
    return ip ? json_pack("{s:s, s:s, s:s}", "type", "inet", "host", ip, "port", port)
              : json_pack("{s:s, s:s}", "type", "unix", "path", unix_path);
}

int qemu_pre_live_migration(struct virt_host *h, const struct virt_instance *vi,
                            struct cerr *err)
{
    char *src_root = qemu_host_dir(h->cfg, vi->host);
    char *src = xasprintf("%s/%s", src_root, vi->uuid);
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    char *base = NULL, *p = NULL;
    struct qmp *q = NULL;
    json_t *args = NULL;
    struct qemu_domain d;
    int rc = -1;
    if (qemu_domain_load(src, &d, err) < 0)
        goto cleanup;
    if (d.rescue) {
        cerr_set(err, 409, "A rescued instance cannot be live migrated");
        goto cleanup;
    }
    qemu_stop(dir, vi->uuid, 0, err);      /* leftovers of an earlier attempt */
    qemu_rm_rf(dir);
    if (qemu_mkdirs(dir, err) < 0 ||
        qemu_image_cache(h->cfg, h->dir, d.image_ref, &base, err) < 0)
        goto cleanup;
    for (const char *const *f = (const char *const[]){ "disk.config", "disk.config.d",
                                                       "domain.json", "network_info.json",
                                                       "console.log", NULL }; *f; f++) {
        char *from = xasprintf("%s/%s", src, *f), *to = xasprintf("%s/%s", dir, *f);
        int c = qemu_file_exists(from) ? qemu_copy_tree(from, to, err) : 0;
        free(from);
        free(to);
        if (c < 0)
            goto cleanup;
    }
    /* Empty disks of the source's sizes: the mirror fills them. */
    for (size_t i = 0; i < LM_NDISKS; i++) {
        if (!disk_used(&d, i))
            continue;
        free(p);
        p = xasprintf("%s/%s", dir, lm_disks[i].file);
        int c = i == 0 ? qemu_disk_overlay(h->cfg->qemu_img, base, p, d.root_gb, err)
                       : qemu_disk_blank(h->cfg->qemu_img, p,
                                         i == 1 ? d.ephemeral_gb * 1024 : d.swap_mb, err);
        if (c < 0)
            goto cleanup;
    }
    if (qemu_launch(h, dir, &d, "defer", true, err) < 0 || qemu_monitor(dir, vi->uuid, &q, err) < 0)
        goto cleanup;
    /* nbd-server-start still takes the legacy socket address form. */
    char ip[64];
    bool tcp = qemu_host_address(h->cfg, h->name, ip, sizeof(ip));
    args = json_pack("{s:o}", "addr", nbd_addr(tcp ? ip : NULL, vi, "nbd.sock", true));
    if (qmp_command(q, "nbd-server-start", args, NULL, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < LM_NDISKS; i++) {
        if (!disk_used(&d, i))
            continue;
        json_decref(args);
        args = json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "nbd", "id", lm_disks[i].node,
                         "node-name", lm_disks[i].node, "name", lm_disks[i].node, "writable",
                         1);
        if (qmp_command(q, "block-export-add", args, NULL, err) < 0)
            goto cleanup;
    }
    json_decref(args);
    char *uri = tcp ? xasprintf("tcp:%s:%d", ip, lm_port(vi, 1)) : xstrdup("unix:migrate.sock");
    args = json_pack("{s:s}", "uri", uri);
    free(uri);
    if (qmp_command(q, "migrate-incoming", args, NULL, err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc < 0) {
        qmp_close(q);
        q = NULL;
        qemu_stop(dir, vi->uuid, 0, &(struct cerr){0});
        qemu_rm_rf(dir);
    }
    qmp_close(q);
    json_decref(args);
    free(src_root);
    free(src);
    free(dir);
    free(base);
    free(p);
    return rc;
}

static int64_t jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Waits until every mirror job reports ready (source and target in sync). */
static int mirrors_ready(struct qmp *q, size_t want, int64_t *len, int64_t *off,
                         struct cerr *err)
{
    json_t *jobs = NULL;
    if (qmp_command(q, "query-block-jobs", NULL, &jobs, err) < 0)
        return -1;
    size_t i, ready = 0;
    json_t *j;
    *len = *off = 0;
    json_array_foreach(jobs, i, j) {
        *len += jint(j, "len");
        *off += jint(j, "offset");
        if (json_is_true(json_object_get(j, "ready")))
            ready++;
    }
    size_t n = json_array_size(jobs);
    json_decref(jobs);
    if (n < want)
        return cerr_set(err, 500, "a disk mirror stopped before it was ready");
    return ready == want;
}

static void cancel_mirrors(struct qmp *q, const struct qemu_domain *d)
{
    struct cerr ignored = {0};
    for (size_t i = 0; i < LM_NDISKS; i++) {
        if (!disk_used(d, i))
            continue;
        char job[64], target[64];
        snprintf(job, sizeof(job), "mirror-%s", lm_disks[i].node);
        snprintf(target, sizeof(target), "nbd-%s", lm_disks[i].node);
        json_t *a = json_pack("{s:s, s:b}", "device", job, "force", 1);
        if (qmp_command(q, "block-job-cancel", a, NULL, &ignored) == 0)
            qmp_event_wait(q, "BLOCK_JOB_CANCELLED", 10000, NULL, &ignored);
        json_decref(a);
        a = json_pack("{s:s}", "node-name", target);
        qmp_command(q, "blockdev-del", a, NULL, &ignored);
        json_decref(a);
    }
}

int qemu_live_migration(struct virt_host *h, const struct virt_instance *vi,
                        const char *dest_host, virt_lm_progress_cb cb, void *cb_ctx,
                        struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qmp *q = NULL;
    json_t *args = NULL, *ret = NULL;
    struct qemu_domain d;
    size_t ndisks = 0;
    int rc = -1;
    bool mirrors = false;
    char ip[64], *uri = NULL;
    bool tcp = qemu_host_address(h->cfg, dest_host, ip, sizeof(ip));
    if (qemu_domain_load(dir, &d, err) < 0 || qemu_monitor(dir, vi->uuid, &q, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < LM_NDISKS; i++) {
        if (!disk_used(&d, i))
            continue;
        char target[64], job[64];
        snprintf(target, sizeof(target), "nbd-%s", lm_disks[i].node);
        snprintf(job, sizeof(job), "mirror-%s", lm_disks[i].node);
        char *sock = peer_path(dest_host, vi->uuid, "nbd.sock");
        args = json_pack("{s:s, s:s, s:o, s:s}", "driver", "nbd", "node-name", target,
                         "server", nbd_addr(tcp ? ip : NULL, vi, sock, false), "export",
                         lm_disks[i].node);
        free(sock);
        int c = qmp_command(q, "blockdev-add", args, NULL, err);
        json_decref(args);
        args = NULL;
        if (c < 0)
            goto cleanup;
        args = json_pack("{s:s, s:s, s:s, s:s}", "job-id", job, "device", lm_disks[i].node,
                         "target", target, "sync", "top");
        c = qmp_command(q, "blockdev-mirror", args, NULL, err);
        json_decref(args);
        args = NULL;
        mirrors = true;
        if (c < 0)
            goto cleanup;
        ndisks++;
    }
    struct virt_lm_progress pr = {0};
    for (;;) {
        int r = mirrors_ready(q, ndisks, &pr.disk_total, &pr.disk_processed, err);
        if (r < 0)
            goto cleanup;
        pr.disk_remaining = pr.disk_total - pr.disk_processed;
        enum virt_lm_action act = cb ? cb(cb_ctx, &pr) : VIRT_LM_CONTINUE;
        if (act == VIRT_LM_ABORT) {
            rc = 1;
            goto cleanup;
        }
        if (r == 1)
            break;
        qemu_sleep_ms(50);
    }
    if (tcp) {
        uri = xasprintf("tcp:%s:%d", ip, lm_port(vi, 1));
    } else {
        char *uri_path = peer_path(dest_host, vi->uuid, "migrate.sock");
        uri = xasprintf("unix:%s", uri_path);
        free(uri_path);
    }
    args = json_pack("{s:s}", "uri", uri);
    if (qmp_command(q, "migrate", args, NULL, err) < 0)
        goto cleanup;
    for (;;) {
        json_decref(ret);
        ret = NULL;
        if (qmp_command(q, "query-migrate", NULL, &ret, err) < 0)
            goto cleanup;
        const char *st = json_string_value(json_object_get(ret, "status")) ?: "none";
        json_t *ram = json_object_get(ret, "ram");
        pr.memory_total = jint(ram, "total");
        pr.memory_processed = jint(ram, "transferred");
        pr.memory_remaining = jint(ram, "remaining");
        if (strcmp(st, "completed") == 0) {
            log_info("%s: live migration of %s to %s completed in %lld ms, downtime %lld ms, "
                     "over %s", h->name, vi->uuid, dest_host,
                     (long long)jint(ret, "total-time"), (long long)jint(ret, "downtime"), uri);
            break;
        }
        if (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0) {
            cerr_set(err, 500, "Live migration of %s %s: %s", vi->uuid, st,
                     json_string_value(json_object_get(ret, "error-desc")) ?: "no reason given");
            qmp_command(q, "cont", NULL, NULL, &(struct cerr){0});
            goto cleanup;
        }
        enum virt_lm_action act = cb ? cb(cb_ctx, &pr) : VIRT_LM_CONTINUE;
        if (act == VIRT_LM_ABORT) {
            qmp_command(q, "migrate_cancel", NULL, NULL, &(struct cerr){0});
            qmp_command(q, "cont", NULL, NULL, &(struct cerr){0});
            rc = 1;
            goto cleanup;
        }
        if (act == VIRT_LM_FORCE_COMPLETE)   /* Nova without post-copy: pause to converge */
            qmp_command(q, "stop", NULL, NULL, &(struct cerr){0});
        qemu_sleep_ms(20);
    }
    rc = 0;
cleanup:
    if (mirrors && q)
        cancel_mirrors(q, &d);
    free(uri);
    json_decref(args);
    json_decref(ret);
    qmp_close(q);
    free(dir);
    return rc;
}

/* One end's copy of a live-migrated instance goes away: the source's once
 * the destination took over, the destination's when the move is rolled back. */
static int discard_copy(struct virt_host *h, const struct virt_instance *vi, struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    int rc = qemu_stop(dir, vi->uuid, 0, err);
    if (rc == 0)
        qemu_rm_rf(dir);
    free(dir);
    return rc;
}

int qemu_post_live_migration(struct virt_host *h, const struct virt_instance *vi,
                             struct cerr *err)
{
    return discard_copy(h, vi, err);
}

int qemu_post_live_migration_at_destination(struct virt_host *h, const struct virt_instance *vi,
                                            struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qmp *q = NULL;
    int rc = qemu_monitor(dir, vi->uuid, &q, err);
    if (rc == 0) {
        struct cerr ignored = {0};
        qmp_command(q, "nbd-server-stop", NULL, NULL, &ignored);
        rc = qmp_command(q, "cont", NULL, NULL, err);
    }
    qmp_close(q);
    free(dir);
    return rc;
}

int qemu_rollback_live_migration(struct virt_host *h, const struct virt_instance *vi,
                                 struct cerr *err)
{
    return discard_copy(h, vi, err);
}

int qemu_live_migration_abort(struct virt_host *h, const struct virt_instance *vi,
                              struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qmp *q = NULL;
    int rc = qemu_monitor(dir, vi->uuid, &q, err);
    if (rc == 0)
        rc = qmp_command(q, "migrate_cancel", NULL, NULL, err);
    qmp_close(q);
    free(dir);
    return rc;
}

int qemu_live_migration_force_complete(struct virt_host *h, const struct virt_instance *vi,
                                       struct cerr *err)
{
    char *dir = qemu_inst_dir(h, vi->uuid, NULL);
    struct qmp *q = NULL;
    int rc = qemu_monitor(dir, vi->uuid, &q, err);
    if (rc == 0)
        rc = qmp_command(q, "stop", NULL, NULL, err);
    qmp_close(q);
    free(dir);
    return rc;
}
