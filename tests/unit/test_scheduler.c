/* test_scheduler.c - the filter scheduler (core/scheduler.c) as tables of
 * hosts and requests, then the claim on a real SQLite store: claims stop
 * at capacity x ratio, a stale candidate list loses to the conditional
 * UPDATE and falls through to the next host, and host_bootstrap keeps
 * ids while following the configured capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bootstrap.h"
#include "core/scheduler.h"
#include "store/host.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/mem.h"

#define NOW (1000LL * 1000000)

static struct host_row host(const char *name, int64_t ram_mb, int64_t ram_used)
{
    struct host_row h;
    memset(&h, 0, sizeof(h));
    str_copy(h.host, sizeof(h.host), name);
    str_copy(h.zone, sizeof(h.zone), "nova");
    h.last_seen_up = NOW - 1000000;
    h.vcpus = 8;
    h.memory_mb = ram_mb;
    h.memory_mb_used = ram_used;
    h.local_gb = 100;
    h.cpu_allocation_ratio = 4.0;
    h.ram_allocation_ratio = 1.0;
    h.disk_allocation_ratio = 1.0;
    return h;
}

static struct sched_request request(int64_t vcpus, int64_t ram, int64_t disk)
{
    struct sched_request r;
    memset(&r, 0, sizeof(r));
    r.usage = (struct host_usage){ vcpus, ram, disk };
    return r;
}

/* --- filters --- */

struct filter_case {
    const char *what;
    void (*tweak)(struct host_row *h, struct sched_request *r);
    const char *filter;    /* NULL = passes */
};

static void t_none(struct host_row *h, struct sched_request *r) {}
static void t_disabled(struct host_row *h, struct sched_request *r) { h->disabled = true; }
static void t_forced(struct host_row *h, struct sched_request *r) { h->forced_down = true; }
static void t_stale(struct host_row *h, struct sched_request *r) { h->last_seen_up = NOW - 61000000; }
static void t_never(struct host_row *h, struct sched_request *r) { h->last_seen_up = 0; }
static void t_az_other(struct host_row *h, struct sched_request *r) { strcpy(r->zone, "az2"); }
static void t_az_same(struct host_row *h, struct sched_request *r) { strcpy(r->zone, "nova"); }
static void t_host_other(struct host_row *h, struct sched_request *r) { strcpy(r->host, "b"); }
static void t_host_same(struct host_row *h, struct sched_request *r) { strcpy(r->host, "a"); }
static void t_node_other(struct host_row *h, struct sched_request *r) { strcpy(r->node, "b"); }
/* 8 vcpus x 4.0 = 32 schedulable */
static void t_vcpu_edge(struct host_row *h, struct sched_request *r) { h->vcpus_used = 31; }
static void t_vcpu_over(struct host_row *h, struct sched_request *r) { h->vcpus_used = 32; }
static void t_ram_edge(struct host_row *h, struct sched_request *r) { h->memory_mb_used = 3584; }
static void t_ram_over(struct host_row *h, struct sched_request *r) { h->memory_mb_used = 3585; }
static void t_ram_ratio(struct host_row *h, struct sched_request *r)
{
    h->memory_mb_used = 4000;
    h->ram_allocation_ratio = 1.5;
}
static void t_disk_over(struct host_row *h, struct sched_request *r) { h->local_gb_used = 91; }
static void t_disk_ratio(struct host_row *h, struct sched_request *r)
{
    h->local_gb_used = 91;
    h->disk_allocation_ratio = 2.0;
}

/* The forced "az:host" form skips liveness and zone, not the rest. */
static void t_forced_stale(struct host_row *h, struct sched_request *r)
{
    strcpy(r->host, "a");
    r->forced = true;
    h->last_seen_up = NOW - 61000000;
}
static void t_forced_az(struct host_row *h, struct sched_request *r)
{
    strcpy(r->host, "a");
    strcpy(r->zone, "az2");
    r->forced = true;
}
static void t_forced_disabled(struct host_row *h, struct sched_request *r)
{
    t_forced_az(h, r);
    h->disabled = true;
}
static void t_forced_full(struct host_row *h, struct sched_request *r)
{
    t_forced_az(h, r);
    h->memory_mb_used = 4000;
}

