/* fault.c - error bodies per API (DIGEST (d)). */
#include "http/fault.h"

#include <stdio.h>

const char *fault_key(int status)
{
    switch (status) {
    case 400: return "badRequest";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "itemNotFound";
    case 405: return "badMethod";
    case 409: return "conflictingRequest";
    case 413: return "overLimit";
    case 415: return "badMediaType";
    case 429: return "overLimit";
    case 501: return "notImplemented";
    case 503: return "serviceUnavailable";
    default:  return "computeFault";
    }
}

static const char *title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    default:  return "Internal Server Error";
    }
}

void http_render_error(enum http_api api, const struct cerr *err, struct http_response *res)
{
    int status = err->status ? err->status : 500;
    json_t *body;
    if (api == API_IDENTITY || (api != API_IMAGE && status == 401)) {
        body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", status, "title", title(status),
                         "message", err->message);
    } else if (api == API_IMAGE) {
        char code[64];
        snprintf(code, sizeof(code), "%d %s", status, title(status));
        body = json_pack("{s:s,s:s,s:s}", "code", code, "title", title(status),
                         "message", err->message);
    } else {
        body = json_pack("{s:{s:i,s:s}}", fault_key(status), "code", status,
                         "message", err->message);
    }
    json_decref(res->json);
    res->json = NULL;
    http_json(res, status, body);
}
