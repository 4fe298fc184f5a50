/* server_read.h - the read side of the instances repository beyond the
 * shared contract in store/server.h: the list filters Nova matches as
 * regular expressions, sort-key validation, and batched reads of a list
 * page's metadata, tags and addresses (one query per page, not three per
 * server). Implemented in store/server_read.c and store/server_match.c. */
#ifndef CIRRUS_STORE_SERVER_READ_H
#define CIRRUS_STORE_SERVER_READ_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>

#include "store/server.h"

/* --- regular expressions (Python re.search semantics over POSIX ERE) --- */

/* Compiles a Nova filter regex: Python's \d \w \s (and negations) are
 * translated, the match is unanchored. 0 ok; -1 when it does not compile. */
int server_regex_compile(regex_t *re, const char *pattern);
/* True when pattern holds no regex syntax, so a substring test is exact. */
bool server_regex_is_literal(const char *pattern);

/* --- list filters beyond struct server_list_query --- */

/* Columns Nova filters with an unanchored regex (nova db api
 * _regex_instance_filter) that struct server_list_query does not name. */
enum server_regex_col {
    SRX_CONFIG_DRIVE, SRX_POWER_STATE, SRX_PROGRESS, SRX_LAUNCH_INDEX, SRX_KERNEL_ID,
    SRX_RAMDISK_ID, SRX_ROOT_DEVICE_NAME, SRX_ACCESS_IP_V4, SRX_ACCESS_IP_V6,
    SRX_AUTO_DISK_CONFIG, SRX_DESCRIPTION, SRX_CREATED_AT, SRX_LAUNCHED_AT,
    SRX_TERMINATED_AT, SRX__COUNT
};

/* How much of each row a list fills in: a list page never shows
 * key_data, personality, requested_networks or block_device_mapping,
 * and GET /servers only needs ids and names. */
enum server_rows { SERVER_ROWS_FULL, SERVER_ROWS_VIEW, SERVER_ROWS_BRIEF };

struct server_list_more {
    const char *regex[SRX__COUNT];      /* NULL = no filter on that column */
    enum server_rows rows;              /* default FULL */
};
/* The query parameter naming each column (for 400 messages). */
const char *server_regex_col_param(enum server_regex_col col);

/* store_server_list() with the extra filters (more may be NULL). The
 * regex filters of q (name, reservation_id, node, availability_zone,
 * key_name, hostname, locked_by, ip, ip6) are compiled here: a bad one
 * is a 400 naming the parameter. */
int store_server_list_more(struct db *db, const struct server_list_query *q,
                           const struct server_list_more *more, struct server ***out,
                           int *count, struct cerr *err);

/* Sort keys: true when key is a sort key Nova's instances model accepts
 * (VALID_SORT_KEYS plus the ignored ones, 'locked' included). */
bool store_server_sort_key_known(const char *key);

/* --- batched reads for one list page --- */

/* One metadata item or tag of a server (value NULL for tags). */
struct server_kv { const char *uuid, *key, *value; };

/* One fixed address of a server (table fixed_ips, label from networks). */
struct server_addr { const char *uuid, *label, *addr, *mac; int version, seq; };

struct server_page_extras {
    struct server_kv *metadata; int n_metadata;   /* sorted by uuid, then key */
    struct server_kv *tags; int n_tags;           /* sorted by uuid, then tag (in key) */
    struct server_addr *addrs; int n_addrs;       /* by uuid, label, version, address order */
    char *arena;                                  /* the strings they point into */
    json_t *labels;                               /* network id -> label (owns the labels) */
};
/* Fills x for list[0..count) (tags only when asked); never fails:
 * entries that could not be read are missing. */
void store_server_page_extras(struct db *db, struct server *const *list, int count,
                              bool tags, struct server_page_extras *x);
void server_page_extras_clear(struct server_page_extras *x);
/* The entries of uuid in a sorted kv array: the count, *first their start. */
int server_kv_find(const struct server_kv *kv, int n, const char *uuid, int *first);
int server_addr_find(const struct server_addr *a, int n, const char *uuid, int *first);

/* --- shared by the repository's own files (store/server_*.c) --- */

/* Columns row_to_server() reads, in order, qualified with alias i. */
#define SERVER_SELECT_COLS                                                                   \
    "i.id, i.uuid, i.project_id, i.user_id, i.name, i.hostname, i.description, i.image_ref, " \
    "i.flavorid, i.flavor_name, i.vcpus, i.memory_mb, i.root_gb, i.ephemeral_gb, i.swap, "   \
    "i.flavor_extra_specs, i.key_name, i.key_data, i.vm_state, i.task_state, i.power_state, " \
    "i.host, i.node, i.availability_zone, i.launched_at, i.terminated_at, i.created_at, "     \
    "i.updated_at, i.deleted_at, i.deleted, i.locked_by, i.locked_reason, i.access_ip_v4, "   \
    "i.access_ip_v6, i.config_drive, i.user_data, i.reservation_id, i.launch_index, "         \
    "i.progress, i.disk_config, i.root_device_name, i.kernel_id, i.ramdisk_id, "              \
    "i.security_groups, i.personality, i.scheduler_hints, i.requested_networks, "             \
    "i.block_device_mapping, i.system_metadata"
enum server_col {
    SC_ID, SC_UUID, SC_PROJECT_ID, SC_USER_ID, SC_NAME, SC_HOSTNAME, SC_DESCRIPTION,
    SC_IMAGE_REF, SC_FLAVORID, SC_FLAVOR_NAME, SC_VCPUS, SC_MEMORY_MB, SC_ROOT_GB,
    SC_EPHEMERAL_GB, SC_SWAP, SC_FLAVOR_EXTRA_SPECS, SC_KEY_NAME, SC_KEY_DATA, SC_VM_STATE,
    SC_TASK_STATE, SC_POWER_STATE, SC_HOST, SC_NODE, SC_AVAILABILITY_ZONE, SC_LAUNCHED_AT,
    SC_TERMINATED_AT, SC_CREATED_AT, SC_UPDATED_AT, SC_DELETED_AT, SC_DELETED, SC_LOCKED_BY,
    SC_LOCKED_REASON, SC_ACCESS_IP_V4, SC_ACCESS_IP_V6, SC_CONFIG_DRIVE, SC_USER_DATA,
    SC_RESERVATION_ID, SC_LAUNCH_INDEX, SC_PROGRESS, SC_DISK_CONFIG, SC_ROOT_DEVICE_NAME,
    SC_KERNEL_ID, SC_RAMDISK_ID, SC_SECURITY_GROUPS, SC_PERSONALITY, SC_SCHEDULER_HINTS,
    SC_REQUESTED_NETWORKS, SC_BLOCK_DEVICE_MAPPING, SC_SYSTEM_METADATA, SC__COUNT
};
/* server_col_sql[c] is column c of SERVER_SELECT_COLS ("i.uuid", ...). */
extern const char *const server_col_sql[SC__COUNT];
/* Whether a row load of that kind reads column c. */
bool server_col_loaded(enum server_rows rows, int c);
struct db_stmt;
void server_row_load(struct db_stmt *st, struct server *s);
void server_row_load_as(struct db_stmt *st, struct server *s, enum server_rows rows);
/* Statements whose text is built at run time (list filters, IN lists of
 * a page): prepared uncached, finalized after use. */
struct db_stmt *server_dyn_prepare(struct db *db, const char *sql);
void server_dyn_finalize(struct db_stmt *st);

#endif
