/* services.h - the services os-services and os-availability-zone show:
 * nova-conductor and nova-scheduler (zone "internal") and one nova-compute
 * per compute host, merged in id order as Nova's services table lists them. */
#ifndef CIRRUS_API_COMPUTE_SERVICES_H
#define CIRRUS_API_COMPUTE_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "store/db.h"
#include "store/host.h"

/* CONF.internal_service_availability_zone */
#define INTERNAL_ZONE "internal"

struct api_service {
    int64_t id;
    char uuid[40];
    char host[HOST_NAME_LEN];
    char binary[32];
    char zone[HOST_NAME_LEN];
    bool disabled, forced_down, up;
    bool has_reason;
    char disabled_reason[256];
    int64_t updated_at;            /* 0 = null */
};

/* Every service, ordered by id; caller frees *out. */
int api_service_list(const struct http_request *req, struct db *db, struct api_service **out,
                     int *count, struct cerr *err);
/* Nova's datetime form, whole seconds: "2012-10-29T13:42:02.000000"; null for 0. */
json_t *api_service_time(int64_t us);

#endif
