/* server_view.c - server bodies as nova views/servers.py builds them
 * (DIGEST (f); response schemas of nova schemas/servers.py): which field
 * exists at which microversion and for whom, and the computed fields
 * (status, hostId, progress, fault, host_status). One writer serves both
 * a single body (jansson tree) and list pages (JSON text, with metadata,
 * tags and addresses fetched per page), so the two cannot drift apart. */
#include "api/compute/server_view.h"
#include "api/compute/common.h"
#include "api/compute/server_emit.h"
#include "core/instance.h"
#include "core/policy.h"
#include "store/host.h"
#include "store/server_read.h"
#include "util/clock.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_EXT_ATTRS_23   MV(2, 3)
#define MV_LOCKED         MV(2, 9)
#define MV_HOST_STATUS    MV(2, 16)
#define MV_DESCRIPTION    MV(2, 19)
#define MV_TAGS           MV(2, 26)
#define MV_FLAVOR_EMBED   MV(2, 47)
#define MV_TRUSTED_CERTS  MV(2, 63)
#define MV_SERVER_GROUPS  MV(2, 71)
#define MV_LOCKED_REASON  MV(2, 73)
#define MV_HOSTNAME_ALL   MV(2, 90)
#define MV_PINNED_AZ      MV(2, 96)
#define MV_IMAGE_PROPS    MV(2, 98)
#define MV_SCHED_HINTS    MV(2, 100)

/* What every body of one request shares. */
struct view_ctx {
    struct http_request *req;
    struct db *db;
    bool admin;             /* os-extended-server-attributes and host_status policies */
    bool extra_specs;       /* os_compute_api:os-flavor-extra-specs:index */
    bool show;              /* GET /servers/{id}: server_groups (2.71+) */
    char *url[4];           /* link prefixes, see enum link */
    char host_id_key[600];  /* memo of the last hostId computed */
    char host_id[57];
    char *groups_text;      /* memo of the last security_groups parsed */
    json_t *groups;
};

/* What one body needs beyond its row. */
struct view_extras {
    const struct server_kv *metadata, *tags;   /* this server's entries */
    int n_metadata, n_tags;
    const struct server_addr *addrs;           /* by label, in allocation order */
    int n_addrs;
    const char *host_status;                   /* NULL = look it up */
    json_t *sysmeta;                           /* parsed system_metadata, or NULL */
};

enum link { SERVER_SELF, SERVER_BOOKMARK, IMAGE_BOOKMARK, FLAVOR_BOOKMARK };

/* self = <base>/v2.1[/<project>]/<collection>/<id>; the bookmark is the
 * same without the version segment (common.c, DIGEST (f)). */
static char *bookmark_prefix(struct http_request *req, const char *collection)
{
    char *self = api_self_url(req, collection, "");
    size_t base = strlen(http_base_url(req));
    char *book = xasprintf("%.*s%s", (int)base, self, self + base + strlen("/v2.1"));
    free(self);
    return book;
}

static void ctx_init(struct view_ctx *c, struct http_request *req, struct db *db, bool show)
{
    memset(c, 0, sizeof(*c));
    c->req = req;
    c->db = db;
    c->show = show;
    c->admin = policy_is_admin(&req->auth);
    c->extra_specs = req->mv >= MV_FLAVOR_EMBED &&
                     policy_check(&req->auth, POLICY_READER, "extra specs", NULL) == 0;
    c->url[SERVER_SELF] = api_self_url(req, "servers", "");
    c->url[SERVER_BOOKMARK] = bookmark_prefix(req, "servers");
    c->url[IMAGE_BOOKMARK] = bookmark_prefix(req, "images");
    c->url[FLAVOR_BOOKMARK] = bookmark_prefix(req, "flavors");
}

static void ctx_clear(struct view_ctx *c)
{
    for (int i = 0; i < 4; i++)
        free(c->url[i]);
    free(c->groups_text);
    json_decref(c->groups);
}

