/* views.h - JSON renderings shared by the Identity API handlers: the token
 * body, entity references with their "links", and Keystone's list links. */
#ifndef CIRRUS_API_IDENTITY_VIEWS_H
#define CIRRUS_API_IDENTITY_VIEWS_H

#include <jansson.h>

#include "http/http.h"
#include "store/identity.h"

/* {"token": {...}} for a validated identity; NULL with err on failure. */
json_t *view_token(const struct http_request *req, const struct auth *a, bool catalog,
                   struct cerr *err);
json_t *view_domain(const struct http_request *req, const struct identity_domain *d);
json_t *view_project(const struct http_request *req, const struct identity_project *p);
json_t *view_user(const struct http_request *req, const struct identity_user *u);
json_t *view_role(const struct http_request *req, const struct identity_role *r);
json_t *view_assignment(const struct http_request *req, const struct identity_assignment *a,
                        bool names);
/* {"self": <public_url>/identity/v3/<path>, "previous": null, "next": null} */
json_t *view_list_links(const struct http_request *req, const char *path);
/* Answers 200 with {key: items, "links": ...}; steals items. */
int view_list(struct http_request *req, struct http_response *res, const char *key,
              json_t *items);

#endif
