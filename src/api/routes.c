/* routes.c - which route tables make up each API, in match order. */
#include "api/api.h"
#include "http/router.h"

static const struct route *const root_tables[] = { api_root_routes, NULL };
static const struct route *const compute_tables[] = {
    api_versions_routes,
    NULL,
};
static const struct route *const identity_tables[] = { NULL };
static const struct route *const image_tables[] = { NULL };

const struct route *const *api_route_tables(enum http_api api)
{
    switch (api) {
    case API_ROOT: return root_tables;
    case API_COMPUTE: return compute_tables;
    case API_IDENTITY: return identity_tables;
    case API_IMAGE: return image_tables;
    }
    return NULL;
}