static void emit_link(struct emit *e, const struct view_ctx *c, enum link which,
                      const char *rel, const char *id)
{
    char href[1024];   /* base URL (<256) + path + id (<256) */
    size_t n = strlen(c->url[which]), m = strlen(id);
    if (n + m >= sizeof(href))
        n = m = 0;
    memcpy(href, c->url[which], n);
    memcpy(href + n, id, m);
    href[n + m] = '\0';
    emit_open(e, NULL, false);
    emit_str(e, "rel", rel);
    emit_str(e, "href", href);
    emit_close(e);
}

static void emit_bookmark(struct emit *e, const struct view_ctx *c, enum link which,
                          const char *id)
{
    emit_open(e, "links", true);
    emit_link(e, c, which, "bookmark", id);
    emit_close(e);
}

static void emit_server_links(struct emit *e, const struct view_ctx *c, const char *uuid)
{
    emit_open(e, "links", true);
    emit_link(e, c, SERVER_SELF, "self", uuid);
    emit_link(e, c, SERVER_BOOKMARK, "bookmark", uuid);
    emit_close(e);
}

/* sha224(project_id + host) in hex; "" when unscheduled. Same host and
 * project give the same id, so the memo serves a whole page. */
static const char *host_id(struct view_ctx *c, const struct server *s)
{
    if (!s->host[0])
        return "";
    char key[sizeof(c->host_id_key)];
    size_t np = strlen(s->project_id), nh = strlen(s->host);
    if (np + nh >= sizeof(key))
        return "";
    memcpy(key, s->project_id, np);
    memcpy(key + np, s->host, nh + 1);
    if (c->host_id[0] && strcmp(key, c->host_id_key) == 0)
        return c->host_id;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(key, strlen(key), md, &n, EVP_sha224(), NULL) != 1)
        return "";
    for (unsigned int i = 0; i < n && i < 28; i++)
        snprintf(c->host_id + 2 * i, 3, "%02x", md[i]);
    memcpy(c->host_id_key, key, sizeof(key));
    return c->host_id;
}

static const char *or_null(const char *v)
{
    return v && v[0] ? v : NULL;
}

/* OS-SRV-USG stamps: Python's naive isoformat(), which drops a zero
 * microsecond part. */
static void emit_usec_time(struct emit *e, const char *key, int64_t us)
{
    char text[CLOCK_TEXT_MAX];
    if (!us) {
        emit_null(e, key);
        return;
    }
    if (us % 1000000 == 0) {
        clock_iso(us, text);
        text[strlen(text) - 1] = '\0';
    } else {
        clock_iso_usec(us, text);
    }
    emit_str(e, key, text);
}

static void emit_iso_time(struct emit *e, const char *key, int64_t us)
{
    char text[CLOCK_TEXT_MAX];
    clock_iso(us, text);
    emit_str(e, key, text);
}

