/* versions.c - Image API discovery: GET /image (300) and GET
 * /image/versions (200), the version list of glance-api-ref versions.inc,
 * every entry pointing at <public_url>/image/v2/. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

/* v2.0 .. v2.18 as in image-versions-response.json; the newest is CURRENT. */
#define IMAGE_MINOR_MAX 18

static json_t *versions_doc(const struct http_request *req)
{
    char href[512];
    snprintf(href, sizeof(href), "%s/image/v2/", http_base_url(req));
    json_t *list = json_array();
    for (int minor = IMAGE_MINOR_MAX; minor >= 0; minor--) {
        char id[16];
        snprintf(id, sizeof(id), "v2.%d", minor);
        json_array_append_new(list, json_pack("{s:s,s:[{s:s,s:s}],s:s}", "id", id,
                                              "links", "href", href, "rel", "self",
                                              "status", minor == IMAGE_MINOR_MAX ? "CURRENT"
                                                                                 : "SUPPORTED"));
    }
    return json_pack("{s:o}", "versions", list);
}

static int versions_multiple(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    http_json(res, 300, versions_doc(req));
    return 0;
}

static int versions_list(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    http_json(res, 200, versions_doc(req));
    return 0;
}

const struct route api_image_versions_routes[] = {
    { "GET", "/", versions_multiple, ROUTE_NO_AUTH, 0, 0 },
    { "GET", "/versions", versions_list, ROUTE_NO_AUTH, 0, 0 },
    { 0 }
};