static const struct filter_case filter_cases[] = {
    { "fresh host", t_none, NULL },
    { "disabled service", t_disabled, "ComputeFilter" },
    { "forced down", t_forced, "ComputeFilter" },
    { "no heartbeat for 61 s", t_stale, "ComputeFilter" },
    { "never reported", t_never, "ComputeFilter" },
    { "other zone requested", t_az_other, "AvailabilityZoneFilter" },
    { "its zone requested", t_az_same, NULL },
    { "other host requested", t_host_other, "RequestedHostFilter" },
    { "this host requested", t_host_same, NULL },
    { "other node requested", t_node_other, "RequestedHostFilter" },
    { "last vcpu under the ratio", t_vcpu_edge, NULL },
    { "vcpus full at ratio 4", t_vcpu_over, "VCPU" },
    { "exactly the RAM left", t_ram_edge, NULL },
    { "one MB short", t_ram_over, "MEMORY_MB" },
    { "RAM overcommit 1.5", t_ram_ratio, NULL },
    { "disk full", t_disk_over, "DISK_GB" },
    { "disk overcommit 2.0", t_disk_ratio, NULL },
    { "forced host that is down", t_forced_stale, NULL },
    { "forced host in another zone", t_forced_az, NULL },
    { "forced host disabled", t_forced_disabled, "ComputeFilter" },
    { "forced host without RAM", t_forced_full, "MEMORY_MB" },
};

static void test_filters(void **state)
{
    for (size_t i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
        const struct filter_case *c = &filter_cases[i];
        struct host_row h = host("a", 4096, 0);
        struct sched_request r = request(1, 512, 10);
        c->tweak(&h, &r);
        const char *f = "unset";
        bool ok = scheduler_host_passes(&h, &r, NOW, &f);
        if (ok != (c->filter == NULL) || (c->filter && strcmp(f, c->filter) != 0))
            fail_msg("%s: passes=%d filter=%s, want %s", c->what, ok, f ? f : "(none)",
                     c->filter ? c->filter : "(pass)");
    }
}

/* --- weigher --- */

static void test_rank_most_free_ram_first(void **state)
{
    struct host_row hosts[] = {
        host("a", 8192, 6000), host("b", 8192, 1000), host("c", 4096, 0),
        host("d", 16384, 16000),
    };
    int order[4];
    struct sched_request r = request(1, 512, 1);
    int n = scheduler_rank(hosts, 4, &r, NOW, order, NULL, 0);
    assert_int_equal(n, 3);              /* d has 384 MB left */
    assert_string_equal(hosts[order[0]].host, "b");
    assert_string_equal(hosts[order[1]].host, "c");
    assert_string_equal(hosts[order[2]].host, "a");
}

static void test_rank_ties(void **state)
{
    struct host_row hosts[] = { host("z", 4096, 0), host("y", 4096, 0), host("x", 4096, 0) };
    hosts[2].running_vms = 3;
    int order[3];
    struct sched_request r = request(1, 512, 1);
    assert_int_equal(scheduler_rank(hosts, 3, &r, NOW, order, NULL, 0), 3);
    /* equal free RAM: fewer VMs first, then by name */
    assert_string_equal(hosts[order[0]].host, "y");
    assert_string_equal(hosts[order[1]].host, "z");
    assert_string_equal(hosts[order[2]].host, "x");
}

static void test_free_ram_uses_ratio(void **state)
{
    struct host_row h = host("a", 1000, 900);
    h.ram_allocation_ratio = 1.5;
    assert_true(scheduler_free_ram(&h) == 600.0);
}

static void test_rank_explains_rejections(void **state)
{
    struct host_row hosts[] = { host("a", 4096, 4096), host("b", 4096, 0), host("c", 4096, 0) };
    hosts[1].disabled = true;
    hosts[2].memory_mb_used = 4000;
    int order[3];
    char why[256];
    struct sched_request r = request(1, 512, 1);
    assert_int_equal(scheduler_rank(hosts, 3, &r, NOW, order, why, sizeof(why)), 0);
    assert_string_equal(why, "3 hosts considered; MEMORY_MB rejected 2; ComputeFilter rejected 1");
}

/* --- requests from servers --- */

