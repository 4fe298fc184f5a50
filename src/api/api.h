/* api.h - the route tables every API module exports, and helpers the
 * handlers of all three APIs share. Each table is NULL-terminated
 * ({0} last) and listed in api/routes.c. */
#ifndef CIRRUS_API_H
#define CIRRUS_API_H

#include "http/http.h"

/* unversioned root and compute discovery: api/compute/versions.c */
extern const struct route api_root_routes[];
extern const struct route api_versions_routes[];

#endif
