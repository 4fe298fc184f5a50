"""os-availability-zone against a real cirrusd: the zone list any user
sees (internal zone hidden, no hosts), the admin detail with the internal
zone's conductor and scheduler and each compute host's nova-compute, zones
becoming unavailable when all their services are disabled, and a configured
default zone. Bodies are compared with nova-api-samples/os-availability-zone.
"""
import re

from conftest import assert_same_keys, first_flavor, sample
from hostutil import clients, conf_file, fault, need

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$")


def compare(body, path):
    exp = sample(path)
    if exp:
        assert_same_keys(body, exp, path)


def zones(client, detail=False):
    r = client.get("/os-availability-zone" + ("/detail" if detail else ""))
    assert r.status_code == 200, r.text
    return r.json()


def test_list_any_user(demo, admin):
    for c in (demo, admin):
        body = zones(c)
        compare(body, "os-availability-zone/availability-zone-list-resp.json")
        assert body == {"availabilityZoneInfo": [
            {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]}


def test_list_needs_token(anon):
    assert anon.get("/os-availability-zone").status_code == 401


def test_detail_admin_only(demo):
    assert fault(demo.get("/os-availability-zone/detail"), 403) == \
        "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed."


def test_detail(admin):
    body = zones(admin, detail=True)
    exp = sample("os-availability-zone/availability-zone-detail-resp.json")
    if exp:
        # Host names differ per deployment: compare zones, then one service.
        for z, e in zip(body["availabilityZoneInfo"], exp["availabilityZoneInfo"]):
            assert set(z) == set(e) and z["zoneState"].keys() == e["zoneState"].keys()
        svc = exp["availabilityZoneInfo"][1]["hosts"]["compute"]["nova-compute"]
        assert_same_keys(body["availabilityZoneInfo"][1]["hosts"]["cirrus"]["nova-compute"],
                         svc)
    info = {z["zoneName"]: z for z in body["availabilityZoneInfo"]}
    assert list(info) == ["internal", "nova"]
    internal = info["internal"]["hosts"]
    assert set(internal) == {"cirrus"}
    assert set(internal["cirrus"]) == {"nova-conductor", "nova-scheduler"}
    compute = info["nova"]["hosts"]["cirrus"]["nova-compute"]
    assert compute["available"] is True and compute["active"] is True
    assert TIME_RE.match(compute["updated_at"]), compute
    assert all(z["zoneState"] == {"available": True} for z in info.values())


def test_disabled_services_leave_the_zone(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "2"))
    r = admin.put("/os-services/disable", {"host": "cirrus-1", "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    info = {z["zoneName"]: z for z in zones(admin, True)["availabilityZoneInfo"]}
    # A disabled service is not listed, but the zone is still available.
    assert set(info["nova"]["hosts"]) == {"cirrus-2"}
    assert info["nova"]["zoneState"] == {"available": True}
    r = admin.put("/os-services/disable", {"host": "cirrus-2", "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    assert zones(demo) == {"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": False}, "hosts": None}]}
    info = zones(admin, True)["availabilityZoneInfo"]
    assert [(z["zoneName"], z["zoneState"]["available"]) for z in info] == \
        [("internal", True), ("nova", False)]
    assert info[1]["hosts"] is None
    # Creating a server in an unavailable zone is refused by the API.
    r = demo.post("/servers", {"server": {
        "name": "az", "availability_zone": "nova",
        "flavorRef": first_flavor(demo),
        "imageRef": demo.get("/image/v2/images").json()["images"][0]["id"]}})
    assert fault(r, 400) == "The requested availability zone is not available"


def test_forced_down_service_is_unavailable_but_active(spawn_cirrusd):
    admin, _ = clients(spawn_cirrusd())
    need(admin, "2.11")
    r = admin.put("/os-services/force-down",
                  {"host": "cirrus", "binary": "nova-compute", "forced_down": True}, mv="2.11")
    assert r.status_code == 200, r.text
    nova = next(z for z in zones(admin, True)["availabilityZoneInfo"] if z["zoneName"] == "nova")
    svc = nova["hosts"]["cirrus"]["nova-compute"]
    assert (svc["available"], svc["active"]) == (False, True)


def test_configured_zone(spawn_cirrusd, tmp_path):
    d = spawn_cirrusd("--config", conf_file(tmp_path, "[compute]\ndefault_availability_zone = az1\n"))
    admin, demo = clients(d)
    assert [z["zoneName"] for z in zones(demo)["availabilityZoneInfo"]] == ["az1"]
    svc = next(s for s in admin.get("/os-services").json()["services"]
               if s["binary"] == "nova-compute")
    assert svc["zone"] == "az1"
