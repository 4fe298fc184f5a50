/* bootstrap.c - runs each module's first-start step and writes the
 * clouds.yaml that points the openstack CLI at this deployment. */
#include "core/bootstrap.h"
#include "core/network.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

int bootstrap_run(const struct cirrus_config *cfg, struct cerr *err)
{
    if (identity_bootstrap(cfg, err) < 0 || flavor_bootstrap(cfg, err) < 0 ||
        image_bootstrap(cfg, err) < 0 || host_bootstrap(cfg, err) < 0 ||
        network_bootstrap(cfg, err) < 0)
        return -1;
    return 0;
}

static void cloud(FILE *f, const struct cirrus_config *cfg, const char *name, const char *user,
                  const char *password)
{
    fprintf(f,
            "  cirrus-%s:\n"
            "    auth:\n"
            "      auth_url: %s/identity/v3\n"
            "      username: %s\n"
            "      password: \"%s\"\n"
            "      project_name: %s\n"
            "      user_domain_name: Default\n"
            "      project_domain_name: Default\n"
            "    region_name: %s\n"
            "    identity_api_version: 3\n"
            "    interface: public\n",
            name, cfg->public_url, user, password, user, cfg->region);
}

int bootstrap_write_clouds_yaml(const struct cirrus_config *cfg, struct cerr *err)
{
    char *path = xasprintf("%s/clouds.yaml", cfg->data_dir);
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (!f) {
        cerr_set(err, 500, "cannot write %s", tmp);
        goto cleanup;
    }
    fputs("# Written by cirrusd at start-up: clouds for the openstack CLI and SDK.\n"
          "clouds:\n", f);
    cloud(f, cfg, "admin", "admin", cfg->admin_password);
    cloud(f, cfg, "demo", "demo", cfg->demo_password);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        cerr_set(err, 500, "cannot write %s", path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(tmp);
    free(path);
    return rc;
}
