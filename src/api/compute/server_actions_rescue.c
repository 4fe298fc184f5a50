/* server_actions_rescue.c - the rescue and unrescue server actions
 * (nova/api/openstack/compute/rescue.py, compute API rescue()/unrescue()):
 * validate the body, guard the state, pick and check the rescue image,
 * then set task_state rescuing/unrescuing, record the instance action and
 * queue the host's task (core/compute_rescue.c). rescue answers 200 with
 * the rescue password; unrescue 202 with no body. */
#include "api/compute/server_actions.h"
#include "api/compute/server_actions_common.h"
#include "api/validate.h"
#include "core/image.h"
#include "core/task.h"
#include "store/image.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD_LENGTH 12                /* nova CONF.password_length */
#define MV_BFV_RESCUE MV(2, 87)            /* stable device rescue of volume-backed servers */

/* What the transaction step needs and fills: the request's choices in,
 * the compute task's arguments out. */
struct rescue_ctx {
    const char *password;
    const char *image_ref;                /* rescue_image_ref, NULL = none given */
    json_t *task_args;                    /* filled before the task is queued */
};

/* schemas/rescue.py: "rescue" is an object or null with optional
 * adminPass (string) and rescue_image_ref (uuid), nothing else. */
static int rescue_validate(const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"adminPass", "rescue_image_ref", NULL};
    char repr[256];
    if (json_is_null(args))
        return 0;
    if (!json_is_object(args)) {
        v_repr(args, repr, sizeof(repr));
        return v_fail(err, "rescue", args, "%s is not of type 'object', 'null'", repr);
    }
    if (v_object(args, "rescue", keys, err) < 0)
        return -1;
    const json_t *pass = json_object_get(args, "adminPass");
    if (pass && !json_is_string(pass)) {
        v_repr(pass, repr, sizeof(repr));
        return v_fail(err, "adminPass", pass, "%s is not of type 'string'", repr);
    }
    const json_t *ref = json_object_get(args, "rescue_image_ref");
    return ref ? v_uuid(ref, "rescue_image_ref", err) : 0;
}

static bool one_of(const char *value, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(*allowed, value) == 0)
            return true;
    return false;
}

/* The rescue properties as Nova's ImageMeta reads them: the fields are
 * enums (BlockDeviceType, DiskBus), so a value outside them makes the
 * image unusable for rescue. */
static int rescue_props(const json_t *props, const char *image_id, const char **device,
                        const char **bus, struct cerr *err)
{
    static const char *const devices[] = {"cdrom", "disk", "floppy", "fs", "lun", NULL};
    static const char *const buses[] = {"fdc", "ide", "sata", "scsi", "usb", "virtio", "xen",
                                        "lxc", "uml", NULL};
    *device = json_string_value(json_object_get(props, "hw_rescue_device"));
    *bus = json_string_value(json_object_get(props, "hw_rescue_bus"));
    if (*device && !one_of(*device, devices))
        return cerr_set(err, 400, "Requested rescue image '%s' is not supported: "
                        "hw_rescue_device '%s' is not one of cdrom, disk, floppy, fs, lun",
                        image_id, *device);
    if (*bus && !one_of(*bus, buses))
        return cerr_set(err, 400, "Requested rescue image '%s' is not supported: "
                        "hw_rescue_bus '%s' is not one of fdc, ide, sata, scsi, usb, virtio, "
                        "xen, lxc, uml", image_id, *bus);
    return 0;
}

/* rescue_image_ref: an image the caller may use (Nova fetches it with the
 * caller's context: an invisible one is ImageNotFound, hence
 * UnsupportedRescueImage), active, and not a volume snapshot
 * (img_block_device_mapping). */
static int load_given_image(struct http_request *req, struct db *db, const char *ref,
                            struct image *img, json_t **props, struct cerr *err)
{
    struct cerr e = {0};
    if (image_get_for(db, &req->auth, ref, img, &e) < 0) {
        if (e.status != 404) {
            *err = e;
            return -1;
        }
        return cerr_set(err, 400, "Requested rescue image '%s' is not supported", ref);
    }
    if (strcmp(img->status, "active") != 0)
        return cerr_set(err, 400, "Requested rescue image '%s' is not supported: its status "
                        "is %s, not active", ref, img->status);
    *props = store_image_properties(db, img->id);
    if (json_object_get(*props, "img_block_device_mapping"))
        return cerr_set(err, 400, "Requested rescue image '%s' is not supported", ref);
    return 0;
}

/* No rescue_image_ref: the server's own image. Nova accepts the request
 * and only the compute host finds a deleted image, leaving the action in
 * Error and the server as it was; refusing up front tells the caller
 * what to do instead. Visibility does not matter here (the compute side
 * fetches it with an elevated context), existence and status do. */
