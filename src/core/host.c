/* host.c - the local compute hosts: their names and the hosts rows that
 * bootstrap keeps in step with the configuration. Ids are generated once
 * and kept across restarts, because clients hold service and hypervisor
 * ids (os-services, os-hypervisors 2.53+). */
#include "core/agent.h"
#include "core/bootstrap.h"
#include "store/aggregate.h"
#include "store/host.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"
#include "virt/driver.h"

#include <stdio.h>
#include <string.h>

int host_local_count(const struct cirrus_config *cfg)
{
    return strcmp(cfg->role, "api") == 0 ? 0 : cfg->hosts;
}

void host_local_name(const struct cirrus_config *cfg, int i, char *out, size_t len)
{
    if (cfg->hosts == 1)
        snprintf(out, len, "%s", cfg->host);
    else
        snprintf(out, len, "%s-%d", cfg->host, i + 1);
}

static const char *hypervisor_type(const struct cirrus_config *cfg)
{
    /* Not looked up in the driver registry: the row must exist even when
     * the driver is unavailable, so os-hypervisors shows the host down. */
    return strcmp(cfg->driver, "qemu") == 0 ? "QEMU" : "fake";
}

int host_bootstrap(const struct cirrus_config *cfg, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database connection");
    int n = host_local_count(cfg);
    const struct virt_driver *driver = virt_driver_lookup(cfg->driver);
    if (db_begin(db) < 0)
        return cerr_internal(err, "host bootstrap");
    /* The conductor and scheduler run wherever the API does; os-services
     * lists them on the host prefix, as Nova lists its control services. */
    static const char *const control[] = { "nova-conductor", "nova-scheduler" };
    for (int i = 0; i < 2 && strcmp(cfg->role, "compute") != 0; i++) {
        char uuid[40];
        uuid_generate_text(uuid);
        if (store_service_ensure(db, cfg->host, control[i], uuid, err) < 0) {
            db_rollback(db);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        struct host_row h;
        memset(&h, 0, sizeof(h));
        host_local_name(cfg, i, h.host, sizeof(h.host));
        /* Fresh ids only matter for a new row: the upsert keeps old ones. */
        uuid_generate_text(h.uuid);
        uuid_generate_text(h.hypervisor_uuid);
        str_copy(h.zone, sizeof(h.zone), cfg->availability_zone);
        str_copy(h.hypervisor_type, sizeof(h.hypervisor_type), hypervisor_type(cfg));
        h.hypervisor_version = driver ? driver->hypervisor_version : 0;
        h.vcpus = cfg->host_vcpus;
        h.memory_mb = cfg->host_ram_mb;
        h.local_gb = cfg->host_disk_gb;
        h.cpu_allocation_ratio = cfg->cpu_allocation_ratio;
        h.ram_allocation_ratio = cfg->ram_allocation_ratio;
        h.disk_allocation_ratio = cfg->disk_allocation_ratio;
        if (store_host_upsert(db, &h, err) < 0) {
            db_rollback(db);
            return -1;
        }
    }
    /* The upsert wrote the default zone: a host in an aggregate with an
     * availability_zone keeps that one (Nova derives it on every read). */
    if (store_aggregate_sync_zones(db, cfg->availability_zone) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "host bootstrap");
    }
    if (n > 0)
        log_info("compute hosts ready: %d (%s driver)", n, cfg->driver);
    return 0;
}
