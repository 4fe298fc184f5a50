/* servers_validate.c - POST /servers and PUT /servers/{id} bodies checked
 * the way nova's jsonschema validation reports them: the first error in
 * schema order (the properties of schemas/servers.py in their order, then
 * required, then additionalProperties), named by the innermost field. Then
 * the body-only checks of servers.py create() (counts, availability zone
 * syntax, block device mappings, imageRef). */
#include "api/compute/servers_validate.h"
#include "api/validate.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers --- */

/* Python's repr of a JSON value, as jsonschema messages show it
 * (validate.c's, bounded and never cut inside a UTF-8 character). */
static void repr(const json_t *v, char *out, size_t n)
{
    v_repr(v, out, n);
}

static int not_of_type(const json_t *v, const char *field, const char *types, struct cerr *err)
{
    char r[256];
    repr(v, r, sizeof(r));
    return v_fail(err, field, v, "%s is not of type %s", r, types);
}

static int none_of(const json_t *v, const char *field, struct cerr *err)
{
    char r[256];
    repr(v, r, sizeof(r));
    return v_fail(err, field, v, "%s is not valid under any of the given schemas", r);
}

static int need_object(const json_t *v, const char *field, struct cerr *err)
{
    return json_is_object(v) ? 0 : not_of_type(v, field, "'object'", err);
}

/* additionalProperties false on an object already known to be one. */
static int only_keys(const json_t *v, const char *field, const char *const *allowed,
                     struct cerr *err)
{
    return v_object(v, field, allowed, err);
}

static const char *str_of(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int check_ip(const json_t *v, const char *field, struct cerr *err)
{
    if (!json_is_string(v))
        return not_of_type(v, field, "'string'", err);
    const char *s = json_string_value(v);
    return is_ipv4(s) || is_ipv6(s) ? 0 : none_of(v, field, err);
}

static int check_uuid_or_null(const json_t *v, const char *field, struct cerr *err)
{
    if (json_is_null(v) || (json_is_string(v) && is_uuid_like(json_string_value(v))))
        return 0;
    return none_of(v, field, err);
}

/* An index as jsonschema's path names array items. */
static const char *index_name(size_t i, char *buf, size_t n)
{
    snprintf(buf, n, "%zu", i);
    return buf;
}

/* --- networks --- */

static int check_network_item(const json_t *item, size_t i, int mv, bool uuid_format,
                              struct cerr *err)
{
    static const char *const keys[] = { "fixed_ip", "port", "uuid", NULL };
    static const char *const keys_tag[] = { "fixed_ip", "port", "uuid", "tag", NULL };
    char idx[24];
    bool tag = mv == MV_SRV_BDM_TAG_ONLY || (mv >= MV_SRV_NET_TAG_33 && mv < MV_SRV_NETWORKS) ||
               mv >= MV_SRV_TAGS_BACK;
    const json_t *v;
    if (need_object(item, index_name(i, idx, sizeof(idx)), err) < 0)
        return -1;
    if ((v = json_object_get(item, "fixed_ip")) && check_ip(v, "fixed_ip", err) < 0)
        return -1;
    if ((v = json_object_get(item, "port")) && check_uuid_or_null(v, "port", err) < 0)
        return -1;
    if ((v = json_object_get(item, "uuid"))) {
        if (!json_is_string(v))
            return not_of_type(v, "uuid", "'string'", err);
        if (uuid_format && v_uuid(v, "uuid", err) < 0)
            return -1;
    }
    if (tag && (v = json_object_get(item, "tag")) && v_tag(v, "tag", err) < 0)
        return -1;
    return only_keys(item, idx, tag ? keys_tag : keys, err);
}

static int check_network_list(const json_t *v, int mv, bool uuid_format, struct cerr *err)
{
    if (!json_is_array(v))
        return not_of_type(v, "networks", "'array'", err);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        if (check_network_item(item, i, mv, uuid_format, err) < 0)
            return -1;
    }
    return 0;
}

/* 2.37: "auto", "none" or a list (oneOf: any defect names the whole value). */
static int check_networks(const json_t *v, int mv, struct cerr *err)
{
    if (mv < MV_SRV_NETWORKS)
        return check_network_list(v, mv, false, err);
    struct cerr inner;
    const char *s = json_string_value(v);
    if ((s && (!strcmp(s, "auto") || !strcmp(s, "none"))) ||
        (json_is_array(v) && check_network_list(v, mv, true, &inner) == 0))
        return 0;
    return none_of(v, "networks", err);
}

