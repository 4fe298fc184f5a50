/* configdrive.h - Nova's config drive: an ISO9660 image labelled config-2
 * holding openstack/latest/{meta_data.json, network_data.json,
 * user_data} and injected files under openstack/content/, the way
 * cloud-init and our test guest read it. */
#ifndef CIRRUS_VIRT_QEMU_CONFIGDRIVE_H
#define CIRRUS_VIRT_QEMU_CONFIGDRIVE_H

#include <jansson.h>

#include "util/err.h"
#include "virt/driver.h"
#include "virt/qemu/domain.h"

/* meta_data.json (Nova's InstanceMetadata.get_openstack_metadata);
 * injected files are listed with content_path /content/NNNN. */
json_t *qemu_cd_meta_data(const struct virt_instance *vi, const struct virt_boot *boot,
                          const char *availability_zone);
/* network_data.json from the addresses cirrus assigned ({"<label>":
 * [{"addr", "version", "OS-EXT-IPS-MAC:mac_addr"}]}) and the subnet the
 * domain sits on; IPv4 first. */
json_t *qemu_cd_network_data(const json_t *network_info, const struct qemu_domain *d);
/* The hostname Nova derives from a display name (sanitized, <= 63). */
void qemu_cd_hostname(const char *display_name, char out[64]);

/* The line sent on the network configuration channel for the addresses
 * of network_info: "ip=A netmask=M gateway=G\n" (malloc'd), NULL when the
 * server has no IPv4 address. */
char *qemu_netcfg_line(const json_t *network_info, const struct qemu_domain *d);
/* Writes the ISO to path (genisoimage, else xorriso). */
int qemu_configdrive_build(const char *path, const struct virt_instance *vi,
                           const struct virt_boot *boot, const json_t *network_info,
                           const struct qemu_domain *d, const char *availability_zone,
                           struct cerr *err);

/* Rewrites network_data.json in the drive's source tree (<path>.d, kept
 * by qemu_configdrive_build, moved with the server by migrations) and
 * repacks the ISO; a drive without its tree is left as it is. */
int qemu_configdrive_set_network(const char *path, const json_t *network_info,
                                 const struct qemu_domain *d, struct cerr *err);

#endif
