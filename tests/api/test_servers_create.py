"""The servers write side against a real cirrusd: POST /servers (DIGEST e.1),
PUT /servers/{id} (e.2) and DELETE /servers/{id} (b.3).

Every documented error code (400, 403, 404, 409, 413, 415) with nova's
fault body and nothing left behind; the request samples of
nova-api-samples accepted at their microversions and the responses compared
with the response samples; multiple create, reservation ids, names and
hostnames; update bodies before and after 2.75; delete in any state.
Microversioned checks skip above what cirrus advertises.
"""
import base64
import copy
import json
import time
import uuid

import pytest
import requests

from conftest import assert_same_keys, first_flavor, sample

RUN = "sc" + uuid.uuid4().hex[:6]


# --- helpers ----------------------------------------------------------------

def max_mv(client):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    return tuple(int(x) for x in doc["version"].split("."))


def mv_tuple(mv):
    return tuple(int(x) for x in mv.split("."))


def need(client, mv):
    if max_mv(client) < mv_tuple(mv):
        pytest.skip(f"compute {mv} not advertised")


def fault_of(resp, status):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert len(body) == 1, body
    key, value = next(iter(body.items()))
    expected_key = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
                    409: "conflictingRequest", 413: "overLimit", 415: "badMediaType"}[status]
    assert key == expected_key, body
    assert value["code"] == status
    return value["message"]


def image_id(client):
    return client.get("/image/v2/images").json()["images"][0]["id"]


def flavor_id(client):
    return first_flavor(client)


def body(client, name, **fields):
    srv = {"name": f"{RUN}-{name}", "flavorRef": fields.pop("flavorRef", flavor_id(client)),
           "imageRef": fields.pop("imageRef", image_id(client))}
    srv.update(fields)
    return {"server": srv}


def mine(client):
    """This module's live servers, by name (any project for admins)."""
    r = client.get(f"/servers/detail?name=^{RUN}-")
    assert r.status_code == 200, r.text
    return {s["name"]: s for s in r.json()["servers"]}


def a_host(admin):
    """A compute host's name (os-hypervisors when it exists, else the
    default single host)."""
    r = admin.get("/os-hypervisors")
    if r.status_code == 200 and r.json().get("hypervisors"):
        return r.json()["hypervisors"][0]["hypervisor_hostname"]
    return "cirrus"


