"""The servers read side against a real cirrusd: GET /servers, /servers/detail,
/servers/{id}, /servers/{id}/ips[/label] (DIGEST (e.8), (f)).

Every filter, sort key path, pagination and error code; admin versus member
field visibility; body shapes compared with nova-api-samples/servers*/ at
each microversion folder cirrus advertises (skipped above its maximum).
Servers are made through POST /servers; names carry a per-run prefix so
servers of other test modules sharing the daemon never interfere.
"""
import copy
import datetime
import hashlib
import time
import uuid

import pytest
import requests

from conftest import assert_same_keys, first_flavor, sample

RUN = "sl" + uuid.uuid4().hex[:6]
MV_LATEST_SAMPLES = ["2.1", "2.3", "2.9", "2.16", "2.19", "2.47", "2.52", "2.63", "2.73",
                     "2.90", "2.94", "2.96", "2.98", "2.100"]


def max_mv(client):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    return tuple(int(x) for x in doc["version"].split("."))


def mv_tuple(mv):
    return tuple(int(x) for x in mv.split("."))


def need(client, mv):
    """Skips when cirrus does not advertise microversion mv yet."""
    if max_mv(client) < mv_tuple(mv):
        pytest.skip(f"compute {mv} not advertised")


def names(resp):
    assert resp.status_code == 200, resp.text
    return [s["name"] for s in resp.json()["servers"]]


def listed(client, query="", mv=None, detail=False):
    path = "/servers/detail" if detail else "/servers"
    sep = "&" if query else ""
    return client.get(f"{path}?name=^{RUN}-{sep}{query}", mv=mv)


def fault_of(resp, status):
    assert resp.status_code == status, resp.text
    return next(iter(resp.json().values()))["message"]


