/* scheduler.c - the filter scheduler (Nova's FilterScheduler with
 * placement's resource check folded in as filters) and the claim loop.
 * Everything but scheduler_select/scheduler_release is pure, for
 * tests/unit/test_scheduler.c. */
#include "core/scheduler.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scheduler_usage_of(const struct server *s, struct host_usage *u)
{
    u->vcpus = s->vcpus;
    u->memory_mb = s->memory_mb;
    /* A volume-backed server's root disk is not on the host. */
    u->disk_gb = (s->image_ref[0] ? s->root_gb : 0) + s->ephemeral_gb + (s->swap + 1023) / 1024;
}

/* "az", "az:host" or "az:host:node" (Nova's forced-host syntax). */
static void split_zone(const char *value, struct sched_request *r)
{
    const char *c1 = strchr(value, ':');
    if (!c1) {
        str_copy(r->zone, sizeof(r->zone), value);
        return;
    }
    snprintf(r->zone, sizeof(r->zone), "%.*s", (int)(c1 - value), value);
    const char *c2 = strchr(c1 + 1, ':');
    if (c2) {
        snprintf(r->host, sizeof(r->host), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        str_copy(r->node, sizeof(r->node), c2 + 1);
    } else {
        str_copy(r->host, sizeof(r->host), c1 + 1);
    }
    r->forced = r->host[0] || r->node[0];
}

void scheduler_request_for(const struct server *s, const json_t *args, struct sched_request *r)
{
    memset(r, 0, sizeof(*r));
    scheduler_usage_of(s, &r->usage);
    split_zone(s->availability_zone, r);
    const char *host = json_string_value(json_object_get(args, "host"));
    const char *node = json_string_value(json_object_get(args, "node"));
    if (host && host[0])
        str_copy(r->host, sizeof(r->host), host);
    if (node && node[0])
        str_copy(r->node, sizeof(r->node), node);
    if (json_is_true(json_object_get(args, "forced")))
        r->forced = true;
    else if (host || node)
        r->forced = false;   /* 2.74 requested destination */
}

static bool fits(int64_t used, int64_t want, int64_t total, double ratio)
{
    /* The same inequality as the claim's UPDATE, so the filter never
     * passes a host the claim would refuse. */
    return (double)(used + want) <= (double)total * ratio;
}

bool scheduler_host_passes(const struct host_row *h, const struct sched_request *r,
                           int64_t now_us, const char **filter)
{
    const char *f = NULL;
    if ((r->host[0] && strcmp(r->host, h->host) != 0) ||
        (r->node[0] && strcmp(r->node, h->host) != 0))
        f = "RequestedHostFilter";
    else if (h->disabled || (!r->forced && !host_row_is_up(h, now_us)))
        f = "ComputeFilter";
    else if (!r->forced && r->zone[0] && strcmp(r->zone, h->zone) != 0)
        f = "AvailabilityZoneFilter";
    else if (!fits(h->vcpus_used, r->usage.vcpus, h->vcpus, h->cpu_allocation_ratio))
        f = "VCPU";
    else if (!fits(h->memory_mb_used, r->usage.memory_mb, h->memory_mb, h->ram_allocation_ratio))
        f = "MEMORY_MB";
    else if (!fits(h->local_gb_used, r->usage.disk_gb, h->local_gb, h->disk_allocation_ratio))
        f = "DISK_GB";
    if (filter)
        *filter = f;
    return f == NULL;
}

double scheduler_free_ram(const struct host_row *h)
{
    return (double)h->memory_mb * h->ram_allocation_ratio - (double)h->memory_mb_used;
}

/* Insertion sort: host lists are short and this keeps the order stable. */
static bool better(const struct host_row *a, const struct host_row *b)
{
    double fa = scheduler_free_ram(a), fb = scheduler_free_ram(b);
    if (fa != fb)
        return fa > fb;
    if (a->running_vms != b->running_vms)
        return a->running_vms < b->running_vms;
    return strcmp(a->host, b->host) < 0;
}

static void summarize(const char **names, const int *counts, int n_filters, int n_hosts,
                      char *why, size_t len)
{
    size_t w = (size_t)snprintf(why, len, "%d host%s considered", n_hosts,
                                n_hosts == 1 ? "" : "s");
    for (int i = 0; i < n_filters && w < len; i++)
        w += (size_t)snprintf(why + w, len - w, "; %s rejected %d", names[i], counts[i]);
}

int scheduler_rank(const struct host_row *hosts, int n, const struct sched_request *r,
                   int64_t now_us, int *order, char *why, size_t why_len)
{
    const char *names[8];
    int counts[8], n_filters = 0, passed = 0;
    for (int i = 0; i < n; i++) {
        const char *f = NULL;
        if (!scheduler_host_passes(&hosts[i], r, now_us, &f)) {
            int k = 0;
            while (k < n_filters && strcmp(names[k], f) != 0)
                k++;
            if (k == n_filters && n_filters < 8) {
                names[n_filters] = f;
                counts[n_filters++] = 0;
            }
            if (k < n_filters)
                counts[k]++;
            continue;
        }
        int j = passed++;
        while (j > 0 && better(&hosts[i], &hosts[order[j - 1]])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    if (why && why_len)
        summarize(names, counts, n_filters, n, why, why_len);
    return passed;
}

int scheduler_select(struct db *db, const struct sched_request *r, struct sched_result *out,
                     struct cerr *err)
{
    struct host_row *hosts = NULL;
    int n = 0, rc = -1;
    memset(out, 0, sizeof(*out));
    if (store_host_list(db, &hosts, &n, err) < 0)
        return -1;
    int *order = xcalloc((size_t)n + 1, sizeof(*order));
    int passed = scheduler_rank(hosts, n, r, clock_now_us(), order, out->why, sizeof(out->why));
    for (int i = 0; i < passed; i++) {
        const struct host_row *h = &hosts[order[i]];
        int won = store_host_claim(db, h->host, &r->usage);
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
        /* Lost the race for this host's last room: try the next one. */
    }
    if (passed > 0)
        snprintf(out->why + strlen(out->why), sizeof(out->why) - strlen(out->why),
                 "; %d lost to concurrent claims", passed);
    cerr_set(err, 500, NO_VALID_HOST);
    rc = 1;
cleanup:
    free(order);
    free(hosts);
    return rc;
}

int scheduler_release(struct db *db, const char *host, const struct host_usage *u)
{
    if (!host || !host[0])
        return 0;
    return store_host_release(db, host, u);
}
