/* conductor_migrate.c - the conductor's part of cold migration and resize
 * (nova/conductor/tasks/migrate.py): choosing and claiming a destination
 * other than the source, and the delayed auto-confirm that stands in for
 * nova-compute's _poll_unconfirmed_resizes ([compute]
 * resize_confirm_window): a task row with run_after, so a restart keeps
 * the deadline. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/migrate.h"
#include "core/task.h"
#include "store/action.h"
#include "store/migration.h"
#include "store/server.h"
#include "store/task.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- destination choice --- */

int migrate_schedule(struct db *db, const struct server *s, const struct host_usage *u,
                     const char *requested_host, struct sched_result *out, struct cerr *err)
{
    struct host_row *hosts = NULL;
    int n = 0, rc = -1;
    memset(out, 0, sizeof(*out));
    if (store_host_list(db, &hosts, &n, err) < 0)
        return -1;
    /* The source never qualifies (allow_resize_to_same_host defaults to
     * false): drop it before ranking, as the RequestSpec's ignore_hosts. */
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(hosts[i].host, s->host) != 0)
            hosts[kept++] = hosts[i];
    struct sched_request req;
    scheduler_request_for(s, NULL, &req);
    req.usage = *u;
    if (requested_host && requested_host[0]) {
        str_copy(req.host, sizeof(req.host), requested_host);
        req.node[0] = '\0';
    }
    /* The server stays in its availability zone (AvailabilityZoneFilter
     * with the zone recorded at build). */
    int *order = xcalloc((size_t)kept + 1, sizeof(*order));
    int passed = scheduler_rank(hosts, kept, &req, clock_now_us(), order, out->why,
                                sizeof(out->why));
    for (int i = 0; i < passed; i++) {
        const struct host_row *h = &hosts[order[i]];
        int won = store_host_claim(db, h->host, u);
        if (won < 0) {
            cerr_internal(err, "host claim");
            goto cleanup;
        }
        if (won == 1) {
            str_copy(out->host, sizeof(out->host), h->host);
            str_copy(out->zone, sizeof(out->zone), h->zone);
            rc = 0;
            goto cleanup;
        }
    }
    cerr_set(err, 400, NO_VALID_HOST);
    rc = 1;
cleanup:
    free(order);
    free(hosts);
    return rc;
}

/* --- flavors as migration rows keep them --- */

json_t *migrate_flavor_of_server(const struct server *s)
{
    json_t *specs = json_loads(s->flavor_extra_specs ? s->flavor_extra_specs : "{}", 0, NULL);
    if (!json_is_object(specs)) {
        json_decref(specs);
        specs = json_object();
    }
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:b}", "flavorid", s->flavorid,
                     "name", s->flavor_name, "vcpus", (json_int_t)s->vcpus, "memory_mb",
                     (json_int_t)s->memory_mb, "root_gb", (json_int_t)s->root_gb,
                     "ephemeral_gb", (json_int_t)s->ephemeral_gb, "swap", (json_int_t)s->swap,
                     "extra_specs", specs, "image_backed", s->image_ref[0] != '\0');
}

void migrate_flavor_usage(const json_t *flavor, const char *image_ref, struct host_usage *u)
{
    struct server s;
    memset(&s, 0, sizeof(s));
    s.vcpus = json_integer_value(json_object_get(flavor, "vcpus"));
    s.memory_mb = json_integer_value(json_object_get(flavor, "memory_mb"));
    s.root_gb = json_integer_value(json_object_get(flavor, "root_gb"));
    s.ephemeral_gb = json_integer_value(json_object_get(flavor, "ephemeral_gb"));
    s.swap = json_integer_value(json_object_get(flavor, "swap"));
    /* The row's own record wins: the server may be gone by now. */
    const json_t *backed = json_object_get(flavor, "image_backed");
    if (backed)
        image_ref = json_is_true(backed) ? "image" : "";
    str_copy(s.image_ref, sizeof(s.image_ref), image_ref ? image_ref : "");
    scheduler_usage_of(&s, u);
}

/* --- confirm --- */

int migrate_confirm_enqueue(struct db *db, const struct migration_row *m,
                            const char *request_id, struct cerr *err)
{
    int won = store_migration_set_status(db, m->id, MIGRATION_FINISHED, MIGRATION_CONFIRMING);
    if (won < 0)
        return cerr_internal(err, "migration status");
    if (won == 0)
        return cerr_set(err, 400, "Instance has not been resized.");
    json_t *args = json_pack("{s:I}", "migration_id", (json_int_t)m->id);
    int rc = task_enqueue(db, TASK_CONFIRM_RESIZE, m->instance_uuid, m->source_compute, args,
                          request_id, err);
    json_decref(args);
    return rc;
}

int migrate_confirm_on_delete(struct db *db, const char *instance_uuid, struct cerr *err)
{
    struct migration_row m = {0};
    int rc = store_migration_get_by_instance_status(db, instance_uuid, MIGRATION_FINISHED, &m);
    if (rc < 0)
        return cerr_internal(err, "migration lookup");
    if (rc == 1)
        rc = migrate_confirm_enqueue(db, &m, NULL, err);
    migration_row_clear(&m);
    return rc < 0 ? -1 : 0;
}

/* Confirms a resize left in VERIFY_RESIZE past the window, under an
 * action of its own as Nova's periodic task does (no user, its own
 * request id). A move already confirmed, reverted or superseded is left
 * alone. */
static int auto_confirm(struct db *db, const struct task *t, char *kick, struct cerr *err)
{
    json_t *args = json_loads(t->args, 0, NULL);
    int64_t id = json_integer_value(json_object_get(args, "migration_id"));
    json_decref(args);
    struct migration_row m = {0};
    struct server *s = NULL;
    struct cerr lookup = {0};
    bool ok = true;
    if (store_migration_get(db, id, &m, &lookup) < 0) {
        ok = lookup.status == 404;
        goto done;
    }
    int rc = agent_load_server(db, m.instance_uuid, &s, err);
    if (rc < 0) {
        ok = false;
        goto done;
    }
    if (rc == 0 || strcmp(m.status, MIGRATION_FINISHED) != 0 ||
        strcmp(s->vm_state, VM_RESIZED) != 0 || s->task_state[0])
        goto done;
    char uuid[UUID_TEXT], request_id[64];
    uuid_generate_text(uuid);
    snprintf(request_id, sizeof(request_id), "req-%s", uuid);
    ok = store_action_start(db, m.instance_uuid, "confirmResize", request_id, NULL, NULL,
                            err) == 0 &&
         migrate_confirm_enqueue(db, &m, request_id, err) == 0;
    if (ok) {
        str_copy(kick, HOST_NAME_LEN, m.source_compute);
        log_info("server %s: resize confirmed automatically (resize_confirm_window)",
                 m.instance_uuid);
    }
done:
    server_free(s);
    migration_row_clear(&m);
    return ok ? 0 : -1;
}

static int do_auto_confirm(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    char kick[HOST_NAME_LEN] = "";
    if (db_begin(db) < 0)
        return cerr_internal(err, "auto-confirm transaction");
    bool ok = auto_confirm(db, t, kick, err) == 0 && store_task_finish(db, t->id) == 0;
    if (agent_commit_or_fail(db, ok, err, "auto-confirm commit") < 0)
        return -1;
    if (kick[0])
        worker_kick_queue(kick);
    return 0;
}

const struct agent_handler conductor_migrate_handlers[] = {
    { TASK_AUTO_CONFIRM_RESIZE, do_auto_confirm },
    { 0 }
};
