/* network.c - the built-in network: one default network whose id stands
 * in for a Neutron network uuid, with IPAM over its IPv4 and optional IPv6
 * subnet. Each requested network entry becomes one "port": one MAC and,
 * unless a fixed_ip was asked for, one address from each subnet (what
 * Neutron gives a port created on a dual-stack network).
 *
 * IPv6 addresses are allocated by index like IPv4 rather than derived by
 * EUI-64 from the MAC: it works for any prefix length (a /120 test subnet
 * as well as a /64), a requested IPv6 fixed_ip takes the same path as an
 * IPv4 one, and the fixed_ips primary key guards uniqueness for both
 * (Neutron's DHCPv6-stateful subnets allocate the same way). */
#include "core/network.h"
#include "core/ipam.h"
#include "store/network.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- bootstrap --- */

static int parse_subnets(const struct cirrus_config *cfg, struct cerr *err)
{
    struct ipam_cidr c;
    if (ipam_parse_cidr(cfg->ipv4_cidr, &c) < 0 || c.net.version != 4)
        return cerr_set(err, 500, "[network] ipv4_cidr '%s' is not an IPv4 CIDR", cfg->ipv4_cidr);
    if (cfg->ipv6_cidr[0] && (ipam_parse_cidr(cfg->ipv6_cidr, &c) < 0 || c.net.version != 6))
        return cerr_set(err, 500, "[network] ipv6_cidr '%s' is not an IPv6 CIDR", cfg->ipv6_cidr);
    return 0;
}

/* Canonical "net/prefix" text of a configured CIDR ("" stays ""). */
static void canonical(const char *text, char *out, size_t size)
{
    struct ipam_cidr c;
    char buf[IPAM_ADDR_TEXT + 4];
    if (!text[0] || ipam_parse_cidr(text, &c) < 0) {
        str_copy(out, size, "");
        return;
    }
    ipam_cidr_text(&c, buf);
    str_copy(out, size, buf);
}

/* An existing row follows the configuration, except that its subnets stay
 * while addresses are allocated from them (renumbering live servers is
 * not something a restart should do). */
static int network_reconcile(struct db *db, struct network_row *have,
                             const struct network_row *want)
{
    bool subnets = strcmp(have->cidr, want->cidr) != 0 || strcmp(have->cidr6, want->cidr6) != 0;
    if (!subnets && strcmp(have->label, want->label) == 0)
        return 0;
    str_copy(have->label, sizeof(have->label), want->label);
    if (subnets) {
        int64_t used = store_fixed_ip_count(db, have->id);
        if (used < 0)
            return -1;
        if (used > 0) {
            log_warn("network %s keeps %s %s: %lld addresses are allocated from it", have->id,
                     have->cidr, have->cidr6, (long long)used);
        } else {
            str_copy(have->cidr, sizeof(have->cidr), want->cidr);
            str_copy(have->cidr6, sizeof(have->cidr6), want->cidr6);
        }
    }
    return store_network_update(db, have);
}

int network_bootstrap(const struct cirrus_config *cfg, struct cerr *err)
{
    struct network_row have, want = {0};
    if (parse_subnets(cfg, err) < 0)
        return -1;
    str_copy(want.label, sizeof(want.label), cfg->network_name);
    canonical(cfg->ipv4_cidr, want.cidr, sizeof(want.cidr));
    canonical(cfg->ipv6_cidr, want.cidr6, sizeof(want.cidr6));
    struct db *db = store_db();
    if (!db || db_begin(db) < 0)
        return cerr_internal(err, "network bootstrap");
    int rc = store_network_default(db, &have);
    if (rc == 0) {
        uuid_generate_text(want.id);
        rc = store_network_insert(db, &want);
        if (rc == 0)
            log_info("network: created %s (%s) %s %s", want.label, want.id, want.cidr,
                     want.cidr6);
    } else if (rc == 1) {
        rc = network_reconcile(db, &have, &want);
    }
    if (rc < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "network bootstrap");
    }
    return 0;
}

int network_default(struct db *db, char id[40], char label[64], struct cerr *err)
{
    struct network_row n;
    int rc = store_network_default(db, &n);
    if (rc <= 0)
        return cerr_internal(err, rc == 0 ? "no default network" : "network lookup");
    str_copy(id, 40, n.id);
    str_copy(label, 64, n.label);
    return 0;
}

/* --- requests --- */

/* One port to create: the address asked for, or none (any). */
struct port_req {
    bool has_fixed;
    struct ipam_addr fixed;
    int64_t index;
    const char *fixed_text;
};

/* The default network with its subnets parsed. */
struct net {
    struct network_row row;
    struct ipam_cidr v4, v6;
    bool has_v6;
};

static int net_load(struct db *db, struct net *n, struct cerr *err)
{
    int rc = store_network_default(db, &n->row);
    if (rc <= 0)
        return cerr_internal(err, rc == 0 ? "no default network" : "network lookup");
    n->has_v6 = n->row.cidr6[0] && ipam_parse_cidr(n->row.cidr6, &n->v6) == 0;
    if (ipam_parse_cidr(n->row.cidr, &n->v4) < 0)
        return cerr_internal(err, "default network cidr");
    return 0;
}

