"""os-services against a real cirrusd: the list (nova-conductor,
nova-scheduler and one nova-compute per host) with its filters and per
microversion fields (2.1, 2.11, 2.53, 2.75), the update actions before 2.53,
PUT /os-services/{uuid} from 2.53 with Nova's validation, DELETE with its
400/404/409, admin-only policy, and the scheduler honouring disabled and
forced-down services. Bodies are compared with nova-api-samples/os-services.
"""
import re
import uuid

import pytest

from conftest import assert_same_keys, sample
from hostutil import clients, create, delete_all, fault, host_of, need, wait_status

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$")


def compare(body, path):
    exp = sample(path)
    if exp:
        assert_same_keys(body, exp, path)


def services(client, query="", mv=None):
    r = client.get(f"/os-services{query}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["services"]


def by_host(client, binary="nova-compute", mv=None):
    return {s["host"]: s for s in services(client, mv=mv) if s["binary"] == binary}


@pytest.fixture
def two(spawn_cirrusd):
    """(admin, demo) of a private daemon with hosts cirrus-1 and cirrus-2."""
    return clients(spawn_cirrusd("--hosts", "2"))


# --- list ----------------------------------------------------------------------

def test_list_v21(admin):
    body = {"services": services(admin)}
    compare({"services": body["services"][:1]}, "os-services/services-list-get-resp.json")
    rows = body["services"]
    assert [(s["binary"], s["zone"]) for s in rows] == [
        ("nova-conductor", "internal"), ("nova-scheduler", "internal"), ("nova-compute", "nova")]
    assert len({s["id"] for s in rows}) == 3 and all(isinstance(s["id"], int) for s in rows)
    for s in rows:
        assert s["host"] == "cirrus" and s["state"] == "up" and s["status"] == "enabled"
        assert s["disabled_reason"] is None and TIME_RE.match(s["updated_at"]), s
        assert "forced_down" not in s


def test_list_forced_down_211_and_uuids_253(admin):
    need(admin, "2.53")
    rows = services(admin, mv="2.11")
    compare({"services": rows[:1]}, "os-services/v2.11/services-list-get-resp.json")
    assert all(s["forced_down"] is False and isinstance(s["id"], int) for s in rows)
    rows = services(admin, mv="2.53")
    compare({"services": rows[:1]}, "os-services/v2.53/services-list-get-resp.json")
    assert all(uuid.UUID(s["id"]) for s in rows)
    # The compute service uuid is what os-hypervisors shows as service.id.
    hv = admin.get("/os-hypervisors/detail", mv="2.53").json()["hypervisors"][0]
    assert hv["service"]["id"] == next(s["id"] for s in rows if s["binary"] == "nova-compute")


def test_list_filters(admin):
    assert [s["binary"] for s in services(admin, "?binary=nova-scheduler")] == ["nova-scheduler"]
    assert len(services(admin, "?host=cirrus")) == 3
    assert services(admin, "?host=nowhere") == []
    assert len(services(admin, "?host=cirrus&binary=nova-compute")) == 1
    # An empty value filters nothing (Nova's "if host:").
    assert len(services(admin, "?host=")) == 3


def test_list_query_strict_from_275(admin):
    need(admin, "2.75")
    assert len(services(admin, "?foo=1", mv="2.74")) == 3
    msg = fault(admin.get("/os-services?foo=1", mv="2.75"), 400)
    assert msg == "Additional properties are not allowed ('foo' was unexpected)"


def test_member_forbidden(demo, admin):
    for method, path, body in (("GET", "/os-services", None),
                               ("PUT", "/os-services/disable",
                                {"host": "cirrus", "binary": "nova-compute"}),
                               ("DELETE", "/os-services/1", None)):
        r = demo.request(method, path, json_body=body)
        rule = {"GET": "list", "PUT": "update", "DELETE": "delete"}[method]
        assert fault(r, 403) == \
            f"Policy doesn't allow os_compute_api:os-services:{rule} to be performed."
    # Nothing changed.
    assert by_host(admin)["cirrus"]["status"] == "enabled"


# --- PUT before 2.53 ----------------------------------------------------------------

def test_disable_enable_v21(two):
    admin, _ = two
    r = admin.put("/os-services/disable", {"host": "cirrus-1", "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    assert r.json() == {"service": {"host": "cirrus-1", "binary": "nova-compute",
                                    "status": "disabled"}}
    compare(r.json(), "os-services/service-disable-put-resp.json")
    s = by_host(admin)
    assert s["cirrus-1"]["status"] == "disabled" and s["cirrus-1"]["disabled_reason"] is None
    assert s["cirrus-2"]["status"] == "enabled"
    r = admin.put("/os-services/disable-log-reason",
                  {"host": "cirrus-1", "binary": "nova-compute", "disabled_reason": "test2"})
    assert r.status_code == 200, r.text
    assert r.json() == {"service": {"host": "cirrus-1", "binary": "nova-compute",
                                    "status": "disabled", "disabled_reason": "test2"}}
    compare(r.json(), "os-services/service-disable-log-put-resp.json")
    assert by_host(admin)["cirrus-1"]["disabled_reason"] == "test2"
    r = admin.put("/os-services/enable", {"host": "cirrus-1", "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    assert r.json() == {"service": {"host": "cirrus-1", "binary": "nova-compute",
                                    "status": "enabled"}}
    compare(r.json(), "os-services/service-enable-put-resp.json")
    s = by_host(admin)["cirrus-1"]
    assert s["status"] == "enabled" and s["disabled_reason"] is None


def test_update_errors_v21(two):
    admin, _ = two
    base = {"host": "cirrus-1", "binary": "nova-compute"}
    assert fault(admin.put("/os-services/reboot", base), 404) == "Unknown action"
    # force-down exists from 2.11 only.
    assert fault(admin.put("/os-services/force-down", dict(base, forced_down=True)), 400) == \
        "Additional properties are not allowed ('forced_down' was unexpected)"
    assert fault(admin.put("/os-services/force-down", base), 404) == "Unknown action"
    assert fault(admin.put("/os-services/disable-log-reason", base), 400) == \
        "Missing disabled reason field"
    assert fault(admin.put("/os-services/disable", {"host": "cirrus-1"}), 400) == \
        "'binary' is a required property"
    assert fault(admin.put("/os-services/disable", {"binary": "nova-compute"}), 400) == \
        "'host' is a required property"
    assert fault(admin.put("/os-services/disable", dict(base, foo=1)), 400) == \
        "Additional properties are not allowed ('foo' was unexpected)"
    msg = fault(admin.put("/os-services/disable", dict(base, host="a b")), 400)
    assert msg.startswith("Invalid input for field/attribute host. Value: a b.")
    msg = fault(admin.put("/os-services/disable-log-reason", dict(base, disabled_reason="")), 400)
    assert msg.startswith("Invalid input for field/attribute disabled_reason.")
    assert fault(admin.put("/os-services/disable", dict(base, binary="nova-scheduler")), 400) == \
        ("Updating a nova-scheduler service is not supported. Only nova-compute services can "
         "be updated.")
    assert fault(admin.put("/os-services/disable", dict(base, host="nohost")), 404) == \
        "Host 'nohost' is not mapped to any cell"
    r = admin.request("PUT", "/os-services/disable", data="[]",
                      headers={"Content-Type": "application/json"})
    assert fault(r, 400) == "[] is not of type 'object'"
    # Nothing changed by any of these.
    assert all(s["status"] == "enabled" for s in by_host(admin).values())


def test_force_down_211(two):
    admin, _ = two
    need(admin, "2.11")
    body = {"host": "cirrus-1", "binary": "nova-compute", "forced_down": True}
    r = admin.put("/os-services/force-down", body, mv="2.11")
    assert r.status_code == 200, r.text
    assert r.json() == {"service": {"host": "cirrus-1", "binary": "nova-compute",
                                    "forced_down": True}}
    compare(r.json(), "os-services/v2.11/service-force-down-put-resp.json")
    s = by_host(admin, mv="2.11")["cirrus-1"]
    assert s["forced_down"] is True and s["state"] == "down" and s["status"] == "enabled"
    assert fault(admin.put("/os-services/force-down", {"host": "cirrus-1",
                                                       "binary": "nova-compute"}, mv="2.11"),
                 400) == "Missing forced_down field"
    msg = fault(admin.put("/os-services/force-down", dict(body, forced_down="maybe"),
                          mv="2.11"), 400)
    assert msg.startswith("Invalid input for field/attribute forced_down. Value: maybe.")
    r = admin.put("/os-services/force-down", dict(body, forced_down="false"), mv="2.11")
    assert r.status_code == 200 and r.json()["service"]["forced_down"] is False
    assert by_host(admin, mv="2.11")["cirrus-1"]["state"] == "up"


# --- PUT from 2.53 ----------------------------------------------------------------------

def test_update_253(two):
    admin, _ = two
    need(admin, "2.53")
    sid = by_host(admin, mv="2.53")["cirrus-1"]["id"]
    r = admin.put(f"/os-services/{sid}", {"status": "disabled", "disabled_reason": "maintenance"},
                  mv="2.53")
    assert r.status_code == 200, r.text
    compare(r.json(), "os-services/v2.53/service-disable-log-put-resp.json")
    s = r.json()["service"]
    assert (s["id"], s["host"], s["binary"], s["status"], s["disabled_reason"], s["state"],
            s["forced_down"], s["zone"]) == (sid, "cirrus-1", "nova-compute", "disabled",
                                             "maintenance", "up", False, "nova")
    r = admin.put(f"/os-services/{sid}", {"status": "enabled"}, mv="2.53")
    assert r.status_code == 200
    assert (r.json()["service"]["status"], r.json()["service"]["disabled_reason"]) == \
        ("enabled", None)
    r = admin.put(f"/os-services/{sid}", {"status": "disabled"}, mv="2.53")
    compare(r.json(), "os-services/v2.53/service-disable-put-resp.json")
    assert r.json()["service"]["disabled_reason"] is None
    r = admin.put(f"/os-services/{sid}", {"forced_down": True}, mv="2.53")
    compare(r.json(), "os-services/v2.53/service-force-down-put-resp.json")
    assert (r.json()["service"]["forced_down"], r.json()["service"]["state"],
            r.json()["service"]["status"]) == (True, "down", "disabled")
    r = admin.put(f"/os-services/{sid}", {"forced_down": False, "status": "enabled"}, mv="2.53")
    assert (r.json()["service"]["forced_down"], r.json()["service"]["state"],
            r.json()["service"]["status"]) == (False, "up", "enabled")


def test_update_errors_253(two):
    admin, _ = two
    need(admin, "2.53")
    rows = services(admin, mv="2.53")
    sid = next(s["id"] for s in rows if s["host"] == "cirrus-1")
    sched = next(s["id"] for s in rows if s["binary"] == "nova-scheduler")
    assert fault(admin.put(f"/os-services/{sid}", {"status": "enabled", "disabled_reason": "x"},
                           mv="2.53"), 400) == \
        "Specifying 'disabled_reason' with status 'enabled' is invalid."
    assert fault(admin.put(f"/os-services/{sid}", {}, mv="2.53"), 400) == \
        "No updates were requested. Fields 'status' or 'forced_down' should be specified."
    assert fault(admin.put(f"/os-services/{sid}", {"disabled_reason": "x"}, mv="2.53"), 400) == \
        "No updates were requested. Fields 'status' or 'forced_down' should be specified."
    msg = fault(admin.put(f"/os-services/{sid}", {"status": "off"}, mv="2.53"), 400)
    assert msg == ("Invalid input for field/attribute status. Value: off. 'off' is not one of "
                   "['enabled', 'disabled']")
    assert fault(admin.put(f"/os-services/{sid}", {"status": "disabled", "host": "x"},
                           mv="2.53"), 400) == \
        "Additional properties are not allowed ('host' was unexpected)"
    assert fault(admin.put("/os-services/disable", {"status": "disabled"}, mv="2.53"), 400) == \
        "Invalid uuid disable"
    missing = str(uuid.uuid4())
    assert fault(admin.put(f"/os-services/{missing}", {"status": "disabled"}, mv="2.53"),
                 404) == f"Service {missing} could not be found."
    assert fault(admin.put(f"/os-services/{sched}", {"status": "disabled"}, mv="2.53"), 400) == \
        ("Updating a nova-scheduler service is not supported. Only nova-compute services can "
         "be updated.")
    assert all(s["status"] == "enabled" and not s["forced_down"]
               for s in services(admin, mv="2.53"))


# --- DELETE ------------------------------------------------------------------------

def test_delete_errors(two):
    admin, demo = two
    assert fault(admin.delete("/os-services/abc"), 400) == \
        "Invalid input received: id must be an integer"
    assert fault(admin.delete("/os-services/9999"), 404) == "Service 9999 not found."
    need(admin, "2.53")
    assert fault(admin.delete("/os-services/1", mv="2.53"), 400) == "Invalid uuid 1"
    missing = str(uuid.uuid4())
    assert fault(admin.delete(f"/os-services/{missing}", mv="2.53"), 404) == \
        f"Service {missing} not found."


def test_delete_compute_with_servers_409_then_204(two):
    admin, demo = two
    sid = create(demo, "svc-del")
    host = host_of(admin, sid)
    svc = by_host(admin)[host]
    assert fault(admin.delete(f"/os-services/{svc['id']}"), 409) == \
        ("Unable to delete compute service that is hosting instances. Migrate or delete the "
         "instances first.")
    assert host in by_host(admin)
    delete_all(demo, [sid])
    r = admin.delete(f"/os-services/{svc['id']}")
    assert r.status_code == 204, r.text
    assert host not in by_host(admin)
    # Its hypervisor goes with it, and nothing is scheduled there any more.
    names = [h["hypervisor_hostname"] for h in admin.get("/os-hypervisors").json()["hypervisors"]]
    assert host not in names and len(names) == 1
    other = create(demo, "svc-after")
    assert host_of(admin, other) != host
    delete_all(demo, [other])


def test_delete_control_service_253(two):
    admin, _ = two
    need(admin, "2.53")
    sched = next(s for s in services(admin, mv="2.53") if s["binary"] == "nova-scheduler")
    r = admin.delete(f"/os-services/{sched['id']}", mv="2.53")
    assert r.status_code == 204, r.text
    assert "nova-scheduler" not in [s["binary"] for s in services(admin)]
    assert fault(admin.delete(f"/os-services/{sched['id']}", mv="2.53"), 404) == \
        f"Service {sched['id']} not found."


# --- the scheduler honours the service state ------------------------------------------

def test_disabled_host_not_scheduled(two):
    admin, demo = two
    assert admin.put("/os-services/disable",
                     {"host": "cirrus-1", "binary": "nova-compute"}).status_code == 200
    sids = [create(demo, f"dis{i}") for i in range(3)]
    assert {host_of(admin, s) for s in sids} == {"cirrus-2"}
    assert admin.put("/os-services/disable",
                     {"host": "cirrus-2", "binary": "nova-compute"}).status_code == 200
    bad = create(demo, "dis-none", wait=False)
    view = wait_status(demo, bad, ("ERROR",))
    assert view["fault"]["message"].startswith("No valid host was found.")
    assert view["fault"]["code"] == 500
    delete_all(demo, sids + [bad])


def test_forced_down_host_not_scheduled(two):
    admin, demo = two
    need(admin, "2.11")
    r = admin.put("/os-services/force-down",
                  {"host": "cirrus-2", "binary": "nova-compute", "forced_down": True}, mv="2.11")
    assert r.status_code == 200
    sids = [create(demo, f"fd{i}") for i in range(3)]
    assert {host_of(admin, s) for s in sids} == {"cirrus-1"}
    delete_all(demo, sids)
