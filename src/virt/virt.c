/* virt.c - the virt driver registry: drivers are found by the name given
 * to --driver, so a new hypervisor is one table and one line here. */
#include "virt/driver.h"

#include <stdio.h>
#include <string.h>

static const struct virt_driver *const drivers[] = {
    &virt_fake_driver,
    &virt_qemu_driver,
};

const struct virt_driver *virt_driver_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (name && strcmp(drivers[i]->name, name) == 0 &&
            drivers[i]->version == VIRT_DRIVER_VERSION)
            return drivers[i];
    return NULL;
}

void virt_instance_init(struct virt_instance *vi, int64_t id, const char *uuid)
{
    memset(vi, 0, sizeof(*vi));
    vi->id = id;
    snprintf(vi->uuid, sizeof(vi->uuid), "%s", uuid ? uuid : "");
    /* Nova's default instance_name_template. */
    snprintf(vi->name, sizeof(vi->name), "instance-%08llx", (unsigned long long)id);
}
