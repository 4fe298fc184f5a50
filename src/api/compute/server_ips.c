/* server_ips.c - GET /servers/{id}/ips and /servers/{id}/ips/{network_label}
 * (nova ips.py, nova-api-ref ips.inc): a server's addresses per network
 * as {version, addr}, without the OS-EXT-IPS extensions of server bodies. */
#include "api/api.h"
#include "api/compute/common.h"
#include "core/instance.h"
#include "core/network.h"
#include "core/policy.h"
#include "api/validate.h"

#include <string.h>

/* The addresses Nova knows from the instance's network info cache,
 * which is empty until the build has networked the server. */
static int load_addresses(struct http_request *req, const char *action, json_t **out,
                          struct cerr *err)
{
    struct server *s = NULL;
    /* 2.102: every API rejects unknown query parameters */
    if (req->mv >= MV(2, 102) && vq_only(req, NULL, err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    int rc = policy_check(&req->auth, POLICY_READER, action, err);
    if (rc == 0)
        *out = strcmp(s->vm_state, VM_BUILDING) == 0 ? json_object()
                                                     : network_addresses(db, s->uuid, false);
    server_free(s);
    return rc;
}

static int ips_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    json_t *addresses = NULL;
    if (load_addresses(req, "os_compute_api:ips:index", &addresses, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "addresses", addresses));
    return 0;
}

static int ips_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    json_t *addresses = NULL;
    if (load_addresses(req, "os_compute_api:ips:show", &addresses, err) < 0)
        return -1;
    const char *label = req->params[1];
    json_t *list = json_object_get(addresses, label);
    if (!list) {
        json_decref(addresses);
        return cerr_set(err, 404, "Instance is not a member of specified network");
    }
    http_json(res, 200, json_pack("{s:O}", label, list));
    json_decref(addresses);
    return 0;
}

const struct route api_server_ips_routes[] = {
    {"GET", "/servers/{id}/ips", ips_index, 0, 0, 0},
    {"GET", "/servers/{id}/ips/{network_label}", ips_show, 0, 0, 0},
    {0},
};
