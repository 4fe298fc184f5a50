/* network.h - the networks and fixed_ips repository: the default
 * network's row and the addresses allocated to servers. Writes run inside
 * the caller's transaction (core/network.c decides what to write). */
#ifndef CIRRUS_STORE_NETWORK_H
#define CIRRUS_STORE_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

struct network_row {
    char id[40];
    char label[64];
    char cidr[64];
    char cidr6[64];     /* "" = no IPv6 subnet */
};

/* The oldest network (cirrus has one). 1 found, 0 none, -1 error. */
int store_network_default(struct db *db, struct network_row *out);
int store_network_insert(struct db *db, const struct network_row *n);
/* Rewrites label and subnets of row n->id. */
int store_network_update(struct db *db, const struct network_row *n);
/* Addresses allocated on a network; -1 on error. */
int64_t store_fixed_ip_count(struct db *db, const char *network_id);

/* The server holding (network, version, index): 1 taken (owner filled),
 * 0 free, -1 error. */
int store_fixed_ip_owner(struct db *db, const char *network_id, int version, int64_t index,
                         char owner[40]);
/* The lowest free index >= first (it may lie past the subnet's end:
 * the caller checks). 0 ok, -1 error. */
int store_fixed_ip_lowest_free(struct db *db, const char *network_id, int version,
                               int64_t first, int64_t *out);
/* 1 when some address already carries this MAC, 0 not, -1 error. */
int store_fixed_ip_mac_used(struct db *db, const char *mac);
int store_fixed_ip_insert(struct db *db, const char *network_id, int version, int64_t index,
                          const char *address, const char *instance_uuid, const char *mac);
/* Frees every address of a server; the count freed, -1 on error. */
int64_t store_fixed_ip_release(struct db *db, const char *instance_uuid);

/* One address of a server, as network_addresses() shows it. */
struct fixed_ip_row {
    const char *label, *address, *mac;
    int version;
};
/* Calls fn for each address of a server in display order (network label,
 * IPv4 before IPv6, allocation order): one indexed query. 0 / -1. */
int store_fixed_ip_each(struct db *db, const char *instance_uuid,
                        void (*fn)(void *ctx, const struct fixed_ip_row *row), void *ctx);

#endif