def wait_status(client, sid, status, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        if r.status_code == 200 and r.json()["server"]["status"] == status:
            return r.json()["server"]
        time.sleep(0.05)
    raise AssertionError(f"{sid} not {status}")


@pytest.fixture(scope="module")
def fleet(demo, admin):
    """demo: web-1 (metadata, tags red+blue), web-2 (tags red), db-1 (locked),
    err-1 (ERROR through the fake driver's fail-spawn name); admin: adm-1."""
    ids = {}
    top = ".".join(str(x) for x in max_mv(demo))
    ids["web-1"] = demo.create_server(f"{RUN}-web-1", metadata={"role": "web"})
    ids["web-2"] = demo.create_server(f"{RUN}-web-2")
    ids["db-1"] = demo.create_server(f"{RUN}-db-1")
    r = demo.post("/servers", {"server": {"name": f"fail-spawn-{RUN}", "flavorRef":
                                          _flavor(demo), "imageRef": _image(demo)}})
    assert r.status_code == 202, r.text
    ids["err-1"] = r.json()["server"]["id"]
    wait_status(demo, ids["err-1"], "ERROR")
    ids["adm-1"] = admin.create_server(f"{RUN}-adm-1")
    if mv_tuple(top) >= (2, 26):
        for name, tags in (("web-1", ["red", "blue"]), ("web-2", ["red"])):
            r = demo.put(f"/servers/{ids[name]}/tags", {"tags": tags}, mv="2.26")
            assert r.status_code == 200, r.text
    # the lock action belongs to the server actions module; without it the
    # locked filter and sort tests skip
    locked = demo.post(f"/servers/{ids['db-1']}/action", {"lock": None}).status_code == 202
    yield dict(ids, locked=locked)
    for sid in ids.values():
        admin.post(f"/servers/{sid}/action", {"unlock": None})
        admin.delete(f"/servers/{sid}")


def _flavor(client):
    return first_flavor(client)


def _image(client):
    return client.get("/image/v2/images").json()["images"][0]["id"]


# --- shapes against nova-api-samples ---------------------------------------

def clear_data_keys(body):
    """Keys that are data, not schema: metadata, addresses labels, image
    properties, scheduler hints, extra specs."""
    for s in body.get("servers", []) + ([body["server"]] if "server" in body else []):
        if not isinstance(s, dict):
            continue
        s["metadata"] = {}
        if "addresses" in s:
            s["addresses"] = {}
        if isinstance(s.get("image"), dict) and "properties" in s["image"]:
            s["image"]["properties"] = {}
        if "scheduler_hints" in s:
            s["scheduler_hints"] = {}
        if isinstance(s.get("flavor"), dict) and "extra_specs" in s["flavor"]:
            s["flavor"]["extra_specs"] = {}
        s.pop("fault", None)
    return body


def same_shape(actual, path):
    exp = sample(path)
    if exp is None:
        return
    exp = clear_data_keys(copy.deepcopy(exp))
    act = clear_data_keys(copy.deepcopy(actual))
    act.pop("servers_links", None)
    exp.pop("servers_links", None)
    if "servers" in act:
        act["servers"] = act["servers"][:1]
    assert_same_keys(act, exp, path)


def sample_dir(mv):
    return "servers" if mv == "2.1" else f"servers/v{mv}"


@pytest.mark.parametrize("mv", MV_LATEST_SAMPLES)
def test_show_and_detail_shapes(fleet, admin, demo, mv):
    need(demo, mv)
    # samples up to 2.73 show an admin's view, from 2.90 a member's
    client = admin if mv_tuple(mv) <= (2, 73) else demo
    sid = fleet["adm-1"] if client is admin else fleet["web-1"]
    r = client.get(f"/servers/{sid}", mv=mv)
    assert r.status_code == 200, r.text
    assert r.headers["OpenStack-API-Version"] == f"compute {mv}"
    same_shape(r.json(), f"{sample_dir(mv)}/server-get-resp.json")
    r = client.get(f"/servers/detail?uuid={sid}&name=^{RUN}-" if client is admin else
                   f"/servers/detail?name=^{RUN}-web-1", mv=mv)
    assert r.status_code == 200, r.text
    assert len(r.json()["servers"]) == 1
    same_shape(r.json(), f"{sample_dir(mv)}/servers-details-resp.json")


def test_list_shape(fleet, demo):
    r = listed(demo)
    assert r.status_code == 200, r.text
    same_shape(r.json(), "servers/servers-list-resp.json")
    for s in r.json()["servers"]:
        assert set(s) == {"id", "name", "links"}
        self_link, book = s["links"]
        assert self_link["rel"] == "self" and book["rel"] == "bookmark"
        assert self_link["href"] == f"{demo.base}/v2.1/servers/{s['id']}"
        assert book["href"] == f"{demo.base}/servers/{s['id']}"


def test_show_fields(fleet, demo, admin):
    srv = demo.get(f"/servers/{fleet['web-1']}").json()["server"]
    assert srv["status"] == "ACTIVE"
    assert srv["metadata"] == {"role": "web"}
    assert srv["tenant_id"] == demo.project_id
    assert srv["user_id"] == demo.user_id
    assert isinstance(srv["progress"], int)            # shown for ACTIVE
    assert srv["key_name"] is None
    assert srv["OS-EXT-STS:task_state"] is None
    assert srv["OS-EXT-STS:vm_state"] == "active"
    assert srv["OS-EXT-STS:power_state"] == 1
    assert srv["os-extended-volumes:volumes_attached"] == []
    assert srv["image"]["id"] == _image(demo)
    assert srv["image"]["links"] == [{"rel": "bookmark",
                                      "href": f"{demo.base}/images/{_image(demo)}"}]
    assert srv["flavor"]["links"][0]["href"].endswith(f"/flavors/{srv['flavor']['id']}")
    assert srv["created"].endswith("Z") and srv["updated"].endswith("Z")
    launched = srv["OS-SRV-USG:launched_at"]
    datetime.datetime.fromisoformat(launched)
    assert "Z" not in launched and srv["OS-SRV-USG:terminated_at"] is None
    assert not any(k.startswith("OS-EXT-SRV-ATTR:") for k in srv)   # admin-only
    host = admin.get(f"/servers/{fleet['web-1']}").json()["server"]["OS-EXT-SRV-ATTR:host"]
    expected = hashlib.sha224((demo.project_id + host).encode()).hexdigest()
    assert srv["hostId"] == expected


def test_show_admin_fields(fleet, admin):
    srv = admin.get(f"/servers/{fleet['web-1']}").json()["server"]
    assert srv["OS-EXT-SRV-ATTR:host"]
    assert srv["OS-EXT-SRV-ATTR:hypervisor_hostname"]
    assert srv["OS-EXT-SRV-ATTR:instance_name"].startswith("instance-")
    assert "OS-EXT-SRV-ATTR:reservation_id" not in srv      # 2.3+


def test_show_other_project_is_404(fleet, demo, admin):
    sid = fleet["adm-1"]
    assert fault_of(demo.get(f"/servers/{sid}"), 404) == f"Instance {sid} could not be found."
    assert admin.get(f"/servers/{fleet['web-1']}").status_code == 200
    missing = str(uuid.uuid4())
    assert fault_of(demo.get(f"/servers/{missing}"), 404) == \
        f"Instance {missing} could not be found."


def test_error_server_fault(fleet, demo, admin):
    srv = demo.get(f"/servers/{fleet['err-1']}").json()["server"]
    assert srv["status"] == "ERROR"
    assert srv["fault"]["code"] == 500
    assert set(srv["fault"]) <= {"code", "created", "message", "details"}
    assert "details" not in srv["fault"]          # 500 tracebacks stay with admins
    assert "progress" not in srv                  # not shown for ERROR
    detail = demo.get(f"/servers/detail?name=^fail-spawn-{RUN}").json()["servers"]
    assert [s["fault"]["code"] for s in detail] == [500]


# --- filters ---------------------------------------------------------------

def test_name_regex(fleet, demo):
    assert sorted(names(listed(demo))) == sorted(
        [f"{RUN}-web-1", f"{RUN}-web-2", f"{RUN}-db-1"])
    assert sorted(names(demo.get(f"/servers?name={RUN}-web"))) == [f"{RUN}-web-1",
                                                                   f"{RUN}-web-2"]
    assert names(demo.get(f"/servers?name={RUN}-w.b-\\d$&sort_key=display_name"
                          "&sort_dir=asc")) == [f"{RUN}-web-1", f"{RUN}-web-2"]
    msg = fault_of(demo.get("/servers?name=("), 400)
    assert "is not a 'regex'" in msg


def test_status_filter(fleet, demo, admin):
    assert sorted(names(listed(demo, "status=ACTIVE"))) == sorted(
        [f"{RUN}-web-1", f"{RUN}-web-2", f"{RUN}-db-1"])
    assert names(demo.get(f"/servers?name={RUN}&status=error")) == [f"fail-spawn-{RUN}"]
    both = names(demo.get(f"/servers?name={RUN}&status=ERROR&status=SHUTOFF"))
    assert both == [f"fail-spawn-{RUN}"]
    # an unknown status: empty before 2.38, 400 from 2.38
    r = demo.get("/servers?status=NOPE", mv="2.37" if max_mv(demo) >= (2, 37) else None)
    assert r.status_code == 200 and r.json() == {"servers": []}
    if max_mv(demo) >= (2, 38):
        assert fault_of(demo.get("/servers?status=NOPE", mv="2.38"), 400) == \
            "Invalid status value"
    assert fault_of(demo.get("/servers?status=deleted"), 403) == \
        "Only administrators may list deleted instances"
    assert admin.get("/servers?status=deleted").status_code == 200


def test_image_flavor_reservation_filters(fleet, demo, admin):
    ext = "2.3" if max_mv(admin) >= (2, 3) else None
    srv = admin.get(f"/servers/{fleet['web-1']}", mv=ext).json()["server"]
    image, flavor = srv["image"]["id"], srv["flavor"]["id"]
    assert len(names(listed(demo, f"image={image}"))) == 3
    assert names(listed(demo, f"image={uuid.uuid4()}")) == []
    assert len(names(listed(demo, f"flavor={flavor}"))) == 3
    assert names(listed(demo, "flavor=no-such-flavor")) == []     # not an error
    rid = srv.get("OS-EXT-SRV-ATTR:reservation_id")
    if rid:
        assert names(listed(demo, f"reservation_id={rid}")) == [f"{RUN}-web-1"]


def test_ip_filters(fleet, demo, admin):
    addrs = demo.get(f"/servers/{fleet['web-1']}/ips").json()["addresses"]
    flat = [a for lst in addrs.values() for a in lst]
    v4 = [a["addr"] for a in flat if a["version"] == 4]
    if not v4:
        pytest.skip("no addresses allocated")
    ip = v4[0]
    esc = ip.replace(".", "\\.")
    assert names(listed(demo, f"ip=^{esc}$")) == [f"{RUN}-web-1"]
    v6 = [a["addr"] for a in flat if a["version"] == 6]
    if v6 and max_mv(demo) >= (2, 5):
        assert names(listed(demo, f"ip6=^{v6[0]}$", mv="2.5")) == [f"{RUN}-web-1"]
        # ip6 is a 2.5 filter: dropped for members before
        assert len(names(listed(demo, f"ip6=^{v6[0]}$"))) == 3


def test_tag_filters(fleet, demo):
    need(demo, "2.26")
    mv = "2.26"
    assert names(listed(demo, "tags=red,blue", mv=mv)) == [f"{RUN}-web-1"]
    assert sorted(names(listed(demo, "tags-any=blue,red", mv=mv))) == [f"{RUN}-web-1",
                                                                        f"{RUN}-web-2"]
    assert sorted(names(listed(demo, "not-tags=red,blue", mv=mv))) == [f"{RUN}-db-1",
                                                                        f"{RUN}-web-2"]
    assert names(listed(demo, "not-tags-any=red", mv=mv)) == [f"{RUN}-db-1"]
    detail = listed(demo, "tags=blue", mv=mv, detail=True).json()["servers"]
    assert detail[0]["tags"] == ["blue", "red"]
    # before 2.26 the tag filters are not filters
    assert len(names(listed(demo, "tags=blue"))) == 3


def test_locked_filter(fleet, demo):
    need(demo, "2.73")
    if not fleet["locked"]:
        pytest.skip("no lock action yet")
    assert names(listed(demo, "locked=true", mv="2.73")) == [f"{RUN}-db-1"]
    assert sorted(names(listed(demo, "locked=0", mv="2.73"))) == [f"{RUN}-web-1",
                                                                   f"{RUN}-web-2"]
    assert "Unrecognized value 'maybe'" in fault_of(listed(demo, "locked=maybe", mv="2.73"),
                                                     400)
    srv = demo.get(f"/servers/{fleet['db-1']}", mv="2.73").json()["server"]
    assert srv["locked"] is True and srv["locked_reason"] is None


def test_changes_since_includes_deleted(demo):
    since = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1)
    sid = demo.create_server(f"{RUN}-gone")
    assert demo.delete(f"/servers/{sid}").status_code == 204
    demo.wait_server(sid, "DELETED")
    assert names(listed(demo)) .count(f"{RUN}-gone") == 0
    r = demo.get(f"/servers/detail?name={RUN}-gone&changes-since={since}")
    body = r.json()["servers"]
    assert [s["status"] for s in body] == ["DELETED"], r.text
    future = "2999-01-01T00:00:00Z"
    assert names(demo.get(f"/servers?name={RUN}-gone&changes-since={future}")) == []
    assert "is not a 'date-time'" in fault_of(demo.get("/servers?changes-since=yesterday"),
                                              400)
    if max_mv(demo) >= (2, 66):
        r = demo.get(f"/servers?name={RUN}-gone&changes-since={since}"
                     f"&changes-before={future}", mv="2.66")
        assert names(r) == [f"{RUN}-gone"]
        r = demo.get(f"/servers?changes-since={future}&changes-before={since}", mv="2.66")
        assert fault_of(r, 400) == ("The value of changes-since must be less than or equal "
                                    "to changes-before.")


