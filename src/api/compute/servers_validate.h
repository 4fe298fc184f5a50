/* servers_validate.h - the pure half of POST /servers and PUT
 * /servers/{id}: Nova's request schemas per microversion
 * (schemas/servers.py, DIGEST e.1/e.2) and the checks servers.py makes
 * before it reads any state, as functions of the body and the
 * microversion alone (tests/unit/test_server_validate.c drives them as
 * tables). Lookups, policy, quota and the store are servers_create.c's. */
#ifndef CIRRUS_API_COMPUTE_SERVERS_VALIDATE_H
#define CIRRUS_API_COMPUTE_SERVERS_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "util/err.h"

/* Microversions that change the create and update bodies. */
#define MV_SRV_DESCRIPTION   MV(2, 19)   /* description */
#define MV_SRV_TAGS_ROUTES   MV(2, 26)   /* /servers/{id}/tags */
#define MV_SRV_BDM_TAG_ONLY  MV(2, 32)   /* tag on networks and bdms, 2.32 only */
#define MV_SRV_NET_TAG_33    MV(2, 33)   /* tag on networks, 2.33-2.36 */
#define MV_SRV_NETWORKS      MV(2, 37)   /* networks required: "auto" | "none" | list */
#define MV_SRV_TAGS_BACK     MV(2, 42)   /* tag on networks and bdms again */
#define MV_SRV_TAGS          MV(2, 52)   /* tags at create */
#define MV_SRV_NO_PERSONALITY MV(2, 57)  /* personality removed */
#define MV_SRV_TRUSTED_CERTS MV(2, 63)
#define MV_SRV_VOLUME_TYPE   MV(2, 67)
#define MV_SRV_HOST          MV(2, 74)   /* host, hypervisor_hostname */
#define MV_SRV_FULL_UPDATE   MV(2, 75)   /* PUT answers with the full GET body */
#define MV_SRV_HOSTNAME      MV(2, 90)
#define MV_SRV_HOSTNAME_FQDN MV(2, 94)

#define SRV_MAX_TAGS 50                  /* nova objects.instance.MAX_TAG_COUNT */
#define SRV_USER_DATA_MAX 65535

/* A create request after validation. Pointers borrow from the body. */
struct server_create_req {
    const json_t *server;                /* body["server"] */
    const char *name;
    char flavor_id[256];                 /* flavorRef, or the last path segment of its URL */
    const char *image_ref;               /* the image to boot: imageRef, else a local boot bdm's */
    bool volume_boot;                    /* image from a bdm, imageRef "" or absent */
    const json_t *networks;              /* NULL when not given (before 2.37) */
    const char *admin_pass;              /* NULL: generate one */
    const json_t *metadata;              /* NULL when not given */
    const char *access_ip_v4, *access_ip_v6;  /* NULL when not given */
    const char *disk_config;             /* "AUTO", "MANUAL" or NULL (the image decides) */
    const json_t *personality;           /* array or NULL (before 2.57) */
    int64_t personality_files, personality_max_path, personality_max_content;
    const char *user_data;
    char availability_zone[256];         /* the zone part of "az[:host[:node]]", "" = none */
    char forced_host[256], forced_node[256];  /* from "az:host:node" */
    const char *key_name;
    bool config_drive;
    int64_t min_count, max_count;
    bool return_reservation_id;
    const json_t *security_groups;       /* as given (echoed in the response), NULL = default */
    const char *description;             /* NULL = null */
    const json_t *tags;                  /* NULL when not given */
    const json_t *trusted_certs;         /* NULL when not given */
    const char *host, *hypervisor_hostname;   /* 2.74 requested destination, NULL = none */
    const char *hostname;                /* 2.90, NULL = derived from the name */
    const json_t *scheduler_hints;       /* NULL when not given */
    const json_t *block_device_mapping;  /* block_device_mapping_v2 as given, NULL = none */
};

/* Validates a POST /servers body at microversion mv and fills *out. 0, or
 * -1 with the 400 Nova gives. */
int server_create_parse(const json_t *body, int mv, struct server_create_req *out,
                        struct cerr *err);

/* Validates a PUT /servers/{id} body (DIGEST e.2). 0 or -1 with a 400. */
int server_update_parse(const json_t *body, int mv, struct cerr *err);

/* nova utils.sanitize_hostname: the name as an RFC 952/1123 label (Latin-1
 * letters kept, lowercased), at most 63 characters, "" when nothing is left.
 * out holds 128 bytes at least. */
void server_sanitize_hostname(const char *name, char *out, size_t n);

/* nova common.get_id_from_href: the last path segment of a URL, without
 * query or fragment; plain ids come back unchanged. */
void server_id_from_href(const char *href, char *out, size_t n);

/* nova compute API parse_availability_zone: "az", "az:host", "az:host:node"
 * or "az::node". zone/host/node get "" when absent. 0, or -1 with the 400
 * "Invalid input received: Unable to parse availability_zone". */
int server_parse_az(const char *az, char *zone, size_t zn, char *host, size_t hn, char *node,
                    size_t nn, struct cerr *err);

/* Python's base64.decodebytes acceptance (binascii non-strict): characters
 * outside the alphabet are skipped, a complete pad ends the data, and the
 * data characters must fill whole quads. */
bool server_base64_ok(const char *s);

#endif
