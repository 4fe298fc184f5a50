/* routes.c - which route tables make up each API, in match order. */
#include "api/api.h"
#include "http/router.h"

static const struct route *const root_tables[] = { api_root_routes, NULL };
static const struct route *const compute_tables[] = {
    api_versions_routes,
    api_servers_list_routes,
    api_server_ips_routes,
    api_servers_create_routes,
    api_servers_routes,
    api_server_actions_routes,
    api_server_metadata_routes,
    api_server_tags_routes,
    api_flavors_routes,
    api_flavor_extra_specs_routes,
    api_flavor_access_routes,
    api_keypairs_routes,
    api_limits_routes,
    api_extensions_routes,
    api_images_proxy_routes,
    api_instance_actions_routes,
    api_server_migrations_routes,
    api_hypervisors_routes,
    api_services_routes,
    api_availability_zones_routes,
    api_migrations_routes,
    api_aggregates_routes,
    NULL,
};
static const struct route *const identity_tables[] = {
    api_identity_versions_routes,
    api_identity_auth_routes,
    api_identity_resource_routes,
    NULL,
};
static const struct route *const image_tables[] = {
    api_image_versions_routes,
    api_image_images_routes,
    api_image_data_routes,
    api_image_members_routes,
    NULL,
};

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