def test_283_member_filters(fleet, demo):
    need(demo, "2.83")
    mv = "2.83"
    assert names(listed(demo, "vm_state=error", mv=mv)) == []
    assert len(names(listed(demo, "power_state=1", mv=mv))) == 3
    assert len(names(listed(demo, f"user_id={demo.user_id}", mv=mv))) == 3
    assert names(listed(demo, "user_id=nobody", mv=mv)) == []
    # the same parameters are ignored for members before 2.83
    assert len(names(listed(demo, "user_id=nobody", mv="2.82"))) == 3


def test_hostname_filter(fleet, demo):
    need(demo, "2.90")
    srv = demo.get(f"/servers/{fleet['web-2']}", mv="2.90").json()["server"]
    hn = srv["OS-EXT-SRV-ATTR:hostname"]
    assert f"{RUN}-web-2" in names(demo.get(f"/servers?hostname=^{hn}$", mv="2.90"))


def test_admin_only_filters(fleet, demo, admin):
    host = admin.get(f"/servers/{fleet['adm-1']}").json()["server"]["OS-EXT-SRV-ATTR:host"]
    assert f"{RUN}-adm-1" in names(admin.get(f"/servers?host={host}&name={RUN}"))
    assert names(admin.get(f"/servers?host=nowhere&name={RUN}")) == []
    assert names(admin.get(f"/servers?uuid={fleet['adm-1']}")) == [f"{RUN}-adm-1"]
    # members: silently dropped before 2.75 ...
    assert len(names(listed(demo, "host=nowhere"))) == 3
    # ... and 400 for unknown parameters from 2.75 (known ones still dropped)
    if max_mv(demo) >= (2, 75):
        assert len(names(listed(demo, "host=nowhere", mv="2.75"))) == 3
        msg = fault_of(listed(demo, "bogus=1", mv="2.75"), 400)
        assert msg == "Additional properties are not allowed ('bogus' was unexpected)"
    assert len(names(listed(demo, "bogus=1"))) == 3
    assert fault_of(admin.get("/servers?metadata=x"), 400) == "Invalid filter field: metadata."
    assert fault_of(admin.get("/servers?_secret=x"), 400) == "Invalid filter field: _secret."


