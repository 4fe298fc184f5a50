/* server.h - the instances repository: servers as rows, with their
 * metadata and tags. The API side and the compute side both go through it.
 *
 * Reads (store/server_read.c) and writes (store/server_write.c). Every
 * state change is a compare-and-swap on (vm_state, task_state) inside the
 * caller's transaction, so two racing requests cannot both win. */
#ifndef CIRRUS_STORE_SERVER_H
#define CIRRUS_STORE_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define SRV_ID   40
#define SRV_NAME 256

/* One row of `instances`. Strings are NUL-terminated; optional ones are
 * "" (or NULL for the heap ones) when unset. */
struct server {
    int64_t id;                         /* internal integer id (instance name) */
    char uuid[SRV_ID];
    char project_id[SRV_ID + 32];
    char user_id[SRV_ID + 32];
    char name[SRV_NAME];
    char hostname[SRV_NAME];
    char *description;                  /* NULL = null */
    char image_ref[SRV_ID];             /* "" for volume-backed */
    char flavorid[SRV_NAME];
    char flavor_name[SRV_NAME];
    int64_t vcpus, memory_mb, root_gb, ephemeral_gb, swap;
    char *flavor_extra_specs;           /* JSON object text */
    char key_name[SRV_NAME];            /* "" = none */
    char *key_data;
    char vm_state[24];
    char task_state[32];                /* "" = null */
    int power_state;
    char host[SRV_NAME];                /* "" = not scheduled */
    char node[SRV_NAME];
    char availability_zone[SRV_NAME];   /* "" = none requested/assigned */
    int64_t launched_at, terminated_at; /* 0 = null */
    int64_t created_at, updated_at, deleted_at;
    bool deleted;
    char locked_by[16];                 /* "", "owner" or "admin" */
    char *locked_reason;
    char access_ip_v4[64], access_ip_v6[64];
    char config_drive[8];               /* "" or "True" */
    char *user_data;                    /* base64 text, NULL = none */
    char reservation_id[32];
    int launch_index;
    int progress;
    char disk_config[8];                /* AUTO / MANUAL */
    char root_device_name[64];
    char *security_groups;              /* JSON array text [{"name": ...}] */
    char *personality;                  /* JSON array text [{"path","contents"}] */
    char *scheduler_hints;              /* JSON object text */
    char *requested_networks;           /* JSON text: "auto", "none" or [...] */
    char *block_device_mapping;         /* JSON array text */
    char *system_metadata;              /* JSON object text (internal bookkeeping) */
};

void server_free(struct server *s);        /* frees heap members and s; NULL ok */
void server_clear(struct server *s);       /* frees heap members only */

/* --- reads (store/server_read.c) --- */

/* 0 found; -1 with 404 "Instance <uuid> could not be found." otherwise.
 * project_id NULL = any project (admin); deleted rows are not found. */
int store_server_get(struct db *db, const char *uuid, const char *project_id,
                     struct server **out, struct cerr *err);

/* A list query as the API parsed it (DIGEST e.8). Unset = NULL / 0. */
#define SERVER_LIST_MAX_VALUES 16
struct server_list_query {
    const char *project_id;             /* NULL = all projects */
    const char *user_id;
    const char *vm_states[SERVER_LIST_MAX_VALUES]; int n_vm_states;
    const char *task_states[SERVER_LIST_MAX_VALUES]; int n_task_states;
    bool task_state_null_ok;            /* also match task_state IS NULL */
    const char *name_regex;
    const char *image, *flavor, *reservation_id, *host, *node, *availability_zone;
    const char *key_name, *uuid, *hostname, *locked_by;
    const char *ip_regex, *ip6_regex;
    const char *tags[SERVER_LIST_MAX_VALUES]; int n_tags;              /* all of */
    const char *tags_any[SERVER_LIST_MAX_VALUES]; int n_tags_any;      /* any of */
    const char *not_tags[SERVER_LIST_MAX_VALUES]; int n_not_tags;      /* not all of */
    const char *not_tags_any[SERVER_LIST_MAX_VALUES]; int n_not_tags_any; /* none of */
    int locked;                         /* -1 any, 0 unlocked, 1 locked */
    int64_t changes_since, changes_before;  /* 0 = unset; either set => deleted rows too */
    int deleted;                        /* -1 default (hide deleted unless changes-*), 0, 1 */
    /* sort: columns of `instances` already validated by the API */
    const char *sort_keys[8]; const char *sort_dirs[8]; int n_sort;
    const char *marker;                 /* uuid; unknown -> 400 "marker [x] not found" */
    int limit;                          /* > 0 */
};

/* Fills *out with up to q->limit servers (caller frees each and the
 * array). Returns 0 or -1 with err (400 for a bad marker). */
int store_server_list(struct db *db, const struct server_list_query *q, struct server ***out,
                      int *count, struct cerr *err);
void server_list_free(struct server **list, int count);

int store_server_metadata(struct db *db, const char *uuid, json_t **out);  /* {"k": "v"} */
int store_server_tags(struct db *db, const char *uuid, json_t **out);      /* ["t", ...] sorted */

/* Usage for quotas: servers, vcpus and RAM of a project's live servers. */
int store_server_usage(struct db *db, const char *project_id, int64_t *instances,
                       int64_t *cores, int64_t *ram_mb);

/* --- writes (store/server_write.c); call inside db_begin/db_commit --- */

/* Inserts s (uuid, created_at... all set by the caller), its metadata
 * (JSON object, may be NULL) and tags (JSON array, may be NULL). */
int store_server_insert(struct db *db, const struct server *s, const json_t *metadata,
                        const json_t *tags, struct cerr *err);

/* Compare-and-swap of the state: succeeds only when the row is not deleted
 * and its task_state equals expect_task ("" = null; NULL = don't care).
 * NULL new values keep the column. 0 ok; -1 with 409 when it lost. */
int store_server_set_state(struct db *db, const char *uuid, const char *expect_task,
                           const char *vm_state, const char *task_state, int power_state,
                           struct cerr *err);
#define POWER_KEEP -1

/* Updates the user-editable columns of s (name, hostname, description,
 * access IPs, disk_config, locked_*, host/node/az, progress, launched_at,
 * terminated_at, system_metadata) from the struct; bumps updated_at. */
int store_server_update(struct db *db, const struct server *s, struct cerr *err);
/* Marks deleted (deleted = 1, deleted_at, terminated_at, vm_state deleted,
 * task null); metadata and tags stay for changes-since listings. */
int store_server_mark_deleted(struct db *db, const char *uuid, struct cerr *err);

int store_server_metadata_set(struct db *db, const char *uuid, const char *key,
                              const char *value, struct cerr *err);
int store_server_metadata_delete(struct db *db, const char *uuid, const char *key,
                                 struct cerr *err);                /* 404 if absent */
int store_server_metadata_replace(struct db *db, const char *uuid, const json_t *meta,
                                  struct cerr *err);
int store_server_tag_add(struct db *db, const char *uuid, const char *tag, bool *created,
                         struct cerr *err);
int store_server_tag_delete(struct db *db, const char *uuid, const char *tag,
                            struct cerr *err);                     /* 404 if absent */
int store_server_tags_replace(struct db *db, const char *uuid, const json_t *tags,
                              struct cerr *err);

/* The latest fault of a server, for the `fault` field; 0 none, 1 found. */
struct server_fault { int code; char message[1024]; char *details; int64_t created_at; };
int store_server_fault_get(struct db *db, const char *uuid, struct server_fault *out);
int store_server_fault_add(struct db *db, const char *uuid, int code, const char *message,
                           const char *details, const char *host);

#endif