/* --- personality, security groups, hints --- */

static int check_personality(const json_t *v, struct server_create_req *out, struct cerr *err)
{
    static const char *const keys[] = { "path", "contents", NULL };
    if (!json_is_array(v))
        return not_of_type(v, "personality", "'array'", err);
    size_t i;
    json_t *item;
    char idx[24];
    json_array_foreach(v, i, item) {
        const json_t *path = json_object_get(item, "path"), *c = json_object_get(item, "contents");
        if (need_object(item, index_name(i, idx, sizeof(idx)), err) < 0)
            return -1;
        if (path && !json_is_string(path))
            return not_of_type(path, "path", "'string'", err);
        if (c && !json_is_string(c))
            return not_of_type(c, "contents", "'string'", err);
        if (c && !server_base64_ok(json_string_value(c)))
            return v_fail(err, "contents", c, "'%.40s' is not a 'base64'", json_string_value(c));
        if (only_keys(item, idx, keys, err) < 0)
            return -1;
        int64_t plen = path ? (int64_t)utf8_len(json_string_value(path)) : 0;
        int64_t clen = c ? (int64_t)strlen(json_string_value(c)) : 0;
        out->personality_max_path = plen > out->personality_max_path ?
                                    plen : out->personality_max_path;
        out->personality_max_content = clen > out->personality_max_content ?
                                       clen : out->personality_max_content;
    }
    out->personality_files = (int64_t)json_array_size(v);
    return 0;
}

static int check_security_groups(const json_t *v, struct cerr *err)
{
    static const char *const keys[] = { "name", NULL };
    if (!json_is_array(v))
        return not_of_type(v, "security_groups", "'array'", err);
    size_t i;
    json_t *item, *name;
    char idx[24];
    json_array_foreach(v, i, item) {
        if (need_object(item, index_name(i, idx, sizeof(idx)), err) < 0)
            return -1;
        if ((name = json_object_get(item, "name")) && v_name(name, "name", err) < 0)
            return -1;
        if (only_keys(item, idx, keys, err) < 0)
            return -1;
    }
    return 0;
}

/* _hints: extra keys allowed; the known ones are typed. */
static int check_hints(const json_t *v, const char *field, struct cerr *err)
{
    if (need_object(v, field, err) < 0)
        return -1;
    const json_t *x;
    if ((x = json_object_get(v, "group")) && v_uuid(x, "group", err) < 0)
        return -1;
    if ((x = json_object_get(v, "same_host")) && !json_is_string(x) && !json_is_array(x))
        return not_of_type(x, "same_host", "'string', 'array'", err);
    if ((x = json_object_get(v, "different_host")) && !json_is_array(x) &&
        !(json_is_string(x) && is_uuid_like(json_string_value(x))))
        return none_of(x, "different_host", err);
    if ((x = json_object_get(v, "query")) && !json_is_string(x) && !json_is_object(x))
        return not_of_type(x, "query", "'string', 'object'", err);
    if ((x = json_object_get(v, "build_near_host_ip")) && check_ip(x, "build_near_host_ip",
                                                                   err) < 0)
        return -1;
    return 0;
}

/* --- block device mappings --- */

static int check_boot_index(const json_t *v, struct cerr *err)
{
    if (json_is_null(v) || json_is_integer(v))
        return 0;
    if (!json_is_string(v))
        return not_of_type(v, "boot_index", "'integer', 'string', 'null'", err);
    const char *s = json_string_value(v), *p = s + (s[0] == '-');
    bool ok = *p != '\0';
    for (; ok && *p; p++)
        ok = isdigit((unsigned char)*p);
    return ok ? 0 : v_fail(err, "boot_index", v, "'%s' does not match '^-?[0-9]+$'", s);
}

