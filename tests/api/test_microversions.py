"""The microversion audit (docs/MICROVERSIONS.md): for every change in
rest_api_version_history.rst that concerns an API cirrus serves, a test that
asks for the version just below and the version itself and checks that the
change appears exactly there (fields added/removed in views, query
parameters, request-body validation, status codes). A regression at either
side of the boundary fails the test. Tests for a version above the
advertised maximum skip (they run as soon as COMPUTE_MV_MAX reaches them).
Also here: which answers carry the microversion headers (only those Nova's
controllers produce) and the WWW-Authenticate header of every 401.
"""
import base64
import datetime
import uuid

import pytest
import requests

from conftest import first_flavor, first_image

RUN = uuid.uuid4().hex[:6]


def mv_tuple(text):
    major, minor = text.split(".")
    return int(major), int(minor)


def advertised(base):
    r = requests.get(base + "/v2.1/", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["version"]


def need(client, mv):
    """Skips while cirrus does not advertise microversion mv."""
    top = advertised(client.base)["version"]
    if mv_tuple(top) < mv_tuple(mv):
        pytest.skip(f"compute {mv} not advertised (max {top})")


def below(mv):
    major, minor = mv_tuple(mv)
    return f"{major}.{minor - 1}"


def fault(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert len(body) == 1, body
    return next(iter(body.values()))["message"]


def server_body(client, name, **fields):
    body = {"name": name, "flavorRef": first_flavor(client), "imageRef": first_image(client)}
    body.update(fields)
    return {"server": body}


def boot(client, name, mv=None, wait=True, **fields):
    """Creates a server (networks "auto" from 2.37, where Nova requires it)."""
    if mv and mv_tuple(mv) >= (2, 37):
        fields.setdefault("networks", "auto")
    r = client.post("/servers", server_body(client, name, **fields), mv=mv)
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    if wait:
        client.wait_server(sid, "ACTIVE")
    return sid


@pytest.fixture
def made(admin):
    """Servers to delete after the test: made(client, server_id)."""
    todo = []

    def add(client, sid):
        todo.append((client, sid))
        return sid
    yield add
    for client, sid in todo:
        client.delete(f"/servers/{sid}")
    for client, sid in todo:
        client.wait_server(sid, "DELETED")


@pytest.fixture(scope="module")
def srv(demo):
    """One ACTIVE demo server the read-only view tests share."""
    sid = boot(demo, f"mv-{RUN}", metadata={"k": "v"})
    yield sid
    demo.delete(f"/servers/{sid}")


def show(client, sid, mv):
    r = client.get(f"/servers/{sid}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["server"]


def detail_of(client, sid, mv, query=""):
    r = client.get(f"/servers/detail?{query}", mv=mv)
    assert r.status_code == 200, r.text
    found = [s for s in r.json()["servers"] if s["id"] == sid]
    assert len(found) == 1, r.json()
    return found[0]


def listed_ids(client, query, mv):
    r = client.get(f"/servers?{query}", mv=mv)
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["servers"]}


def update(client, sid, body, mv):
    r = client.put(f"/servers/{sid}", {"server": body}, mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["server"]


def assert_field_at(mv, fields, get):
    """fields are absent at the version below mv and present at mv."""
    old, new = get(below(mv)), get(mv)
    for f in fields:
        assert f not in old, (below(mv), f, sorted(old))
        assert f in new, (mv, f, sorted(new))
    return old, new


def kp_name(prefix="mvkp"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def flavor_of(admin, **over):
    body = {"flavor": {"name": f"mvf-{uuid.uuid4().hex[:8]}", "ram": 64, "vcpus": 1,
                       "disk": 1}}
    body["flavor"].update(over)
    r = admin.post("/flavors", body)
    assert r.status_code == 200, r.text
    return r.json()["flavor"]["id"]


# --- negotiation itself --------------------------------------------------------

def test_version_document_advertises_the_audited_maximum(cirrus):
    doc = advertised(cirrus)
    assert doc["min_version"] == "2.1"
    top = mv_tuple(doc["version"])
    assert (2, 1) <= top <= (2, 100)
    listed = {v["id"]: v for v in requests.get(cirrus + "/", timeout=10).json()["versions"]}
    assert listed["v2.1"]["version"] == doc["version"]


def test_2_27_both_header_forms(demo):
    need(demo, "2.27")
    for headers in ({"OpenStack-API-Version": "compute 2.27"},
                    {"X-OpenStack-Nova-API-Version": "2.27"}):
        r = demo.get("/flavors", headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["OpenStack-API-Version"] == "compute 2.27"
        assert r.headers["X-OpenStack-Nova-API-Version"] == "2.27"


def test_2_46_request_id_headers_at_every_version(demo):
    need(demo, "2.46")
    for mv in ("2.1", "2.45", "2.46"):
        r = demo.get("/flavors", mv=mv)
        assert r.status_code == 200
        assert r.headers["X-OpenStack-Request-ID"].startswith("req-")
        assert r.headers["X-Compute-Request-ID"] == r.headers["X-OpenStack-Request-ID"]


def version_headers(r):
    return {k: v for k, v in r.headers.items()
            if k.lower() in ("openstack-api-version", "x-openstack-nova-api-version")}


@pytest.mark.parametrize("headers,status", [
    ({"OpenStack-API-Version": "compute 2.x"}, 400),
    ({"X-OpenStack-Nova-API-Version": "02.1"}, 400),
    ({"OpenStack-API-Version": "compute 2.9999"}, 406),
    ({"X-OpenStack-Nova-API-Version": "3.0"}, 406),
    ({"OpenStack-API-Version": "compute 2.99999"}, 406),       # any length parses in Nova
    ({"X-OpenStack-Nova-API-Version": "2." + "9" * 40}, 406),
    ({"X-OpenStack-Nova-API-Version": "123456.1"}, 406),
])
def test_bad_version_answers_name_no_version(demo, headers, status):
    # nova wsgi.Resource returns these before dispatch, where the version
    # headers are added
    r = demo.get("/flavors", headers=headers)
    msg = fault(r, status)
    if status == 406:
        value = next(iter(headers.values())).replace("compute ", "")
        assert msg == (f"Version {value} is not supported by the API. Minimum is 2.1 and "
                       f"maximum is {advertised(demo.base)['version']}.")
    assert version_headers(r) == {}, r.headers
    assert "api-version" not in r.headers.get("Vary", "").lower()
    assert r.headers["X-Compute-Request-ID"] == r.headers["X-OpenStack-Request-ID"]


def test_compute_401_is_keystonemiddlewares(cirrus, anon):
    for r in (anon.get("/servers", mv="2.1"),
              requests.get(cirrus + "/v2.1/flavors", headers={"X-Auth-Token": "bogus"},
                           timeout=10)):
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == 401
        assert r.headers["WWW-Authenticate"] == f'Keystone uri="{cirrus}/identity"'
        assert version_headers(r) == {}, r.headers
        assert r.headers["X-Compute-Request-ID"].startswith("req-")


def test_identity_and_image_401_name_keystone(cirrus):
    expect = f'Keystone uri="{cirrus}/identity"'
    bad = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": "wrong"}}}}}
    for r in (requests.post(cirrus + "/identity/v3/auth/tokens", json=bad, timeout=10),
              requests.get(cirrus + "/identity/v3/projects", headers={"X-Auth-Token": "bogus"},
                           timeout=10),
              requests.get(cirrus + "/image/v2/images", timeout=10)):
        assert r.status_code == 401, (r.url, r.text)
        assert r.headers["WWW-Authenticate"] == expect, (r.url, r.headers)
    ok = requests.get(cirrus + "/identity/v3", timeout=10)
    assert "WWW-Authenticate" not in ok.headers


@pytest.mark.parametrize("body,msg", [
    ({"no-such-action": None}, "There is no such action: no-such-action"),
    ({"os-stop": None, "os-start": None}, "Malformed request body"),
    ({}, "Malformed request body"),
])
def test_action_lookup_faults_name_no_version(demo, srv, body, msg):
    # wsgi.Resource._get_method/action_peek fail before dispatch in Nova
    r = demo.post(f"/servers/{srv}/action", body, mv="2.1")
    assert fault(r, 400) == msg
    assert version_headers(r) == {}, r.headers


@pytest.mark.parametrize("body,msg", [
    ({"no-such-action": None}, "There is no such action: no-such-action"),
    ({"addTenantAccess": {"tenant": "x"}, "removeTenantAccess": {"tenant": "x"}},
     "Malformed request body"),
    ({}, "Malformed request body"),
])
def test_flavor_action_lookup_faults_name_no_version(admin, body, msg):
    r = admin.post(f"/flavors/{first_flavor(admin)}/action", body, mv="2.1")
    assert fault(r, 400) == msg
    assert version_headers(r) == {}, r.headers


def test_controller_faults_name_their_version(demo, srv):
    # a fault raised by the action itself went through dispatch
    r = demo.post(f"/servers/{srv}/action", {"reboot": {"type": "SIDEWAYS"}}, mv="2.1")
    fault(r, 400)
    assert r.headers["OpenStack-API-Version"] == "compute 2.1"
    r = demo.get("/servers/00000000-0000-0000-0000-000000000000", mv="2.1")
    fault(r, 404)
    assert r.headers["X-OpenStack-Nova-API-Version"] == "2.1"


def test_route_outside_its_versions_is_a_versioned_404(demo, anon):
    # Nova routes it to the controller, whose versioned method answers 404
    # (after keystonemiddleware has checked the token)
    need(demo, "2.26")
    r = demo.get("/servers/00000000-0000-0000-0000-000000000000/tags", mv="2.25")
    fault(r, 404)
    assert r.headers["OpenStack-API-Version"] == "compute 2.25"
    assert anon.get("/servers/00000000-0000-0000-0000-000000000000/tags",
                    mv="2.25").status_code == 401


# --- os-keypairs -----------------------------------------------------------------

PUB = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44"
       "bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpw"
       "FOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova")


def test_2_2_keypair_type_and_status_codes(demo):
    need(demo, "2.2")
    old = kp_name()
    r = demo.post("/os-keypairs", {"keypair": {"name": old, "public_key": PUB}}, mv="2.1")
    assert r.status_code == 200, r.text
    assert "type" not in r.json()["keypair"]
    assert "type" not in demo.get(f"/os-keypairs/{old}", mv="2.1").json()["keypair"]
    assert "type" in demo.get(f"/os-keypairs/{old}", mv="2.2").json()["keypair"]
    msg = fault(demo.post("/os-keypairs", {"keypair": {"name": kp_name(), "public_key": PUB,
                                                       "type": "ssh"}}, mv="2.1"), 400)
    assert "'type' was unexpected" in msg
    assert demo.delete(f"/os-keypairs/{old}", mv="2.1").status_code == 202

    new = kp_name()
    r = demo.post("/os-keypairs", {"keypair": {"name": new, "public_key": PUB, "type": "ssh"}},
                  mv="2.2")
    assert r.status_code == 201, r.text
    assert r.json()["keypair"]["type"] == "ssh"
    listed = demo.get("/os-keypairs", mv="2.2").json()["keypairs"]
    assert [k["keypair"]["type"] for k in listed if k["keypair"]["name"] == new] == ["ssh"]
    # the type is validated (x509 needs a certificate, not an ssh key)
    fault(demo.post("/os-keypairs", {"keypair": {"name": kp_name(), "public_key": PUB,
                                                 "type": "rsa"}}, mv="2.2"), 400)
    fault(demo.post("/os-keypairs", {"keypair": {"name": kp_name(), "public_key": PUB,
                                                 "type": "x509"}}, mv="2.2"), 400)
    assert all("type" not in k["keypair"] for k in demo.get("/os-keypairs", mv="2.1").json()[
        "keypairs"])
    assert demo.delete(f"/os-keypairs/{new}", mv="2.2").status_code == 204
    dflt = kp_name()
    r = demo.post("/os-keypairs", {"keypair": {"name": dflt, "public_key": PUB}}, mv="2.2")
    assert r.status_code == 201 and r.json()["keypair"]["type"] == "ssh", r.text
    assert demo.delete(f"/os-keypairs/{dflt}", mv="2.2").status_code == 204


def test_2_10_keypair_user_id(admin, demo):
    need(admin, "2.10")
    name = kp_name()
    body = {"keypair": {"name": name, "public_key": PUB, "user_id": demo.user_id}}
    assert "'user_id' was unexpected" in fault(admin.post("/os-keypairs", body, mv="2.9"), 400)
    r = admin.post("/os-keypairs", body, mv="2.10")
    assert r.status_code == 201, r.text
    assert r.json()["keypair"]["user_id"] == demo.user_id
    # the key is the demo user's, not the admin's
    assert demo.get(f"/os-keypairs/{name}", mv="2.10").status_code == 200
    assert admin.get(f"/os-keypairs/{name}", mv="2.10").status_code == 404
    # before 2.10 the user_id query parameter means nothing
    assert admin.get(f"/os-keypairs/{name}?user_id={demo.user_id}", mv="2.9").status_code == 404
    r = admin.get(f"/os-keypairs/{name}?user_id={demo.user_id}", mv="2.10")
    assert r.status_code == 200 and r.json()["keypair"]["user_id"] == demo.user_id, r.text
    names = [k["keypair"]["name"] for k in admin.get(
        f"/os-keypairs?user_id={demo.user_id}", mv="2.10").json()["keypairs"]]
    assert name in names
    names = [k["keypair"]["name"] for k in admin.get(
        f"/os-keypairs?user_id={demo.user_id}", mv="2.9").json()["keypairs"]]
    assert name not in names
    # a non-admin may not act on behalf of somebody else
    assert demo.get(f"/os-keypairs?user_id={admin.user_id}", mv="2.10").status_code == 403
    assert admin.delete(f"/os-keypairs/{name}?user_id={demo.user_id}",
                        mv="2.10").status_code == 204
    assert demo.get(f"/os-keypairs/{name}", mv="2.10").status_code == 404


def test_2_35_keypair_paging(demo):
    need(demo, "2.35")
    names = sorted(kp_name("mvpg") for _ in range(3))
    for n in names:
        assert demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": PUB}},
                         mv="2.35").status_code == 201
    try:
        every = [k["keypair"]["name"] for k in demo.get("/os-keypairs", mv="2.35").json()[
            "keypairs"]]
        assert every == sorted(every)              # sorted by name from 2.35
        r = demo.get("/os-keypairs?limit=1", mv="2.35")
        assert r.status_code == 200, r.text
        assert len(r.json()["keypairs"]) == 1
        assert r.json()["keypairs_links"][0]["rel"] == "next"
        page = demo.get(f"/os-keypairs?marker={names[0]}&limit=1", mv="2.35").json()
        assert [k["keypair"]["name"] for k in page["keypairs"]] == [names[1]]
        fault(demo.get("/os-keypairs?marker=nope-nope", mv="2.35"), 400)
        # 2.34: limit and marker are not parameters yet
        old = demo.get("/os-keypairs?limit=1&marker=nope-nope", mv="2.34")
        assert old.status_code == 200, old.text
        assert len(old.json()["keypairs"]) >= 3 and "keypairs_links" not in old.json()
    finally:
        for n in names:
            demo.delete(f"/os-keypairs/{n}", mv="2.35")


def test_2_92_keypair_generation_refused_and_new_characters(demo):
    need(demo, "2.92")
    r = demo.post("/os-keypairs", {"keypair": {"name": kp_name()}}, mv="2.91")
    assert r.status_code == 201 and "private_key" in r.json()["keypair"], r.text
    demo.delete(f"/os-keypairs/{r.json()['keypair']['name']}", mv="2.91")
    msg = fault(demo.post("/os-keypairs", {"keypair": {"name": kp_name()}}, mv="2.92"), 400)
    assert "'public_key' is a required property" in msg
    odd = f"me@host.{uuid.uuid4().hex[:6]}"
    fault(demo.post("/os-keypairs", {"keypair": {"name": odd, "public_key": PUB}}, mv="2.91"),
          400)
    r = demo.post("/os-keypairs", {"keypair": {"name": odd, "public_key": PUB}}, mv="2.92")
    assert r.status_code == 201, r.text
    assert demo.delete(f"/os-keypairs/{odd}", mv="2.92").status_code == 204


# --- flavors ---------------------------------------------------------------------

def test_2_7_public_flavor_access_is_a_conflict(admin, demo):
    need(admin, "2.7")
    fid = flavor_of(admin)
    try:
        body = {"addTenantAccess": {"tenant": demo.project_id}}
        assert admin.post(f"/flavors/{fid}/action", body, mv="2.6").status_code == 200
        msg = fault(admin.post(f"/flavors/{fid}/action", body, mv="2.7"), 409)
        assert msg == "Can not add access to a public flavor."
    finally:
        admin.delete(f"/flavors/{fid}")


def test_2_55_flavor_description(admin):
    need(admin, "2.55")
    fid = flavor_of(admin)
    try:
        for path in (f"/flavors/{fid}", "/flavors", "/flavors/detail"):
            def get(mv, path=path):
                body = admin.get(path, mv=mv).json()
                if "flavor" in body:
                    return body["flavor"]
                return [f for f in body["flavors"] if f["id"] == fid][0]
            assert_field_at("2.55", ["description"], get)
        # PUT /flavors/{id} exists from 2.55 only
        assert admin.put(f"/flavors/{fid}", {"flavor": {"description": "d"}},
                         mv="2.54").status_code == 404
        r = admin.put(f"/flavors/{fid}", {"flavor": {"description": "d"}}, mv="2.55")
        assert r.status_code == 200 and r.json()["flavor"]["description"] == "d", r.text
        msg = fault(admin.post("/flavors", {"flavor": {"name": "x", "ram": 1, "vcpus": 1,
                                                       "disk": 0, "description": "d"}},
                               mv="2.54"), 400)
        assert "'description' was unexpected" in msg
    finally:
        admin.delete(f"/flavors/{fid}")


def test_2_61_flavor_extra_specs_embedded(admin, demo):
    need(admin, "2.61")
    fid = flavor_of(admin)
    try:
        r = admin.post(f"/flavors/{fid}/os-extra_specs", {"extra_specs": {"hw:cpu_policy":
                                                                          "shared"}})
        assert r.status_code == 200, r.text
        _, new = assert_field_at("2.61", ["extra_specs"],
                                 lambda mv: demo.get(f"/flavors/{fid}", mv=mv).json()["flavor"])
        assert new["extra_specs"] == {"hw:cpu_policy": "shared"}
        det = [f for f in demo.get("/flavors/detail", mv="2.61").json()["flavors"]
               if f["id"] == fid][0]
        assert det["extra_specs"] == {"hw:cpu_policy": "shared"}
        # the summary list never carries it
        summary = [f for f in demo.get("/flavors", mv="2.61").json()["flavors"]
                   if f["id"] == fid][0]
        assert "extra_specs" not in summary
    finally:
        admin.delete(f"/flavors/{fid}")


def test_2_75_flavor_swap_is_an_integer(admin):
    need(admin, "2.75")
    fid = flavor_of(admin)
    try:
        assert admin.get(f"/flavors/{fid}", mv="2.74").json()["flavor"]["swap"] == ""
        assert admin.get(f"/flavors/{fid}", mv="2.75").json()["flavor"]["swap"] == 0
    finally:
        admin.delete(f"/flavors/{fid}")


def test_2_75_flavor_unknown_query_is_400(demo):
    need(demo, "2.75")
    assert demo.get("/flavors?bogus=1", mv="2.74").status_code == 200
    fault(demo.get("/flavors?bogus=1", mv="2.75"), 400)


def test_2_86_extra_spec_validation(admin):
    need(admin, "2.86")
    fid = flavor_of(admin)
    try:
        bad = {"extra_specs": {"hw:cpu_policy": "sometimes"}}
        r = admin.post(f"/flavors/{fid}/os-extra_specs", bad, mv="2.85")
        assert r.status_code == 200, r.text
        fault(admin.post(f"/flavors/{fid}/os-extra_specs", bad, mv="2.86"), 400)
        unknown = {"extra_specs": {"hw:no_such_thing": "1"}}
        fault(admin.post(f"/flavors/{fid}/os-extra_specs", unknown, mv="2.86"), 400)
        # namespaces Nova does not know stay free-form
        free = {"extra_specs": {"mycompany:thing": "x"}}
        assert admin.post(f"/flavors/{fid}/os-extra_specs", free, mv="2.86").status_code == 200
    finally:
        admin.delete(f"/flavors/{fid}")


# --- limits, images proxy ----------------------------------------------------------

def test_2_36_network_limits_and_images_proxy_removed(demo):
    need(demo, "2.36")
    net = {"maxSecurityGroups", "maxSecurityGroupRules", "maxTotalFloatingIps",
           "totalFloatingIpsUsed", "totalSecurityGroupsUsed"}
    old = demo.get("/limits", mv="2.35").json()["limits"]["absolute"]
    new = demo.get("/limits", mv="2.36").json()["limits"]["absolute"]
    assert net <= set(old), sorted(old)
    assert not net & set(new), sorted(new)
    # (the client would send a bare /images to the image API: spell the URL out)
    paths = [f"{demo.base}/v2.1/images{p}" for p in ("", "/detail", f"/{first_image(demo)}")]
    for path in paths:
        assert demo.get(path, mv="2.35").status_code == 200, path
        assert demo.get(path, mv="2.36").status_code == 404, path


def test_2_39_max_image_meta_removed(demo):
    need(demo, "2.39")
    assert "maxImageMeta" in demo.get("/limits", mv="2.38").json()["limits"]["absolute"]
    assert "maxImageMeta" not in demo.get("/limits", mv="2.39").json()["limits"]["absolute"]


def test_2_57_personality_limits_removed(demo):
    need(demo, "2.57")
    keys = {"maxPersonality", "maxPersonalitySize"}
    assert keys <= set(demo.get("/limits", mv="2.56").json()["limits"]["absolute"])
    assert not keys & set(demo.get("/limits", mv="2.57").json()["limits"]["absolute"])


def test_2_75_limits_unknown_query_is_400(demo):
    need(demo, "2.75")
    assert demo.get("/limits?bogus=1", mv="2.74").status_code == 200
    fault(demo.get("/limits?bogus=1", mv="2.75"), 400)


# --- server views ------------------------------------------------------------------

EXT_23 = ["OS-EXT-SRV-ATTR:reservation_id", "OS-EXT-SRV-ATTR:launch_index",
          "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:kernel_id",
          "OS-EXT-SRV-ATTR:hostname", "OS-EXT-SRV-ATTR:root_device_name",
          "OS-EXT-SRV-ATTR:user_data"]


def test_2_3_extended_server_attributes(admin, demo, srv):
    need(admin, "2.3")
    _, new = assert_field_at("2.3", EXT_23, lambda mv: show(admin, srv, mv))
    assert new["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert new["OS-EXT-SRV-ATTR:launch_index"] == 0
    # set at spawn from the driver (the fake driver names it as Nova's samples do)
    assert new["OS-EXT-SRV-ATTR:root_device_name"] == "/dev/sda"
    assert_field_at("2.3", EXT_23, lambda mv: detail_of(admin, srv, mv, "all_tenants=1"))
    # still admin-only (until 2.90 makes hostname public)
    assert not set(EXT_23) & set(show(demo, srv, "2.3"))


def test_2_9_locked(demo, srv):
    need(demo, "2.9")
    _, new = assert_field_at("2.9", ["locked"], lambda mv: show(demo, srv, mv))
    assert new["locked"] is False
    assert_field_at("2.9", ["locked"], lambda mv: detail_of(demo, srv, mv))
    assert_field_at("2.9", ["locked"], lambda mv: update(demo, srv, {}, mv))


def test_2_16_host_status(admin, demo, srv):
    need(admin, "2.16")
    _, new = assert_field_at("2.16", ["host_status"], lambda mv: show(admin, srv, mv))
    assert new["host_status"] == "UP"
    assert_field_at("2.16", ["host_status"], lambda mv: detail_of(admin, srv, mv, "all_tenants=1"))
    assert "host_status" not in show(demo, srv, "2.16")      # admin-only by policy


def test_2_18_project_id_is_optional(demo, srv):
    need(demo, "2.18")
    for mv in ("2.17", "2.18"):
        for path in (f"/servers/{srv}", f"{demo.base}/v2.1/{demo.project_id}/servers/{srv}"):
            assert demo.get(path, mv=mv).status_code == 200, (mv, path)


def test_2_19_description(demo, made):
    need(demo, "2.19")
    msg = fault(demo.post("/servers", server_body(demo, "d", description="x"), mv="2.18"), 400)
    assert "'description' was unexpected" in msg
    sid = made(demo, boot(demo, f"mv-desc-{RUN}", mv="2.19", description="first"))
    old, new = assert_field_at("2.19", ["description"], lambda mv: show(demo, sid, mv))
    assert new["description"] == "first"
    assert_field_at("2.19", ["description"], lambda mv: detail_of(demo, sid, mv))
    msg = fault(demo.put(f"/servers/{sid}", {"server": {"description": "y"}}, mv="2.18"), 400)
    assert "'description' was unexpected" in msg
    assert update(demo, sid, {"description": None}, "2.19")["description"] is None
    assert update(demo, sid, {"description": "again"}, "2.19")["description"] == "again"
    # before 2.19 Nova stores the name as the description
    plain = made(demo, boot(demo, f"mv-nodesc-{RUN}", mv="2.18"))
    assert show(demo, plain, "2.19")["description"] == f"mv-nodesc-{RUN}"


def test_2_26_tags(demo, made):
    need(demo, "2.26")
    sid = made(demo, boot(demo, f"mv-tags-{RUN}"))
    assert demo.get(f"/servers/{sid}/tags", mv="2.25").status_code == 404
    assert demo.put(f"/servers/{sid}/tags/red", mv="2.25").status_code == 404
    assert demo.put(f"/servers/{sid}/tags/red", mv="2.26").status_code == 201
    assert demo.get(f"/servers/{sid}/tags", mv="2.26").json() == {"tags": ["red"]}
    _, new = assert_field_at("2.26", ["tags"], lambda mv: show(demo, sid, mv))
    assert new["tags"] == ["red"]
    assert_field_at("2.26", ["tags"], lambda mv: detail_of(demo, sid, mv))
    # the tag filters exist from 2.26; before, they are ignored
    assert sid not in listed_ids(demo, "tags=blue", "2.26")
    assert sid in listed_ids(demo, "tags=red", "2.26")
    assert sid in listed_ids(demo, "not-tags=blue", "2.26")
    assert sid in listed_ids(demo, "tags=blue", "2.25")


def test_2_47_flavor_embedded(demo, srv):
    need(demo, "2.47")
    old, new = show(demo, srv, "2.46"), show(demo, srv, "2.47")
    assert set(old["flavor"]) == {"id", "links"}
    assert set(new["flavor"]) == {"vcpus", "ram", "disk", "ephemeral", "swap", "original_name",
                                  "extra_specs"}
    assert set(detail_of(demo, srv, "2.47")["flavor"]) == set(new["flavor"])
    assert set(update(demo, srv, {}, "2.47")["flavor"]) == set(new["flavor"])


def test_2_63_trusted_image_certificates(demo, made):
    need(demo, "2.63")
    certs = ["0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8", "674736e3-f25c-405c-8362-bbf991e0ce0a"]
    msg = fault(demo.post("/servers", server_body(demo, "c", trusted_image_certificates=certs,
                                                      networks="auto"),
                          mv="2.62"), 400)
    assert "'trusted_image_certificates' was unexpected" in msg
    sid = made(demo, boot(demo, f"mv-certs-{RUN}", mv="2.63", trusted_image_certificates=certs))
    _, new = assert_field_at("2.63", ["trusted_image_certificates"],
                             lambda mv: show(demo, sid, mv))
    assert new["trusted_image_certificates"] == certs
    assert_field_at("2.63", ["trusted_image_certificates"], lambda mv: detail_of(demo, sid, mv))
    assert_field_at("2.63", ["trusted_image_certificates"], lambda mv: update(demo, sid, {}, mv))


def test_2_69_full_bodies_without_down_cells(demo, srv):
    # 2.69 only matters when a cell is down; cirrus has one cell that is
    # always up, so every body stays complete.
    need(demo, "2.69")
    assert set(show(demo, srv, "2.68")) <= set(show(demo, srv, "2.69"))
    assert "status" in detail_of(demo, srv, "2.69")


def test_2_71_server_groups(demo, srv):
    need(demo, "2.71")
    _, new = assert_field_at("2.71", ["server_groups"], lambda mv: show(demo, srv, mv))
    assert new["server_groups"] == []
    assert_field_at("2.71", ["server_groups"], lambda mv: update(demo, srv, {}, mv))
    assert "server_groups" not in detail_of(demo, srv, "2.71")     # show/update only


def test_2_73_locked_reason_and_locked_filter(demo, srv):
    need(demo, "2.73")
    _, new = assert_field_at("2.73", ["locked_reason"], lambda mv: show(demo, srv, mv))
    assert new["locked_reason"] is None
    assert_field_at("2.73", ["locked_reason"], lambda mv: detail_of(demo, srv, mv))
    assert_field_at("2.73", ["locked_reason"], lambda mv: update(demo, srv, {}, mv))
    assert srv in listed_ids(demo, "locked=false", "2.73")
    assert srv not in listed_ids(demo, "locked=true", "2.73")
    assert srv in listed_ids(demo, "locked=true", "2.72")           # not a filter yet
    assert demo.get("/servers?sort_key=locked", mv="2.73").status_code == 200
    fault(demo.get("/servers?locked=maybe", mv="2.73"), 400)


def test_2_75_update_returns_the_full_server(demo, srv):
    need(demo, "2.75")
    full = set(show(demo, srv, "2.75"))
    old = set(update(demo, srv, {}, "2.74"))
    new = set(update(demo, srv, {}, "2.75"))
    assert new == full
    assert "OS-EXT-STS:vm_state" not in old and "OS-EXT-STS:vm_state" in new
    assert "OS-EXT-AZ:availability_zone" not in old


def test_2_75_server_list_unknown_query_is_400(demo, srv):
    need(demo, "2.75")
    assert srv in listed_ids(demo, "bogus=1", "2.74")
    fault(demo.get("/servers?bogus=1", mv="2.75"), 400)
    fault(demo.get("/servers/detail?bogus=1", mv="2.75"), 400)


def test_2_75_ignored_sort_keys_become_400(demo, srv):
    need(demo, "2.75")
    # keys Nova silently ignored before 2.75 (SERVER_LIST_IGNORE_SORT_KEY)
    assert srv in listed_ids(demo, "sort_key=vcpus", "2.74")
    fault(demo.get("/servers?sort_key=vcpus", mv="2.75"), 400)
    fault(demo.get("/servers?sort_key=nosuchkey", mv="2.74"), 400)


def test_2_75_addresses_carry_type_and_mac_in_update(demo, srv):
    need(demo, "2.75")
    for addrs in update(demo, srv, {}, "2.74")["addresses"].values():
        assert all(set(a) == {"version", "addr"} for a in addrs)
    for addrs in update(demo, srv, {}, "2.75")["addresses"].values():
        assert all("OS-EXT-IPS:type" in a and "OS-EXT-IPS-MAC:mac_addr" in a for a in addrs)


def test_2_90_hostname_public_and_settable(demo, made):
    need(demo, "2.90")
    msg = fault(demo.post("/servers", server_body(demo, "h", hostname="myhost", networks="auto"),
                          mv="2.89"), 400)
    assert "'hostname' was unexpected" in msg
    sid = made(demo, boot(demo, f"mv-host-{RUN}", mv="2.90", hostname="myhost"))
    _, new = assert_field_at("2.90", ["OS-EXT-SRV-ATTR:hostname"], lambda mv: show(demo, sid, mv))
    assert new["OS-EXT-SRV-ATTR:hostname"] == "myhost"
    assert_field_at("2.90", ["OS-EXT-SRV-ATTR:hostname"], lambda mv: detail_of(demo, sid, mv))
    msg = fault(demo.put(f"/servers/{sid}", {"server": {"hostname": "other"}}, mv="2.89"), 400)
    assert "'hostname' was unexpected" in msg
    assert update(demo, sid, {"hostname": "other"}, "2.90")["OS-EXT-SRV-ATTR:hostname"] == "other"
    # the hostname filter for everybody, from 2.90
    assert sid in listed_ids(demo, "hostname=other", "2.90")
    assert sid not in listed_ids(demo, "hostname=nomatch", "2.90")
    # 2.90-2.93: a hostname, not a domain name
    fault(demo.put(f"/servers/{sid}", {"server": {"hostname": "a.example.com"}}, mv="2.90"), 400)


def test_2_94_hostname_may_be_fqdn(demo, made):
    need(demo, "2.94")
    sid = made(demo, boot(demo, f"mv-fqdn-{RUN}", mv="2.94"))
    fault(demo.put(f"/servers/{sid}", {"server": {"hostname": "a.example.com"}}, mv="2.93"), 400)
    srv = update(demo, sid, {"hostname": "a.example.com"}, "2.94")
    assert srv["OS-EXT-SRV-ATTR:hostname"] == "a.example.com"
    fault(demo.post("/servers", server_body(demo, "f", hostname="b.example.com",
                                            networks="auto"), mv="2.93"), 400)


def test_2_96_pinned_availability_zone(demo, srv):
    need(demo, "2.96")
    _, new = assert_field_at("2.96", ["pinned_availability_zone"], lambda mv: show(demo, srv, mv))
    assert new["pinned_availability_zone"] is None
    assert_field_at("2.96", ["pinned_availability_zone"], lambda mv: detail_of(demo, srv, mv))
    assert_field_at("2.96", ["pinned_availability_zone"], lambda mv: update(demo, srv, {}, mv))


def test_2_98_image_properties(demo, srv):
    need(demo, "2.98")
    old, new = show(demo, srv, "2.97"), show(demo, srv, "2.98")
    assert set(old["image"]) == {"id", "links"}
    assert set(new["image"]) == {"id", "links", "properties"}
    assert isinstance(new["image"]["properties"], dict)
    assert "properties" in detail_of(demo, srv, "2.98")["image"]
    assert "properties" in update(demo, srv, {}, "2.98")["image"]


def test_2_100_scheduler_hints(demo, made):
    need(demo, "2.100")
    body = server_body(demo, f"mv-hints-{RUN}", networks="auto")
    body["os:scheduler_hints"] = {"foo": "bar"}
    r = demo.post("/servers", body, mv="2.100")
    assert r.status_code == 202, r.text
    sid = made(demo, r.json()["server"]["id"])
    demo.wait_server(sid, "ACTIVE")
    _, new = assert_field_at("2.100", ["scheduler_hints"], lambda mv: show(demo, sid, mv))
    assert new["scheduler_hints"] == {"foo": ["bar"]}     # Nova keeps every hint as a list
    assert_field_at("2.100", ["scheduler_hints"], lambda mv: detail_of(demo, sid, mv))
    assert_field_at("2.100", ["scheduler_hints"], lambda mv: update(demo, sid, {}, mv))


# --- server list filters -------------------------------------------------------------

def test_2_5_ip6_filter_for_everybody(demo, srv):
    need(demo, "2.5")
    assert srv in listed_ids(demo, "ip6=^fd00:dead::", "2.4")   # silently dropped for non-admins
    assert srv not in listed_ids(demo, "ip6=^fd00:dead::", "2.5")


def test_2_38_invalid_status_is_400(demo, srv):
    need(demo, "2.38")
    r = demo.get("/servers?status=nosuchstatus", mv="2.37")
    assert r.status_code == 200 and r.json()["servers"] == [], r.text
    assert "Invalid status value" in fault(demo.get("/servers?status=nosuchstatus",
                                                    mv="2.38"), 400)
    assert srv in listed_ids(demo, "status=active", "2.38")


def test_2_66_changes_before(demo, srv):
    need(demo, "2.66")
    past = "2000-01-01T00:00:00Z"
    assert srv in listed_ids(demo, f"changes-before={past}", "2.65")     # not a filter yet
    assert srv not in listed_ids(demo, f"changes-before={past}", "2.66")
    future = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert srv in listed_ids(demo, f"changes-before={future}", "2.66")
    fault(demo.get(f"/servers?changes-since={future}&changes-before={past}", mv="2.66"), 400)


def test_2_83_more_filters_for_everybody(demo, srv):
    need(demo, "2.83")
    for q in ("vm_state=stopped", "power_state=4", "key_name=nokey", "user_id=nobody",
              "availability_zone=elsewhere", "config_drive=true", "progress=50",
              "task_state=deleting", "created_at=2000-01-01T00:00:00Z"):
        assert srv in listed_ids(demo, q, "2.82"), q           # dropped for non-admins
        assert srv not in listed_ids(demo, q, "2.83"), q
    assert srv in listed_ids(demo, "vm_state=active", "2.83")
    assert srv in listed_ids(demo, f"user_id={demo.user_id}", "2.83")


# --- server create validation --------------------------------------------------------

NET = "e7b3ea5a-6a1c-4d8e-9d2a-9a9f0f1e0b7c"


def create_fault(client, mv, status=400, **fields):
    return fault(client.post("/servers", server_body(client, "v", **fields), mv=mv), status)


def test_2_32_2_37_2_42_network_tags(demo):
    # A network tag passes the schema in 2.32-2.36 and from 2.42; the unknown
    # network then fails later, with a different message than the schema's.
    need(demo, "2.42")
    nets = [{"uuid": NET, "tag": "nic1"}]
    assert "'tag' was unexpected" in create_fault(demo, "2.31", networks=nets)
    for mv in ("2.37", "2.41"):     # networks is oneOf(list, auto/none) from 2.37
        assert "is not valid under any of the given schemas" in create_fault(
            demo, mv, networks=nets), mv
    for mv in ("2.32", "2.36", "2.42"):
        msg = create_fault(demo, mv, networks=nets)
        assert "Invalid input" not in msg and "was unexpected" not in msg, (mv, msg)


def test_2_32_2_33_2_42_bdm_tags_and_2_67_volume_type(demo):
    need(demo, "2.67")
    bdm = {"boot_index": 0, "uuid": first_image(demo), "source_type": "image",
           "destination_type": "volume", "volume_size": 1}
    for mv, field, ok in (("2.31", "tag", False), ("2.32", "tag", True), ("2.33", "tag", False),
                          ("2.41", "tag", False), ("2.42", "tag", True),
                          ("2.66", "volume_type", False), ("2.67", "volume_type", True)):
        item = dict(bdm, **{field: "x"})
        extra = {"networks": "auto"} if mv_tuple(mv) >= (2, 37) else {}
        msg = create_fault(demo, mv, block_device_mapping_v2=[item], **extra)
        assert (f"'{field}' was unexpected" not in msg) == ok, (mv, field, msg)
        if ok:
            assert "no Block Storage service" in msg, msg


def test_2_37_networks_required_auto_none(demo, made):
    need(demo, "2.37")
    assert "'networks' is a required property" in create_fault(demo, "2.37")
    fault(demo.post("/servers", server_body(demo, "n", networks="auto"), mv="2.36"), 400)
    fault(demo.post("/servers", server_body(demo, "n", networks="none"), mv="2.36"), 400)
    # the uuid of a requested network is a UUID from 2.37
    assert "is not valid under any of the given schemas" in create_fault(
        demo, "2.37", networks=[{"uuid": "not-a-uuid"}])
    assert "Invalid input" not in create_fault(demo, "2.36", networks=[{"uuid": "not-a-uuid"}])
    sid = made(demo, boot(demo, f"mv-none-{RUN}", mv="2.37", networks="none"))
    assert show(demo, sid, "2.37")["addresses"] == {}
    sid = made(demo, boot(demo, f"mv-auto-{RUN}", mv="2.37", networks="auto"))
    assert show(demo, sid, "2.37")["addresses"] != {}


def test_2_52_tags_at_create(demo, made):
    need(demo, "2.52")
    assert "'tags' was unexpected" in create_fault(demo, "2.51", networks="auto", tags=["a"])
    sid = made(demo, boot(demo, f"mv-ctag-{RUN}", mv="2.52", tags=["a", "b"]))
    assert sorted(show(demo, sid, "2.52")["tags"]) == ["a", "b"]


def test_2_57_personality_removed(demo, made):
    need(demo, "2.57")
    files = [{"path": "/etc/motd", "contents": base64.b64encode(b"hi").decode()}]
    sid = made(demo, boot(demo, f"mv-pers-{RUN}", mv="2.56", networks="auto",
                          personality=files))
    assert show(demo, sid, "2.56")["id"] == sid
    assert "'personality' was unexpected" in create_fault(demo, "2.57", networks="auto",
                                                          personality=files)


def test_2_74_requested_host(admin, demo, made):
    need(admin, "2.74")
    host = show(admin, boot(admin, f"mv-h0-{RUN}"), "2.74")
    made(admin, host["id"])
    name = host["OS-EXT-SRV-ATTR:host"]
    assert "'host' was unexpected" in create_fault(admin, "2.73", networks="auto", host=name)
    fault(demo.post("/servers", server_body(demo, "h", networks="auto", host=name), mv="2.74"),
          403)
    fault(admin.post("/servers", server_body(admin, "h", networks="auto", host="nohost"),
                     mv="2.74"), 400)
    sid = made(admin, boot(admin, f"mv-h1-{RUN}", mv="2.74", host=name,
                           hypervisor_hostname=host["OS-EXT-SRV-ATTR:hypervisor_hostname"]))
    assert show(admin, sid, "2.74")["OS-EXT-SRV-ATTR:host"] == name


# --- os-instance-actions ---------------------------------------------------------------

def actions_of(client, sid, mv, query=""):
    r = client.get(f"/servers/{sid}/os-instance-actions{query}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["instanceActions"]


def action_detail(client, sid, mv, action="create"):
    req_id = [a for a in actions_of(client, sid, mv) if a["action"] == action][0]["request_id"]
    r = client.get(f"/servers/{sid}/os-instance-actions/{req_id}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["instanceAction"]


def test_2_21_actions_of_deleted_servers(demo):
    need(demo, "2.21")
    sid = boot(demo, f"mv-del-{RUN}")
    assert demo.delete(f"/servers/{sid}").status_code == 204
    demo.wait_server(sid, "DELETED")
    assert demo.get(f"/servers/{sid}/os-instance-actions", mv="2.20").status_code == 404
    names = {a["action"] for a in actions_of(demo, sid, "2.21")}
    assert names == {"create", "delete"}
    assert action_detail(demo, sid, "2.21", "delete")["action"] == "delete"


def test_2_51_events_for_owners(admin, demo, srv):
    need(demo, "2.51")
    assert "events" not in action_detail(demo, srv, "2.50")
    events = action_detail(demo, srv, "2.51")["events"]
    assert events and all("traceback" not in e for e in events)
    assert all("traceback" in e for e in action_detail(admin, srv, "2.51")["events"])


def test_2_58_action_paging_and_updated_at(demo, srv):
    need(demo, "2.58")
    assert_field_at("2.58", ["updated_at"], lambda mv: actions_of(demo, srv, mv)[0])
    assert len(actions_of(demo, srv, "2.57", "?limit=0&marker=nope")) >= 1    # ignored
    r = demo.get(f"/servers/{srv}/os-instance-actions?limit=1", mv="2.58")
    assert r.status_code == 200 and len(r.json()["instanceActions"]) == 1, r.text
    fault(demo.get(f"/servers/{srv}/os-instance-actions?marker=nope", mv="2.58"), 400)
    future = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert actions_of(demo, srv, "2.58", f"?changes-since={future}") == []
    assert actions_of(demo, srv, "2.57", f"?changes-since={future}") != []


def test_2_62_event_host_and_host_id(admin, demo, srv):
    need(demo, "2.62")
    for e in action_detail(admin, srv, "2.61")["events"]:
        assert "host" not in e and "hostId" not in e
    admin_events = action_detail(admin, srv, "2.62")["events"]
    assert all("host" in e and "hostId" in e for e in admin_events)
    owner_events = action_detail(demo, srv, "2.62")["events"]
    assert all("host" not in e and "hostId" in e for e in owner_events)
    # the compute event names the server's host; hostId hides it per project
    spawn = [e for e in admin_events if e["event"] == "compute__do_build_and_run_instance"][0]
    host = show(admin, srv, "2.62")["OS-EXT-SRV-ATTR:host"]
    assert spawn["host"] == host
    assert spawn["hostId"] == show(demo, srv, "2.62")["hostId"]


def test_2_62_conductor_event_of_an_unschedulable_server(admin, demo, made):
    # Nova's conductor adds its event to the create action only when it buries
    # a server it cannot schedule; the event names the conductor's host.
    need(demo, "2.62")
    fid = flavor_of(admin, disk=100000)          # more disk than any host has
    try:
        sid = made(demo, boot(demo, f"mv-nvh-{RUN}", wait=False, flavorRef=fid))
        demo.wait_server(sid, "ERROR")
        action = action_detail(admin, sid, "2.62")
        assert action["message"] == "Error"
        (event,) = action["events"]
        assert event["event"] == "conductor_schedule_and_build_instances"
        assert event["result"] == "Error" and event["host"] and event["hostId"]
        (owner_event,) = action_detail(demo, sid, "2.62")["events"]
        assert "host" not in owner_event and owner_event["hostId"] == event["hostId"]
        ok = action_detail(demo, boot(demo, f"mv-ok-{RUN}"), "2.62")
        made(demo, ok["instance_uuid"])
        assert [e["event"] for e in ok["events"]] == ["compute__do_build_and_run_instance"]
    finally:
        admin.delete(f"/flavors/{fid}")


def test_2_66_action_changes_before(demo, srv):
    need(demo, "2.66")
    past = "2000-01-01T00:00:00Z"
    # the 2.58 query schema allows no other parameter
    fault(demo.get(f"/servers/{srv}/os-instance-actions?changes-before={past}", mv="2.65"), 400)
    assert actions_of(demo, srv, "2.66", f"?changes-before={past}") == []
    future = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert actions_of(demo, srv, "2.66", f"?changes-before={future}") != []


def test_2_84_event_details(admin, made):
    need(admin, "2.84")
    sid = boot(admin, "fail-spawn-mv", wait=False)
    made(admin, sid)
    admin.wait_server(sid, "ERROR")
    for e in action_detail(admin, sid, "2.83")["events"]:
        assert "details" not in e
    events = action_detail(admin, sid, "2.84")["events"]
    failed = [e for e in events if e["result"] == "Error"]
    assert failed and all(e["details"] for e in failed), events
