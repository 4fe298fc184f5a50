/* api.h - the route tables every API module exports, and helpers the
 * handlers of all three APIs share. Each table is NULL-terminated
 * ({0} last) and listed in api/routes.c. */
#ifndef CIRRUS_API_H
#define CIRRUS_API_H

#include "http/http.h"

/* unversioned root and compute discovery: api/compute/versions.c */
extern const struct route api_root_routes[];
extern const struct route api_versions_routes[];
extern const struct route api_servers_list_routes[];        /* api/compute/servers_list.c */
extern const struct route api_server_ips_routes[];          /* api/compute/server_ips.c */
extern const struct route api_servers_create_routes[];      /* api/compute/servers_create.c */
extern const struct route api_servers_routes[];             /* api/compute/servers.c */
extern const struct route api_server_actions_routes[];      /* api/compute/server_actions.c */
extern const struct route api_server_metadata_routes[];     /* api/compute/server_metadata.c */
extern const struct route api_server_tags_routes[];         /* api/compute/server_tags.c */
extern const struct route api_flavors_routes[];             /* api/compute/flavors.c */
extern const struct route api_flavor_extra_specs_routes[];  /* api/compute/flavor_extra_specs.c */
extern const struct route api_flavor_access_routes[];       /* api/compute/flavor_access.c */
extern const struct route api_keypairs_routes[];            /* api/compute/keypairs.c */
extern const struct route api_limits_routes[];              /* api/compute/limits.c */
extern const struct route api_extensions_routes[];          /* api/compute/extensions.c */
extern const struct route api_instance_actions_routes[];    /* api/compute/instance_actions.c */
extern const struct route api_server_migrations_routes[];   /* api/compute/server_migrations.c */
extern const struct route api_images_proxy_routes[];        /* api/compute/images.c */
extern const struct route api_hypervisors_routes[];         /* api/compute/hypervisors.c */
extern const struct route api_services_routes[];            /* api/compute/services.c */
extern const struct route api_availability_zones_routes[];  /* api/compute/availability_zones.c */
extern const struct route api_migrations_routes[];          /* api/compute/migrations.c */
extern const struct route api_aggregates_routes[];          /* api/compute/aggregates.c */
extern const struct route api_image_versions_routes[];      /* api/image/versions.c */
extern const struct route api_image_images_routes[];        /* api/image/images.c */
extern const struct route api_image_data_routes[];          /* api/image/data.c */
extern const struct route api_image_members_routes[];       /* api/image/members.c */
extern const struct route api_identity_versions_routes[];   /* api/identity/versions.c */
extern const struct route api_identity_auth_routes[];       /* api/identity/tokens.c */
extern const struct route api_identity_resource_routes[];   /* api/identity/resources.c */

#endif
