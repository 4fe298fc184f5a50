/* host.h - the hosts repository: one row per compute host, which is both
 * its nova-compute service (os-services: enabled, forced down, heartbeat)
 * and its hypervisor (os-hypervisors: capacity and usage). Usage changes
 * only through claim/release, conditional UPDATEs that never overcommit
 * past the allocation ratios even when schedulers race. */
#ifndef CIRRUS_STORE_HOST_H
#define CIRRUS_STORE_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define HOST_NAME_LEN 256
/* Nova's service_down_time: a host silent for longer is "down". */
#define HOST_DOWN_AFTER_US (60LL * 1000000)

struct host_row {
    int64_t id;                        /* integer id (services/hypervisors before 2.53) */
    char uuid[40];                     /* service id from 2.53 */
    char hypervisor_uuid[40];          /* hypervisor id from 2.53 */
    char host[HOST_NAME_LEN];          /* service host = hypervisor_hostname */
    char zone[HOST_NAME_LEN];
    bool disabled;
    char disabled_reason[256];
    bool has_disabled_reason;          /* false = null */
    bool forced_down;
    int64_t last_seen_up;              /* 0 = never */
    int64_t created_at, updated_at;    /* updated_at 0 = null */
    char hypervisor_type[32];
    int64_t hypervisor_version;        /* the driver's, e.g. 1000 for fake */
    char host_ip[64];
    int64_t vcpus, memory_mb, local_gb;
    int64_t vcpus_used, memory_mb_used, local_gb_used, running_vms;
    double cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio;
};

/* What one server holds on a host. */
struct host_usage {
    int64_t vcpus, memory_mb, disk_gb;
};

/* Service state as os-services reports it: up when not forced down and
 * heard from within HOST_DOWN_AFTER_US of now. */
bool host_row_is_up(const struct host_row *h, int64_t now_us);

/* All hosts ordered by id; caller frees *out. */
int store_host_list(struct db *db, struct host_row **out, int *count, struct cerr *err);
/* 0 found; -1 with 404 otherwise. */
int store_host_get(struct db *db, const char *host, struct host_row *out, struct cerr *err);
int store_host_get_by_id(struct db *db, int64_t id, struct host_row *out, struct cerr *err);
/* Matches the service uuid or the hypervisor uuid. */
int store_host_get_by_uuid(struct db *db, const char *uuid, struct host_row *out,
                           struct cerr *err);

/* Creates the row (uuid, hypervisor_uuid, host, zone, hypervisor type and
 * version, capacity and ratios from h) or, when the host exists, updates
 * capacity, ratios, zone, type and version, keeping ids, usage and service
 * flags. Also
 * records a heartbeat. */
int store_host_upsert(struct db *db, const struct host_row *h, struct cerr *err);

/* Adds u to the host's usage when it still fits under capacity x ratio.
 * 1 claimed, 0 no room (or no such host), -1 store error. */
int store_host_claim(struct db *db, const char *host, const struct host_usage *u);
/* Gives u back (never below zero). 0 ok, -1 store error. */
int store_host_release(struct db *db, const char *host, const struct host_usage *u);

int store_host_heartbeat(struct db *db, const char *host, int64_t now_us);
/* os-services enable/disable (reason NULL = null) and force-down; 404 if unknown. */
int store_host_set_disabled(struct db *db, const char *host, bool disabled, const char *reason,
                            struct cerr *err);
int store_host_set_forced_down(struct db *db, const char *host, bool forced_down,
                               struct cerr *err);
/* os-services DELETE: 404 if unknown. The caller checks for servers first. */
int store_host_delete(struct db *db, const char *host, struct cerr *err);

/* Live servers whose host is `host` (os-services DELETE refuses those). */
int store_host_server_count(struct db *db, const char *host, int64_t *out);
/* Migrations from or to host not yet in a final state (Nova's
 * migration_get_in_progress_by_host_and_node). */
int store_host_migration_count(struct db *db, const char *host, int64_t *out);
/* Evacuations away from host still "done" (its compute service has not
 * restarted to clean them up): Nova refuses to un-force such a host. */
int store_host_evacuations_done(struct db *db, const char *host, int64_t *out);
/* Servers on host in a task Nova's resource tracker counts as I/O
 * workload (building, resizing, rebuilding, snapshotting, rescuing...). */
int store_host_workload(struct db *db, const char *host, int64_t *out);

/* A service that is not a compute host (nova-conductor, nova-scheduler):
 * shown by os-services and in the "internal" availability zone. */
struct service_row {
    int64_t id;
    char uuid[40];
    char host[HOST_NAME_LEN];
    char binary[32];
    int64_t last_seen_up, created_at;
};
/* All of them ordered by id; caller frees *out. */
int store_service_list(struct db *db, struct service_row **out, int *count, struct cerr *err);
/* Registers host/binary if missing (a service starting) and records a
 * heartbeat; ids are shared with hosts so every service id is unique. */
int store_service_ensure(struct db *db, const char *host, const char *binary,
                         const char *uuid, struct cerr *err);
int store_service_heartbeat(struct db *db, const char *host, const char *binary,
                            int64_t now_us);
/* By integer id or uuid; 0 deleted, 1 no such service, -1 store error. */
int store_service_delete(struct db *db, int64_t id, const char *uuid);

/* A live server placed on a host, as its driver needs it when the agent
 * starts (Nova's InstanceList.get_by_host in init_host). */
struct host_instance {
    int64_t id;
    char uuid[40];
    char name[256];
    char image_ref[40];
    int64_t vcpus, memory_mb, root_gb, ephemeral_gb, swap;
    char vm_state[24];
    int power_state;
};
/* Servers on host ordered by id, after_id exclusive, at most limit; caller
 * frees *out. Returns the count, or -1 on store errors. */
int store_host_instances(struct db *db, const char *host, int64_t after_id, int limit,
                         struct host_instance **out);

#endif
