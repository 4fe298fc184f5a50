/* http.h - requests, responses and routes as the API handlers see them.
 *
 * One libmicrohttpd listener serves three APIs (compute at /v2.1, identity
 * at /identity/v3, image at /image/v2). A handler gets a fully read,
 * authenticated request and fills a response; on failure it returns -1
 * with a struct cerr, and the API's fault function renders it. */
#ifndef CIRRUS_HTTP_H
#define CIRRUS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/auth.h"
#include "util/config.h"
#include "util/err.h"

/* Microversions as one comparable integer. */
#define MV(major, minor) (((major) << 16) | (minor))
#define MV_MAJOR(v) ((v) >> 16)
#define MV_MINOR(v) ((v) & 0xffff)

enum http_api { API_COMPUTE, API_IDENTITY, API_IMAGE, API_ROOT };

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_QUERY 64

struct http_kv { const char *key, *value; };

struct http_request {
    const char *method;
    const char *url;                      /* path as received, without query */
    const char *path;                     /* path relative to the API root, e.g. "/servers/x" */
    enum http_api api;
    const char *params[HTTP_MAX_PARAMS];  /* {placeholders} of the matched route, in order */
    int nparams;
    struct http_kv query[HTTP_MAX_QUERY]; /* decoded query arguments, repeats kept in order */
    int nquery;
    const char *body;                     /* raw body, NUL-terminated (may be NULL) */
    size_t body_len;
    const char *body_file;                /* routes with ROUTE_STREAM: body spooled here */
    json_t *json;                         /* parsed body for ROUTE_JSON routes (borrowed) */
    int mv;                               /* negotiated compute microversion */
    const char *path_project;             /* project id from /v2.1/{project_id}/..., or NULL */
    char request_id[48];                  /* "req-<uuid>" */
    struct auth auth;
    const struct cirrus_config *cfg;
    void *conn;                           /* struct MHD_Connection * */
};

#define HTTP_MAX_HEADERS 12

struct http_response {
    int status;
    json_t *json;                 /* owned; rendered compactly */
    char *body;                   /* owned raw body (used when json is NULL) */
    size_t body_len;
    int fd;                       /* >= 0: send this file (owned), body_len bytes */
    const char *content_type;     /* default application/json */
    struct { char *name, *value; } headers[HTTP_MAX_HEADERS];
    int nheaders;
    bool unversioned;             /* compute: answered where Nova's wsgi.Resource answers
                                   * before dispatch (action lookup), so no version headers */
};

typedef int (*http_handler)(struct http_request *req, struct http_response *res,
                            struct cerr *err);

enum route_flags {
    ROUTE_NO_AUTH = 1 << 0,   /* served without a token */
    ROUTE_JSON    = 1 << 1,   /* body must be JSON (415 otherwise, 400 if malformed) */
    ROUTE_STREAM  = 1 << 2,   /* body spooled to a file (image upload), no size cap */
    ROUTE_RAW     = 1 << 3,   /* body kept as bytes, any content type */
};

struct route {
    const char *method;       /* "GET", "POST", ... */
    const char *pattern;      /* "/servers/{id}/metadata/{key}" */
    http_handler handler;
    unsigned flags;
    int min_mv, max_mv;       /* 0 = no bound (compute only) */
};

/* --- request accessors --- */
const char *http_query(const struct http_request *req, const char *key);
int http_query_all(const struct http_request *req, const char *key, const char **out, int max);
bool http_query_has(const struct http_request *req, const char *key);
const char *http_header(const struct http_request *req, const char *name);
bool http_is_admin(const struct http_request *req);
/* Base URL of this deployment as the client reached it (public_url). */
const char *http_base_url(const struct http_request *req);

/* --- response builders --- */
void http_json(struct http_response *res, int status, json_t *body);   /* steals body */
void http_empty(struct http_response *res, int status);
void http_set_header(struct http_response *res, const char *name, const char *value);

#endif
