/* config.c - defaults and the INI reader (inih). */
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct cirrus_config *c)
{
    memset(c, 0, sizeof(*c));
    strcpy(c->listen_addr, "127.0.0.1");
    c->listen_port = 8774;
    strcpy(c->data_dir, "./var");
    strcpy(c->role, "all-in-one");
    strcpy(c->host, "cirrus");
    c->hosts = 1;
    c->log_level = LOG_INFO;
    c->http_threads = 4;
    strcpy(c->driver, "fake");
    c->fake_delay_ms = 0;
    c->host_vcpus = 32;
    c->host_ram_mb = 65536;
    c->host_disk_gb = 1024;
    c->cpu_allocation_ratio = 4.0;
    c->ram_allocation_ratio = 1.0;
    c->disk_allocation_ratio = 1.0;
    strcpy(c->availability_zone, "nova");
    c->enable_instance_password = true;
    c->resize_confirm_window = 0;
    c->sync_power_state_interval = 10;   /* Nova's default is 600 */
    c->max_limit = 1000;
    strcpy(c->qemu_binary, "qemu-system-x86_64");
    strcpy(c->qemu_img, "qemu-img");
    strcpy(c->qemu_accel, "auto");
    strcpy(c->qemu_machine, "pc");
    c->qemu_boot_timeout = 30;
    c->quota_instances = 10;
    c->quota_cores = 20;
    c->quota_ram = 51200;
    c->quota_metadata_items = 128;
    c->quota_key_pairs = 100;
    c->quota_injected_files = 5;
    c->quota_injected_file_content_bytes = 10240;
    c->quota_injected_file_path_length = 255;
    c->quota_server_groups = 10;
    c->quota_server_group_members = 10;
    strcpy(c->network_name, "private");
    strcpy(c->ipv4_cidr, "10.0.0.0/16");
    strcpy(c->ipv6_cidr, "fd00:c1::/64");
    strcpy(c->admin_password, "admin");
    strcpy(c->demo_password, "demo");
    c->token_ttl = 86400;
    strcpy(c->region, "RegionOne");
}

int config_set_listen(struct cirrus_config *c, const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || colon - v >= (long)sizeof(c->listen_addr))
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return -1;
    memcpy(c->listen_addr, v, (size_t)(colon - v));
    c->listen_addr[colon - v] = '\0';
    c->listen_port = (int)port;
    return 0;
}

static bool parse_bool(const char *v)
{
    return !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") ||
           !strcasecmp(v, "on");
}

#define STR(field) do { str_copy(c->field, sizeof(c->field), v); return 1; } while (0)
#define INT(field) do { c->field = atoi(v); return 1; } while (0)
#define DBL(field) do { c->field = atof(v); return 1; } while (0)