static void test_request_for_server(void **state)
{
    struct server s;
    memset(&s, 0, sizeof(s));
    s.vcpus = 2;
    s.memory_mb = 2048;
    s.root_gb = 20;
    s.ephemeral_gb = 5;
    s.swap = 1025;                           /* MB: rounds up to 2 GB */
    strcpy(s.image_ref, "70a599e0-31e7-49b7-b260-868f441e862b");
    strcpy(s.availability_zone, "nova:host1:node1");
    struct sched_request r;
    scheduler_request_for(&s, NULL, &r);
    assert_int_equal(r.usage.vcpus, 2);
    assert_int_equal(r.usage.memory_mb, 2048);
    assert_int_equal(r.usage.disk_gb, 27);
    assert_string_equal(r.zone, "nova");
    assert_string_equal(r.host, "host1");
    assert_string_equal(r.node, "node1");
    assert_true(r.forced);

    s.image_ref[0] = '\0';                   /* volume-backed: root disk elsewhere */
    strcpy(s.availability_zone, ":host2");
    json_t *args = json_pack("{s:s}", "host", "host3");
    scheduler_request_for(&s, args, &r);
    json_decref(args);
    assert_int_equal(r.usage.disk_gb, 7);
    assert_string_equal(r.zone, "");
    assert_string_equal(r.host, "host3");   /* 2.74 host wins over the az form */
    assert_false(r.forced);                 /* ... and runs every filter */
    args = json_pack("{s:s, s:b}", "host", "host2", "forced", 1);
    scheduler_request_for(&s, args, &r);
    json_decref(args);
    assert_true(r.forced);
}

/* --- claims on a real store --- */

static char path[] = "/tmp/cirrus-test-scheduler-XXXXXX";
static struct db *db;

static int setup(void **state)
{
    int fd = mkstemp(path);
    struct cerr err;
    close(fd);
    if (store_init(path, &err) < 0) {
        fprintf(stderr, "store_init: %s\n", err.message);
        return -1;
    }
    db = store_db();
    return db ? 0 : -1;
}