static int load_own_image(struct db *db, const struct server *s, struct image *img,
                          json_t **props, struct cerr *err)
{
    struct cerr e = {0};
    if (!s->image_ref[0])
        return cerr_set(err, 400, "Instance %s cannot be rescued without rescue_image_ref: "
                        "it is volume-backed and has no image of its own", s->uuid);
    if (store_image_get(db, s->image_ref, img, &e) < 0) {
        if (e.status != 404) {
            *err = e;
            return -1;
        }
        return cerr_set(err, 400, "Instance %s cannot be rescued with its own image: image %s "
                        "has been deleted. Name another image with rescue_image_ref.",
                        s->uuid, s->image_ref);
    }
    if (strcmp(img->status, "active") != 0)
        return cerr_set(err, 400, "Instance %s cannot be rescued with its own image: image %s "
                        "is %s, not active. Name another image with rescue_image_ref.",
                        s->uuid, s->image_ref, img->status);
    *props = store_image_properties(db, img->id);
    return 0;
}

/* Inside the action's transaction, after lock/vm_state/task_state passed:
 * must_have_launched, then the image checks of compute API rescue(). */
static int rescue_in_txn(struct http_request *req, struct db *db, struct server *s, void *arg,
                         struct cerr *err)
{
    struct rescue_ctx *c = arg;
    struct image img = {0};
    json_t *props = NULL;
    const char *device = NULL, *bus = NULL;
    int rc = instance_check_launched(OP_RESCUE, s->uuid, s->launched_at != 0 && s->host[0],
                                     err);
    bool volume_backed = !s->image_ref[0];
    /* A volume-backed server: refused before 2.87; from 2.87 only in
     * stable device rescue, which needs both properties (the fake and
     * qemu drivers report COMPUTE_RESCUE_BFV). Nova checks the given
     * image first. */
    if (rc == 0 && c->image_ref)
        rc = load_given_image(req, db, c->image_ref, &img, &props, err);
    else if (rc == 0 && !(volume_backed && req->mv < MV_BFV_RESCUE))
        rc = load_own_image(db, s, &img, &props, err);
    if (rc == 0 && props)
        rc = rescue_props(props, img.id, &device, &bus, err);
    if (rc == 0 && volume_backed && (req->mv < MV_BFV_RESCUE || !device || !bus))
        rc = cerr_set(err, 400, "Instance %s cannot be rescued: Cannot rescue a volume-backed "
                      "instance", s->uuid);
    if (rc == 0) {
        json_object_set_new(c->task_args, "admin_password", json_string(c->password));
        json_object_set_new(c->task_args, "image_ref", json_string(img.id));
        if (device)
            json_object_set_new(c->task_args, "rescue_device", json_string(device));
        if (bus)
            json_object_set_new(c->task_args, "rescue_bus", json_string(bus));
    }
    json_decref(props);
    return rc;
}

static int action_rescue(struct http_request *req, struct http_response *res,
                         const json_t *args, struct cerr *err)
{
    static const struct action_spec spec = {
        .op = OP_RESCUE, .policy = "os_compute_api:os-rescue", .rule = POLICY_MEMBER,
        .task_state = "rescuing", .action = "rescue", .task_kind = TASK_RESCUE,
    };
    if (rescue_validate(args, err) < 0)
        return -1;
    char generated[PASSWORD_LENGTH + 1];
    const char *pass = json_string_value(json_object_get(args, "adminPass"));
    if (!pass) {
        random_password(generated, PASSWORD_LENGTH);
        pass = generated;
    }
    struct rescue_ctx c = {
        .password = pass,
        .image_ref = json_string_value(json_object_get(args, "rescue_image_ref")),
        .task_args = json_object(),
    };
    int rc = server_action_run(req, &spec, c.task_args, rescue_in_txn, &c, NULL, err);
    json_decref(c.task_args);
    if (rc < 0)
        return -1;
    /* [api] enable_instance_password = False: the password is still set
     * in the rescue image, only not returned. */
    http_json(res, 200, req->cfg->enable_instance_password ?
                        json_pack("{s:s}", "adminPass", pass) : json_object());
    return 0;
}

static int unrescue_in_txn(struct http_request *req, struct db *db, struct server *s,
                           void *arg, struct cerr *err)
{
    return instance_check_launched(OP_UNRESCUE, s->uuid, s->launched_at != 0 && s->host[0],
                                   err);
}

/* {"unrescue": <anything>}: Nova has no schema for it. */
static int action_unrescue(struct http_request *req, struct http_response *res,
                           const json_t *args, struct cerr *err)
{
    static const struct action_spec spec = {
        .op = OP_UNRESCUE, .policy = "os_compute_api:os-unrescue", .rule = POLICY_MEMBER,
        .task_state = "unrescuing", .action = "unrescue", .task_kind = TASK_UNRESCUE,
    };
    (void)args;
    if (server_action_run(req, &spec, NULL, unrescue_in_txn, NULL, NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

const struct server_action server_actions_rescue[] = {
    { "rescue", action_rescue, 0, 0 },
    { "unrescue", action_unrescue, 0, 0 },
    { 0 }
};
