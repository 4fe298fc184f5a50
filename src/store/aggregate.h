/* aggregate.h - the host aggregates repository (os-aggregates): named
 * groups of compute hosts with key/value metadata. The availability_zone
 * key makes an aggregate an availability zone: its hosts' hosts.zone is
 * kept equal to it (else to the default zone) by store_aggregate_sync_zones,
 * which callers run in the transaction that changes membership or
 * metadata, so every reader of hosts.zone (os-availability-zone,
 * os-services, the scheduler) sees one answer. */
#ifndef CIRRUS_STORE_AGGREGATE_H
#define CIRRUS_STORE_AGGREGATE_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

/* The metadata key Nova reads a host's availability zone from. */
#define AGGREGATE_AZ_KEY "availability_zone"

struct aggregate {
    int64_t id;
    char uuid[40];
    char *name;                /* heap: 255 characters may be 1020 bytes */
    int64_t created_at;
    int64_t updated_at;        /* 0 = null */
    json_t *hosts;             /* array of host names, in the order they were added */
    json_t *metadata;          /* object key -> string value */
};

void aggregate_clear(struct aggregate *a);
void aggregate_list_free(struct aggregate *list, int count);

/* 0 found; -1 with 404 "Aggregate <what> could not be found." (`what` is
 * the id as the request spelled it, as Nova echoes it). */
int store_aggregate_get(struct db *db, int64_t id, const char *what, struct aggregate *out,
                        struct cerr *err);
/* Every aggregate ordered by id; caller frees with aggregate_list_free. */
int store_aggregate_list(struct db *db, struct aggregate **out, int *count, struct cerr *err);

/* New aggregate (az NULL = no availability_zone metadata); *id set.
 * 409 "Aggregate <name> already exists." */
int store_aggregate_create(struct db *db, const char *name, const char *az, int64_t *id,
                           struct cerr *err);
/* Renames (name NULL = keep) and stamps updated_at; 409 when another
 * aggregate has the name. */
int store_aggregate_update(struct db *db, int64_t id, const char *name, struct cerr *err);
/* Deletes the aggregate with its hosts and metadata. */
int store_aggregate_delete(struct db *db, int64_t id, struct cerr *err);

/* 409 "Aggregate <id> already has host <host>." */
int store_aggregate_host_add(struct db *db, int64_t id, const char *host, struct cerr *err);
/* 1 removed, 0 not a member, -1 store error. */
int store_aggregate_host_remove(struct db *db, int64_t id, const char *host);

/* Applies Nova's update_metadata: a null value deletes its key (absent
 * keys are fine), a string sets it. */
int store_aggregate_metadata_update(struct db *db, int64_t id, const json_t *updates,
                                    struct cerr *err);

/* The availability zones of the aggregates other than except_id that hold
 * any of `hosts` (array of names), one entry per aggregate in id order, as
 * Nova's AggregateList.get_by_metadata_key(..., hosts=) yields them.
 * *out is a new array. */
int store_aggregate_zones_of(struct db *db, const json_t *hosts, int64_t except_id,
                             json_t **out, struct cerr *err);

/* Recomputes every host's zone: its aggregates' availability_zone, else
 * default_zone (Nova's get_host_availability_zone); placed servers take
 * their host's zone. */
int store_aggregate_sync_zones(struct db *db, const char *default_zone);

#endif