static int teardown(void **state)
{
    char extra[sizeof(path) + 8];
    store_shutdown();
    unlink(path);
    snprintf(extra, sizeof(extra), "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof(extra), "%s-shm", path);
    unlink(extra);
    return 0;
}

static struct cirrus_config two_hosts(void)
{
    struct cirrus_config cfg;
    config_defaults(&cfg);
    cfg.hosts = 2;
    cfg.host_vcpus = 2;
    cfg.host_ram_mb = 2048;
    cfg.host_disk_gb = 40;
    cfg.cpu_allocation_ratio = 1.0;
    return cfg;
}

static void test_bootstrap_idempotent(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    struct host_row before, after;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    assert_int_equal(store_host_get(db, "cirrus-1", &before, &err), 0);
    struct host_usage u = { 1, 100, 1 };
    assert_int_equal(store_host_claim(db, "cirrus-1", &u), 1);
    cfg.host_ram_mb = 4096;
    cfg.ram_allocation_ratio = 1.5;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    assert_int_equal(store_host_get(db, "cirrus-1", &after, &err), 0);
    assert_string_equal(before.uuid, after.uuid);
    assert_string_equal(before.hypervisor_uuid, after.hypervisor_uuid);
    assert_int_equal(before.id, after.id);
    assert_int_equal(after.memory_mb, 4096);
    assert_true(after.ram_allocation_ratio == 1.5);
    assert_int_equal(after.memory_mb_used, 100);     /* usage survives a restart */
    assert_string_equal(after.hypervisor_type, "fake");
    assert_true(host_row_is_up(&after, clock_now_us()));
    assert_int_equal(store_host_release(db, "cirrus-1", &u), 0);
    assert_int_equal(store_host_get(db, "cirrus-2", &after, &err), 0);
    assert_int_equal(store_host_get(db, "cirrus", &after, &err), -1);
    assert_int_equal(err.status, 404);
}

static void test_claim_until_full(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    struct host_usage u = { 1, 1024, 10 };
    assert_int_equal(store_host_claim(db, "cirrus-2", &u), 1);
    assert_int_equal(store_host_claim(db, "cirrus-2", &u), 1);
    assert_int_equal(store_host_claim(db, "cirrus-2", &u), 0);   /* vcpus 2 x 1.0 */
    assert_int_equal(store_host_claim(db, "nowhere", &u), 0);
    struct host_row h;
    assert_int_equal(store_host_get(db, "cirrus-2", &h, &err), 0);
    assert_int_equal(h.vcpus_used, 2);
    assert_int_equal(h.memory_mb_used, 2048);
    assert_int_equal(h.running_vms, 2);
    for (int i = 0; i < 3; i++)                                  /* never below zero */
        assert_int_equal(store_host_release(db, "cirrus-2", &u), 0);
    assert_int_equal(store_host_get(db, "cirrus-2", &h, &err), 0);
    assert_int_equal(h.vcpus_used, 0);
    assert_int_equal(h.memory_mb_used, 0);
    assert_int_equal(h.local_gb_used, 0);
    assert_int_equal(h.running_vms, 0);
}

static void test_select_spreads_and_exhausts(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    struct sched_request r = request(1, 1024, 10);
    struct sched_result res;
    char first[HOST_NAME_LEN];
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    str_copy(first, sizeof(first), res.host);
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_string_not_equal(first, res.host);                    /* most free RAM */
    assert_string_equal(res.zone, "nova");
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_int_equal(scheduler_select(db, &r, &res, &err), 1);   /* both full */
    assert_int_equal(err.status, 500);
    assert_string_equal(err.message, NO_VALID_HOST);
    assert_non_null(strstr(res.why, "2 hosts considered"));
    struct host_usage u = r.usage;
    assert_int_equal(scheduler_release(db, "cirrus-1", &u), 0);
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_string_equal(res.host, "cirrus-1");
    for (int i = 0; i < 2; i++) {
        scheduler_release(db, "cirrus-1", &u);
        scheduler_release(db, "cirrus-2", &u);
    }
}

/* A candidate list read before another scheduler filled the best host:
 * the conditional UPDATE refuses it and the next candidate is claimed. */
static void test_stale_candidate_loses_claim(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    struct host_row *hosts = NULL;
    int n = 0, order[2];
    assert_int_equal(store_host_list(db, &hosts, &n, &err), 0);
    assert_int_equal(n, 2);
    struct sched_request r = request(2, 2048, 40);
    assert_int_equal(scheduler_rank(hosts, n, &r, clock_now_us(), order, NULL, 0), 2);
    const char *best = hosts[order[0]].host, *next = hosts[order[1]].host;
    assert_int_equal(store_host_claim(db, best, &r.usage), 1);    /* the rival wins */
    assert_int_equal(store_host_claim(db, best, &r.usage), 0);    /* we lose it */
    struct sched_result res;
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_string_equal(res.host, next);
    scheduler_release(db, best, &r.usage);
    scheduler_release(db, next, &r.usage);
    free(hosts);
}

static void test_disabled_host_skipped(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    assert_int_equal(store_host_set_disabled(db, "cirrus-1", true, "maintenance", &err), 0);
    struct sched_request r = request(1, 512, 1);
    struct sched_result res;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
        assert_string_equal(res.host, "cirrus-2");
        scheduler_release(db, "cirrus-2", &r.usage);
    }
    struct host_row h;
    assert_int_equal(store_host_get(db, "cirrus-1", &h, &err), 0);
    assert_true(h.disabled && h.has_disabled_reason);
    assert_string_equal(h.disabled_reason, "maintenance");
    assert_int_equal(store_host_set_disabled(db, "cirrus-1", false, NULL, &err), 0);
    assert_int_equal(store_host_set_forced_down(db, "cirrus-2", true, &err), 0);
    assert_int_equal(scheduler_select(db, &r, &res, &err), 0);
    assert_string_equal(res.host, "cirrus-1");
    scheduler_release(db, "cirrus-1", &r.usage);
    assert_int_equal(store_host_set_forced_down(db, "cirrus-2", false, &err), 0);
    assert_int_equal(store_host_set_disabled(db, "nowhere", true, NULL, &err), -1);
    assert_int_equal(err.status, 404);
}

/* Many threads, each on its own connection, racing for 2 hosts x 2
 * slots: exactly 4 claims win, the rest find no valid host, and usage
 * ends at capacity, never above it. */
struct racer {
    int won, lost, failed;
};

static void *race(void *arg)
{
    struct racer *me = arg;
    struct db *mine = store_db();
    struct sched_request r = request(1, 256, 1);
    for (int i = 0; i < 6 && mine; i++) {
        struct sched_result res;
        struct cerr err = {0};
        int rc = scheduler_select(mine, &r, &res, &err);
        if (rc == 0)
            me->won++;
        else if (rc == 1 && err.status == 500)
            me->lost++;
        else
            me->failed++;
    }
    store_thread_done();
    return NULL;
}

