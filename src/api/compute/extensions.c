/* extensions.c - GET /extensions and /extensions/{alias} (nova-api-ref
 * extensions.inc, deprecated): Nova's fixed table of 99 entries, each
 * with empty links, open to any authenticated user. */
#include "api/api.h"
#include "api/compute/extensions.h"

#include <string.h>

static json_t *extension_json(const struct api_extension *e)
{
    return json_pack("{s:s,s:s,s:[],s:s,s:s,s:s}", "alias", e->alias,
                     "description", e->description, "links", "name", e->name,
                     "namespace", e->namespace_, "updated", e->updated);
}

static int extensions_index(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    json_t *list = json_array();
    for (int i = 0; i < api_extension_count; i++)
        json_array_append_new(list, extension_json(&api_extensions[i]));
    http_json(res, 200, json_pack("{s:o}", "extensions", list));
    return 0;
}

static int extension_show(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    for (int i = 0; i < api_extension_count; i++) {
        if (strcmp(api_extensions[i].alias, req->params[0]) == 0) {
            http_json(res, 200, json_pack("{s:o}", "extension",
                                          extension_json(&api_extensions[i])));
            return 0;
        }
    }
    return cerr_set(err, 404, "Extension with alias %s does not exist", req->params[0]);
}

const struct route api_extensions_routes[] = {
    { "GET", "/extensions", extensions_index, 0, 0, 0 },
    { "GET", "/extensions/{alias}", extension_show, 0, 0, 0 },
    { 0 }
};
