/* server_actions_image.c - createImage (servers.py _action_create_image,
 * compute API snapshot(), compute_utils.create_image): a queued image in
 * the Image API store named after the request, inheriting the server's
 * image properties, then the snapshot task on the server's host
 * (core/compute_snapshot.c) fills it. 202 with a Location header before
 * 2.45, with {"image_id": ...} from 2.45. */
#include "api/compute/server_actions_common.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/image.h"
#include "core/power_task.h"
#include "core/quota.h"
#include "store/image.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <stdlib.h>
#include <string.h>

#define MV_IMAGE_ID_BODY MV(2, 45)
#define MV_IMAGE_QUOTA_MAX MV(2, 38)   /* MAX_IMAGE_META_PROXY_API_VERSION */

/* nova.compute.utils NON_INHERITABLE_IMAGE_PROPERTIES, the default
 * [DEFAULT] non_inheritable_image_properties, and the os_glance namespace. */
static bool inheritable(const char *key)
{
    static const char *const drop[] = {
        "cinder_encryption_key_id", "cinder_encryption_key_deletion_policy", "img_signature",
        "img_signature_hash_method", "img_signature_key_type",
        "img_signature_certificate_uuid", "cache_in_nova", "bittorrent", NULL,
    };
    for (int i = 0; drop[i]; i++)
        if (strcmp(drop[i], key) == 0)
            return false;
    return strncmp(key, "os_glance", 9) != 0;
}

/* initialize_instance_snapshot_metadata: the base image's properties that
 * may be inherited, instance_uuid / user_id / image_type /
 * base_image_ref, then the request's metadata on top. A snapshot taken by
 * another project (an admin's) is shared with the server's project. */
static json_t *snapshot_properties(struct http_request *req, struct db *db,
                                   const struct server *s, const json_t *metadata)
{
    json_t *props = json_object();
    if (s->image_ref[0]) {
        json_t *base = store_image_properties(db, s->image_ref);
        const char *k;
        json_t *v;
        json_object_foreach(base, k, v)
            if (inheritable(k))
                json_object_set(props, k, v);
        json_decref(base);
        json_object_set_new(props, "base_image_ref", json_string(s->image_ref));
    }
    json_object_set_new(props, "instance_uuid", json_string(s->uuid));
    json_object_set_new(props, "user_id", json_string(req->auth.user_id));
    json_object_set_new(props, "image_type", json_string("snapshot"));
    if (strcmp(req->auth.project_id, s->project_id) != 0)
        json_object_set_new(props, "instance_owner", json_string(s->project_id));
    json_object_update(props, (json_t *)metadata);
    return props;
}

/* The image record, in its own transaction before the server's (Nova
 * creates it in Glance before instance.save, and deletes it again when
 * that save loses). */
static int create_record(struct http_request *req, struct db *db, const struct server *s,
                         const char *name, const json_t *metadata, struct image *img,
                         struct cerr *err)
{
    memset(img, 0, sizeof(*img));
    uuid_generate_text(img->id);
    str_copy(img->name, sizeof(img->name), name);
    img->has_name = true;
    str_copy(img->owner, sizeof(img->owner), req->auth.project_id);
    str_copy(img->status, sizeof(img->status), "queued");
    bool same = strcmp(req->auth.project_id, s->project_id) == 0;
    str_copy(img->visibility, sizeof(img->visibility), same ? "private" : "shared");
    img->size = img->virtual_size = -1;
    /* min_disk from the system metadata Nova kept at boot: the larger of
     * the image's min_disk and the flavor's root disk; min_ram as is. */
    struct image base;
    struct cerr ignored = {0};
    if (s->image_ref[0] && store_image_get(db, s->image_ref, &base, &ignored) == 0) {
        img->min_ram = base.min_ram;
        img->min_disk = base.min_disk;
    }
    if (s->root_gb > img->min_disk)
        img->min_disk = s->root_gb;
    json_t *props = snapshot_properties(req, db, s, metadata);
    int rc = store_image_insert(db, img, props, NULL, err);
    json_decref(props);
    if (rc == 0 && !same) {
        struct image_member m = {0};
        str_copy(m.image_id, sizeof(m.image_id), img->id);
        str_copy(m.member, sizeof(m.member), s->project_id);
        str_copy(m.status, sizeof(m.status), "pending");
        struct cerr merr = {0};
        if (store_image_member_add(db, &m, &merr) < 0)
            rc = cerr_internal(err, "snapshot image member");
    }
    return rc;
}

int server_action_create_image(struct http_request *req, struct http_response *res,
                               const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"name", "metadata", NULL};
    if (v_object(args, "createImage", keys, err) < 0 ||
        v_required_in(args, "createImage", "name", err) < 0 ||
        v_name(json_object_get(args, "name"), "name", err) < 0)
        return -1;
    const json_t *metadata = json_object_get(args, "metadata");
    if (metadata && v_metadata(metadata, "metadata", err) < 0)
        return -1;
    struct db *db = store_db();
    struct server *s = NULL;
    struct image img;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    static const struct action_spec spec = {
        .op = OP_CREATE_IMAGE, .policy = "os_compute_api:servers:create_image",
        .rule = POLICY_MEMBER, .needs_host = true, .task_state = "image_snapshot_pending",
        .action = "createImage", .task_kind = TASK_SNAPSHOT,
    };
    json_t *empty = json_object(), *targs = NULL;
    int rc = policy_check(&req->auth, spec.rule, spec.policy, err);
    /* Up to 2.38 the metadata counts against the metadata_items quota
     * (check_img_metadata_properties_quota). */
    if (rc == 0 && req->mv <= MV_IMAGE_QUOTA_MAX && json_object_size(metadata) > 0 &&
        quota_check_metadata(req->cfg, (int64_t)json_object_size(metadata), err) < 0)
        rc = cerr_set(err, 403, "Image metadata limit exceeded");
    /* check_instance_state runs before Glance is asked for an image. */
    if (rc == 0)
        rc = instance_check(OP_CREATE_IMAGE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                            policy_is_admin(&req->auth), err);
    if (rc == 0)
        rc = instance_check_launched(OP_CREATE_IMAGE, s->uuid, s->launched_at != 0, err);
    if (rc == 0)
        rc = create_record(req, db, s, json_string_value(json_object_get(args, "name")),
                           metadata ? metadata : empty, &img, err);
    if (rc == 0) {
        targs = json_pack("{s:s}", "image_id", img.id);
        if (server_action_run(req, &spec, targs, NULL, NULL, NULL, err) < 0) {
            struct cerr ignored = {0};
            image_delete(req->cfg, db, &img, &ignored);
            rc = -1;
        }
    }
    json_decref(targs);
    json_decref(empty);
    server_free(s);
    if (rc < 0)
        return -1;
    if (req->mv >= MV_IMAGE_ID_BODY) {
        http_json(res, 202, json_pack("{s:s}", "image_id", img.id));
    } else {
        char *loc = xasprintf("%s/image/images/%s", http_base_url(req), img.id);
        http_set_header(res, "Location", loc);
        free(loc);
        http_empty(res, 202);
    }
    return 0;
}
