"""os-hypervisors against a real cirrusd: list, detail, show, statistics,
uptime, search and servers per microversion (2.1, 2.28, 2.33, 2.53, 2.75,
2.88), paging and its 400s, the 2.53 query parameters, ids as integers then
uuids, usage following the servers placed on a host, and admin-only policy.
Bodies are compared with nova-api-samples/os-hypervisors field by field.
"""
import json
import re
import uuid

import pytest

from conftest import assert_same_keys, sample
from hostutil import clients, conf_file, create, delete_all, fault, need

UPTIME_RE = re.compile(r"^ \d\d:\d\d:\d\d up .+,\s+\d+ users?,\s+load average: "
                       r"\d+\.\d\d, \d+\.\d\d, \d+\.\d\d$")
RESOURCE_FIELDS = {"vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                   "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                   "running_vms", "disk_available_least", "cpu_info"}


def compare(body, path):
    exp = sample(path)
    if exp:
        # Samples show one hypervisor; links depend on paging.
        exp = dict(exp)
        if "hypervisors_links" in exp and "hypervisors_links" not in body:
            del exp["hypervisors_links"]
        assert_same_keys(body, exp, path)


def get(client, path, mv=None, status=200):
    r = client.get(path, mv=mv)
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture(scope="module")
def three(request, tmp_path_factory):
    """A private daemon with three small hosts (module scoped: read-only tests)."""
    from conftest import Daemon, fail_on_sanitizer
    conf = tmp_path_factory.mktemp("hv") / "c.conf"
    conf.write_text("[compute]\nhost_vcpus = 4\nhost_ram_mb = 4096\nhost_disk_gb = 40\n")
    d = Daemon("--hosts", "3", "--config", str(conf))
    d.start()
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


# --- policy ----------------------------------------------------------------

@pytest.mark.parametrize("path,rule", [
    ("/os-hypervisors", "list"), ("/os-hypervisors/detail", "list-detail"),
    ("/os-hypervisors/1", "show"), ("/os-hypervisors/statistics", "statistics"),
    ("/os-hypervisors/1/uptime", "uptime"), ("/os-hypervisors/cirrus/search", "search"),
    ("/os-hypervisors/cirrus/servers", "servers")])
def test_member_forbidden(demo, path, rule):
    msg = fault(demo.get(path), 403)
    assert msg == f"Policy doesn't allow os_compute_api:os-hypervisors:{rule} to be performed."


def test_anonymous_unauthorized(anon):
    assert anon.get("/os-hypervisors").status_code == 401


# --- 2.1 ---------------------------------------------------------------------

def test_list_v21(admin):
    body = get(admin, "/os-hypervisors")
    assert "hypervisors_links" not in body
    hv = body["hypervisors"]
    assert len(hv) == 1
    assert hv[0] == {"id": hv[0]["id"], "hypervisor_hostname": "cirrus", "state": "up",
                     "status": "enabled"}
    assert isinstance(hv[0]["id"], int)
    compare(body, "os-hypervisors/hypervisors-list-resp.json")


def test_detail_v21(admin):
    body = get(admin, "/os-hypervisors/detail")
    compare(body, "os-hypervisors/hypervisors-detail-resp.json")
    h = body["hypervisors"][0]
    assert h["hypervisor_type"] == "fake" and h["hypervisor_version"] == 1000
    assert isinstance(h["cpu_info"], str)          # JSON text before 2.28
    assert json.loads(h["cpu_info"])["arch"]
    assert h["service"] == {"id": h["id"], "host": "cirrus", "disabled_reason": None}
    assert h["free_ram_mb"] == h["memory_mb"] - h["memory_mb_used"]
    assert h["free_disk_gb"] == h["local_gb"] - h["local_gb_used"]
    assert "uptime" not in h


def test_show_v21(admin):
    hid = get(admin, "/os-hypervisors")["hypervisors"][0]["id"]
    h = get(admin, f"/os-hypervisors/{hid}")["hypervisor"]
    compare({"hypervisor": h}, "os-hypervisors/hypervisors-show-resp.json")
    assert h["id"] == hid and h["hypervisor_hostname"] == "cirrus"


@pytest.mark.parametrize("bad", ["abc", "99999", str(uuid.uuid4())])
def test_show_unknown_v21(admin, bad):
    # Before 2.53 anything but a known integer is simply not found.
    msg = fault(admin.get(f"/os-hypervisors/{bad}"), 404)
    assert msg == f"Hypervisor with ID '{bad}' could not be found."


def test_cpu_info_object_from_228(admin):
    need(admin, "2.28")
    body = get(admin, "/os-hypervisors/detail", mv="2.28")
    compare(body, "os-hypervisors/v2.28/hypervisors-detail-resp.json")
    assert isinstance(body["hypervisors"][0]["cpu_info"], dict)