static int check_bdm_uuid(const json_t *v, struct cerr *err)
{
    if (v_string(v, "uuid", 1, 255, err) < 0)
        return -1;
    for (const char *p = json_string_value(v); *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return v_fail(err, "uuid", v, "'%s' does not match '^[a-zA-Z0-9._-]*$'",
                          json_string_value(v));
    return 0;
}

static int check_bdm_item(const json_t *item, size_t i, int mv, struct cerr *err)
{
    static const char *const keys[] = {
        "virtual_name", "volume_id", "snapshot_id", "volume_size", "device_name",
        "delete_on_termination", "no_device", "connection_info", "source_type", "uuid",
        "image_id", "destination_type", "guest_format", "device_type", "disk_bus",
        "boot_index", "tag", "volume_type", NULL };
    static const char *const sources[] = { "volume", "image", "snapshot", "blank", NULL };
    static const char *const dests[] = { "local", "volume", NULL };
    char idx[24];
    const json_t *v;
    bool dummy, tag = mv == MV_SRV_BDM_TAG_ONLY || mv >= MV_SRV_TAGS_BACK;
    int64_t n;
    if (need_object(item, index_name(i, idx, sizeof(idx)), err) < 0)
        return -1;
    if (((v = json_object_get(item, "volume_size")) &&
         v_int(v, "volume_size", 1, INT32_MAX, &n, err) < 0) ||
        ((v = json_object_get(item, "delete_on_termination")) &&
         v_boolean(v, "delete_on_termination", &dummy, err) < 0) ||
        ((v = json_object_get(item, "source_type")) && v_enum(v, "source_type", sources, err) < 0) ||
        ((v = json_object_get(item, "uuid")) && check_bdm_uuid(v, err) < 0) ||
        ((v = json_object_get(item, "destination_type")) &&
         v_enum(v, "destination_type", dests, err) < 0) ||
        ((v = json_object_get(item, "boot_index")) && check_boot_index(v, err) < 0) ||
        (tag && (v = json_object_get(item, "tag")) && v_tag(v, "tag", err) < 0))
        return -1;
    /* the last two keys exist from 2.32/2.42 (tag) and 2.67 (volume_type) */
    const char *const *allowed = keys;
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)item, key, x) {
        bool later = (!strcmp(key, "tag") && !tag) ||
                     (!strcmp(key, "volume_type") && mv < MV_SRV_VOLUME_TYPE);
        if (later)
            return v_fail(err, idx, item, "Additional properties are not allowed ('%s' was "
                          "unexpected)", key);
    }
    return only_keys(item, idx, allowed, err);
}

static int64_t boot_index_of(const json_t *bdm)
{
    const json_t *v = json_object_get(bdm, "boot_index");
    if (json_is_integer(v))
        return json_integer_value(v);
    return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : -1;
}

#define BDM_INVALID "Block Device Mapping is Invalid: "

/* BlockDeviceDict.from_api's checks, then cirrus's scope: no Block Storage
 * service, so the one mapping that can be honoured is the root disk made
 * locally from an image (what nova builds itself from imageRef). */
static int check_bdm_semantics(const json_t *bdm, const char **boot_image, struct cerr *err)
{
    const char *source = str_of(bdm, "source_type"), *uuid = str_of(bdm, "uuid");
    const char *dest = str_of(bdm, "destination_type");
    const json_t *vtype = json_object_get(bdm, "volume_type");
    json_t *no_device = json_object_get(bdm, "no_device");
    if (no_device && !json_is_false(no_device) && !json_is_null(no_device))
        return 0;
    if (source && !strcmp(source, "blank") && uuid)
        return cerr_set(err, 400, BDM_INVALID "Invalid device UUID.");
    if ((!source || strcmp(source, "blank") != 0) && !uuid)
        return cerr_set(err, 400, BDM_INVALID "Missing device UUID.");
    bool image_local = source && !strcmp(source, "image") && (!dest || !strcmp(dest, "local"));
    if (image_local && boot_index_of(bdm) != 0)
        return cerr_set(err, 400, BDM_INVALID "Mapping image to local is not supported.");
    if (dest && !strcmp(dest, "local") && vtype && !json_is_null(vtype))
        return cerr_set(err, 400, BDM_INVALID "Specifying a volume_type with "
                        "destination_type=local is not supported.");
    if (source && !strcmp(source, "volume") && vtype && !json_is_null(vtype))
        return cerr_set(err, 400, BDM_INVALID "Specifying volume type to existing volume is "
                        "not supported.");
    if (!image_local)
        return cerr_set(err, 400, BDM_INVALID "this cloud has no Block Storage service: only "
                        "a local root disk from an image (source_type image, destination_type "
                        "local, boot_index 0) is supported.");
    if (*boot_image)
        return cerr_set(err, 400, BDM_INVALID "Boot sequence for the instance and "
                        "image/block device mapping combination is not valid.");
    *boot_image = uuid;
    return 0;
}

