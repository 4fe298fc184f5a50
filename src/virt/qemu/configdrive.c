/* configdrive.c - builds the config drive (see configdrive.h) in a
 * scratch directory next to the instance, then packs it with the same
 * mkisofs options Nova's configdrive.py uses. */
#include "virt/qemu/configdrive.h"

#include "core/ipam.h"
#include "util/mem.h"
#include "virt/qemu/disks.h"
#include "virt/qemu/process.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qemu_cd_hostname(const char *display_name, char out[64])
{
    size_t n = 0;
    bool dash = false;
    for (const char *p = display_name ? display_name : ""; *p && n < 63; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (isalnum((unsigned char)c)) {
            out[n++] = c;
            dash = false;
        } else if (n > 0 && !dash && (c == '-' || c == ' ' || c == '_' || c == '.')) {
            out[n++] = '-';
            dash = true;
        }
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    if (!n)
        snprintf(out, 64, "server");
}

json_t *qemu_cd_meta_data(const struct virt_instance *vi, const struct virt_boot *boot,
                          const char *availability_zone)
{
    char hostname[64];
    qemu_cd_hostname(vi->display_name, hostname);
    json_t *meta = vi->metadata ? json_deep_copy(vi->metadata) : json_object();
    json_t *md = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:[], s:[]}", "uuid", vi->uuid,
                           "name", vi->display_name, "hostname", hostname, "launch_index", 0,
                           "availability_zone", availability_zone, "meta", meta,
                           "files", "devices");
    json_t *files = json_object_get(md, "files");
    size_t i;
    json_t *f;
    json_array_foreach(boot ? boot->injected_files : NULL, i, f) {
        char cp[32];
        snprintf(cp, sizeof(cp), "/content/%04zu", i);
        const char *path = json_string_value(json_object_get(f, "path"));
        json_array_append_new(files, json_pack("{s:s, s:s}", "path", path ? path : "",
                                               "content_path", cp));
    }
    if (boot && boot->admin_password)
        json_object_set_new(md, "admin_pass", json_string(boot->admin_password));
    return md;
}

static void netmask_of(const char *cidr, char out[IPAM_ADDR_TEXT])
{
    struct ipam_cidr c;
    snprintf(out, IPAM_ADDR_TEXT, "255.255.255.0");
    if (ipam_parse_cidr(cidr, &c) < 0 || c.net.version != 4)
        return;
    uint32_t m = c.prefix ? 0xffffffffu << (32 - c.prefix) : 0;
    snprintf(out, IPAM_ADDR_TEXT, "%u.%u.%u.%u", m >> 24, (m >> 16) & 255, (m >> 8) & 255,
             m & 255);
}

json_t *qemu_cd_network_data(const json_t *network_info, const struct qemu_domain *d)
{
    json_t *links = json_array(), *v4 = json_array(), *v6 = json_array();
    const char *label;
    json_t *addrs;
    char mask[IPAM_ADDR_TEXT];
    netmask_of(d->net_cidr, mask);
    int nnet = 0;
    json_object_foreach((json_t *)network_info, label, addrs) {
        size_t i;
        json_t *a;
        json_array_foreach(addrs, i, a) {
            const char *mac = json_string_value(json_object_get(a, "OS-EXT-IPS-MAC:mac_addr"));
            const char *addr = json_string_value(json_object_get(a, "addr"));
            int version = (int)json_integer_value(json_object_get(a, "version"));
            if (!addr)
                continue;
            char link[32];
            snprintf(link, sizeof(link), "tap%.11s", mac ? mac : "0");
            if (json_array_size(links) == 0)
                json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:i}", "id", link,
                                                       "type", "phy", "ethernet_mac_address",
                                                       mac ? mac : "", "mtu", 1500));
            char id[32];
            snprintf(id, sizeof(id), "network%d", nnet++);
            if (version == 6) {
                json_array_append_new(v6, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "id", id,
                                                    "type", "ipv6", "link", link, "ip_address",
                                                    addr, "network_id", label, "routes"));
                continue;
            }
            json_t *routes = json_array();
            if (d->gateway[0])
                json_array_append_new(routes, json_pack("{s:s, s:s, s:s}", "network",
                                                        "0.0.0.0", "netmask", "0.0.0.0",
                                                        "gateway", d->gateway));
            json_array_append_new(v4, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
                                                id, "type", "ipv4", "link", link,
                                                "ip_address", addr, "netmask", mask,
                                                "network_id", label, "routes", routes));
        }
    }
    json_array_extend(v4, v6);
    json_decref(v6);
    json_t *services = json_array();
    if (d->dns[0])
        json_array_append_new(services, json_pack("{s:s, s:s}", "type", "dns", "address",
                                                  d->dns));
    return json_pack("{s:o, s:o, s:o}", "links", links, "networks", v4, "services", services);
}

