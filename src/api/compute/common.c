/* common.c - links and server lookup for compute handlers. */
#include "api/compute/common.h"
#include "core/policy.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char *url(const struct http_request *req, bool versioned, const char *collection,
                 const char *id)
{
    const char *p = req->path_project;
    return xasprintf("%s%s%s%s/%s/%s", http_base_url(req), versioned ? "/v2.1" : "",
                     p ? "/" : "", p ? p : "", collection, id);
}

json_t *api_links(const struct http_request *req, const char *collection, const char *id)
{
    char *self = url(req, true, collection, id), *book = url(req, false, collection, id);
    json_t *links = json_pack("[{s:s,s:s},{s:s,s:s}]", "rel", "self", "href", self,
                              "rel", "bookmark", "href", book);
    free(self);
    free(book);
    return links;
}

json_t *api_bookmark_link(const struct http_request *req, const char *collection,
                          const char *id)
{
    char *book = url(req, false, collection, id);
    json_t *links = json_pack("[{s:s,s:s}]", "rel", "bookmark", "href", book);
    free(book);
    return links;
}

char *api_self_url(const struct http_request *req, const char *collection, const char *id)
{
    return url(req, true, collection, id);
}

static void append_escaped(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || strchr("-_.~", c))
            buf_append(b, s, 1);
        else
            buf_printf(b, "%%%02X", c);
    }
}

json_t *api_next_link(const struct http_request *req, const char *path, const char *marker)
{
    struct buf b = {0};
    const char *p = req->path_project;
    buf_printf(&b, "%s/v2.1%s%s/%s?", http_base_url(req), p ? "/" : "", p ? p : "", path);
    for (int i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].key, "marker") == 0)
            continue;
        append_escaped(&b, req->query[i].key);
        buf_puts(&b, "=");
        if (req->query[i].value)
            append_escaped(&b, req->query[i].value);
        buf_puts(&b, "&");
    }
    buf_puts(&b, "marker=");
    append_escaped(&b, marker);
    json_t *links = json_pack("[{s:s,s:s}]", "rel", "next", "href", b.data);
    buf_free(&b);
    return links;
}

int api_server_load(struct http_request *req, struct db *db, const char *uuid,
                    struct server **out, struct cerr *err)
{
    const char *project = policy_is_admin(&req->auth) ? NULL : req->auth.project_id;
    return store_server_get(db, uuid, project, out, err);
}
