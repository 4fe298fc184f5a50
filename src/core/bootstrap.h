/* bootstrap.h - first-start content of a deployment, applied on every
 * start and idempotent: the default domain, the admin and demo projects
 * and users with their roles, the default flavors, one image, the compute
 * host rows and the default network. Existing rows are left as they are. */
#ifndef CIRRUS_BOOTSTRAP_H
#define CIRRUS_BOOTSTRAP_H

#include "util/config.h"
#include "util/err.h"

int bootstrap_run(const struct cirrus_config *cfg, struct cerr *err);

/* Writes <data_dir>/clouds.yaml with clouds cirrus-admin and cirrus-demo. */
int bootstrap_write_clouds_yaml(const struct cirrus_config *cfg, struct cerr *err);



/* Each module's idempotent part, called by bootstrap_run() in this order. */
int identity_bootstrap(const struct cirrus_config *cfg, struct cerr *err); /* core/identity.c */
int flavor_bootstrap(const struct cirrus_config *cfg, struct cerr *err);   /* core/flavor.c */
int image_bootstrap(const struct cirrus_config *cfg, struct cerr *err);    /* core/image.c */
int host_bootstrap(const struct cirrus_config *cfg, struct cerr *err);     /* core/host.c */
/* network_bootstrap(): core/network.h */
#endif
