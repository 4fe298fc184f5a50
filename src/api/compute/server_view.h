/* server_view.h - the server bodies the compute API returns (nova
 * views/servers.py, DIGEST (f)): the full body of GET /servers/{id} at the
 * request's microversion for this caller, and the brief {id, name, links}.
 * Used by the read handlers and by create/update/rebuild responses. */
#ifndef CIRRUS_API_COMPUTE_SERVER_VIEW_H
#define CIRRUS_API_COMPUTE_SERVER_VIEW_H

#include <jansson.h>

#include "http/http.h"
#include "store/db.h"
#include "store/server.h"
#include "util/mem.h"

/* The object inside {"server": ...} of GET /servers/{id}. Reads metadata,
 * tags, addresses, the fault and the host's status from db. */
json_t *server_view(struct http_request *req, struct db *db, const struct server *s);
/* {"id", "name", "links"} (GET /servers items). */
json_t *server_view_brief(struct http_request *req, const struct server *s);

/* A list page as a JSON array appended to out: brief items (GET
 * /servers) or the bodies server_view() builds minus the show-only
 * server_groups (GET /servers/detail), with the page's metadata, tags,
 * addresses and host states fetched in batches. */
void server_view_list_text(struct http_request *req, struct db *db, struct server *const *list,
                           int count, bool detail, struct buf *out);

#endif