static void test_concurrent_claims_never_oversubscribe(void **state)
{
    struct cirrus_config cfg = two_hosts();   /* 2 vcpus x 1.0 per host */
    struct cerr err;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    enum { N = 8 };
    pthread_t t[N];
    struct racer rs[N];
    memset(rs, 0, sizeof(rs));
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &rs[i]), 0);
    int won = 0, lost = 0, failed = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        won += rs[i].won;
        lost += rs[i].lost;
        failed += rs[i].failed;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(won, 4);
    assert_int_equal(lost, N * 6 - 4);
    struct host_row a, b;
    assert_int_equal(store_host_get(db, "cirrus-1", &a, &err), 0);
    assert_int_equal(store_host_get(db, "cirrus-2", &b, &err), 0);
    assert_int_equal(a.vcpus_used, 2);
    assert_int_equal(b.vcpus_used, 2);
    assert_int_equal(a.running_vms + b.running_vms, 4);
    struct host_usage u = { 1, 256, 1 };
    for (int i = 0; i < 2; i++) {
        store_host_release(db, "cirrus-1", &u);
        store_host_release(db, "cirrus-2", &u);
    }
}

/* Control services and compute hosts share one id space (os-services
 * lists them together), and ids survive re-bootstrap. */
static void test_service_ids_shared_with_hosts(void **state)
{
    struct cirrus_config cfg = two_hosts();
    struct cerr err;
    cfg.hosts = 3;
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    struct service_row *svc = NULL;
    struct host_row *hosts = NULL;
    int ns = 0, nh = 0;
    assert_int_equal(store_service_list(db, &svc, &ns, &err), 0);
    assert_int_equal(store_host_list(db, &hosts, &nh, &err), 0);
    assert_int_equal(ns, 2);
    assert_string_equal(svc[0].binary, "nova-conductor");
    assert_string_equal(svc[1].binary, "nova-scheduler");
    assert_string_equal(svc[0].host, "cirrus");
    assert_int_equal(nh, 3);
    assert_int_equal(hosts[0].hypervisor_version, 1000);   /* the fake driver's */
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < nh; j++)
            assert_int_not_equal(svc[i].id, hosts[j].id);
    int64_t sched_id = svc[1].id;
    /* A deleted service comes back on the next start with a fresh id. */
    assert_int_equal(store_service_delete(db, sched_id, NULL), 0);
    assert_int_equal(store_service_delete(db, sched_id, NULL), 1);
    assert_int_equal(host_bootstrap(&cfg, &err), 0);
    free(svc);
    assert_int_equal(store_service_list(db, &svc, &ns, &err), 0);
    assert_int_equal(ns, 2);
    for (int j = 0; j < nh; j++)
        assert_int_not_equal(svc[1].id, hosts[j].id);
    assert_true(svc[1].id > sched_id);
    int64_t count = -1;
    assert_int_equal(store_host_server_count(db, "cirrus-3", &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(store_host_migration_count(db, "cirrus-3", &count), 0);
    assert_int_equal(count, 0);
    /* A finished resize does not count; a "done" evacuation blocks un-forcing. */
    assert_true(db_run(db, "INSERT INTO migrations (uuid, instance_uuid, source_compute,"
                           " dest_compute, status, migration_type, created_at, updated_at)"
                           " VALUES ('m1', 'i1', 'cirrus-3', 'cirrus-1', 'confirmed', 'resize',"
                           " 0, 0), ('m2', 'i2', 'cirrus-3', 'cirrus-2', 'done', 'evacuation',"
                           " 0, 0), ('m3', 'i3', 'cirrus-1', 'cirrus-3', 'migrating',"
                           " 'live-migration', 0, 0)", "") >= 0);
    assert_int_equal(store_host_migration_count(db, "cirrus-3", &count), 0);
    assert_int_equal(count, 1);                 /* only the live migration */
    assert_int_equal(store_host_evacuations_done(db, "cirrus-3", &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(store_host_evacuations_done(db, "cirrus-1", &count), 0);
    assert_int_equal(count, 0);
    db_run(db, "DELETE FROM migrations", "");
    free(svc);
    free(hosts);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_rank_most_free_ram_first),
        cmocka_unit_test(test_rank_ties),
        cmocka_unit_test(test_free_ram_uses_ratio),
        cmocka_unit_test(test_rank_explains_rejections),
        cmocka_unit_test(test_request_for_server),
    };
    const struct CMUnitTest store[] = {
        cmocka_unit_test(test_bootstrap_idempotent),
        cmocka_unit_test(test_claim_until_full),
        cmocka_unit_test(test_select_spreads_and_exhausts),
        cmocka_unit_test(test_stale_candidate_loses_claim),
        cmocka_unit_test(test_disabled_host_skipped),
        cmocka_unit_test(test_concurrent_claims_never_oversubscribe),
        cmocka_unit_test(test_service_ids_shared_with_hosts),
    };
    int failed = cmocka_run_group_tests_name("scheduler", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("scheduler claims", store, setup, teardown);
    return failed;
}