/* Neutron's verdicts on a fixed_ip, as Nova surfaces them at create. */
static int check_fixed(const struct net *n, const char *text, struct port_req *p,
                       struct cerr *err)
{
    if (ipam_parse_addr(text, &p->fixed) < 0)
        return cerr_set(err, 400, "Invalid fixed IP address (%s)", text);
    const struct ipam_cidr *c = p->fixed.version == 4 ? &n->v4 : n->has_v6 ? &n->v6 : NULL;
    enum ipam_verdict v = c ? ipam_check_fixed(c, &p->fixed, &p->index) : IPAM_OUTSIDE;
    if (v == IPAM_GATEWAY)
        return cerr_set(err, 400, "Fixed IP %s is already in use.", text);
    if (v == IPAM_OUTSIDE)
        return cerr_set(err, 400, "Invalid input received: Fixed IP %s is not a valid ip "
                        "address for network %s.", text, n->row.id);
    p->has_fixed = true;
    p->fixed_text = text;
    return 0;
}

/* One entry of the networks list (nova servers.py _get_requested_networks
 * and the Neutron lookups behind it). Duplicate networks are allowed. */
static int parse_entry(const struct net *n, const json_t *e, struct port_req *p,
                       struct cerr *err)
{
    const json_t *port = json_object_get(e, "port"), *uuid = json_object_get(e, "uuid");
    const json_t *fixed = json_object_get(e, "fixed_ip");
    memset(p, 0, sizeof(*p));
    if (fixed && json_is_null(fixed))
        fixed = NULL;
    if (port && !json_is_null(port)) {
        const char *pid = json_is_string(port) ? json_string_value(port) : "";
        if (fixed)
            return cerr_set(err, 400, "Specified Fixed IP '%s' cannot be used with port '%s': "
                            "the two cannot be specified together.",
                            json_is_string(fixed) ? json_string_value(fixed) : "", pid);
        return cerr_set(err, 400, "Port id %s could not be found.", pid);
    }
    if (!uuid)
        return cerr_set(err, 400, "Bad network format: missing 'uuid'");
    const char *id = json_is_string(uuid) ? json_string_value(uuid) : "";
    if (!uuid_is_valid(id))
        return cerr_set(err, 400, "Bad networks format: network uuid is not in proper format "
                        "(%s)", id);
    if (strcasecmp(id, n->row.id) != 0)
        return cerr_set(err, 400, "Network %s could not be found.", id);
    if (fixed && !json_is_string(fixed))
        return cerr_set(err, 400, "Invalid fixed IP address (%s)", "");
    return fixed ? check_fixed(n, json_string_value(fixed), p, err) : 0;
}

/* The ports a request asks for: *count -1 = "auto" (one port), 0 = none.
 * ports has room for json_array_size(requested) entries. */
static int parse_request(const struct net *n, const json_t *requested, struct port_req *ports,
                         int *count, struct cerr *err)
{
    *count = -1;
    if (!requested || json_is_null(requested))
        return 0;
    if (json_is_string(requested)) {
        const char *s = json_string_value(requested);
        if (strcmp(s, "auto") == 0)
            return 0;
        if (strcmp(s, "none") == 0) {
            *count = 0;
            return 0;
        }
        return cerr_set(err, 400, "Bad networks format");
    }
    if (!json_is_array(requested))
        return cerr_set(err, 400, "Bad networks format");
    size_t i;
    const json_t *e;
    json_array_foreach(requested, i, e) {
        if (!json_is_object(e))
            return cerr_set(err, 400, "Bad networks format");
        if (parse_entry(n, e, &ports[i], err) < 0)
            return -1;
    }
    /* an empty list names no network, so Neutron picks the available
     * one, as for "auto" */
    *count = json_array_size(requested) ? (int)json_array_size(requested) : -1;
    return 0;
}

int network_validate(struct db *db, const json_t *requested, struct cerr *err)
{
    struct net n;
    if (json_is_string(requested) || !requested || json_is_null(requested)) {
        int count;
        return parse_request(NULL, requested, NULL, &count, err);
    }
    if (net_load(db, &n, err) < 0)
        return -1;
    size_t size = json_is_array(requested) ? json_array_size(requested) : 0;
    struct port_req *ports = xcalloc(size + 1, sizeof(*ports));
    int count, rc = parse_request(&n, requested, ports, &count, err);
    free(ports);
    return rc;
}

/* --- allocation --- */

static int new_mac(struct db *db, char mac[IPAM_MAC_TEXT], struct cerr *err)
{
    /* 24 random bits: collisions are rare but possible, so look first
     * (Neutron retries its random MACs the same way). */
    for (int attempt = 0; attempt < 16; attempt++) {
        uint8_t rnd[3];
        randombytes_buf(rnd, sizeof(rnd));
        ipam_mac_format(rnd, mac);
        int used = store_fixed_ip_mac_used(db, mac);
        if (used < 0)
            return cerr_internal(err, "mac lookup");
        if (used == 0)
            return 0;
    }
    return cerr_set(err, 503, "Unable to generate unique mac on network");
}

