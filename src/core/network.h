/* network.h - built-in networking: one default network per deployment with
 * IPAM over the configured IPv4 (and optional IPv6) CIDR.
 *
 * Addresses are allocated when a server is created, in the API's create
 * transaction, so a taken fixed_ip is refused (400) before 202; they are
 * released when the server is deleted. */
#ifndef CIRRUS_NETWORK_H
#define CIRRUS_NETWORK_H

#include <jansson.h>
#include <stdbool.h>

#include "store/db.h"
#include "util/config.h"
#include "util/err.h"

/* Creates the default network row if missing (bootstrap). */
int network_bootstrap(const struct cirrus_config *cfg, struct cerr *err);
/* The default network's id (uuid) and label. */
int network_default(struct db *db, char id[40], char label[64], struct cerr *err);

/* Checks a create request's networks value without allocating:
 * "auto" / "none" / [{"uuid": <default network id>, "fixed_ip": ...}, ...].
 * 400 for an unknown network or a malformed/out-of-range fixed_ip. */
int network_validate(struct db *db, const json_t *requested, struct cerr *err);
/* Allocates addresses for a server (inside the caller's transaction):
 * "auto" or NULL -> one IPv4 (+ one IPv6 if configured) on the default
 * network; "none" -> nothing; a list -> as asked. 400 when a requested
 * fixed_ip is taken (nova servers.py maps FixedIpAlreadyInUse to 400),
 * 403 when the network is full. */
int network_allocate(struct db *db, const char *instance_uuid, const json_t *requested,
                     struct cerr *err);
int network_release(struct db *db, const char *instance_uuid);

/* {"<label>": [{"version": 4, "addr": ..., "OS-EXT-IPS:type": "fixed",
 *   "OS-EXT-IPS-MAC:mac_addr": ...}, ...]} for a server; {} when none.
 * with_ext false gives the /ips form ({version, addr} only). */
json_t *network_addresses(struct db *db, const char *instance_uuid, bool with_ext);

#endif
