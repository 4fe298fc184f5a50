/* flavor.c - the default flavors a new deployment starts with: devstack's
 * m1.* set plus m1.nano and m1.micro (the flavors tempest and the
 * openstack CLI examples use). They are created only while the flavors
 * table is empty, so flavors an admin deleted do not come back. */
#include "core/bootstrap.h"
#include "store/flavor.h"
#include "util/log.h"
#include "util/mem.h"

#include <string.h>

static const struct {
    const char *id, *name;
    int64_t ram_mb, disk_gb, vcpus;
} defaults[] = {
    { "1", "m1.tiny", 512, 1, 1 },
    { "2", "m1.small", 2048, 20, 1 },
    { "3", "m1.medium", 4096, 40, 2 },
    { "4", "m1.large", 8192, 80, 4 },
    { "5", "m1.xlarge", 16384, 160, 8 },
    { "42", "m1.nano", 128, 1, 1 },
    { "84", "m1.micro", 192, 1, 1 },
};

int flavor_bootstrap(const struct cirrus_config *cfg, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "flavor bootstrap: no database");
    int64_t have = store_flavor_count(db);
    if (have < 0)
        return cerr_internal(err, "flavor bootstrap: cannot count flavors");
    if (have > 0)
        return 0;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        struct flavor f = {
            .vcpus = defaults[i].vcpus, .memory_mb = defaults[i].ram_mb,
            .root_gb = defaults[i].disk_gb, .rxtx_factor = 1.0, .is_public = true,
        };
        str_copy(f.flavorid, sizeof(f.flavorid), defaults[i].id);
        str_copy(f.name, sizeof(f.name), defaults[i].name);
        if (store_flavor_create(db, &f, NULL, err) < 0)
            return -1;
    }
    log_info("created %zu default flavors", sizeof(defaults) / sizeof(defaults[0]));
    return 0;
}
