/* fault.c - error bodies per API (DIGEST (d)). */
#include "http/fault.h"

#include <stdio.h>
#include <string.h>

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

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
               p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

/* A lead byte followed by too few continuation bytes: what a bounded copy
 * leaves when it cuts a character of valid text; its length, or 0. */
static size_t utf8_cut(const unsigned char *p)
{
    size_t need = p[0] >= 0xf5 ? 0 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    size_t k = 1;
    while (k < need && (p[k] & 0xc0) == 0x80)
        k++;
    return need && k < need ? k : 0;
}

/* Messages echo what the client sent (path segments, query values, header
 * text, long body values cut to fit a buffer); jansson refuses invalid
 * UTF-8, which would leave the fault without a body. A character cut short
 * by such a copy is dropped; any other bad byte becomes U+FFFD, as
 * Python's decode(errors="replace") shows it. */
static void utf8_clean(const char *in, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, k;
    while (*p && o + 4 < n) {
        if ((k = utf8_seq(p)) > 0) {
            memcpy(out + o, p, k);
            o += k;
            p += k;
        } else if ((k = utf8_cut(p)) > 0) {
            p += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        }
    }
    out[o] = '\0';
}

void http_render_error(enum http_api api, const struct cerr *err, struct http_response *res)
{
    int status = err->status ? err->status : 500;
    char message[3 * CERR_MSG_MAX + 4];
    utf8_clean(err->message, message, sizeof(message));
    json_t *body;
    if (api == API_IDENTITY || (api != API_IMAGE && status == 401)) {
        body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", status, "title", title(status),
                         "message", message);
    } else if (api == API_IMAGE) {
        char code[64];
        snprintf(code, sizeof(code), "%d %s", status, title(status));
        body = json_pack("{s:s,s:s,s:s}", "code", code, "title", title(status),
                         "message", message);
    } else {
        body = json_pack("{s:{s:i,s:s}}", fault_key(status), "code", status,
                         "message", message);
    }
    json_decref(res->json);
    res->json = NULL;
    http_json(res, status, body);
}