def test_all_tenants(fleet, demo, admin):
    assert f"{RUN}-adm-1" not in names(listed(demo))
    msg = fault_of(listed(demo, "all_tenants=1"), 403)
    assert msg == "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be " \
                  "performed."
    assert fault_of(listed(demo, "all_tenants", detail=True), 403).startswith(
        "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants")
    assert len(names(listed(demo, "all_tenants=0"))) == 3
    assert "Unrecognized value" in fault_of(listed(demo, "all_tenants=perhaps"), 400)
    everyone = names(listed(admin, "all_tenants"))
    assert f"{RUN}-adm-1" in everyone and f"{RUN}-web-1" in everyone
    assert names(listed(admin)) == [f"{RUN}-adm-1"]                 # own project only
    only_demo = names(listed(admin, f"all_tenants=1&project_id={demo.project_id}"))
    assert sorted(only_demo) == sorted([f"{RUN}-web-1", f"{RUN}-web-2", f"{RUN}-db-1"])
    assert names(listed(admin, f"all_tenants=1&tenant_id={demo.project_id}")) == \
        names(listed(admin, f"all_tenants=1&project_id={demo.project_id}"))
    # tenant_id without all_tenants is ignored
    assert names(listed(admin, f"tenant_id={demo.project_id}")) == [f"{RUN}-adm-1"]


