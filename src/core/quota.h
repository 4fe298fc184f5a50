/* quota.h - project quotas (config [quota] defaults) and their checks,
 * with usage counted from the store so nothing drifts. */
#ifndef CIRRUS_QUOTA_H
#define CIRRUS_QUOTA_H

#include <stdint.h>

#include "store/db.h"
#include "util/config.h"
#include "util/err.h"

/* Checks that `count` more servers of vcpus/ram each fit the project's
 * instances/cores/ram quotas. 0 ok; -1 with 403 "Quota exceeded for
 * instances: Requested 1, but already used 10 of 10 instances". Also
 * returns in *allowed how many would fit (min_count/max_count logic). */
int quota_check_servers(struct db *db, const struct cirrus_config *cfg, const char *project_id,
                        int64_t min_count, int64_t max_count, int64_t vcpus, int64_t ram_mb,
                        int64_t *allowed, struct cerr *err);
/* metadata_items (403 "Quota exceeded for metadata_items: ..."),
 * injected files, file content bytes and path length (403). */
int quota_check_metadata(const struct cirrus_config *cfg, int64_t items, struct cerr *err);
int quota_check_personality(const struct cirrus_config *cfg, int64_t files,
                            int64_t max_path_len, int64_t max_content_bytes, struct cerr *err);

/* key_pairs, counted per user as Nova does: 403 "Quota exceeded, too
 * many key pairs." when one more would not fit. */
int quota_check_keypairs(struct db *db, const struct cirrus_config *cfg, const char *user_id,
                         struct cerr *err);

/* What a project uses, for GET /limits. */
struct quota_usage {
    int64_t instances, cores, ram_mb, server_groups;
};
int quota_usage_get(struct db *db, const char *project_id, struct quota_usage *out,
                    struct cerr *err);

#endif