char *qemu_netcfg_line(const json_t *network_info, const struct qemu_domain *d)
{
    const char *label;
    json_t *addrs;
    json_object_foreach((json_t *)network_info, label, addrs) {
        size_t i;
        json_t *a;
        json_array_foreach(addrs, i, a) {
            const char *addr = json_string_value(json_object_get(a, "addr"));
            if (!addr || json_integer_value(json_object_get(a, "version")) != 4)
                continue;
            char mask[IPAM_ADDR_TEXT];
            netmask_of(d->net_cidr, mask);
            return xasprintf("ip=%s netmask=%s gateway=%s\n", addr, mask,
                             d->gateway[0] ? d->gateway : "none");
        }
    }
    return NULL;
}

static int write_json(const char *path, const json_t *j, struct cerr *err)
{
    /* Indented: one key per line, which even a shell can read. */
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = qemu_write_file(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* user_data and personality contents arrive base64 encoded (Nova's API). */
static int write_b64(const char *path, const char *b64, struct cerr *err)
{
    size_t cap = strlen(b64) + 1, len = 0;
    unsigned char *bin = xmalloc(cap);
    int rc;
    if (sodium_base642bin(bin, cap, b64, strlen(b64), " \r\n\t", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        rc = cerr_set(err, 500, "cannot decode base64 data for %s", path);
    else
        rc = qemu_write_file(path, bin, len, err);
    free(bin);
    return rc;
}

static int pack_iso(const char *dir, const char *path, struct cerr *err)
{
    char *argv[] = { "genisoimage", "-o", (char *)path, "-ldots", "-allow-lowercase",
                     "-allow-multidot", "-l", "-publisher", "cirrus", "-quiet", "-J", "-r",
                     "-V", "config-2", "-input-charset", "utf-8", (char *)dir, NULL };
    struct cerr first = {0};
    if (qemu_run(argv, NULL, &first) == 0)
        return 0;
    char *xargv[] = { "xorriso", "-as", "mkisofs", "-o", (char *)path, "-l", "-J", "-r",
                      "-quiet", "-V", "config-2", (char *)dir, NULL };
    if (qemu_run(xargv, NULL, err) == 0)
        return 0;
    *err = first;
    return -1;
}

int qemu_configdrive_build(const char *path, const struct virt_instance *vi,
                           const struct virt_boot *boot, const json_t *network_info,
                           const struct qemu_domain *d, const char *availability_zone,
                           struct cerr *err)
{
    char *root = xasprintf("%s.d", path);
    char *latest = xasprintf("%s/openstack/latest", root);
    char *content = xasprintf("%s/openstack/content", root);
    char *p = NULL;
    json_t *md = NULL, *nd = NULL;
    int rc = -1;
    qemu_rm_rf(root);
    if (qemu_mkdirs(latest, err) < 0 || qemu_mkdirs(content, err) < 0)
        goto cleanup;
    md = qemu_cd_meta_data(vi, boot, availability_zone);
    nd = qemu_cd_network_data(network_info, d);
    p = xasprintf("%s/meta_data.json", latest);
    if (write_json(p, md, err) < 0)
        goto cleanup;
    free(p);
    p = xasprintf("%s/network_data.json", latest);
    if (write_json(p, nd, err) < 0)
        goto cleanup;
    if (boot && boot->user_data && boot->user_data[0]) {
        free(p);
        p = xasprintf("%s/user_data", latest);
        if (write_b64(p, boot->user_data, err) < 0)
            goto cleanup;
    }
    size_t i;
    json_t *f;
    json_array_foreach(boot ? boot->injected_files : NULL, i, f) {
        free(p);
        p = xasprintf("%s/%04zu", content, i);
        const char *c = json_string_value(json_object_get(f, "contents"));
        if (write_b64(p, c ? c : "", err) < 0)
            goto cleanup;
    }
    rc = pack_iso(root, path, err);
cleanup:
    if (rc < 0)
        qemu_rm_rf(root);    /* kept on success: injectNetworkInfo repacks it */
    json_decref(md);
    json_decref(nd);
    free(p);
    free(root);
    free(latest);
    free(content);
    return rc;
}

int qemu_configdrive_set_network(const char *path, const json_t *network_info,
                                 const struct qemu_domain *d, struct cerr *err)
{
    char *root = xasprintf("%s.d", path);
    char *p = xasprintf("%s/openstack/latest/network_data.json", root);
    json_t *nd = NULL;
    int rc = 0;
    if (qemu_file_exists(p)) {
        nd = qemu_cd_network_data(network_info, d);
        rc = write_json(p, nd, err);
        if (rc == 0)
            rc = pack_iso(root, path, err);
    }
    json_decref(nd);
    free(p);
    free(root);
    return rc;
}
