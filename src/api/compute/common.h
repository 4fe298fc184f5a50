/* common.h - helpers shared by compute API handlers: links (DIGEST (f)),
 * pagination links, and the lookups every server sub-resource starts with. */
#ifndef CIRRUS_API_COMPUTE_COMMON_H
#define CIRRUS_API_COMPUTE_COMMON_H

#include <jansson.h>

#include "http/http.h"
#include "store/server.h"

/* [{"rel": "self", "href": <base>/v2.1[/<project>]/<collection>/<id>},
 *  {"rel": "bookmark", "href": <base>[/<project>]/<collection>/<id>}] */
json_t *api_links(const struct http_request *req, const char *collection, const char *id);
/* [{"rel": "bookmark", ...}] only (image and flavor sub-objects). */
json_t *api_bookmark_link(const struct http_request *req, const char *collection,
                          const char *id);
/* <base>/v2.1[/<project>]/<collection>/<id>, for Location headers. */
char *api_self_url(const struct http_request *req, const char *collection, const char *id);
/* [{"rel": "next", "href": <base>/v2.1[/<project>]/<path>?<query without marker>&marker=<m>}]
 * keeping the request's other query arguments (limit included). */
json_t *api_next_link(const struct http_request *req, const char *path, const char *marker);

/* Loads a server the caller may see: own project, or any project for
 * admins. 404 "Instance <id> could not be found." otherwise. */
int api_server_load(struct http_request *req, struct db *db, const char *uuid,
                    struct server **out, struct cerr *err);

#endif
