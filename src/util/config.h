/* config.h - cirrusd's settings: defaults, then the INI file (nova.conf
 * style sections), then command-line flags, each overriding the last. */
#ifndef CIRRUS_CONFIG_H
#define CIRRUS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct cirrus_config {
    /* [DEFAULT] */
    char listen_addr[64];        /* listen = 127.0.0.1:8774 */
    int  listen_port;
    char public_url[256];        /* base URL put in links and the catalog; default http://<listen> */
    char data_dir[512];          /* data_dir = ./var */
    char role[16];               /* all-in-one | api | compute */
    char host[64];               /* compute host name prefix (role compute: the host name) */
    int  hosts;                  /* simulated compute hosts in this process */
    int  log_level;              /* enum log_level */
    int  http_threads;           /* libmicrohttpd thread pool size */
    char database[512];          /* sqlite path (default <data_dir>/cirrus.db) or postgresql:// URL */
    /* [compute] */
    char driver[16];             /* fake | qemu */
    int  fake_delay_ms;          /* simulated duration of every fake driver operation */
    int  host_vcpus, host_ram_mb, host_disk_gb;   /* capacity of each simulated host */
    double cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio;
    char availability_zone[64];  /* default_availability_zone = nova */
    bool enable_instance_password;
    int  resize_confirm_window;  /* seconds; 0 = never auto-confirm */
    int  sync_power_state_interval; /* seconds between power state syncs; <= 0 = never */
    int  max_limit;              /* osapi_max_limit */
    /* [qemu] (the qemu virt driver, src/virt/qemu) */
    char qemu_binary[256];       /* binary = qemu-system-x86_64 */
    char qemu_img[256];          /* qemu_img = qemu-img */
    char qemu_accel[16];         /* accel = auto | tcg | kvm */
    char qemu_machine[32];       /* machine = pc */
    int  qemu_boot_timeout;      /* seconds to wait for QMP after exec */
    char qemu_netns_prefix[64];  /* netns_prefix: QEMU of host H runs in netns <prefix>H; "" = off */
    char qemu_host_addresses[1024]; /* host_addresses = H=ADDR,...: live migration over TCP */
    /* [quota] */
    int  quota_instances, quota_cores, quota_ram, quota_metadata_items,
         quota_key_pairs, quota_injected_files, quota_injected_file_content_bytes,
         quota_injected_file_path_length, quota_server_groups, quota_server_group_members;
    /* [network] */
    char network_name[64];       /* label in "addresses" */
    char ipv4_cidr[64];          /* e.g. 10.0.0.0/24 */
    char ipv6_cidr[64];          /* optional, e.g. fd00::/64 */
    /* [identity] */
    char admin_password[128];
    char demo_password[128];
    int  token_ttl;              /* seconds */
    char region[64];
};

void config_defaults(struct cirrus_config *cfg);
/* Loads an INI file over cfg. 0 ok; -1 with a message in errbuf. */
int config_load_file(struct cirrus_config *cfg, const char *path, char *errbuf, int errlen);
/* Fills derived values (public_url, database) once all sources are read. */
void config_finish(struct cirrus_config *cfg);
/* Splits "ADDR:PORT" into cfg; -1 when malformed. */
int config_set_listen(struct cirrus_config *cfg, const char *value);

#endif
