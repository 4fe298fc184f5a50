/* versions.c - Identity API discovery: GET /identity (300, every version)
 * and GET /identity/v3 (200, this version), which keystoneauth reads
 * before authenticating (DIGEST g.1; samples/admin/identity-version*). */
#include "api/api.h"
#include "util/mem.h"

#include <stdlib.h>

static json_t *v3_doc(const struct http_request *req)
{
    char *href = xasprintf("%s/identity/v3/", http_base_url(req));
    json_t *doc = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}",
                            "id", "v3.14", "status", "stable",
                            "updated", "2020-04-07T00:00:00Z",
                            "links", "rel", "self", "href", href,
                            "media-types", "base", "application/json",
                            "type", "application/vnd.openstack.identity-v3+json");
    free(href);
    return doc;
}

static int versions_list(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    http_json(res, 300, json_pack("{s:{s:[o]}}", "versions", "values", v3_doc(req)));
    return 0;
}

static int version_show(struct http_request *req, struct http_response *res,
                        struct cerr *err)
{
    http_json(res, 200, json_pack("{s:o}", "version", v3_doc(req)));
    return 0;
}

const struct route api_identity_versions_routes[] = {
    { "GET", "/", versions_list, ROUTE_NO_AUTH, 0, 0 },
    { "GET", "/v3", version_show, ROUTE_NO_AUTH, 0, 0 },
    { 0 }
};
