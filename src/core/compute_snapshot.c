/* compute_snapshot.c - the compute side of createImage
 * (manager.snapshot_instance and the driver's update_task_state steps):
 * image_snapshot_pending -> image_snapshot -> image_pending_upload ->
 * driver snapshot (writes the disk image) -> image_uploading -> the image
 * record's data stored (queued -> saving -> active) -> no task. On failure
 * the task_state is cleared, a fault recorded and the image deleted
 * (delete_image_on_error); the vm_state never changes. */
#include "core/compute_power.h"
#include "core/image.h"
#include "core/instance.h"
#include "store/action.h"
#include "store/image.h"
#include "store/server.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The task states of a snapshot in order; a task re-run after a crash
 * continues from whichever it finds. */
static const char *const steps[] = {"image_snapshot_pending", "image_snapshot",
                                    "image_pending_upload", "image_uploading", NULL};

static int step_index(const char *task_state)
{
    for (int i = 0; steps[i]; i++)
        if (strcmp(steps[i], task_state) == 0)
            return i;
    return -1;
}

/* Moves the row's task_state forward to steps[to]; -1 when it moved on. */
static int advance(struct db *db, const char *uuid, int *at, int to)
{
    struct cerr lost = {0};
    while (*at < to) {
        if (store_server_set_state(db, uuid, steps[*at], NULL, steps[*at + 1], POWER_KEEP,
                                   &lost) < 0)
            return -1;
        (*at)++;
    }
    return 0;
}

/* delete_image_on_error: a snapshot that did not finish leaves no image
 * behind (an image already active stays, as Nova's cleanup checks). */
static void drop_image(const struct cirrus_config *cfg, struct db *db, const char *image_id)
{
    struct image img;
    struct cerr ignored = {0};
    if (store_image_get(db, image_id, &img, &ignored) < 0 || strcmp(img.status, "active") == 0)
        return;
    img.protected_ = false;
    if (image_delete(cfg, db, &img, &ignored) < 0)
        log_warn("snapshot image %s: cannot delete: %s", image_id, ignored.message);
}

static int snapshot_failed(struct agent *a, const struct task *t, const char *image_id, int at,
                           const struct cerr *why, struct cerr *err)
{
    struct db *db = store_db();
    drop_image(a->cfg, db, image_id);
    if (db_begin(db) < 0)
        return cerr_internal(err, "snapshot failure commit");
    struct server *s = NULL;
    int rc = agent_still_in(db, t->instance_uuid, steps[at], &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        int code = why->status >= 400 && why->status < 600 ? why->status : 500;
        ok = store_server_set_state(db, s->uuid, steps[at], NULL, "", POWER_KEEP, err) == 0 &&
             store_server_fault_add(db, s->uuid, code, why->message, why->message, s->host) >= 0;
    }
    if (ok && rc >= 0 && t->request_id[0]) {
        store_action_event_finish(db, t->instance_uuid, t->request_id, EV_SNAPSHOT, "Error",
                                  why->message);
        store_action_finish(db, t->instance_uuid, t->request_id, "Error");
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    if (ok)
        log_warn("snapshot of server %s failed: %s", t->instance_uuid, why->message);
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "snapshot failure commit");
}

static int snapshot_succeeded(const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "snapshot commit");
    int rc = agent_still_in(db, t->instance_uuid, steps[3], &s, err);
    bool ok = rc >= 0;
    if (rc == 1)
        ok = store_server_set_state(db, s->uuid, steps[3], NULL, "", POWER_KEEP, err) == 0;
    if (ok && rc >= 0 && t->request_id[0]) {
        store_action_event_finish(db, t->instance_uuid, t->request_id, EV_SNAPSHOT,
                                  rc == 1 ? "Success" : "Error",
                                  rc == 1 ? NULL : "Instance disappeared during snapshot");
        store_action_finish(db, t->instance_uuid, t->request_id, rc == 1 ? NULL : "Error");
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "snapshot commit");
}

/* What the driver's upload sets on the image (libvirt's snapshot
 * metadata): formats, and image_location/image_state/owner_id. The fake
 * and qemu drivers write a raw disk image. */
static int prepare_image(struct db *db, const char *image_id, const struct server *s,
                         struct cerr *err)
{
    struct image img;
    if (store_image_get(db, image_id, &img, err) < 0)
        return -1;
    if (strcmp(img.status, "queued") != 0)
        return 0;
    json_t *props = store_image_properties(db, image_id), *tags = store_image_tags(db, image_id);
    json_object_set_new(props, "image_location", json_string("snapshot"));
    json_object_set_new(props, "image_state", json_string("available"));
    json_object_set_new(props, "owner_id", json_string(s->project_id));
    str_copy(img.disk_format, sizeof(img.disk_format), "raw");
    str_copy(img.container_format, sizeof(img.container_format), "bare");
    int rc = store_image_update(db, &img, props, tags, err);
    json_decref(props);
    json_decref(tags);
    return rc;
}

static int upload(struct agent *a, const char *image_id, const char *spool, struct cerr *why)
{
    struct db *db = store_db();
    struct image img;
    if (store_image_get(db, image_id, &img, why) < 0)
        return -1;
    if (strcmp(img.status, "active") == 0)   /* uploaded before a crash */
        return 0;
    return image_upload(a->cfg, db, image_id, spool, -1, why);
}

int compute_do_snapshot(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *args = json_loads(t->args, 0, NULL);
    char *spool = NULL, *dir = NULL;
    const char *image_id = json_string_value(json_object_get(args, "image_id"));
    struct virt_instance vi;
    struct cerr why = {0};
    int rc = compute_task_server(t, NULL, &s, &md, &vi, err);
    if (rc <= 0 || !image_id) {
        /* Instance disappeared before the snapshot: no image is left. */
        if (image_id && rc == 0)
            drop_image(a->cfg, db, image_id);
        rc = rc < 0 ? -1 : (image_id || rc == 0 ? 0 : cerr_internal(err, "snapshot arguments"));
        goto cleanup;
    }
    int at = step_index(s->task_state);
    if (at < 0 || advance(db, s->uuid, &at, 1) < 0) {
        drop_image(a->cfg, db, image_id);
        rc = agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, EV_SNAPSHOT, a->host);
    dir = xasprintf("%s/images", a->cfg->data_dir);
    mkdir(dir, 0700);
    spool = xasprintf("%s/%s.snapshot", dir, image_id);
    if (advance(db, s->uuid, &at, 2) < 0) {
        cerr_set(&why, 409, "Unexpected task state during the snapshot");
    } else if (a->driver->snapshot(a->vh, &vi, image_id, spool, &why) == 0 &&
               advance(db, s->uuid, &at, 3) < 0) {
        cerr_set(&why, 409, "Unexpected task state during the snapshot");
    } else if (!why.status && prepare_image(db, image_id, s, &why) == 0 &&
               upload(a, image_id, spool, &why) == 0) {
        rc = snapshot_succeeded(t, err);
        goto cleanup;
    }
    rc = snapshot_failed(a, t, image_id, at, &why, err);
cleanup:
    if (spool && unlink(spool) < 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", spool, strerror(errno));
    free(spool);
    free(dir);
    json_decref(args);
    json_decref(md);
    server_free(s);
    return rc;
}