# --- sorting and pagination ------------------------------------------------

def test_default_sort_is_newest_first(fleet, demo):
    got = names(listed(demo))
    assert got == [f"{RUN}-db-1", f"{RUN}-web-2", f"{RUN}-web-1"]
    created = [s["created"] for s in listed(demo, detail=True).json()["servers"]]
    assert created == sorted(created, reverse=True)


def test_sort_keys(fleet, demo, admin):
    asc = names(listed(demo, "sort_key=display_name&sort_dir=asc"))
    assert asc == [f"{RUN}-db-1", f"{RUN}-web-1", f"{RUN}-web-2"]
    desc = names(listed(demo, "sort_key=display_name"))       # desc by default
    assert desc == list(reversed(asc))
    two = names(listed(demo, "sort_key=vm_state&sort_dir=asc&sort_key=display_name"
                             "&sort_dir=desc"))
    assert two == [f"{RUN}-web-2", f"{RUN}-web-1", f"{RUN}-db-1"]
    # legacy keys are dropped (with their direction) before 2.75
    assert names(listed(demo, "sort_key=vcpus&sort_dir=asc")) == \
        names(listed(demo))
    msg = fault_of(listed(demo, "sort_key=bogus"), 400)
    assert msg.startswith("Invalid input for query parameters sort_key.")
    assert fault_of(listed(demo, "sort_dir=sideways"), 400) == \
        "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'"
    assert fault_of(listed(demo, "sort_key=uuid&sort_dir=asc&sort_dir=desc"), 400) == \
        "Invalid input received: Sort direction size exceeds sort key size"
    assert fault_of(listed(demo, "sort_key=host"), 403) == \
        "Only administrators can sort servers by host"
    assert listed(admin, "sort_key=host&sort_key=node").status_code == 200
    if max_mv(demo) >= (2, 75):
        assert listed(demo, "sort_key=vcpus", mv="2.75").status_code == 400
    if max_mv(demo) >= (2, 73) and fleet["locked"]:
        locked_first = names(listed(demo, "sort_key=locked&sort_dir=desc", mv="2.73"))
        assert locked_first[0] == f"{RUN}-db-1"