def test_statistics(admin):
    st = get(admin, "/os-hypervisors/statistics")
    compare(st, "os-hypervisors/hypervisors-statistics-resp.json")
    detail = get(admin, "/os-hypervisors/detail")["hypervisors"]
    assert st["hypervisor_statistics"]["count"] == len(detail)
    for k in ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "running_vms"):
        assert st["hypervisor_statistics"][k] == sum(h[k] for h in detail), k


def test_uptime_v21(admin):
    hid = get(admin, "/os-hypervisors")["hypervisors"][0]["id"]
    body = get(admin, f"/os-hypervisors/{hid}/uptime")
    compare(body, "os-hypervisors/hypervisors-uptime-resp.json")
    assert UPTIME_RE.match(body["hypervisor"]["uptime"]), body
    msg = fault(admin.get("/os-hypervisors/xyz/uptime"), 404)
    assert msg == "Hypervisor with ID 'xyz' could not be found."


def test_search_and_servers_v21(admin):
    body = get(admin, "/os-hypervisors/irr/search")
    compare(body, "os-hypervisors/hypervisors-search-resp.json")
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cirrus"]
    # LIKE semantics: '_' matches one character, case-insensitively.
    assert get(admin, "/os-hypervisors/C_RRUS/search")["hypervisors"]
    msg = fault(admin.get("/os-hypervisors/nomatch/search"), 404)
    assert msg == "No hypervisor matching 'nomatch' could be found."
    msg = fault(admin.get("/os-hypervisors/nomatch/servers"), 404)
    assert msg == "No hypervisor matching 'nomatch' could be found."


def test_servers_route_lists_servers(admin, demo):
    sid = create(demo, "hv-servers")
    try:
        body = get(admin, "/os-hypervisors/cirrus/servers")
        compare(body, "os-hypervisors/hypervisors-with-servers-resp.json")
        servers = body["hypervisors"][0]["servers"]
        assert {"name": "hv-servers", "uuid": sid} in servers
    finally:
        delete_all(demo, [sid])


def test_pre_253_routes_gone_at_253(admin):
    need(admin, "2.53")
    for path in ("/os-hypervisors/cirrus/search", "/os-hypervisors/cirrus/servers"):
        fault(admin.get(path, mv="2.53"), 404)


# --- 2.33 paging ---------------------------------------------------------------

def test_paging_233(three):
    admin, _ = clients(three)
    need(admin, "2.33")
    # Before 2.33 limit is ignored.
    assert len(get(admin, "/os-hypervisors?limit=1")["hypervisors"]) == 3
    body = get(admin, "/os-hypervisors?limit=1", mv="2.33")
    compare(body, "os-hypervisors/v2.33/hypervisors-list-resp.json")
    first = body["hypervisors"][0]
    link = body["hypervisors_links"][0]
    assert link["rel"] == "next"
    assert link["href"].endswith(f"/os-hypervisors?limit=1&marker={first['id']}")
    names = [first["hypervisor_hostname"]]
    marker = first["id"]
    while True:
        page = get(admin, f"/os-hypervisors/detail?limit=1&marker={marker}", mv="2.33")
        if not page["hypervisors"]:
            assert "hypervisors_links" not in page
            break
        compare(page, "os-hypervisors/v2.33/hypervisors-detail-resp.json")
        names.append(page["hypervisors"][0]["hypervisor_hostname"])
        marker = page["hypervisors"][0]["id"]
    assert names == ["cirrus-1", "cirrus-2", "cirrus-3"]
    # Fewer than the limit: no next link.
    assert "hypervisors_links" not in get(admin, "/os-hypervisors?limit=5", mv="2.33")


def test_paging_errors_233(three):
    admin, _ = clients(three)
    need(admin, "2.33")
    assert fault(admin.get("/os-hypervisors?marker=999", mv="2.33"), 400) == \
        "marker [999] not found"
    msg = fault(admin.get("/os-hypervisors?limit=-1", mv="2.33"), 400)
    assert msg == ("Invalid input for query parameters limit. Value: -1. '-1' does not match "
                   "'^[0-9]*$'")
    msg = fault(admin.get("/os-hypervisors?limit=", mv="2.33"), 400)
    assert msg == "Invalid input for query parameters limit. Value: . '' is too short"
    # 2.33..2.52 keep unknown query parameters harmless.
    assert get(admin, "/os-hypervisors?foo=1", mv="2.52")["hypervisors"]


# --- 2.53 ------------------------------------------------------------------------