static int on_entry(void *user, const char *section, const char *k, const char *v)
{
    struct cirrus_config *c = user;
    if (!strcmp(section, "DEFAULT") || !*section) {
        if (!strcmp(k, "listen")) return config_set_listen(c, v) == 0;
        if (!strcmp(k, "public_url")) STR(public_url);
        if (!strcmp(k, "data_dir")) STR(data_dir);
        if (!strcmp(k, "role")) STR(role);
        if (!strcmp(k, "host")) STR(host);
        if (!strcmp(k, "hosts")) INT(hosts);
        if (!strcmp(k, "http_threads")) INT(http_threads);
        if (!strcmp(k, "log_level")) {
            int l = log_level_parse(v);
            if (l < 0) return 0;
            c->log_level = l;
            return 1;
        }
    } else if (!strcmp(section, "database")) {
        if (!strcmp(k, "connection")) STR(database);
    } else if (!strcmp(section, "compute")) {
        if (!strcmp(k, "driver")) STR(driver);
        if (!strcmp(k, "fake_delay_ms")) INT(fake_delay_ms);
        if (!strcmp(k, "host_vcpus")) INT(host_vcpus);
        if (!strcmp(k, "host_ram_mb")) INT(host_ram_mb);
        if (!strcmp(k, "host_disk_gb")) INT(host_disk_gb);
        if (!strcmp(k, "cpu_allocation_ratio")) DBL(cpu_allocation_ratio);
        if (!strcmp(k, "ram_allocation_ratio")) DBL(ram_allocation_ratio);
        if (!strcmp(k, "disk_allocation_ratio")) DBL(disk_allocation_ratio);
        if (!strcmp(k, "default_availability_zone")) STR(availability_zone);
        if (!strcmp(k, "enable_instance_password")) { c->enable_instance_password = parse_bool(v); return 1; }
        if (!strcmp(k, "resize_confirm_window")) INT(resize_confirm_window);
        if (!strcmp(k, "sync_power_state_interval")) INT(sync_power_state_interval);
        if (!strcmp(k, "max_limit")) INT(max_limit);
    } else if (!strcmp(section, "api")) {
        /* where nova.conf keeps these two; [compute] works as well */
        if (!strcmp(k, "enable_instance_password")) { c->enable_instance_password = parse_bool(v); return 1; }
        if (!strcmp(k, "max_limit")) INT(max_limit);
    } else if (!strcmp(section, "qemu")) {
        if (!strcmp(k, "binary")) STR(qemu_binary);
        if (!strcmp(k, "qemu_img")) STR(qemu_img);
        if (!strcmp(k, "accel")) STR(qemu_accel);
        if (!strcmp(k, "machine")) STR(qemu_machine);
        if (!strcmp(k, "boot_timeout")) INT(qemu_boot_timeout);
        if (!strcmp(k, "netns_prefix")) STR(qemu_netns_prefix);
        if (!strcmp(k, "host_addresses")) STR(qemu_host_addresses);
    } else if (!strcmp(section, "quota")) {
        if (!strcmp(k, "instances")) INT(quota_instances);
        if (!strcmp(k, "cores")) INT(quota_cores);
        if (!strcmp(k, "ram")) INT(quota_ram);
        if (!strcmp(k, "metadata_items")) INT(quota_metadata_items);
        if (!strcmp(k, "key_pairs")) INT(quota_key_pairs);
        if (!strcmp(k, "injected_files")) INT(quota_injected_files);
        if (!strcmp(k, "injected_file_content_bytes")) INT(quota_injected_file_content_bytes);
        if (!strcmp(k, "injected_file_path_length")) INT(quota_injected_file_path_length);
        if (!strcmp(k, "server_groups")) INT(quota_server_groups);
        if (!strcmp(k, "server_group_members")) INT(quota_server_group_members);
    } else if (!strcmp(section, "network")) {
        if (!strcmp(k, "name")) STR(network_name);
        if (!strcmp(k, "ipv4_cidr")) STR(ipv4_cidr);
        if (!strcmp(k, "ipv6_cidr")) STR(ipv6_cidr);
    } else if (!strcmp(section, "identity")) {
        if (!strcmp(k, "admin_password")) STR(admin_password);
        if (!strcmp(k, "demo_password")) STR(demo_password);
        if (!strcmp(k, "token_ttl")) INT(token_ttl);
        if (!strcmp(k, "region")) STR(region);
    }
    log_warn("config: unknown option [%s] %s", section, k);
    return 1;
}

int config_load_file(struct cirrus_config *c, const char *path, char *errbuf, int errlen)
{
    int r = ini_parse(path, on_entry, c);
    if (r < 0) {
        snprintf(errbuf, (size_t)errlen, "cannot read config file %s", path);
        return -1;
    }
    if (r > 0) {
        snprintf(errbuf, (size_t)errlen, "%s:%d: invalid value", path, r);
        return -1;
    }
    return 0;
}

void config_finish(struct cirrus_config *c)
{
    if (!c->public_url[0])
        snprintf(c->public_url, sizeof(c->public_url), "http://%s:%d",
                 c->listen_addr, c->listen_port);
    size_t n = strlen(c->public_url);
    while (n > 0 && c->public_url[n - 1] == '/')
        c->public_url[--n] = '\0';
    if (!c->database[0]) {
        char *db = xasprintf("%s/cirrus.db", c->data_dir);
        str_copy(c->database, sizeof(c->database), db);
        free(db);
    }
    if (c->hosts < 1)
        c->hosts = 1;
}
