/* scheduler.h - picking a host for a server and holding its resources
 * there. Filtering and weighing are pure functions over host rows (unit
 * tested); the claim itself is the store's conditional UPDATE, so a racing
 * scheduler that loses a host just moves to its next candidate.
 *
 * Filters, in Nova's order of concern: the requested host/node (2.74
 * host/hypervisor_hostname or the "az:host:node" form), ComputeFilter
 * (service enabled, up, not forced down), AvailabilityZoneFilter, then the
 * placement resources VCPU, MEMORY_MB, DISK_GB against capacity x
 * allocation ratio. Weigher: RAMWeigher (most free RAM first). */
#ifndef CIRRUS_SCHEDULER_H
#define CIRRUS_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "store/host.h"
#include "store/server.h"
#include "util/err.h"

/* Nova's NoValidHost text, shown as the fault message (code 500). */
#define NO_VALID_HOST "No valid host was found. There are not enough hosts available."

struct sched_request {
    struct host_usage usage;
    char zone[HOST_NAME_LEN];     /* "" = any availability zone */
    char host[HOST_NAME_LEN];     /* "" = any host */
    char node[HOST_NAME_LEN];     /* "" = any node (node = host name here) */
    /* The admin "az:host[:node]" form (force_hosts): Nova skips the
     * filters for it, so a down host or another zone does not matter; a
     * disabled host is still refused (placement's COMPUTE_STATUS_DISABLED
     * trait) and the resources must fit. 2.74 host/node run every filter. */
    bool forced;
};

/* What a server holds on its host: vcpus, RAM, and root (unless volume
 * backed) + ephemeral + swap rounded up to GB, as placement's DISK_GB. */
void scheduler_usage_of(const struct server *s, struct host_usage *u);

/* The request for a server. args are the BUILD task's arguments, whose
 * optional "host" and "node" strings name a requested host (forced when
 * args has "forced": true); a requested zone of the form "az:host[:node]"
 * is split the same way and forced. */
void scheduler_request_for(const struct server *s, const json_t *args, struct sched_request *r);

/* Whether one host passes every filter; on failure *filter names the one
 * that rejected it. */
bool scheduler_host_passes(const struct host_row *h, const struct sched_request *r,
                           int64_t now_us, const char **filter);
/* RAMWeigher's measure: memory_mb x ram_allocation_ratio - memory_mb_used. */
double scheduler_free_ram(const struct host_row *h);

/* Filters hosts[0..n) and writes the indexes of those that pass to order[],
 * best first (most free RAM, then fewest VMs, then name). Returns how many
 * passed. why (may be NULL) gets a summary of the rejections. */
int scheduler_rank(const struct host_row *hosts, int n, const struct sched_request *r,
                   int64_t now_us, int *order, char *why, size_t why_len);

struct sched_result {
    char host[HOST_NAME_LEN];
    char zone[HOST_NAME_LEN];     /* the chosen host's availability zone */
    char why[512];                /* rejection summary when no host was found */
};

/* Ranks the hosts and claims r->usage on the first that still has room,
 * inside the caller's transaction. 0 with *out filled; 1 when no host
 * fits (err 500 NO_VALID_HOST, out->why filled); -1 on store errors. */
int scheduler_select(struct db *db, const struct sched_request *r, struct sched_result *out,
                     struct cerr *err);
/* Gives a server's resources back to its host. */
int scheduler_release(struct db *db, const char *host, const struct host_usage *u);

#endif