static int put_address(struct db *db, const struct net *n, const struct ipam_cidr *c,
                       int64_t index, const char *uuid, const char *mac, struct cerr *err)
{
    struct ipam_addr a;
    char text[IPAM_ADDR_TEXT];
    if (ipam_addr_at(c, index, &a) < 0)
        return cerr_internal(err, "address index");
    ipam_addr_text(&a, text);
    if (store_fixed_ip_insert(db, n->row.id, c->net.version, index, text, uuid, mac) < 0)
        return cerr_internal(err, "address insert");
    return 0;
}

/* The lowest free address of subnet c. A full network is refused before
 * 202, as Nova's create refuses a request its port quota cannot cover. */
static int alloc_any(struct db *db, const struct net *n, const struct ipam_cidr *c,
                     const char *uuid, const char *mac, struct cerr *err)
{
    int64_t first, last, index;
    ipam_range(c, &first, &last);
    if (first > last)
        return cerr_set(err, 403, "No fixed IP addresses available for network: %s", n->row.id);
    if (store_fixed_ip_lowest_free(db, n->row.id, c->net.version, first, &index) < 0)
        return cerr_internal(err, "address allocation");
    if (index > last)
        return cerr_set(err, 403, "No fixed IP addresses available for network: %s", n->row.id);
    return put_address(db, n, c, index, uuid, mac, err);
}

/* nova FixedIpAlreadyInUse, which servers.py create maps to 400. */
static int alloc_fixed(struct db *db, const struct net *n, const struct port_req *p,
                       const char *uuid, const char *mac, struct cerr *err)
{
    const struct ipam_cidr *c = p->fixed.version == 4 ? &n->v4 : &n->v6;
    char owner[40];
    int taken = store_fixed_ip_owner(db, n->row.id, c->net.version, p->index, owner);
    if (taken < 0)
        return cerr_internal(err, "address lookup");
    if (taken)
        return cerr_set(err, 400, "Fixed IP address %s is already in use on instance %s.",
                        p->fixed_text, owner);
    return put_address(db, n, c, p->index, uuid, mac, err);
}

static int alloc_port(struct db *db, const struct net *n, const struct port_req *p,
                      const char *uuid, struct cerr *err)
{
    char mac[IPAM_MAC_TEXT];
    if (new_mac(db, mac, err) < 0)
        return -1;
    if (p->has_fixed)
        return alloc_fixed(db, n, p, uuid, mac, err);
    if (alloc_any(db, n, &n->v4, uuid, mac, err) < 0)
        return -1;
    return n->has_v6 ? alloc_any(db, n, &n->v6, uuid, mac, err) : 0;
}

int network_allocate(struct db *db, const char *instance_uuid, const json_t *requested,
                     struct cerr *err)
{
    struct net n;
    struct port_req any = {0}, *ports = NULL;
    int count, rc = -1;
    if (json_is_string(requested) && strcmp(json_string_value(requested), "none") == 0)
        return 0;
    if (net_load(db, &n, err) < 0)
        return -1;
    size_t size = json_is_array(requested) ? json_array_size(requested) : 0;
    ports = xcalloc(size + 1, sizeof(*ports));
    if (parse_request(&n, requested, ports, &count, err) < 0)
        goto cleanup;
    if (count < 0) {
        ports[0] = any;
        count = 1;
    }
    for (int i = 0; i < count; i++)
        if (alloc_port(db, &n, &ports[i], instance_uuid, err) < 0)
            goto cleanup;
    rc = 0;
cleanup:
    free(ports);
    return rc;
}

int network_release(struct db *db, const char *instance_uuid)
{
    int64_t n = store_fixed_ip_release(db, instance_uuid);
    return n < 0 ? -1 : (int)n;
}

/* --- addresses view --- */

struct addr_acc {
    json_t *out;
    bool with_ext;
};

static void add_address(void *ctx, const struct fixed_ip_row *r)
{
    struct addr_acc *acc = ctx;
    json_t *list = json_object_get(acc->out, r->label);
    if (!list) {
        list = json_array();
        json_object_set_new(acc->out, r->label, list);
    }
    json_t *item = json_pack("{s:i, s:s}", "version", r->version, "addr", r->address);
    if (acc->with_ext) {
        json_object_set_new(item, "OS-EXT-IPS:type", json_string("fixed"));
        json_object_set_new(item, "OS-EXT-IPS-MAC:mac_addr", json_string(r->mac));
    }
    json_array_append_new(list, item);
}

json_t *network_addresses(struct db *db, const char *instance_uuid, bool with_ext)
{
    struct addr_acc acc = { json_object(), with_ext };
    if (store_fixed_ip_each(db, instance_uuid, add_address, &acc) < 0)
        log_error("addresses of %s could not be read", instance_uuid);
    return acc.out;
}