static json_t *parse_json(const char *text)
{
    return text && text[0] ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

/* 2.98: the image's properties as recorded at boot (system_metadata
 * image_<key>, Nova's SM_IMAGE_PROP_PREFIX), not as the image has them now. */
static void emit_image_properties(struct emit *e, const json_t *sysmeta)
{
    const char *key;
    json_t *v;
    emit_open(e, "properties", false);
    json_object_foreach((json_t *)sysmeta, key, v) {
        if (strncmp(key, "image_", 6) == 0 && key[6] && json_is_string(v))
            emit_str(e, key + 6, json_string_value(v));
    }
    emit_close(e);
}

static void emit_image(struct emit *e, struct view_ctx *c, const struct server *s,
                       const json_t *sysmeta)
{
    if (!s->image_ref[0]) {
        emit_str(e, "image", "");   /* volume-backed */
        return;
    }
    emit_open(e, "image", false);
    emit_str(e, "id", s->image_ref);
    emit_bookmark(e, c, IMAGE_BOOKMARK, s->image_ref);
    if (c->req->mv >= MV_IMAGE_PROPS)
        emit_image_properties(e, sysmeta);
    emit_close(e);
}

static void emit_flavor(struct emit *e, struct view_ctx *c, const struct server *s)
{
    emit_open(e, "flavor", false);
    if (c->req->mv < MV_FLAVOR_EMBED) {
        emit_str(e, "id", s->flavorid);
        emit_bookmark(e, c, FLAVOR_BOOKMARK, s->flavorid);
        emit_close(e);
        return;
    }
    emit_int(e, "vcpus", s->vcpus);
    emit_int(e, "ram", s->memory_mb);
    emit_int(e, "disk", s->root_gb);
    emit_int(e, "ephemeral", s->ephemeral_gb);
    emit_int(e, "swap", s->swap);
    emit_str(e, "original_name", s->flavor_name);
    if (c->extra_specs) {
        /* "{}" (most flavors) needs no parse */
        json_t *specs = s->flavor_extra_specs && strcmp(s->flavor_extra_specs, "{}") != 0
                        ? parse_json(s->flavor_extra_specs) : NULL;
        if (json_is_object(specs)) {
            emit_json(e, "extra_specs", specs);
        } else {
            emit_open(e, "extra_specs", false);
            emit_close(e);
        }
        json_decref(specs);
    }
    emit_close(e);
}

/* Only ERROR and DELETED servers show their latest fault; the traceback
 * (details) is hidden from non-admins for 500s (views _get_fault). */
static void emit_fault(struct emit *e, struct view_ctx *c, const struct server *s)
{
    struct server_fault f = {0};
    if (store_server_fault_get(c->db, s->uuid, &f) != 1)
        return;
    emit_open(e, "fault", false);
    emit_int(e, "code", f.code);
    emit_iso_time(e, "created", f.created_at);
    emit_str(e, "message", f.message);
    if (f.details && f.details[0] && (c->admin || f.code != 500))
        emit_str(e, "details", f.details);
    emit_close(e);
    free(f.details);
}

static bool shows_progress(const char *status)
{
    static const char *const with[] = { "ACTIVE", "BUILD", "REBUILD", "RESIZE",
                                        "VERIFY_RESIZE", "MIGRATING", NULL };
    for (int i = 0; with[i]; i++)
        if (strcmp(status, with[i]) == 0)
            return true;
    return false;
}

/* security_groups is omitted, not empty, for a server without groups
 * (views _add_security_grps only sets it when bindings exist); each
 * group shows its name only. A page's servers mostly share one list, so
 * the last one parsed is kept. */
static void emit_security_groups(struct emit *e, struct view_ctx *c, const struct server *s)
{
    if (!s->security_groups || !strcmp(s->security_groups, "[]"))
        return;
    if (!c->groups_text || strcmp(c->groups_text, s->security_groups) != 0) {
        free(c->groups_text);
        json_decref(c->groups);
        c->groups_text = xstrdup(s->security_groups);
        c->groups = parse_json(s->security_groups);
    }
    if (!json_is_array(c->groups) || json_array_size(c->groups) == 0)
        return;
    size_t i;
    json_t *g;
    emit_open(e, "security_groups", true);
    json_array_foreach(c->groups, i, g) {
        emit_open(e, NULL, false);
        emit_str(e, "name", json_is_string(json_object_get(g, "name"))
                            ? json_string_value(json_object_get(g, "name")) : "");
        emit_close(e);
    }
    emit_close(e);
}

static void emit_extended_attrs(struct emit *e, struct view_ctx *c, const struct server *s)
{
    char instance_name[32];
    snprintf(instance_name, sizeof(instance_name), "instance-%08llx", (long long)s->id);
    emit_str(e, "OS-EXT-SRV-ATTR:host", or_null(s->host));
    emit_str(e, "OS-EXT-SRV-ATTR:instance_name", instance_name);
    emit_str(e, "OS-EXT-SRV-ATTR:hypervisor_hostname", or_null(s->node));
    if (c->req->mv < MV_EXT_ATTRS_23)
        return;
    emit_str(e, "OS-EXT-SRV-ATTR:reservation_id", s->reservation_id);
    emit_int(e, "OS-EXT-SRV-ATTR:launch_index", s->launch_index);
    emit_str(e, "OS-EXT-SRV-ATTR:hostname", s->hostname);
    emit_str(e, "OS-EXT-SRV-ATTR:kernel_id", "");
    emit_str(e, "OS-EXT-SRV-ATTR:ramdisk_id", "");
    emit_str(e, "OS-EXT-SRV-ATTR:root_device_name", or_null(s->root_device_name));
    emit_str(e, "OS-EXT-SRV-ATTR:user_data", s->user_data);
}

/* nova compute API get_instance_host_status. */
static const char *host_status_from(const struct host_row *h, int64_t now_us)
{
    if (h->forced_down)
        return "DOWN";
    if (h->disabled)
        return "MAINTENANCE";
    return host_row_is_up(h, now_us) ? "UP" : "UNKNOWN";
}

static const char *host_status_of(struct view_ctx *c, const struct server *s)
{
    struct host_row h;
    struct cerr ignored;
    if (!s->host[0] || store_host_get(c->db, s->host, &h, &ignored) < 0)
        return "";
    return host_status_from(&h, clock_now_us());
}

/* scheduler_hints as the RequestSpec keeps them: every value a list. */
static void emit_scheduler_hints(struct emit *e, const struct server *s)
{
    json_t *hints = parse_json(s->scheduler_hints), *v;
    const char *key;
    emit_open(e, "scheduler_hints", false);
    json_object_foreach(hints, key, v) {
        if (json_is_array(v)) {
            emit_json(e, key, v);
        } else {
            emit_open(e, key, true);
            emit_json(e, NULL, v);
            emit_close(e);
        }
    }
    emit_close(e);
    json_decref(hints);
}

/* 2.96: the zone the create request asked for, which the create handler
 * records in system_metadata; null when none was asked for. 2.63: the
 * trusted certificate ids, likewise. */
static void emit_sysmeta_field(struct emit *e, const json_t *sysmeta, const char *key)
{
    json_t *v = json_object_get(sysmeta, key);
    if (v && !json_is_null(v))
        emit_json(e, key, v);
    else
        emit_null(e, key);
}

/* {"<label>": [{version, addr, OS-EXT-IPS:type, OS-EXT-IPS-MAC:mac_addr}]}
 * (views/addresses.py with extend_address). */
static void emit_addresses(struct emit *e, const struct view_extras *x)
{
    emit_open(e, "addresses", false);
    for (int i = 0; i < x->n_addrs;) {
        const char *label = x->addrs[i].label;
        emit_open(e, label, true);
        for (; i < x->n_addrs && strcmp(x->addrs[i].label, label) == 0; i++) {
            emit_open(e, NULL, false);
            emit_int(e, "version", x->addrs[i].version);
            emit_str(e, "addr", x->addrs[i].addr);
            emit_str(e, "OS-EXT-IPS:type", "fixed");
            emit_str(e, "OS-EXT-IPS-MAC:mac_addr", x->addrs[i].mac);
            emit_close(e);
        }
        emit_close(e);
    }
    emit_close(e);
}

/* The fields every show/detail body has (schemas _server_response). */
static void emit_base(struct emit *e, struct view_ctx *c, const struct server *s,
                      const char *status, const struct view_extras *x)
{
    emit_str(e, "id", s->uuid);
    emit_str(e, "name", s->name);
    emit_str(e, "status", status);
    emit_str(e, "tenant_id", s->project_id);
    emit_str(e, "user_id", s->user_id);
    emit_open(e, "metadata", false);
    for (int i = 0; i < x->n_metadata; i++)
        emit_str(e, x->metadata[i].key, x->metadata[i].value);
    emit_close(e);
    emit_str(e, "hostId", host_id(c, s));
    emit_image(e, c, s, x->sysmeta);
    emit_flavor(e, c, s);
    emit_iso_time(e, "created", s->created_at);
    emit_iso_time(e, "updated", s->updated_at);
    emit_addresses(e, x);
    emit_str(e, "accessIPv4", s->access_ip_v4);
    emit_str(e, "accessIPv6", s->access_ip_v6);
    emit_server_links(e, c, s->uuid);
    emit_str(e, "OS-DCF:diskConfig", strcmp(s->disk_config, "AUTO") == 0 ? "AUTO" : "MANUAL");
}

/* The extensions Nova v2.1 merged in (OS-EXT-*, OS-SRV-USG, ...). */
static void emit_extensions(struct emit *e, struct view_ctx *c, const struct server *s)
{
    emit_str(e, "OS-EXT-AZ:availability_zone", s->availability_zone);
    emit_str(e, "config_drive", s->config_drive);
    emit_str(e, "key_name", or_null(s->key_name));
    emit_usec_time(e, "OS-SRV-USG:launched_at", s->launched_at);
    emit_usec_time(e, "OS-SRV-USG:terminated_at", s->terminated_at);
    emit_security_groups(e, c, s);
    if (c->admin)
        emit_extended_attrs(e, c, s);
    emit_str(e, "OS-EXT-STS:task_state", or_null(s->task_state));
    emit_str(e, "OS-EXT-STS:vm_state", s->vm_state);
    emit_int(e, "OS-EXT-STS:power_state", s->power_state);
    emit_open(e, "os-extended-volumes:volumes_attached", true);
    emit_close(e);
}

/* Microversioned fields, in the order nova's show() adds them. */
static void emit_versioned(struct emit *e, struct view_ctx *c, const struct server *s,
                           const struct view_extras *x)
{
    int mv = c->req->mv;
    if (mv >= MV_HOST_STATUS && c->admin)
        emit_str(e, "host_status", x->host_status ? x->host_status : host_status_of(c, s));
    if (mv >= MV_LOCKED)
        emit_bool(e, "locked", s->locked_by[0] != '\0');
    if (mv >= MV_LOCKED_REASON)
        emit_str(e, "locked_reason", s->locked_reason);
    if (mv >= MV_DESCRIPTION)
        emit_str(e, "description", s->description);
    if (mv >= MV_TAGS) {
        emit_open(e, "tags", true);
        for (int i = 0; i < x->n_tags; i++)
            emit_str(e, NULL, x->tags[i].key);
        emit_close(e);
    }
    if (mv >= MV_TRUSTED_CERTS)
        emit_sysmeta_field(e, x->sysmeta, "trusted_image_certificates");
    if (mv >= MV_HOSTNAME_ALL && !c->admin)
        emit_str(e, "OS-EXT-SRV-ATTR:hostname", s->hostname);
    if (mv >= MV_SERVER_GROUPS && c->show) {
        emit_open(e, "server_groups", true);
        emit_close(e);
    }
    if (mv >= MV_PINNED_AZ)
        emit_sysmeta_field(e, x->sysmeta, "pinned_availability_zone");
    if (mv >= MV_SCHED_HINTS)
        emit_scheduler_hints(e, s);
}

static void emit_server(struct emit *e, struct view_ctx *c, const struct server *s,
                        struct view_extras *x)
{
    const char *status = instance_status(s->vm_state, s->task_state, s->deleted);
    /* system_metadata is read only by 2.63+ fields */
    x->sysmeta = c->req->mv >= MV_TRUSTED_CERTS ? parse_json(s->system_metadata) : NULL;
    emit_open(e, NULL, false);
    emit_base(e, c, s, status, x);
    if (strcmp(status, "ERROR") == 0 || strcmp(status, "DELETED") == 0)
        emit_fault(e, c, s);
    if (shows_progress(status))
        emit_int(e, "progress", s->progress);
    emit_extensions(e, c, s);
    emit_versioned(e, c, s, x);
    emit_close(e);
    json_decref(x->sysmeta);
    x->sysmeta = NULL;
}

/* This server's metadata, tags and addresses out of a page's. Nova reads
 * addresses from the network info cache, which stays empty until the
 * build has networked the server. */
static void extras_for(struct view_extras *x, const struct server_page_extras *px,
                       const struct server *s)
{
    int first = 0;
    x->n_metadata = server_kv_find(px->metadata, px->n_metadata, s->uuid, &first);
    x->metadata = px->metadata + first;
    x->n_tags = server_kv_find(px->tags, px->n_tags, s->uuid, &first);
    x->tags = px->tags + first;
    x->n_addrs = server_addr_find(px->addrs, px->n_addrs, s->uuid, &first);
    x->addrs = px->addrs + first;
    if (strcmp(s->vm_state, VM_BUILDING) == 0)
        x->n_addrs = 0;
}

json_t *server_view(struct http_request *req, struct db *db, const struct server *s)
{
    struct view_ctx c;
    struct view_extras x = {0};
    struct server_page_extras px;
    struct emit e;
    struct server *one[1] = { (struct server *)s };
    ctx_init(&c, req, db, true);
    store_server_page_extras(db, one, 1, req->mv >= MV_TAGS, &px);
    extras_for(&x, &px, s);
    emit_tree(&e);
    emit_server(&e, &c, s, &x);
    server_page_extras_clear(&px);
    ctx_clear(&c);
    return emit_take(&e);
}

static void emit_brief(struct emit *e, struct view_ctx *c, const struct server *s)
{
    emit_open(e, NULL, false);
    emit_str(e, "id", s->uuid);
    emit_str(e, "name", s->name);
    emit_server_links(e, c, s->uuid);
    emit_close(e);
}

json_t *server_view_brief(struct http_request *req, const struct server *s)
{
    struct view_ctx c;
    struct emit e;
    ctx_init(&c, req, NULL, false);
    emit_tree(&e);
    emit_brief(&e, &c, s);
    ctx_clear(&c);
    return emit_take(&e);
}

/* host_status of a page from one read of the hosts table. */
static const char *page_host_status(const struct host_row *hosts, int nhosts,
                                    const char *host, int64_t now)
{
    for (int i = 0; host[0] && i < nhosts; i++)
        if (strcmp(hosts[i].host, host) == 0)
            return host_status_from(&hosts[i], now);
    return "";
}

static void emit_detail_page(struct emit *e, struct view_ctx *c, struct server *const *list,
                             int count)
{
    struct server_page_extras px;
    struct host_row *hosts = NULL;
    int nhosts = 0;
    struct cerr ignored;
    store_server_page_extras(c->db, list, count, c->req->mv >= MV_TAGS, &px);
    if (c->req->mv >= MV_HOST_STATUS && c->admin &&
        store_host_list(c->db, &hosts, &nhosts, &ignored) < 0)
        nhosts = 0;
    int64_t now = clock_now_us();
    for (int i = 0; i < count; i++) {
        const struct server *s = list[i];
        struct view_extras x = { .host_status = page_host_status(hosts, nhosts, s->host, now) };
        extras_for(&x, &px, s);
        emit_server(e, c, s, &x);
    }
    free(hosts);
    server_page_extras_clear(&px);
}

void server_view_list_text(struct http_request *req, struct db *db, struct server *const *list,
                           int count, bool detail, struct buf *out)
{
    struct view_ctx c;
    struct emit e;
    ctx_init(&c, req, db, false);
    emit_text(&e, out);
    emit_open(&e, NULL, true);
    if (detail)
        emit_detail_page(&e, &c, list, count);
    for (int i = 0; !detail && i < count; i++)
        emit_brief(&e, &c, list[i]);
    emit_close(&e);
    ctx_clear(&c);
}