static int check_bdms(const json_t *server, int mv, struct server_create_req *out,
                      struct cerr *err)
{
    const json_t *legacy = json_object_get(server, "block_device_mapping");
    const json_t *v2 = json_object_get(server, "block_device_mapping_v2");
    if (json_array_size(legacy) && json_array_size(v2))
        return cerr_set(err, 400, "Using different block_device_mapping syntaxes is not "
                        "allowed in the same request.");
    if (json_array_size(legacy))
        return cerr_set(err, 400, BDM_INVALID "this cloud has no Block Storage service: "
                        "volumes cannot be attached.");
    const char *boot_image = NULL;
    size_t i;
    json_t *bdm;
    json_array_foreach(v2, i, bdm) {
        if (check_bdm_semantics(bdm, &boot_image, err) < 0)
            return -1;
    }
    out->block_device_mapping = json_array_size(v2) ? v2 : NULL;
    const char *image = str_of(server, "imageRef");
    if (image && image[0]) {
        if (boot_image && strcmp(boot_image, image) != 0)
            return cerr_set(err, 400, BDM_INVALID "Boot sequence for the instance and "
                            "image/block device mapping combination is not valid.");
        out->image_ref = image;
    } else if (boot_image) {
        out->image_ref = boot_image;
        out->volume_boot = true;
    } else {
        return cerr_set(err, 400, "Missing imageRef attribute");
    }
    return 0;
}

/* --- the server object, in schema property order --- */

static int check_flavor_ref(const json_t *v, struct server_create_req *out, struct cerr *err)
{
    char text[256];
    if (json_is_integer(v)) {
        snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
    } else if (json_is_string(v)) {
        if (v_string(v, "flavorRef", 1, -1, err) < 0)
            return -1;
        str_copy(text, sizeof(text), json_string_value(v));
    } else {
        return not_of_type(v, "flavorRef", "'string', 'integer'", err);
    }
    server_id_from_href(text, out->flavor_id, sizeof(out->flavor_id));
    return 0;
}

static int check_image_ref(const json_t *v, struct cerr *err)
{
    const char *s = json_string_value(v);
    return s && (!s[0] || is_uuid_like(s)) ? 0 : none_of(v, "imageRef", err);
}

/* positive_integer: an integer >= 1, or a digit string (int() later; "0"
 * then means the default, as compute API create() does `or 1`). */
static int check_count(const json_t *v, const char *field, int64_t *out, struct cerr *err)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 1)
            return v_fail(err, field, v, "%lld is less than the minimum of 1",
                          (long long)json_integer_value(v));
        *out = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!s[0])
            return v_fail(err, field, v, "'' is too short");
        for (const char *p = s; *p; p++)
            if (!isdigit((unsigned char)*p))
                return v_fail(err, field, v, "'%s' does not match '^[0-9]*$'", s);
        *out = strlen(s) > 9 ? 999999999 : strtoll(s, NULL, 10);
    } else {
        return not_of_type(v, field, "'integer', 'string'", err);
    }
    if (*out > 999999999)
        *out = 999999999;
    return 0;
}

static int check_user_data(const json_t *v, struct cerr *err)
{
    if (!json_is_string(v))
        return not_of_type(v, "user_data", "'string'", err);
    const char *s = json_string_value(v);
    if (!server_base64_ok(s))
        return v_fail(err, "user_data", v, "'%.40s' is not a 'base64'", s);
    if (utf8_len(s) > SRV_USER_DATA_MAX)
        return v_fail(err, "user_data", v, "'%.40s...' is too long", s);
    return 0;
}

static int check_tags(const json_t *v, struct cerr *err)
{
    if (!json_is_array(v))
        return not_of_type(v, "tags", "'array'", err);
    size_t i;
    json_t *t;
    char idx[24];
    json_array_foreach(v, i, t) {
        if (v_tag(t, index_name(i, idx, sizeof(idx)), err) < 0)
            return -1;
    }
    return v_array(v, "tags", SRV_MAX_TAGS, err);
}

