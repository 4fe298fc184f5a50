/* quota.c - Nova's quota checks against the [quota] limits of the config
 * (-1 = unlimited), with usage counted from the store at check time
 * (nova's counting quota driver): instances/cores/ram per project,
 * key pairs per user, metadata items and personality files per request. */
#include "core/quota.h"
#include "store/keypair.h"
#include "store/server.h"
#include "util/mem.h"

#include <stdio.h>

#define UNLIMITED_HEADROOM (INT64_MAX / 4)

struct resource {
    const char *name;
    int64_t quota, used, delta;
    char requested[48];
};

static int64_t headroom(const struct resource *r)
{
    return r->quota < 0 ? UNLIMITED_HEADROOM : r->quota - r->used;
}

/* TooManyInstances: "Quota exceeded for <overs>: Requested <req>, but
 * already used <used> of <allowed> <overs>", lists joined by ", " over the
 * resources in sorted order (nova compute/api.py _check_num_instances_quota). */
static int too_many(const struct resource *res, int n, struct cerr *err)
{
    struct buf overs = {0}, reqs = {0}, used = {0}, allowed = {0};
    for (int i = 0; i < n; i++) {
        if (res[i].quota < 0 || res[i].used + res[i].delta <= res[i].quota)
            continue;
        const char *sep = overs.len ? ", " : "";
        buf_printf(&overs, "%s%s", sep, res[i].name);
        buf_printf(&reqs, "%s%s", sep, res[i].requested);
        buf_printf(&used, "%s%lld", sep, (long long)res[i].used);
        buf_printf(&allowed, "%s%lld", sep, (long long)res[i].quota);
    }
    cerr_set(err, 403, "Quota exceeded for %s: Requested %s, but already used %s of %s %s",
             overs.data, reqs.data, used.data, allowed.data, overs.data);
    buf_free(&overs);
    buf_free(&reqs);
    buf_free(&used);
    buf_free(&allowed);
    return -1;
}

int quota_check_servers(struct db *db, const struct cirrus_config *cfg, const char *project_id,
                        int64_t min_count, int64_t max_count, int64_t vcpus, int64_t ram_mb,
                        int64_t *allowed, struct cerr *err)
{
    int64_t inst = 0, cores = 0, ram = 0;
    if (store_server_usage(db, project_id, &inst, &cores, &ram) < 0)
        return cerr_internal(err, "quota usage");
    /* sorted by name, the order Nova reports them in */
    struct resource res[3] = {
        { "cores", cfg->quota_cores, cores, max_count * vcpus, "" },
        { "instances", cfg->quota_instances, inst, max_count, "" },
        { "ram", cfg->quota_ram, ram, max_count * ram_mb, "" },
    };
    bool over = false;
    for (int i = 0; i < 3; i++)
        over = over || (res[i].quota >= 0 && res[i].used + res[i].delta > res[i].quota);
    if (!over) {
        *allowed = max_count;
        return 0;
    }
    /* How many would fit: what the instances, cores and ram headroom allow. */
    int64_t fit = headroom(&res[1]);
    if (vcpus > 0 && headroom(&res[0]) / vcpus < fit)
        fit = headroom(&res[0]) / vcpus;
    if (ram_mb > 0 && headroom(&res[2]) / ram_mb < fit)
        fit = headroom(&res[2]) / ram_mb;
    if (fit > 0 && fit >= min_count && fit <= max_count) {
        *allowed = fit;
        return 0;
    }
    if (min_count == max_count)
        snprintf(res[1].requested, sizeof(res[1].requested), "%lld", (long long)min_count);
    else
        snprintf(res[1].requested, sizeof(res[1].requested), "%lld-%lld", (long long)min_count,
                 (long long)max_count);
    snprintf(res[0].requested, sizeof(res[0].requested), "%lld", (long long)res[0].delta);
    snprintf(res[2].requested, sizeof(res[2].requested), "%lld", (long long)res[2].delta);
    return too_many(res, 3, err);
}

int quota_check_metadata(const struct cirrus_config *cfg, int64_t items, struct cerr *err)
{
    if (cfg->quota_metadata_items >= 0 && items > cfg->quota_metadata_items)
        return cerr_set(err, 403, "Maximum number of metadata items exceeds %d",
                        cfg->quota_metadata_items);
    return 0;
}

/* nova _check_injected_file_quota: the file count first, then the path
 * limit is reported before the content limit. */
int quota_check_personality(const struct cirrus_config *cfg, int64_t files,
                            int64_t max_path_len, int64_t max_content_bytes, struct cerr *err)
{
    if (cfg->quota_injected_files >= 0 && files > cfg->quota_injected_files)
        return cerr_set(err, 403, "Personality file limit exceeded");
    if (cfg->quota_injected_file_path_length >= 0 &&
        max_path_len > cfg->quota_injected_file_path_length)
        return cerr_set(err, 403, "Personality file path exceeds maximum %d",
                        cfg->quota_injected_file_path_length);
    if (cfg->quota_injected_file_content_bytes >= 0 &&
        max_content_bytes > cfg->quota_injected_file_content_bytes)
        return cerr_set(err, 403, "Personality file content exceeds maximum %d",
                        cfg->quota_injected_file_content_bytes);
    return 0;
}

int quota_check_keypairs(struct db *db, const struct cirrus_config *cfg, const char *user_id,
                         struct cerr *err)
{
    if (cfg->quota_key_pairs < 0)
        return 0;
    int64_t have = store_keypair_count(db, user_id);
    if (have < 0)
        return cerr_internal(err, "keypair count");
    if (have + 1 > cfg->quota_key_pairs)
        return cerr_set(err, 403, "Quota exceeded, too many key pairs.");
    return 0;
}

int quota_usage_get(struct db *db, const char *project_id, struct quota_usage *out,
                    struct cerr *err)
{
    struct quota_usage u = {0};
    if (store_server_usage(db, project_id, &u.instances, &u.cores, &u.ram_mb) < 0)
        return cerr_internal(err, "quota usage");
    *out = u;   /* server groups: cirrus has none, so none are used */
    return 0;
}
