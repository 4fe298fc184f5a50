/* router.h - maps (api, method, path, microversion) to a route.
 *
 * Route tables are NULL-terminated arrays owned by the API modules and
 * listed in api/routes.c. Matching is a linear scan over pre-split
 * patterns: ~100 routes cost about a microsecond. */
#ifndef CIRRUS_ROUTER_H
#define CIRRUS_ROUTER_H

#include "http/http.h"

enum router_result {
    ROUTER_OK = 0,
    ROUTER_NOT_FOUND,          /* no pattern matches the path */
    ROUTER_BAD_METHOD,         /* a pattern matches, not with this method (405) */
    ROUTER_BAD_VERSION,        /* matches, but not at this microversion (404) */
};

/* The tables of one API, in match order (api/routes.c). */
const struct route *const *api_route_tables(enum http_api api);

/* Splits a mutable path in place and matches it. On ROUTER_OK, *out and
 * params[] (pointing into path) are set. mv is ignored outside compute. */
enum router_result router_match(enum http_api api, const char *method, char *path, int mv,
                                const struct route **out, const char **params, int *nparams);

#endif
