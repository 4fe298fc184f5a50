/* fault.h - the one place a struct cerr becomes an error response, in the
 * dialect of the API that failed: Nova fault bodies for compute
 * ({"itemNotFound": {"code": 404, "message": ...}}), Keystone's
 * {"error": {...}} for identity, and Glance's plain error for image. */
#ifndef CIRRUS_FAULT_H
#define CIRRUS_FAULT_H

#include "http/http.h"

void http_render_error(enum http_api api, const struct cerr *err, struct http_response *res);
/* Nova's fault key for a status: "badRequest", "itemNotFound", ... */
const char *fault_key(int status);

#endif
