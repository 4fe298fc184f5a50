/* request.c - accessors on struct http_request and builders of
 * struct http_response used by every handler. */
#include "http/http.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>

const char *http_query(const struct http_request *req, const char *key)
{
    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, key) == 0)
            return req->query[i].value ? req->query[i].value : "";
    return NULL;
}

int http_query_all(const struct http_request *req, const char *key, const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < req->nquery && n < max; i++)
        if (strcmp(req->query[i].key, key) == 0)
            out[n++] = req->query[i].value ? req->query[i].value : "";
    return n;
}

bool http_query_has(const struct http_request *req, const char *key)
{
    return http_query(req, key) != NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

bool http_is_admin(const struct http_request *req)
{
    return (req->auth.roles & ROLE_ADMIN) != 0;
}

const char *http_base_url(const struct http_request *req)
{
    return req->cfg->public_url;
}

void http_json(struct http_response *res, int status, json_t *body)
{
    json_decref(res->json);
    res->json = body;
    res->status = status;
}

void http_empty(struct http_response *res, int status)
{
    json_decref(res->json);
    res->json = NULL;
    res->status = status;
}

void http_set_header(struct http_response *res, const char *name, const char *value)
{
    for (int i = 0; i < res->nheaders; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0) {
            free(res->headers[i].value);
            res->headers[i].value = xstrdup(value);
            return;
        }
    }
    if (res->nheaders == HTTP_MAX_HEADERS)
        return;
    res->headers[res->nheaders].name = xstrdup(name);
    res->headers[res->nheaders].value = xstrdup(value);
    res->nheaders++;
}