def test_uuid_ids_253(three):
    admin, _ = clients(three)
    need(admin, "2.53")
    body = get(admin, "/os-hypervisors/detail", mv="2.53")
    compare({"hypervisors": body["hypervisors"][:1]},
            "os-hypervisors/v2.53/hypervisors-detail-resp.json")
    services = {s["host"]: s["id"] for s in get(admin, "/os-services", mv="2.53")["services"]}
    for h in body["hypervisors"]:
        assert uuid.UUID(h["id"])
        assert h["service"]["id"] == services[h["hypervisor_hostname"]]
    hid = body["hypervisors"][0]["id"]
    show = get(admin, f"/os-hypervisors/{hid}", mv="2.53")["hypervisor"]
    assert show["id"] == hid and "servers" not in show
    assert fault(admin.get("/os-hypervisors/1", mv="2.53"), 400) == "Invalid uuid 1"
    missing = str(uuid.uuid4())
    assert fault(admin.get(f"/os-hypervisors/{missing}", mv="2.53"), 404) == \
        f"Hypervisor with ID '{missing}' could not be found."
    # The service uuid is not a hypervisor id.
    sid = body["hypervisors"][0]["service"]["id"]
    fault(admin.get(f"/os-hypervisors/{sid}", mv="2.53"), 404)
    up = get(admin, f"/os-hypervisors/{hid}/uptime", mv="2.53")
    compare(up, "os-hypervisors/v2.53/hypervisors-uptime-resp.json")


def test_paging_uuid_marker_253(three):
    admin, _ = clients(three)
    need(admin, "2.53")
    body = get(admin, "/os-hypervisors?limit=2", mv="2.53")
    assert len(body["hypervisors"]) == 2
    last = body["hypervisors"][1]["id"]
    assert body["hypervisors_links"][0]["href"].endswith(f"marker={last}")
    rest = get(admin, f"/os-hypervisors?marker={last}", mv="2.53")["hypervisors"]
    assert [h["hypervisor_hostname"] for h in rest] == ["cirrus-3"]
    missing = str(uuid.uuid4())
    assert fault(admin.get(f"/os-hypervisors?marker={missing}", mv="2.53"), 400) == \
        f"marker [{missing}] not found"


def test_query_params_253(three):
    admin, _ = clients(three)
    need(admin, "2.53")
    body = get(admin, "/os-hypervisors?hypervisor_hostname_pattern=rus-2", mv="2.53")
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cirrus-2"]
    assert "hypervisors_links" not in body
    msg = fault(admin.get("/os-hypervisors?hypervisor_hostname_pattern=zzz", mv="2.53"), 404)
    assert msg == "No hypervisor matching 'zzz' could be found."
    for q in ("limit=1", "marker=x", "limit=0"):
        msg = fault(admin.get(f"/os-hypervisors/detail?hypervisor_hostname_pattern=c&{q}",
                              mv="2.53"), 400)
        assert msg == ("Paging over hypervisors with the hypervisor_hostname_pattern query "
                       "parameter is not supported.")
    msg = fault(admin.get("/os-hypervisors?hypervisor_hostname_pattern=a%20b", mv="2.53"), 400)
    assert msg.startswith("Invalid input for query parameters hypervisor_hostname_pattern.")
    msg = fault(admin.get("/os-hypervisors?foo=1", mv="2.53"), 400)
    assert msg == "Additional properties are not allowed ('foo' was unexpected)"
    msg = fault(admin.get("/os-hypervisors?with_servers=maybe", mv="2.53"), 400)
    assert msg.startswith("Invalid input for query parameters with_servers. Value: maybe.")
    hid = get(admin, "/os-hypervisors", mv="2.53")["hypervisors"][0]["id"]
    msg = fault(admin.get(f"/os-hypervisors/{hid}?limit=1", mv="2.53"), 400)
    assert msg == "Additional properties are not allowed ('limit' was unexpected)"


def test_with_servers_253_and_275(three):
    admin, demo = clients(three)
    need(admin, "2.75")
    sid = create(demo, "hv-with")
    try:
        host = admin.get(f"/servers/{sid}").json()["server"]["OS-EXT-SRV-ATTR:host"]
        body = get(admin, "/os-hypervisors?with_servers=true", mv="2.53")
        by_name = {h["hypervisor_hostname"]: h for h in body["hypervisors"]}
        assert by_name[host]["servers"] == [{"name": "hv-with", "uuid": sid}]
        compare({"hypervisors": [by_name[host]]},
                "os-hypervisors/v2.53/hypervisors-with-servers-resp.json")
        # Before 2.75 a host without servers has no "servers" key at all.
        empty = [h for n, h in by_name.items() if n != host]
        assert all("servers" not in h for h in empty)
        body = get(admin, "/os-hypervisors?with_servers=1", mv="2.75")
        assert all(h["servers"] == [] for h in body["hypervisors"]
                   if h["hypervisor_hostname"] != host)
        # with_servers=false: no key.
        body = get(admin, "/os-hypervisors?with_servers=false", mv="2.75")
        assert all("servers" not in h for h in body["hypervisors"])
        hid = by_name[host]["id"]
        show = get(admin, f"/os-hypervisors/{hid}?with_servers=yes", mv="2.53")
        compare(show, "os-hypervisors/v2.53/hypervisors-show-with-servers-resp.json")
        assert show["hypervisor"]["servers"] == [{"name": "hv-with", "uuid": sid}]
    finally:
        delete_all(demo, [sid])


