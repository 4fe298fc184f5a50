/* versions.c - compute API discovery: GET / (all versions), GET /v2.1
 * (this version), GET /v2.1/versions/{id} (nova-api-ref versions.inc). */
#include "api/api.h"
#include "http/microversion.h"

#include <stdio.h>
#include <string.h>

static json_t *version_doc(const struct http_request *req, bool current)
{
    char max[16], min[16];
    char href[512];
    microversion_format(COMPUTE_MV_MAX, max);
    microversion_format(COMPUTE_MV_MIN, min);
    snprintf(href, sizeof(href), "%s/v2.1/", http_base_url(req));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}",
                     "id", current ? "v2.1" : "v2.0",
                     "status", current ? "CURRENT" : "DEPRECATED",
                     "version", current ? max : "",
                     "min_version", current ? min : "",
                     "updated", current ? "2013-07-23T11:33:21Z" : "2011-01-21T11:33:21Z",
                     "links", "rel", "self", "href", href,
                     "media-types", "base", "application/json",
                     "type", current ? "application/vnd.openstack.compute+json;version=2.1"
                                     : "application/vnd.openstack.compute+json;version=2");
}

static void fix_v20_href(const struct http_request *req, json_t *doc)
{
    char href[512];
    snprintf(href, sizeof(href), "%s/v2/", http_base_url(req));
    json_t *link = json_array_get(json_object_get(doc, "links"), 0);
    json_object_set_new(link, "href", json_string(href));
}

static int versions_list(struct http_request *req, struct http_response *res, struct cerr *err)
{
    json_t *v20 = version_doc(req, false);
    fix_v20_href(req, v20);
    json_t *body = json_pack("{s:[o,o]}", "versions", v20, version_doc(req, true));
    http_json(res, strcmp(req->path, "/") == 0 ? 200 : 300, body);
    return 0;
}

static int version_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    http_json(res, 200, json_pack("{s:o}", "version", version_doc(req, true)));
    return 0;
}

static int version_show_id(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    const char *id = req->params[0];
    if (strcmp(id, "v2.1") == 0)
        return version_show(req, res, err);
    if (strcmp(id, "v2.0") == 0) {
        json_t *doc = version_doc(req, false);
        fix_v20_href(req, doc);
        http_json(res, 200, json_pack("{s:o}", "version", doc));
        return 0;
    }
    return cerr_set(err, 404, "Version %s could not be found.", id);
}

const struct route api_root_routes[] = {
    { "GET", "/", versions_list, ROUTE_NO_AUTH, 0, 0 },
    { 0 }
};

const struct route api_versions_routes[] = {
    { "GET", "/", version_show, ROUTE_NO_AUTH, 0, 0 },
    { "GET", "/versions/{id}", version_show_id, 0, 0, 0 },
    { 0 }
};