static int check_trusted_certs(const json_t *v, struct cerr *err)
{
    char r[256];
    if (json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return not_of_type(v, "trusted_image_certificates", "'array', 'null'", err);
    repr(v, r, sizeof(r));
    size_t n = json_array_size(v);
    if (n < 1)
        return v_fail(err, "trusted_image_certificates", v, "%s is too short", r);
    if (n > 50)
        return v_fail(err, "trusted_image_certificates", v, "%s is too long", r);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (json_equal(json_array_get(v, i), json_array_get(v, j)))
                return v_fail(err, "trusted_image_certificates", v,
                              "%s has non-unique elements", r);
    char idx[24];
    for (size_t i = 0; i < n; i++)
        if (v_string(json_array_get(v, i), index_name(i, idx, sizeof(idx)), 1, -1, err) < 0)
            return -1;
    return 0;
}

static int check_hostname(const json_t *v, int mv, struct cerr *err)
{
    return mv >= MV_SRV_HOSTNAME_FQDN ? v_fqdn(v, "hostname", err) :
                                        v_hostname(v, "hostname", err);
}

static int check_bdm_list(const json_t *v, const char *field, int mv, bool v2,
                          struct cerr *err)
{
    if (!json_is_array(v))
        return not_of_type(v, field, "'array'", err);
    size_t i;
    json_t *item;
    char idx[24];
    json_array_foreach(v, i, item) {
        if (v2 ? check_bdm_item(item, i, mv, err) < 0 :
                 need_object(item, index_name(i, idx, sizeof(idx)), err) < 0)
            return -1;
    }
    return 0;
}

/* Fields of base_create, in their order in schemas/servers.py. */
static int check_base_fields(const json_t *s, int mv, struct server_create_req *out,
                             struct cerr *err)
{
    static const char *const disk[] = { "AUTO", "MANUAL", NULL };
    const json_t *v;
    bool b = false;
    if (((v = json_object_get(s, "name")) && v_name(v, "name", err) < 0) ||
        ((v = json_object_get(s, "imageRef")) && check_image_ref(v, err) < 0) ||
        ((v = json_object_get(s, "flavorRef")) && check_flavor_ref(v, out, err) < 0) ||
        ((v = json_object_get(s, "adminPass")) && !json_is_string(v) &&
         not_of_type(v, "adminPass", "'string'", err) < 0) ||
        ((v = json_object_get(s, "metadata")) && v_metadata(v, "metadata", err) < 0) ||
        ((v = json_object_get(s, "networks")) && check_networks(v, mv, err) < 0) ||
        ((v = json_object_get(s, "OS-DCF:diskConfig")) &&
         v_enum(v, "OS-DCF:diskConfig", disk, err) < 0) ||
        ((v = json_object_get(s, "accessIPv4")) && v_ipv4(v, "accessIPv4", err) < 0) ||
        ((v = json_object_get(s, "accessIPv6")) && v_ipv6(v, "accessIPv6", err) < 0))
        return -1;
    if (mv < MV_SRV_NO_PERSONALITY && (v = json_object_get(s, "personality")) &&
        check_personality(v, out, err) < 0)
        return -1;
    if (((v = json_object_get(s, "availability_zone")) &&
         v_name(v, "availability_zone", err) < 0) ||
        ((v = json_object_get(s, "block_device_mapping")) &&
         check_bdm_list(v, "block_device_mapping", mv, false, err) < 0) ||
        ((v = json_object_get(s, "block_device_mapping_v2")) &&
         check_bdm_list(v, "block_device_mapping_v2", mv, true, err) < 0) ||
        ((v = json_object_get(s, "config_drive")) && v_boolean(v, "config_drive", &b, err) < 0) ||
        ((v = json_object_get(s, "key_name")) && v_name(v, "key_name", err) < 0) ||
        ((v = json_object_get(s, "min_count")) &&
         check_count(v, "min_count", &out->min_count, err) < 0) ||
        ((v = json_object_get(s, "max_count")) &&
         check_count(v, "max_count", &out->max_count, err) < 0) ||
        ((v = json_object_get(s, "return_reservation_id")) &&
         v_boolean(v, "return_reservation_id", &out->return_reservation_id, err) < 0) ||
        ((v = json_object_get(s, "security_groups")) && check_security_groups(v, err) < 0) ||
        ((v = json_object_get(s, "user_data")) && check_user_data(v, err) < 0))
        return -1;
    out->config_drive = json_object_get(s, "config_drive") && b;
    return 0;
}

/* Fields later microversions added, in the order they were added. */
static int check_versioned_fields(const json_t *s, int mv, struct cerr *err)
{
    const json_t *v;
    if (mv >= MV_SRV_DESCRIPTION && (v = json_object_get(s, "description")) &&
        v_description(v, "description", err) < 0)
        return -1;
    if (mv >= MV_SRV_TAGS && (v = json_object_get(s, "tags")) && check_tags(v, err) < 0)
        return -1;
    if (mv >= MV_SRV_TRUSTED_CERTS && (v = json_object_get(s, "trusted_image_certificates")) &&
        check_trusted_certs(v, err) < 0)
        return -1;
    if (mv >= MV_SRV_HOST && (((v = json_object_get(s, "host")) && v_fqdn(v, "host", err) < 0) ||
                              ((v = json_object_get(s, "hypervisor_hostname")) &&
                               v_fqdn(v, "hypervisor_hostname", err) < 0)))
        return -1;
    if (mv >= MV_SRV_HOSTNAME && (v = json_object_get(s, "hostname")) &&
        check_hostname(v, mv, err) < 0)
        return -1;
    return 0;
}

/* The keys base_create_v2xx allows at mv (additionalProperties false). */
static int check_server_keys(const json_t *s, int mv, struct cerr *err)
{
    const char *allowed[40];
    static const char *const base[] = {
        "name", "imageRef", "flavorRef", "adminPass", "metadata", "networks",
        "OS-DCF:diskConfig", "accessIPv4", "accessIPv6", "availability_zone",
        "block_device_mapping", "block_device_mapping_v2", "config_drive", "key_name",
        "min_count", "max_count", "return_reservation_id", "security_groups", "user_data",
        NULL };
    int n = 0;
    for (int i = 0; base[i]; i++)
        allowed[n++] = base[i];
    if (mv < MV_SRV_NO_PERSONALITY)
        allowed[n++] = "personality";
    if (mv >= MV_SRV_DESCRIPTION)
        allowed[n++] = "description";
    if (mv >= MV_SRV_TAGS)
        allowed[n++] = "tags";
    if (mv >= MV_SRV_TRUSTED_CERTS)
        allowed[n++] = "trusted_image_certificates";
    if (mv >= MV_SRV_HOST) {
        allowed[n++] = "host";
        allowed[n++] = "hypervisor_hostname";
    }
    if (mv >= MV_SRV_HOSTNAME)
        allowed[n++] = "hostname";
    allowed[n] = NULL;
    return only_keys(s, "server", allowed, err);
}

static int check_server(const json_t *s, int mv, struct server_create_req *out,
                        struct cerr *err)
{
    if (need_object(s, "server", err) < 0 || check_base_fields(s, mv, out, err) < 0 ||
        check_versioned_fields(s, mv, err) < 0 ||
        v_required_in(s, "server", "name", err) < 0 ||
        v_required_in(s, "server", "flavorRef", err) < 0 ||
        (mv >= MV_SRV_NETWORKS && v_required_in(s, "server", "networks", err) < 0))
        return -1;
    return check_server_keys(s, mv, err);
}

/* base_create's root: server, then the two hint spellings, then required
 * and additionalProperties. */
static int check_root(const json_t *body, int mv, struct server_create_req *out,
                      struct cerr *err)
{
    static const char *const roots[] = { "server", "os:scheduler_hints",
                                         "OS-SCH-HNT:scheduler_hints", NULL };
    char r[256];
    if (!json_is_object(body)) {
        repr(body, r, sizeof(r));
        return cerr_set(err, 400, "%s is not of type 'object'", r);
    }
    const json_t *s = json_object_get(body, "server"), *h;
    if (s && check_server(s, mv, out, err) < 0)
        return -1;
    for (int i = 1; i < 3; i++)
        if ((h = json_object_get(body, roots[i])) && check_hints(h, roots[i], err) < 0)
            return -1;
    if (!s)
        return cerr_set(err, 400, "'server' is a required property");
    return v_body(body, roots, NULL, err);
}

/* --- after the schema: servers.py create() --- */

static void fill_fields(const json_t *s, int mv, struct server_create_req *out)
{
    out->name = str_of(s, "name");
    out->networks = json_object_get(s, "networks");
    out->admin_pass = str_of(s, "adminPass");
    out->metadata = json_object_get(s, "metadata");
    out->access_ip_v4 = str_of(s, "accessIPv4");
    out->access_ip_v6 = str_of(s, "accessIPv6");
    out->disk_config = str_of(s, "OS-DCF:diskConfig");
    out->personality = mv < MV_SRV_NO_PERSONALITY ? json_object_get(s, "personality") : NULL;
    out->user_data = str_of(s, "user_data");
    out->key_name = str_of(s, "key_name");
    out->security_groups = json_object_get(s, "security_groups");
    /* before 2.19 nova copies the name into display_description */
    out->description = mv >= MV_SRV_DESCRIPTION ? str_of(s, "description") : out->name;
    out->tags = mv >= MV_SRV_TAGS ? json_object_get(s, "tags") : NULL;
    out->trusted_certs = mv >= MV_SRV_TRUSTED_CERTS ?
                         json_object_get(s, "trusted_image_certificates") : NULL;
    out->host = mv >= MV_SRV_HOST ? str_of(s, "host") : NULL;
    out->hypervisor_hostname = mv >= MV_SRV_HOST ? str_of(s, "hypervisor_hostname") : NULL;
    out->hostname = mv >= MV_SRV_HOSTNAME ? str_of(s, "hostname") : NULL;
}

int server_create_parse(const json_t *body, int mv, struct server_create_req *out,
                        struct cerr *err)
{
    memset(out, 0, sizeof(*out));
    out->min_count = 1;
    if (check_root(body, mv, out, err) < 0)
        return -1;
    const json_t *s = out->server = json_object_get(body, "server");
    if (!json_object_get(s, "max_count"))
        out->max_count = out->min_count;
    if (out->min_count > out->max_count)
        return cerr_set(err, 400, "min_count must be <= max_count");
    /* int("0") passes the schema; compute API create() then uses `or 1` */
    if (out->min_count == 0)
        out->min_count = 1;
    if (out->max_count == 0)
        out->max_count = out->min_count;
    fill_fields(s, mv, out);
    out->scheduler_hints = json_object_get(body, "os:scheduler_hints");
    if (!out->scheduler_hints)
        out->scheduler_hints = json_object_get(body, "OS-SCH-HNT:scheduler_hints");
    const char *az = str_of(s, "availability_zone");
    if (az && server_parse_az(az, out->availability_zone, sizeof(out->availability_zone),
                              out->forced_host, sizeof(out->forced_host), out->forced_node,
                              sizeof(out->forced_node), err) < 0)
        return -1;
    return check_bdms(s, mv, out, err);
}

/* --- PUT /servers/{id} --- */

int server_update_parse(const json_t *body, int mv, struct cerr *err)
{
    static const char *const disk[] = { "AUTO", "MANUAL", NULL };
    static const char *const roots[] = { "server", NULL };
    const char *allowed[8] = { "name", "OS-DCF:diskConfig", "accessIPv4", "accessIPv6" };
    int n = 4;
    char r[256];
    if (!json_is_object(body)) {
        repr(body, r, sizeof(r));
        return cerr_set(err, 400, "%s is not of type 'object'", r);
    }
    const json_t *s = json_object_get(body, "server"), *v;
    if (s && (need_object(s, "server", err) < 0 ||
              ((v = json_object_get(s, "name")) && v_name(v, "name", err) < 0) ||
              ((v = json_object_get(s, "OS-DCF:diskConfig")) &&
               v_enum(v, "OS-DCF:diskConfig", disk, err) < 0) ||
              ((v = json_object_get(s, "accessIPv4")) && v_ipv4(v, "accessIPv4", err) < 0) ||
              ((v = json_object_get(s, "accessIPv6")) && v_ipv6(v, "accessIPv6", err) < 0)))
        return -1;
    if (mv >= MV_SRV_DESCRIPTION) {
        allowed[n++] = "description";
        if (s && (v = json_object_get(s, "description")) && v_description(v, "description",
                                                                          err) < 0)
            return -1;
    }
    if (mv >= MV_SRV_HOSTNAME) {
        allowed[n++] = "hostname";
        if (s && (v = json_object_get(s, "hostname")) && check_hostname(v, mv, err) < 0)
            return -1;
    }
    allowed[n] = NULL;
    if (s && only_keys(s, "server", allowed, err) < 0)
        return -1;
    if (!s)
        return cerr_set(err, 400, "'server' is a required property");
    return v_body(body, roots, NULL, err);
}