def test_pagination(fleet, demo):
    everything = names(listed(demo))
    r = listed(demo, "limit=2")
    page = r.json()
    assert [s["name"] for s in page["servers"]] == everything[:2]
    link = page["servers_links"][0]
    assert link["rel"] == "next"
    assert f"marker={page['servers'][-1]['id']}" in link["href"]
    assert "limit=2" in link["href"] and link["href"].startswith(f"{demo.base}/v2.1/servers?")
    rest = demo.get(link["href"])
    assert names(rest) == everything[2:]
    assert "servers_links" not in rest.json()
    # detail pages link to /servers/detail
    d = listed(demo, "limit=1", detail=True).json()
    assert "/v2.1/servers/detail?" in d["servers_links"][0]["href"]
    # limit=0 means the maximum page, without a next link
    zero = listed(demo, "limit=0").json()
    assert len(zero["servers"]) == 3 and "servers_links" not in zero
    assert "is not an integer" in fault_of(listed(demo, "limit=-1"), 400)
    assert "is not an integer" in fault_of(listed(demo, "limit=x"), 400)
    bad = str(uuid.uuid4())
    assert fault_of(listed(demo, f"marker={bad}"), 400) == f"marker [{bad}] not found"
    # a marker with another sort order
    asc = names(listed(demo, "sort_key=display_name&sort_dir=asc"))
    first = listed(demo, "sort_key=display_name&sort_dir=asc&limit=1").json()["servers"][0]
    after = names(listed(demo, f"sort_key=display_name&sort_dir=asc&marker={first['id']}"))
    assert after == asc[1:]