def wait_gone(client, sid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.get(f"/servers/{sid}").status_code == 404:
            return
        time.sleep(0.05)
    raise AssertionError(f"{sid} still there")


def wait_status(client, sid, status, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        assert r.status_code == 200, r.text
        last = r.json()["server"]
        if last["status"] == status:
            return last
        time.sleep(0.05)
    raise AssertionError(f"{sid} not {status}: {last}")


@pytest.fixture
def made(demo, admin):
    """Servers a test creates, deleted (and waited for) afterwards so the
    project quota is free for the next test."""
    created = []

    def add(client, sid):
        created.append((client, sid))
        return sid

    yield add
    for client, sid in created:
        client.delete(f"/servers/{sid}")
    for client, sid in created:
        wait_gone(client, sid)


def create(client, made, name, mv=None, wait=True, **fields):
    r = client.post("/servers", body(client, name, **fields), mv=mv)
    assert r.status_code == 202, r.text
    sid = made(client, r.json()["server"]["id"])
    if wait:
        wait_status(client, sid, "ACTIVE")
    return sid, r


def clear_data_keys(srv):
    srv = copy.deepcopy(srv)
    srv["metadata"] = {}
    if "addresses" in srv:
        srv["addresses"] = {}
    if isinstance(srv.get("image"), dict) and "properties" in srv["image"]:
        srv["image"]["properties"] = {}
    if "scheduler_hints" in srv:
        srv["scheduler_hints"] = {}
    if isinstance(srv.get("flavor"), dict) and "extra_specs" in srv["flavor"]:
        srv["flavor"]["extra_specs"] = {}
    srv.pop("fault", None)
    return srv


def same_shape(actual, path, key="server"):
    exp = sample(path)
    if exp is None:
        return
    assert_same_keys({key: clear_data_keys(actual[key])}, {key: clear_data_keys(exp[key])}, path)


# --- create: the response --------------------------------------------------

def test_create_response_matches_sample(demo, made):
    sid, r = create(demo, made, "basic", wait=False)
    srv = r.json()["server"]
    exp = sample("servers/server-create-resp.json")
    if exp:
        assert_same_keys(r.json(), exp)
    assert r.headers["Location"] == f"{demo.base}/v2.1/servers/{sid}"
    assert srv["links"] == [{"rel": "self", "href": f"{demo.base}/v2.1/servers/{sid}"},
                            {"rel": "bookmark", "href": f"{demo.base}/servers/{sid}"}]
    assert srv["security_groups"] == [{"name": "default"}]
    assert srv["OS-DCF:diskConfig"] == "MANUAL"
    assert len(srv["adminPass"]) == 12 and srv["adminPass"].isalnum()
    shown = wait_status(demo, sid, "ACTIVE")
    assert shown["name"] == f"{RUN}-basic"
    assert shown["image"]["id"] == image_id(demo)
    assert shown["flavor"]["id"] == flavor_id(demo)
    assert shown["tenant_id"] == demo.project_id and shown["user_id"] == demo.user_id
    assert shown["security_groups"] == [{"name": "default"}]
    assert shown["addresses"], shown


def test_create_while_building(demo, made):
    sid, r = create(demo, made, "building", wait=False)
    srv = demo.get(f"/servers/{sid}").json()["server"]
    assert srv["status"] in ("BUILD", "ACTIVE")
    if srv["status"] == "BUILD":
        assert srv["OS-EXT-STS:vm_state"] == "building"


def test_create_fields_are_kept(demo, admin, made):
    meta = {"role": "web", "My Server Name": "Apache1"}
    user_data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    groups = [{"name": "web"}, {"name": "web"}, {"name": "default"}]
    sid, r = create(demo, made, "Web_Server 01", metadata=meta, accessIPv4="1.2.3.4",
                    accessIPv6="80fe::", user_data=user_data, config_drive=True,
                    security_groups=groups, adminPass="s3cret", **{"OS-DCF:diskConfig": "AUTO"})
    srv = r.json()["server"]
    assert srv["adminPass"] == "s3cret"
    assert srv["security_groups"] == groups            # echoed as sent
    assert srv["OS-DCF:diskConfig"] == "AUTO"
    shown = demo.get(f"/servers/{sid}").json()["server"]
    assert shown["metadata"] == meta
    assert shown["accessIPv4"] == "1.2.3.4" and shown["accessIPv6"] == "80fe::"
    assert shown["config_drive"] == "True"
    assert shown["OS-DCF:diskConfig"] == "AUTO"
    assert sorted(g["name"] for g in shown["security_groups"]) == ["default", "web"]
    mv = "2.3" if max_mv(admin) >= (2, 3) else None
    adm = admin.get(f"/servers/{sid}", mv=mv).json()["server"]
    assert adm["OS-EXT-SRV-ATTR:host"]
    if mv:
        assert adm["OS-EXT-SRV-ATTR:user_data"] == user_data
        assert adm["OS-EXT-SRV-ATTR:hostname"] == f"{RUN}-web-server-01"
        assert adm["OS-EXT-SRV-ATTR:launch_index"] == 0
        assert adm["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
        assert len(adm["OS-EXT-SRV-ATTR:reservation_id"]) == 10


def test_create_with_keypair(demo, made):
    name = f"{RUN}-key"
    r = demo.post("/os-keypairs", {"keypair": {"name": name}})    # generated (< 2.92)
    assert r.status_code in (200, 201), r.text
    try:
        sid, _ = create(demo, made, "keyed", key_name=name)
        assert demo.get(f"/servers/{sid}").json()["server"]["key_name"] == name
        msg = fault_of(demo.post("/servers", body(demo, "badkey", key_name="nope")), 400)
        assert msg == "Invalid key_name provided."
    finally:
        demo.delete(f"/os-keypairs/{name}")


def test_create_flavor_href_and_int(demo, made):
    fid = flavor_id(demo)
    sid, _ = create(demo, made, "href", flavorRef=f"http://openstack.example.com/flavors/{fid}",
                    wait=False)
    assert demo.get(f"/servers/{sid}").json()["server"]["flavor"]["id"] == fid
    if fid.isdigit():
        sid, _ = create(demo, made, "int", flavorRef=int(fid), wait=False)
        assert demo.get(f"/servers/{sid}").json()["server"]["flavor"]["id"] == fid


def test_create_in_zone(demo, made):
    zones = demo.get("/os-availability-zone")
    zone = "nova"
    if zones.status_code == 200:
        zone = zones.json()["availabilityZoneInfo"][0]["zoneName"]
    sid, _ = create(demo, made, "zoned", availability_zone=zone)
    assert demo.get(f"/servers/{sid}").json()["server"]["OS-EXT-AZ:availability_zone"] == zone
    msg = fault_of(demo.post("/servers", body(demo, "nozone", availability_zone="mars")), 400)
    assert msg == "The requested availability zone is not available"


def test_create_without_password_option(spawn_cirrusd, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("[compute]\nenable_instance_password = false\n")
    d = spawn_cirrusd("--config", str(conf))
    from conftest import Client, token_for
    c = Client(d.url, *token_for(d.url, "demo", "demo", "demo"))
    r = c.post("/servers", body(c, "nopass"))
    assert r.status_code == 202, r.text
    assert "adminPass" not in r.json()["server"]


# --- create: multiple ------------------------------------------------------

def test_multiple_create(demo, admin, made):
    r = demo.post("/servers", body(demo, "multi", min_count="2", max_count="3"))
    assert r.status_code == 202, r.text
    exp = sample("os-multiple-create/multiple-create-no-resv-post-resp.json")
    if exp:
        assert_same_keys(r.json(), exp)
    servers = {n: s for n, s in mine(demo).items() if n.startswith(f"{RUN}-multi-")}
    for s in servers.values():
        made(demo, s["id"])
    assert sorted(servers) == [f"{RUN}-multi-1", f"{RUN}-multi-2", f"{RUN}-multi-3"]
    assert r.json()["server"]["id"] == servers[f"{RUN}-multi-1"]["id"]
    if max_mv(admin) >= (2, 3):
        views = [admin.get(f"/servers/{s['id']}", mv="2.3").json()["server"]
                 for s in servers.values()]
        assert len({v["OS-EXT-SRV-ATTR:reservation_id"] for v in views}) == 1
        assert sorted(v["OS-EXT-SRV-ATTR:launch_index"] for v in views) == [0, 1, 2]
        assert sorted(v["OS-EXT-SRV-ATTR:hostname"] for v in views) == [
            f"{RUN}-multi-1", f"{RUN}-multi-2", f"{RUN}-multi-3"]


def test_multiple_create_reservation_id(demo, made):
    r = demo.post("/servers", body(demo, "resv", min_count=2, max_count=2,
                                    return_reservation_id="True"))
    assert r.status_code == 202, r.text
    exp = sample("os-multiple-create/multiple-create-post-resp.json")
    if exp:
        assert_same_keys(r.json(), exp)
    resv = r.json()["reservation_id"]
    assert resv.startswith("r-") and len(resv) == 10
    assert "Location" not in r.headers
    listed = demo.get(f"/servers?reservation_id={resv}").json()["servers"]
    for s in listed:
        made(demo, s["id"])
    assert sorted(s["name"] for s in listed) == [f"{RUN}-resv-1", f"{RUN}-resv-2"]


def test_multiple_create_counts(demo):
    before = mine(demo)
    msg = fault_of(demo.post("/servers", body(demo, "mm", min_count=3, max_count=2)), 400)
    assert msg == "min_count must be <= max_count"
    msg = fault_of(demo.post("/servers", body(demo, "mm", min_count=0)), 400)
    assert "min_count" in msg
    msg = fault_of(demo.post("/servers", body(demo, "quota", min_count=500, max_count=500)), 403)
    assert msg.startswith("Quota exceeded for ")
    assert mine(demo).keys() == before.keys()


# --- create: errors, nothing written ---------------------------------------

@pytest.mark.parametrize("fields,fragment", [
    ({"name": ""}, "is too short"),
    ({"name": 5}, "is not of type 'string'"),
    ({"flavorRef": None}, "is not of type"),
    ({"imageRef": "not-a-uuid"}, "is not valid under any of the given schemas"),
    ({"accessIPv4": "1.2.3"}, "is not a 'ipv4'"),
    ({"OS-DCF:diskConfig": "BOTH"}, "is not one of ['AUTO', 'MANUAL']"),
    ({"metadata": {"a": 1}}, "is not of type 'string'"),
    ({"user_data": "not base64!"}, "is not a 'base64'"),
    ({"user_data": "QUFB" * 16384}, "is too long"),
    ({"config_drive": "maybe"}, "config_drive"),
    ({"security_groups": "default"}, "is not of type 'array'"),
    ({"bogus": 1}, "Additional properties are not allowed ('bogus' was unexpected)"),
    ({"networks": [{"port": "nope"}]}, "port"),
    ({"block_device_mapping_v2": [{"uuid": str(uuid.uuid4()), "source_type": "volume",
                                   "destination_type": "volume", "boot_index": 0}]},
     "no Block Storage service"),
    ({"block_device_mapping": [{"volume_id": str(uuid.uuid4())}]}, "no Block Storage service"),
])
def test_create_schema_errors(demo, fields, fragment):
    before = mine(demo)
    b = body(demo, "bad")
    b["server"].update(fields)
    msg = fault_of(demo.post("/servers", b), 400)
    assert fragment in msg, msg
    assert mine(demo).keys() == before.keys()


def test_create_root_errors(demo):
    assert fault_of(demo.post("/servers", {}), 400) == "'server' is a required property"
    b = body(demo, "x")
    b["extra"] = 1
    assert "('extra' was unexpected)" in fault_of(demo.post("/servers", b), 400)
    b = body(demo, "x")
    del b["server"]["name"]
    assert "'name' is a required property" in fault_of(demo.post("/servers", b), 400)
    b = body(demo, "x")
    del b["server"]["imageRef"]
    assert fault_of(demo.post("/servers", b), 400) == "Missing imageRef attribute"
    r = demo.request("POST", "/servers", data="{not json",
                     headers={"Content-Type": "application/json"})
    assert fault_of(r, 400) == "Malformed request body"


def test_create_lookup_errors(demo):
    before = mine(demo)
    msg = fault_of(demo.post("/servers", body(demo, "f", flavorRef="nope-flavor")), 400)
    assert msg == "Flavor nope-flavor could not be found."
    msg = fault_of(demo.post("/servers", body(demo, "i", imageRef=str(uuid.uuid4()))), 400)
    assert msg == "Can not find requested image"
    assert mine(demo).keys() == before.keys()


def _image(client, **fields):
    r = client.post("/image/v2/images", {"name": f"{RUN}-img", "disk_format": "raw",
                                         "container_format": "bare", **fields})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _upload(client, iid, data=b"x" * 1024):
    r = client.request("PUT", f"/image/v2/images/{iid}/file", data=data,
                       headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text


def test_create_image_checks(demo):
    before = mine(demo)
    queued = _image(demo)
    small_ram = _image(demo, min_ram=999999)
    big_disk = _image(demo, min_disk=999)
    try:
        msg = fault_of(demo.post("/servers", body(demo, "q", imageRef=queued)), 400)
        assert msg == f"Image {queued} is not active."
        _upload(demo, small_ram)
        msg = fault_of(demo.post("/servers", body(demo, "r", imageRef=small_ram)), 400)
        assert msg == "Flavor's memory is too small for requested image."
        _upload(demo, big_disk)
        msg = fault_of(demo.post("/servers", body(demo, "d", imageRef=big_disk)), 400)
        assert msg.startswith("Flavor's disk is smaller than the minimum size specified in "
                              "image metadata.")
    finally:
        for iid in (queued, small_ram, big_disk):
            demo.delete(f"/image/v2/images/{iid}")
    assert mine(demo).keys() == before.keys()


def test_create_quota_errors(demo):
    before = mine(demo)
    meta = {f"k{i}": "v" for i in range(129)}
    msg = fault_of(demo.post("/servers", body(demo, "meta", metadata=meta)), 403)
    assert "metadata" in msg
    files = [{"path": f"/etc/f{i}", "contents": "YQ=="} for i in range(6)]
    msg = fault_of(demo.post("/servers", body(demo, "pers", personality=files)), 403)
    assert msg == "Personality file limit exceeded"
    assert mine(demo).keys() == before.keys()


def test_create_forced_host_is_admin_only(demo, admin, made):
    host = a_host(admin)
    msg = fault_of(demo.post("/servers", body(demo, "forced", availability_zone=f"nova:{host}")),
                   403)
    assert msg == ("Policy doesn't allow os_compute_api:servers:create:forced_host to be "
                   "performed.")
    sid, _ = create(admin, made, "forced", availability_zone=f"nova:{host}")
    adm = admin.get(f"/servers/{sid}").json()["server"]
    assert adm["OS-EXT-SRV-ATTR:host"] == host
    assert adm["OS-EXT-AZ:availability_zone"] == "nova"
    msg = fault_of(admin.post("/servers", body(admin, "x", availability_zone="a:b:c:d")), 400)
    assert msg == "Invalid input received: Unable to parse availability_zone"


def test_create_requested_host(demo, admin, made):
    need(admin, "2.74")
    host = a_host(admin)
    msg = fault_of(demo.post("/servers", body(demo, "rh", host=host, networks="auto"),
                             mv="2.74"), 403)
    assert "requested_destination" in msg
    msg = fault_of(admin.post("/servers", body(admin, "rh", host="no-such-host",
                                                networks="auto"), mv="2.74"), 400)
    assert msg == "Compute host no-such-host could not be found."
    msg = fault_of(admin.post("/servers", body(admin, "rh", host=host, networks="auto",
                                                availability_zone=f"nova:{host}"), mv="2.74"), 400)
    assert "mutually exclusive" in msg
    sid, _ = create(admin, made, "rh", mv="2.74", host=host, hypervisor_hostname=host,
                    networks="auto")
    assert admin.get(f"/servers/{sid}").json()["server"]["OS-EXT-SRV-ATTR:host"] == host


def test_create_networks(demo, made):
    need(demo, "2.37")
    msg = fault_of(demo.post("/servers", body(demo, "nonet"), mv="2.37"), 400)
    assert "'networks' is a required property" in msg
    sid, _ = create(demo, made, "none", mv="2.37", networks="none")
    assert demo.get(f"/servers/{sid}").json()["server"]["addresses"] == {}
    msg = fault_of(demo.post("/servers", body(demo, "port", networks=[
        {"port": str(uuid.uuid4())}]), mv="2.37"), 400)
    assert "could not be found" in msg
    msg = fault_of(demo.post("/servers", body(demo, "net", networks=[
        {"uuid": str(uuid.uuid4())}]), mv="2.37"), 400)
    assert "could not be found" in msg


def test_create_local_image_bdm(demo, made):
    img = image_id(demo)
    b = body(demo, "bdm")
    del b["server"]["imageRef"]
    b["server"]["block_device_mapping_v2"] = [{"uuid": img, "source_type": "image",
                                               "destination_type": "local", "boot_index": 0}]
    r = demo.post("/servers", b)
    assert r.status_code == 202, r.text
    sid = made(demo, r.json()["server"]["id"])
    assert wait_status(demo, sid, "ACTIVE")["image"]["id"] == img


def test_create_microversioned_fields(demo, admin, made):
    need(demo, "2.19")
    sid, _ = create(demo, made, "old")
    # before 2.19 nova stores the name as the description
    assert demo.get(f"/servers/{sid}", mv="2.19").json()["server"]["description"] == \
        f"{RUN}-old"
    sid, _ = create(demo, made, "desc", mv="2.19", description="hello")
    assert demo.get(f"/servers/{sid}", mv="2.19").json()["server"]["description"] == "hello"
    if max_mv(demo) >= (2, 52):
        sid, _ = create(demo, made, "tagged", mv="2.52", networks="auto", tags=["b", "a"])
        assert demo.get(f"/servers/{sid}/tags", mv="2.52").json()["tags"] == ["a", "b"]
        msg = fault_of(demo.post("/servers", body(demo, "t", networks="auto",
                                                  tags=[str(i) for i in range(51)]),
                                 mv="2.52"), 400)
        assert "is too long" in msg
    if max_mv(demo) >= (2, 57):
        msg = fault_of(demo.post("/servers", body(demo, "p", networks="auto", personality=[]),
                                 mv="2.57"), 400)
        assert "('personality' was unexpected)" in msg
    if max_mv(demo) >= (2, 63):
        create(demo, made, "certs", mv="2.63", networks="auto",
               trusted_image_certificates=["0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8"], wait=False)


def test_create_hostname(demo, made):
    need(demo, "2.90")
    sid, _ = create(demo, made, "hn", mv="2.90", networks="auto", hostname="custom-hostname")
    srv = demo.get(f"/servers/{sid}", mv="2.90").json()["server"]
    assert srv["OS-EXT-SRV-ATTR:hostname"] == "custom-hostname"
    msg = fault_of(demo.post("/servers", body(demo, "hn2", networks="auto", hostname="a.b.c"),
                             mv="2.90"), 400)
    assert "hostname" in msg
    msg = fault_of(demo.post("/servers", body(demo, "hn3", networks="auto", hostname="hh",
                                              max_count=2), mv="2.90"), 400)
    assert msg == "Unable to allocate a single hostname to multiple instances"
    if max_mv(demo) >= (2, 94):
        sid, _ = create(demo, made, "fqdn", mv="2.94", networks="auto",
                        hostname="custom.example.com", wait=False)
        srv = demo.get(f"/servers/{sid}", mv="2.94").json()["server"]
        assert srv["OS-EXT-SRV-ATTR:hostname"] == "custom.example.com"


# --- create: nova-api-samples requests at their microversions ---------------

CREATE_SAMPLES = [
    ("servers/server-create-req.json", "2.1", "servers/server-create-resp.json"),
    ("servers/server-create-req-v237.json", "2.37", "servers/v2.37/server-create-resp.json"),
    ("servers/server-create-req-v257.json", "2.57", "servers/v2.57/server-create-resp.json"),
    ("servers/v2.19/server-create-req.json", "2.19", "servers/v2.19/server-create-resp.json"),
    ("servers/v2.37/server-create-req.json", "2.37", "servers/v2.37/server-create-resp.json"),
    ("servers/v2.47/server-create-req.json", "2.47", "servers/v2.47/server-create-resp.json"),
    ("servers/v2.52/server-create-req.json", "2.52", "servers/v2.52/server-create-resp.json"),
    ("servers/v2.57/server-create-req.json", "2.57", "servers/v2.57/server-create-resp.json"),
    ("servers/v2.63/server-create-req.json", "2.63", "servers/v2.63/server-create-resp.json"),
    ("servers/v2.66/server-create-req.json", "2.66", "servers/v2.66/server-create-resp.json"),
    ("servers/v2.69/server-create-req.json", "2.69", "servers/v2.69/server-create-resp.json"),
    ("servers/v2.71/server-create-req.json", "2.71", "servers/v2.71/server-create-resp.json"),
    ("servers/v2.73/server-create-req.json", "2.73", "servers/v2.73/server-create-resp.json"),
    ("servers/v2.74/server-create-req-with-host-and-node.json", "2.74",
     "servers/v2.74/server-create-resp.json"),
    ("servers/v2.74/server-create-req-with-only-host.json", "2.74",
     "servers/v2.74/server-create-resp.json"),
    ("servers/v2.74/server-create-req-with-only-node.json", "2.74",
     "servers/v2.74/server-create-resp.json"),
    ("servers/v2.100/server-create-req.json", "2.100", "servers/v2.100/server-create-resp.json"),
    ("os-multiple-create/multiple-create-no-resv-post-req.json", "2.1",
     "os-multiple-create/multiple-create-no-resv-post-resp.json"),
]


def _localize(req, admin, client):
    """Points a sample body at this cloud: its image, flavor, zone and host;
    a scheduler hint naming a server that does not exist is dropped."""
    srv = req["server"]
    if "imageRef" in srv:
        srv["imageRef"] = image_id(client)
    srv["flavorRef"] = flavor_id(client)
    if "availability_zone" in srv:
        srv["availability_zone"] = "nova"
    host = None
    for key in ("host", "hypervisor_hostname"):
        if key in srv:
            host = host or a_host(admin)
            srv[key] = host
    for hints in ("os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"):
        req.pop(hints, None)
    return req


@pytest.mark.parametrize("req_path,mv,resp_path", CREATE_SAMPLES)
def test_create_request_samples(admin, made, req_path, mv, resp_path):
    need(admin, mv)
    req = sample(req_path)
    if req is None:
        pytest.skip("no nova-api-samples")
    r = admin.post("/servers", _localize(req, admin, admin), mv=mv)
    assert r.status_code == 202, r.text
    resp = sample(resp_path)
    assert_same_keys(r.json(), resp, resp_path)
    sid = made(admin, r.json()["server"]["id"])
    srv = r.json()["server"]
    assert srv["OS-DCF:diskConfig"] == req["server"].get("OS-DCF:diskConfig", "MANUAL")
    for s in admin.get(f"/servers/detail?all_tenants=1&name=^{req['server']['name']}-").json()[
            "servers"]:
        if s["id"] != sid and s["tenant_id"] == admin.project_id:
            made(admin, s["id"])


def test_boot_from_volume_samples_are_refused(admin):
    for path, mv in (("servers/v2.32/server-create-req.json", "2.32"),
                     ("servers/v2.42/server-create-req.json", "2.42"),
                     ("servers/v2.67/server-create-req.json", "2.67")):
        if max_mv(admin) < mv_tuple(mv):
            continue
        req = sample(path)
        if req is None:
            pytest.skip("no nova-api-samples")
        msg = fault_of(admin.post("/servers", _localize(req, admin, admin), mv=mv), 400)
        assert "no Block Storage service" in msg


# --- HTTP-level errors ---------------------------------------------------------

def test_create_body_too_large(demo):
    b = body(demo, "huge")
    b["server"]["metadata"] = {f"k{i}": "v" * 250 for i in range(500)}
    assert len(json.dumps(b)) > 112 * 1024
    fault_of(demo.post("/servers", b), 413)


def test_create_wrong_content_type(demo):
    # nova takes text/plain as JSON (wsgi get_content_type); other types are 415
    r = demo.request("POST", "/servers", data=json.dumps(body(demo, "ct")),
                     headers={"Content-Type": "application/xml"})
    assert fault_of(r, 415) == "Unsupported Content-Type"


def test_create_needs_a_token(anon):
    assert anon.post("/servers", {"server": {}}).status_code == 401


# --- PUT /servers/{id} ---------------------------------------------------------

def test_update_matches_samples(demo, made):
    sid, _ = create(demo, made, "upd")
    req = sample("servers/server-update-req.json") or {"server": {"name": "x"}}
    req["server"]["name"] = f"{RUN}-renamed"
    r = demo.put(f"/servers/{sid}", req)
    assert r.status_code == 200, r.text
    same_shape(r.json(), "servers/server-update-resp.json")
    srv = r.json()["server"]
    assert srv["name"] == f"{RUN}-renamed"
    assert srv["accessIPv4"] == req["server"].get("accessIPv4", "")
    for addrs in srv["addresses"].values():
        for a in addrs:
            assert set(a) == {"version", "addr"}       # no OS-EXT-IPS before 2.75
    shown = demo.get(f"/servers/{sid}").json()["server"]
    assert shown["name"] == f"{RUN}-renamed"
    assert shown["OS-DCF:diskConfig"] == req["server"].get("OS-DCF:diskConfig", "MANUAL")
    assert demo.put(f"/servers/{sid}", {"server": {}}).status_code == 200


@pytest.mark.parametrize("mv,folder", [("2.19", "v2.19/server-put"), ("2.47", "v2.47/server-update"),
                                       ("2.63", "v2.63/server-update"),
                                       ("2.71", "v2.71/server-update"),
                                       ("2.73", "v2.73/server-update"),
                                       ("2.75", "v2.75/server-update"),
                                       ("2.90", "v2.90/server-update"),
                                       ("2.94", "v2.94/server-update"),
                                       ("2.96", "v2.96/server-update"),
                                       ("2.98", "v2.98/server-update"),
                                       ("2.100", "v2.100/server-update")])
def test_update_samples_by_microversion(demo, admin, made, mv, folder):
    need(demo, mv)
    # samples up to 2.75 show an admin's view, from 2.90 a member's
    client = admin if mv_tuple(mv) <= (2, 75) else demo
    sid, _ = create(client, made, f"u{mv}")
    req = sample(f"servers/{folder}-req.json")
    if req is None:
        pytest.skip("no nova-api-samples")
    r = client.put(f"/servers/{sid}", req, mv=mv)
    assert r.status_code == 200, r.text
    same_shape(r.json(), f"servers/{folder}-resp.json")
    srv = r.json()["server"]
    for k, v in req["server"].items():
        if k == "hostname":
            assert srv["OS-EXT-SRV-ATTR:hostname"] == v
        else:
            assert srv[k] == v, k


def test_update_errors(demo, admin, made):
    sid, _ = create(demo, made, "upderr")
    assert "'server' is a required property" in fault_of(demo.put(f"/servers/{sid}", {}), 400)
    msg = fault_of(demo.put(f"/servers/{sid}", {"server": {"imageRef": "x"}}), 400)
    assert "('imageRef' was unexpected)" in msg
    assert "is too short" in fault_of(demo.put(f"/servers/{sid}", {"server": {"name": ""}}), 400)
    msg = fault_of(demo.put(f"/servers/{sid}", {"server": {"description": "d"}}), 400)
    assert "('description' was unexpected)" in msg
    missing = str(uuid.uuid4())
    msg = fault_of(demo.put(f"/servers/{missing}", {"server": {"name": "n"}}), 404)
    assert msg == f"Instance {missing} could not be found."
    asid, _ = create(admin, made, "adm-upd", wait=False)
    fault_of(demo.put(f"/servers/{asid}", {"server": {"name": "mine"}}), 404)
    # nova takes text/plain as JSON (wsgi get_content_type); other types are 415
    r = demo.request("PUT", f"/servers/{sid}", data="{}",
                     headers={"Content-Type": "application/xml"})
    fault_of(r, 415)
    assert demo.get(f"/servers/{sid}").json()["server"]["name"] == f"{RUN}-upderr"


def test_update_description_and_hostname(demo, made):
    need(demo, "2.19")
    sid, _ = create(demo, made, "upd2")
    r = demo.put(f"/servers/{sid}", {"server": {"description": "new"}}, mv="2.19")
    assert r.status_code == 200 and r.json()["server"]["description"] == "new"
    r = demo.put(f"/servers/{sid}", {"server": {"description": None}}, mv="2.19")
    assert r.json()["server"]["description"] is None
    if max_mv(demo) >= (2, 90):
        r = demo.put(f"/servers/{sid}", {"server": {"hostname": "renamed-host"}}, mv="2.90")
        assert r.status_code == 200, r.text
        assert r.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "renamed-host"
        msg = fault_of(demo.put(f"/servers/{sid}", {"server": {"hostname": "a.b"}}, mv="2.90"),
                       400)
        assert "hostname" in msg


# --- DELETE /servers/{id} -----------------------------------------------------

def test_delete(demo, made):
    sid, _ = create(demo, made, "del")
    r = demo.delete(f"/servers/{sid}")
    assert r.status_code == 204 and r.content == b""
    # a second delete while the first runs is accepted too (nova's _delete)
    assert demo.delete(f"/servers/{sid}").status_code in (204, 404)
    wait_gone(demo, sid)
    msg = fault_of(demo.delete(f"/servers/{sid}"), 404)
    assert msg == f"Instance {sid} could not be found."


def test_delete_while_building(demo):
    r = demo.post("/servers", body(demo, "delbuild"))
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    assert demo.delete(f"/servers/{sid}").status_code == 204
    wait_gone(demo, sid)


def test_delete_in_error_state(demo, made):
    b = body(demo, "x")
    b["server"]["name"] = f"fail-spawn-{RUN}"     # the fake driver's failure hook
    r = demo.post("/servers", b)
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    wait_status(demo, sid, "ERROR")
    assert demo.delete(f"/servers/{sid}").status_code == 204
    # the failed build gave its host back: nova's _local_delete, at once
    assert demo.get(f"/servers/{sid}").status_code == 404


def test_delete_during_a_slow_build(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "1500")
    from conftest import Client, token_for
    c = Client(d.url, *token_for(d.url, "demo", "demo", "demo"))
    sid = c.post("/servers", body(c, "slow")).json()["server"]["id"]
    deadline = time.time() + 10
    while c.get(f"/servers/{sid}").json()["server"]["OS-EXT-STS:task_state"] != "spawning":
        assert time.time() < deadline
        time.sleep(0.05)
    # placed: the host's agent finishes the delete once its spawn is done
    assert c.delete(f"/servers/{sid}").status_code == 204
    srv = c.get(f"/servers/{sid}").json()["server"]
    assert srv["OS-EXT-STS:task_state"] == "deleting" and srv["status"] == "BUILD"
    assert c.delete(f"/servers/{sid}").status_code == 204      # accepted again
    wait_gone(c, sid)


def test_delete_other_project_is_404(demo, admin, made):
    sid, _ = create(admin, made, "admdel", wait=False)
    fault_of(demo.delete(f"/servers/{sid}"), 404)
    assert admin.get(f"/servers/{sid}").status_code == 200


def test_delete_locked(demo, admin, made):
    sid, _ = create(demo, made, "locked")
    r = demo.post(f"/servers/{sid}/action", {"lock": None})
    if r.status_code != 202:
        pytest.skip("lock action not available yet")
    msg = fault_of(demo.delete(f"/servers/{sid}"), 409)
    assert msg == f"Instance {sid} is locked"
    # update has no lock guard in nova
    assert demo.put(f"/servers/{sid}", {"server": {"name": f"{RUN}-still"}}).status_code == 200
    assert admin.delete(f"/servers/{sid}").status_code == 204
    wait_gone(demo, sid)


def test_delete_and_create_record_actions(demo, made):
    sid, r = create(demo, made, "acts")
    req_id = r.headers["x-openstack-request-id"]
    acts = demo.get(f"/servers/{sid}/os-instance-actions")
    if acts.status_code != 200:
        pytest.skip("os-instance-actions not available yet")
    found = {a["action"]: a for a in acts.json()["instanceActions"]}
    assert found["create"]["request_id"] == req_id
