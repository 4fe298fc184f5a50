/* availability_zones.c - /os-availability-zone (nova-api-ref
 * os-availability-zone.inc; nova availability_zone.py): the zones of the
 * services, "available" when at least one service in them is enabled. The
 * plain list hides the internal zone and names no hosts; the admin detail
 * shows each enabled service per host with its liveness. */
#include "api/compute/services.h"
#include "api/api.h"
#include "core/policy.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct zone {
    const char *name;      /* borrowed from the service list */
    bool available;
};

static int zone_cmp(const void *a, const void *b)
{
    return strcmp(((const struct zone *)a)->name, ((const struct zone *)b)->name);
}

/* availability_zones.get_availability_zones: zones with an enabled service
 * are available; zones where every service is disabled are not. Sorted by
 * name (Nova builds them from sets, in no particular order). */
static int zones_of(const struct api_service *s, int n, struct zone *out)
{
    int nz = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < nz && strcmp(out[k].name, s[i].zone) != 0)
            k++;
        if (k == nz)
            out[nz++] = (struct zone){ s[i].zone, false };
        out[k].available = out[k].available || !s[i].disabled;
    }
    qsort(out, (size_t)nz, sizeof(*out), zone_cmp);
    return nz;
}

static json_t *zone_entry(const char *name, bool available, json_t *hosts)
{
    return json_pack("{s:s, s:{s:b}, s:o}", "zoneName", name, "zoneState", "available",
                     available, "hosts", hosts ? hosts : json_null());
}

/* {host: {binary: {available, active, updated_at}}} of the enabled
 * services in a zone. */
static json_t *zone_hosts(const struct api_service *s, int n, const char *zone)
{
    json_t *hosts = json_object();
    for (int i = 0; i < n; i++) {
        if (s[i].disabled || strcmp(s[i].zone, zone) != 0)
            continue;
        json_t *h = json_object_get(hosts, s[i].host);
        if (!h) {
            h = json_object();
            json_object_set_new(hosts, s[i].host, h);
        }
        json_object_set_new(h, s[i].binary, json_pack("{s:b, s:b, s:o}", "available", s[i].up,
                                                      "active", !s[i].disabled, "updated_at",
                                                      api_service_time(s[i].updated_at)));
    }
    return hosts;
}

static int az_list(struct http_request *req, struct http_response *res, struct cerr *err,
                   bool detail)
{
    struct api_service *list = NULL;
    int n = 0;
    if (policy_check(&req->auth, detail ? POLICY_ADMIN : POLICY_ANY,
                     detail ? "os_compute_api:os-availability-zone:detail"
                            : "os_compute_api:os-availability-zone:list", err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_service_list(req, db, &list, &n, err) < 0)
        return -1;
    struct zone *zones = xcalloc((size_t)n + 1, sizeof(*zones));
    int nz = zones_of(list, n, zones);
    json_t *info = json_array();
    /* Available zones first, then the unavailable ones, as Nova concatenates. */
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < nz; k++) {
            if (zones[k].available != (pass == 0))
                continue;
            if (!detail && strcmp(zones[k].name, INTERNAL_ZONE) == 0)
                continue;
            json_t *hosts = detail && zones[k].available ? zone_hosts(list, n, zones[k].name)
                                                         : NULL;
            json_array_append_new(info, zone_entry(zones[k].name, zones[k].available, hosts));
        }
    }
    free(zones);
    free(list);
    http_json(res, 200, json_pack("{s:o}", "availabilityZoneInfo", info));
    return 0;
}

static int az_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return az_list(req, res, err, false);
}

static int az_detail(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return az_list(req, res, err, true);
}

const struct route api_availability_zones_routes[] = {
    { "GET", "/os-availability-zone", az_index, 0, 0, 0 },
    { "GET", "/os-availability-zone/detail", az_detail, 0, 0, 0 },
    {0},
};