# --- 2.88 --------------------------------------------------------------------------

def test_slim_views_288(three):
    admin, _ = clients(three)
    need(admin, "2.88")
    body = get(admin, "/os-hypervisors/detail?limit=1", mv="2.88")
    compare(body, "os-hypervisors/v2.88/hypervisors-detail-resp.json")
    h = body["hypervisors"][0]
    assert not RESOURCE_FIELDS & set(h)
    assert UPTIME_RE.match(h["uptime"]), h
    show = get(admin, f"/os-hypervisors/{h['id']}", mv="2.88")
    compare(show, "os-hypervisors/v2.88/hypervisors-show-resp.json")
    assert get(admin, "/os-hypervisors/detail", mv="2.87")["hypervisors"][0]["vcpus"] == 4
    for path in ("/os-hypervisors/statistics", f"/os-hypervisors/{h['id']}/uptime"):
        fault(admin.get(path, mv="2.88"), 404)
        assert admin.get(path, mv="2.87").status_code == 200


# --- usage and status follow the hosts table ----------------------------------------

def test_usage_follows_servers(spawn_cirrusd, tmp_path):
    d = spawn_cirrusd("--config", conf_file(tmp_path, "[compute]\nhost_vcpus = 4\n"))
    admin, demo = clients(d)
    flavors = admin.get("/flavors/detail").json()["flavors"]
    tiny = next(f for f in flavors if f["name"] == "m1.tiny")
    sids = [create(demo, f"u{i}", flavorRef=tiny["id"]) for i in range(2)]
    h = get(admin, "/os-hypervisors/detail")["hypervisors"][0]
    assert h["running_vms"] == 2
    assert h["vcpus_used"] == 2 * tiny["vcpus"]
    assert h["memory_mb_used"] == 2 * tiny["ram"]
    assert h["local_gb_used"] == 2 * tiny["disk"]
    assert h["free_ram_mb"] == h["memory_mb"] - 2 * tiny["ram"]
    st = get(admin, "/os-hypervisors/statistics")["hypervisor_statistics"]
    assert st["running_vms"] == 2 and st["count"] == 1
    delete_all(demo, sids)
    h = get(admin, "/os-hypervisors/detail")["hypervisors"][0]
    assert (h["running_vms"], h["vcpus_used"], h["memory_mb_used"], h["local_gb_used"]) == \
        (0, 0, 0, 0)


def test_disabled_and_forced_down_status(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2")
    admin, _ = clients(d)
    r = admin.put("/os-services/disable-log-reason",
                  {"host": "cirrus-1", "binary": "nova-compute", "disabled_reason": "maint"})
    assert r.status_code == 200, r.text
    hv = {h["hypervisor_hostname"]: h for h in get(admin, "/os-hypervisors/detail")["hypervisors"]}
    assert hv["cirrus-1"]["status"] == "disabled" and hv["cirrus-1"]["state"] == "up"
    assert hv["cirrus-1"]["service"]["disabled_reason"] == "maint"
    assert hv["cirrus-2"]["status"] == "enabled"
    # Statistics count enabled hypervisors only.
    assert get(admin, "/os-hypervisors/statistics")["hypervisor_statistics"]["count"] == 1
    need(admin, "2.11")
    r = admin.put("/os-services/force-down",
                  {"host": "cirrus-2", "binary": "nova-compute", "forced_down": True}, mv="2.11")
    assert r.status_code == 200, r.text
    hv = {h["hypervisor_hostname"]: h for h in get(admin, "/os-hypervisors")["hypervisors"]}
    assert hv["cirrus-2"]["state"] == "down"
    # The uptime of a host whose service is down cannot be asked.
    msg = fault(admin.get(f"/os-hypervisors/{hv['cirrus-2']['id']}/uptime"), 400)
    assert msg == "Compute service of cirrus-2 is unavailable at this time."
    need(admin, "2.88")
    hv = get(admin, "/os-hypervisors/detail", mv="2.88")["hypervisors"]
    assert {h["hypervisor_hostname"]: h["uptime"] for h in hv}["cirrus-2"] is None
