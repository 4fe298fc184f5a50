/* versions.c - compute API discovery: GET / (all versions), GET /v2.1
 * (this version), GET /v2.1/versions/{id} (nova-api-ref versions.inc). */
#include "api/api.h"
#include "http/microversion.h"

#include <stdio.h>
#include <string.h>

/* One version entry. GET / lists entries without "media-types"; the
 * version documents (GET /v2.1) and the 300 choices carry them. */
static json_t *version_doc(const struct http_request *req, bool current, bool media_types)
{
    char max[16], min[16];
    char href[512];
    microversion_format(COMPUTE_MV_MAX, max);
    microversion_format(COMPUTE_MV_MIN, min);
    snprintf(href, sizeof(href), "%s/%s/", http_base_url(req), current ? "v2.1" : "v2");
    json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}]}",
                            "id", current ? "v2.1" : "v2.0",
                            "status", current ? "CURRENT" : "DEPRECATED",
                            "version", current ? max : "",
                            "min_version", current ? min : "",
                            "updated", current ? "2013-07-23T11:33:21Z" : "2011-01-21T11:33:21Z",
                            "links", "rel", "self", "href", href);
    if (media_types)
        json_object_set_new(doc, "media-types", json_pack("[{s:s,s:s}]",
            "base", "application/json",
            "type", current ? "application/vnd.openstack.compute+json;version=2.1"
                            : "application/vnd.openstack.compute+json;version=2"));
    return doc;
}

/* Nova's versions app answers any other path with 300 and the choices,
 * each linking to the requested path under that version. */
static json_t *choice(const struct http_request *req, bool current)
{
    char href[1024];
    const char *path = req->url[0] == '/' ? req->url + 1 : req->url;
    snprintf(href, sizeof(href), "%s/%s/%s", http_base_url(req), current ? "v2.1" : "v2", path);
    json_t *c = version_doc(req, current, true);
    json_object_del(c, "version");
    json_object_del(c, "min_version");
    json_object_del(c, "updated");
    json_object_set_new(json_array_get(json_object_get(c, "links"), 0), "href",
                        json_string(href));
    return c;
}

static int versions_list(struct http_request *req, struct http_response *res, struct cerr *err)
{
    if (strcmp(req->url, "/") != 0) {
        http_json(res, 300, json_pack("{s:[o,o]}", "choices", choice(req, false),
                                      choice(req, true)));
        return 0;
    }
    http_json(res, 200, json_pack("{s:[o,o]}", "versions", version_doc(req, false, false),
                                  version_doc(req, true, false)));
    return 0;
}

/* GET /v2.1 and GET /v2.1/{project_id}/; without the trailing slash the
 * project form redirects to it, as Nova's routes do. */
static int version_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    size_t n = strlen(req->url);
    if (req->path_project && n && req->url[n - 1] != '/') {
        char loc[1024];
        snprintf(loc, sizeof(loc), "%s%s/", http_base_url(req), req->url);
        http_set_header(res, "Location", loc);
        http_empty(res, 302);
        return 0;
    }
    http_json(res, 200, json_pack("{s:o}", "version", version_doc(req, true, true)));
    return 0;
}

static int version_show_id(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    const char *id = req->params[0];
    if (strcmp(id, "v2.1") == 0)
        return version_show(req, res, err);
    if (strcmp(id, "v2.0") == 0) {
        http_json(res, 200, json_pack("{s:o}", "version", version_doc(req, false, true)));
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