# --- ips -------------------------------------------------------------------

def test_ips(fleet, demo):
    sid = fleet["web-1"]
    r = demo.get(f"/servers/{sid}/ips")
    assert r.status_code == 200, r.text
    body = r.json()
    exp = sample("server-ips/server-ips-resp.json")
    addresses = body["addresses"]
    for lst in addresses.values():
        for a in lst:
            assert set(a) == {"version", "addr"}
    if exp and addresses:
        label = next(iter(addresses))
        assert_same_keys({"addresses": {"private": addresses[label]}}, exp)
    detail = demo.get(f"/servers/{sid}").json()["server"]["addresses"]
    assert {k: [{"version": a["version"], "addr": a["addr"]} for a in v]
            for k, v in detail.items()} == addresses
    for label, lst in addresses.items():
        one = demo.get(f"/servers/{sid}/ips/{label}")
        assert one.status_code == 200 and one.json() == {label: lst}
    assert fault_of(demo.get(f"/servers/{sid}/ips/no-such-net"), 404) == \
        "Instance is not a member of specified network"
    other = str(uuid.uuid4())
    assert fault_of(demo.get(f"/servers/{other}/ips"), 404) == \
        f"Instance {other} could not be found."


def test_detail_matches_show(fleet, demo):
    """The list writer and the single-body writer agree field by field."""
    for mv in ("2.1", ".".join(str(x) for x in max_mv(demo))):
        listed_body = listed(demo, "sort_key=display_name", mv=mv, detail=True).json()
        for s in listed_body["servers"]:
            shown = demo.get(f"/servers/{s['id']}", mv=mv).json()["server"]
            shown.pop("server_groups", None)
            assert s == shown


def test_create_time_fields(demo):
    """2.63 trusted certificates, 2.96 pinned zone, 2.98 image properties at
    boot, 2.100 scheduler hints (each value a list, as RequestSpec keeps them)."""
    need(demo, "2.63")
    top = ".".join(str(x) for x in max_mv(demo))
    body = {"server": {"name": f"{RUN}-hinted", "flavorRef": _flavor(demo),
                       "imageRef": _image(demo), "networks": "auto",
                       "availability_zone": "nova", "trusted_image_certificates": ["cert-1"]},
            "os:scheduler_hints": {"same_host": "abc", "different_host": ["x", "y"]}}
    r = demo.post("/servers", body, mv=top)
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    try:
        srv = wait_status(demo, sid, "ACTIVE")
        srv = demo.get(f"/servers/{sid}", mv="2.63").json()["server"]
        assert srv["trusted_image_certificates"] == ["cert-1"]
        plain = demo.get(f"/servers/{sid}", mv="2.62").json()["server"]
        assert "trusted_image_certificates" not in plain
        if max_mv(demo) >= (2, 96):
            srv = demo.get(f"/servers/{sid}", mv="2.96").json()["server"]
            assert srv["pinned_availability_zone"] == "nova"
        if max_mv(demo) >= (2, 98):
            srv = demo.get(f"/servers/{sid}", mv="2.98").json()["server"]
            assert isinstance(srv["image"]["properties"], dict)
            assert "properties" not in demo.get(f"/servers/{sid}",
                                                mv="2.97").json()["server"]["image"]
        if max_mv(demo) >= (2, 100):
            srv = demo.get(f"/servers/{sid}", mv="2.100").json()["server"]
            assert srv["scheduler_hints"] == {"same_host": ["abc"], "different_host": ["x", "y"]}
            detail = listed(demo, "name=hinted", mv="2.100", detail=True).json()["servers"]
            assert detail[0]["scheduler_hints"] == srv["scheduler_hints"]
    finally:
        demo.delete(f"/servers/{sid}")
