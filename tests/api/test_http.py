"""Protocol-level behaviour that every compute request shares, whatever the
endpoint (DIGEST (c) and (d)): the version documents, microversion
negotiation, the standard response headers, authentication, routing errors,
the body size limit, content types, malformed JSON and the legacy
/v2.1/{project_id}/... URL form.

Endpoints used as carriers: GET /flavors (any authenticated user) and
POST /os-keypairs and POST /servers (JSON bodies). Errors raised before the
handler runs never reach it, so these tests leave nothing behind.
"""
import re

import pytest
import requests

from conftest import assert_same_keys, sample

REQ_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_BODY = 112 * 1024      # nova's osapi_max_request_body_size (114688 bytes)
# Bodies that go through the generic JSON layer before any handler sees them.
JSON_ROUTES = ["/os-keypairs", "/servers"]


def version_doc(base):
    r = requests.get(base + "/v2.1/", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["version"]


def mv_tuple(text):
    major, minor = text.split(".")
    return int(major), int(minor)


def advertised_max(base):
    return version_doc(base)["version"]


def assert_fault(r, status, key):
    """A Nova fault body: {key: {"code": status, "message": text}} (DIGEST (d))."""
    assert r.status_code == status, r.text
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert list(body) == [key], body
    assert body[key]["code"] == status, body
    assert isinstance(body[key]["message"], str) and body[key]["message"], body
    return body[key]["message"]


def assert_request_ids(r):
    rid = r.headers.get("x-openstack-request-id")
    assert rid and REQ_ID.match(rid), r.headers
    assert r.headers.get("x-compute-request-id") == rid, r.headers


def assert_version_headers(r, version=None):
    """Every versioned compute response, success or error, names the
    microversion it was served at, and Vary names both request headers."""
    assert_request_ids(r)
    new = r.headers.get("OpenStack-API-Version")
    legacy = r.headers.get("X-OpenStack-Nova-API-Version")
    assert new and new.startswith("compute "), r.headers
    assert legacy == new[len("compute "):], r.headers
    vary = [v.strip().lower() for v in r.headers.get("Vary", "").split(",")]
    assert "openstack-api-version" in vary, r.headers
    assert "x-openstack-nova-api-version" in vary, r.headers
    if version is not None:
        assert legacy == version, r.headers


def assert_no_version_headers(r):
    """Answers Nova produces outside its controllers (bad version, keystonemiddleware's
    401, routing, body and content-type checks) carry request ids but no
    microversion headers (nova wsgi.Resource adds them after dispatch only)."""
    assert_request_ids(r)
    assert "OpenStack-API-Version" not in r.headers, r.headers
    assert "X-OpenStack-Nova-API-Version" not in r.headers, r.headers
    assert "openstack-api-version" not in r.headers.get("Vary", "").lower(), r.headers


# --- version documents (nova-api-ref versions.inc) ---------------------------

def test_root_lists_both_versions(cirrus):
    r = requests.get(cirrus + "/", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    exp = sample("versions/versions-get-resp.json")
    if exp:
        assert_same_keys(body, exp)
    by_id = {v["id"]: v for v in body["versions"]}
    assert set(by_id) == {"v2.0", "v2.1"}
    v20, v21 = by_id["v2.0"], by_id["v2.1"]
    assert v20["status"] == "DEPRECATED"
    assert v20["version"] == "" and v20["min_version"] == ""
    assert v20["links"][0] == {"rel": "self", "href": cirrus + "/v2/"}
    assert v21["status"] == "CURRENT"
    assert v21["min_version"] == "2.1"
    assert mv_tuple(v21["version"]) >= (2, 1)
    assert v21["updated"] == "2013-07-23T11:33:21Z"
    assert v21["links"][0] == {"rel": "self", "href": cirrus + "/v2.1/"}
    # The unversioned document ignores microversions altogether.
    assert "OpenStack-API-Version" not in r.headers
    assert "X-OpenStack-Nova-API-Version" not in r.headers


def test_root_ignores_version_header(cirrus):
    r = requests.get(cirrus + "/", headers={"OpenStack-API-Version": "compute 9.9"}, timeout=10)
    assert r.status_code == 200, r.text
    assert "OpenStack-API-Version" not in r.headers


def check_v21_doc(base, body):
    exp = sample("versions/v21-version-get-resp.json")
    if exp:
        assert_same_keys(body, exp)
    v = body["version"]
    assert v["id"] == "v2.1" and v["status"] == "CURRENT"
    assert v["min_version"] == "2.1" and mv_tuple(v["version"]) >= (2, 1)
    assert v["updated"] == "2013-07-23T11:33:21Z"
    assert {"rel": "self", "href": base + "/v2.1/"} in v["links"]
    assert v["media-types"] == [{"base": "application/json",
                                 "type": "application/vnd.openstack.compute+json;version=2.1"}]


@pytest.mark.parametrize("path", ["/v2.1", "/v2.1/"])
def test_v21_document(cirrus, path):
    # keystoneauth and openstacksdk discover here, before they hold a token
    r = requests.get(cirrus + path, timeout=10)
    assert r.status_code == 200, r.text
    check_v21_doc(cirrus, r.json())


def test_v21_document_by_id(admin):
    r = admin.get("/versions/v2.1")
    assert r.status_code == 200, r.text
    check_v21_doc(admin.base, r.json())
    assert_version_headers(r, "2.1")


def test_root_and_v21_agree(cirrus):
    listed = {v["id"]: v for v in requests.get(cirrus + "/", timeout=10).json()["versions"]}
    doc = version_doc(cirrus)
    assert listed["v2.1"]["version"] == doc["version"]
    assert listed["v2.1"]["min_version"] == doc["min_version"]


# --- microversion negotiation (DIGEST (c)) -----------------------------------

def test_no_header_means_2_1(demo):
    r = demo.get("/flavors")
    assert r.status_code == 200, r.text
    assert_version_headers(r, "2.1")


@pytest.mark.parametrize("header,value", [
    ("OpenStack-API-Version", "compute 2.1"),
    ("openstack-api-version", "compute 2.1"),            # names are case-insensitive
    ("X-OpenStack-Nova-API-Version", "2.1"),
    ("OpenStack-API-Version", "volume 3.0, compute 2.1"),
    ("OpenStack-API-Version", "compute 2.1, image 2.5"),
])
def test_explicit_version(demo, header, value):
    r = demo.get("/flavors", headers={header: value})
    assert r.status_code == 200, r.text
    assert_version_headers(r, "2.1")


def test_other_service_header_is_ignored(demo):
    r = demo.get("/flavors", headers={"OpenStack-API-Version": "volume 3.59"})
    assert r.status_code == 200, r.text
    assert_version_headers(r, "2.1")


@pytest.mark.parametrize("header,value", [
    ("OpenStack-API-Version", "compute latest"),
    ("X-OpenStack-Nova-API-Version", "latest"),
])
def test_latest_is_the_advertised_maximum(demo, header, value):
    r = demo.get("/flavors", headers={header: value})
    assert r.status_code == 200, r.text
    assert_version_headers(r, advertised_max(demo.base))


def test_new_header_wins_over_legacy(demo):
    # The legacy value is not even looked at when the new header names compute.
    r = demo.get("/flavors", headers={"OpenStack-API-Version": "compute 2.1",
                                      "X-OpenStack-Nova-API-Version": "garbage"})
    assert r.status_code == 200, r.text
    assert_version_headers(r, "2.1")
    top = advertised_max(demo.base)
    if mv_tuple(top) > (2, 1):
        r = demo.get("/flavors", headers={"OpenStack-API-Version": f"compute {top}",
                                          "X-OpenStack-Nova-API-Version": "2.1"})
        assert r.status_code == 200, r.text
        assert_version_headers(r, top)


def test_every_advertised_version_is_accepted(demo):
    top = mv_tuple(advertised_max(demo.base))
    for minor in range(1, top[1] + 1):
        r = demo.get("/flavors", mv=f"2.{minor}")
        assert r.status_code == 200, (minor, r.text)
        assert_version_headers(r, f"2.{minor}")


@pytest.mark.parametrize("value", ["2", "2.", ".1", "02.1", "2.01", "2.1.1", "abc", "2.x",
                                   "v2.1", "-2.1", "2.1a"])
@pytest.mark.parametrize("header", ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"])
def test_malformed_version_is_400(demo, header, value):
    if header == "OpenStack-API-Version":
        value = "compute " + value
    r = demo.get("/flavors", headers={header: value})
    msg = assert_fault(r, 400, "badRequest")
    assert "invalid format" in msg, msg
    assert_no_version_headers(r)


@pytest.mark.parametrize("value", ["2.0", "1.1", "3.0", "2.9999"])
@pytest.mark.parametrize("header", ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"])
def test_out_of_range_version_is_406(demo, header, value):
    if header == "OpenStack-API-Version":
        value = "compute " + value
    r = demo.get("/flavors", headers={header: value})
    # 406 is not in nova's fault-name table, so the key falls back to computeFault
    msg = assert_fault(r, 406, "computeFault")
    top = advertised_max(demo.base)
    assert "2.1" in msg and top in msg, msg
    assert_no_version_headers(r)


# --- standard headers on successes and errors --------------------------------

def test_headers_on_success(demo):
    r = demo.get("/flavors")
    assert r.status_code == 200
    assert_version_headers(r, "2.1")
    assert r.headers["Content-Type"].startswith("application/json")


def test_request_ids_are_unique(demo):
    ids = {demo.get("/flavors").headers["x-openstack-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_non_compute_apis_carry_request_id(cirrus):
    for path in ("/identity/v3", "/image/v2/images"):
        r = requests.get(cirrus + path, timeout=10)
        assert REQ_ID.match(r.headers.get("x-openstack-request-id", "")), (path, r.headers)
        assert "OpenStack-API-Version" not in r.headers, path


# --- authentication ------------------------------------------------------------

def test_no_token_is_401(anon):
    r = anon.get("/flavors")
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == f'Keystone uri="{anon.base}/identity"'
    assert_no_version_headers(r)


@pytest.mark.parametrize("token", ["bogus", "x" * 43, "", "a" * 300])
def test_bad_token_is_401(cirrus, token):
    r = requests.get(cirrus + "/v2.1/flavors", headers={"X-Auth-Token": token}, timeout=10)
    assert r.status_code == 401, r.text
    assert_no_version_headers(r)


def test_bad_token_on_post_is_401(cirrus):
    r = requests.post(cirrus + "/v2.1/os-keypairs", json={"keypair": {"name": "nope"}},
                      headers={"X-Auth-Token": "bogus"}, timeout=10)
    assert r.status_code == 401, r.text


# --- routing -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/no-such-thing", "/flavors/detail/extra/segments",
                                  "/os-no-such-extension"])
def test_unknown_route_is_404(demo, path):
    r = demo.get(path)
    assert_fault(r, 404, "itemNotFound")
    assert_no_version_headers(r)


@pytest.mark.parametrize("path", ["/v3", "/nowhere/deeper"])
def test_other_unversioned_paths_are_300_choices(cirrus, path):
    # nova's root app answers any path outside /v2 and /v2.1 with the
    # choices document (DIGEST (a) Discovery)
    r = requests.get(cirrus + path, timeout=10, allow_redirects=False)
    assert r.status_code == 300, r.text
    choices = {c["id"]: c for c in r.json()["choices"]}
    assert set(choices) == {"v2.0", "v2.1"}
    assert choices["v2.1"]["status"] == "CURRENT"
    assert choices["v2.1"]["links"][0]["href"].startswith(cirrus + "/v2.1")


@pytest.mark.parametrize("method,path", [("DELETE", "/flavors"), ("PUT", "/os-keypairs"),
                                         ("POST", "/limits")])
def test_wrong_method_is_405(demo, method, path):
    r = demo.request(method, path)
    assert_fault(r, 405, "badMethod")
    assert_no_version_headers(r)


# --- bodies --------------------------------------------------------------------

def padded_body(size):
    """A JSON document of exactly `size` bytes."""
    head, tail = '{"keypair": {"name": "', '"}}'
    return (head + "x" * (size - len(head) - len(tail)) + tail).encode()


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_body_over_112k_is_413(demo, path):
    r = demo.post(path, data=padded_body(MAX_BODY + 1),
                  headers={"Content-Type": "application/json"})
    assert_fault(r, 413, "overLimit")
    assert_no_version_headers(r)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_body_of_112k_is_accepted_for_parsing(demo, path):
    # exactly the limit is allowed; the handler then rejects the name (400)
    r = demo.post(path, data=padded_body(MAX_BODY),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text


def test_connection_survives_413(demo):
    # the server drains the rejected body, so keep-alive stays usable
    s = requests.Session()
    h = {"X-Auth-Token": demo.token, "Content-Type": "application/json"}
    big = padded_body(4 * MAX_BODY)
    for _ in range(3):
        r = s.post(demo.base + "/v2.1/os-keypairs", data=big, headers=h, timeout=30)
        assert r.status_code == 413, r.text
        r = s.get(demo.base + "/v2.1/flavors", headers={"X-Auth-Token": demo.token}, timeout=30)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("ctype", ["application/xml", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(demo, path, ctype):
    r = demo.post(path, data=b'{"keypair": {"name": "ct"}}', headers={"Content-Type": ctype})
    msg = assert_fault(r, 415, "badMediaType")
    assert "Unsupported Content-Type" in msg
    assert_no_version_headers(r)


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("text", [b"{", b"{not json}", b'{"keypair": }', b"\xff\xfe",
                                  b'{"a": 1} trailing'])
def test_malformed_json_is_400(demo, path, text):
    r = demo.post(path, data=text, headers={"Content-Type": "application/json"})
    msg = assert_fault(r, 400, "badRequest")
    assert "Malformed request body" in msg, msg
    assert_no_version_headers(r)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_missing_body_is_400(demo, path):
    r = demo.post(path, headers={"Content-Type": "application/json"})
    assert_fault(r, 400, "badRequest")


# --- /v2.1/{project_id}/... ----------------------------------------------------

@pytest.mark.parametrize("path,key", [("/flavors", "flavors"), ("/servers", "servers"),
                                      ("/os-keypairs", "keypairs")])
def test_project_id_form(demo, path, key):
    plain = demo.get(path)
    scoped = demo.get(f"/{demo.project_id}{path}")
    assert plain.status_code == 200, plain.text
    assert scoped.status_code == 200, scoped.text
    assert_version_headers(scoped, "2.1")
    assert len(scoped.json()[key]) == len(plain.json()[key])


def test_project_id_form_item(demo):
    flavors = demo.get("/flavors").json()["flavors"]
    fid = flavors[0]["id"]
    r = demo.get(f"/{demo.project_id}/flavors/{fid}")
    assert r.status_code == 200, r.text
    assert r.json()["flavor"]["id"] == fid


def test_mismatched_project_id_is_400(demo, admin):
    r = demo.get(f"/{admin.project_id}/servers")
    msg = assert_fault(r, 400, "badRequest")
    assert admin.project_id in msg and demo.project_id in msg, msg
    assert_no_version_headers(r)


def test_unknown_project_id_is_400(demo):
    r = demo.get("/" + "0" * 32 + "/flavors")
    assert_fault(r, 400, "badRequest")


def test_project_root_redirects_to_slash(demo):
    r = demo.get(f"/{demo.project_id}", allow_redirects=False)
    assert r.status_code == 302, r.text
    assert r.headers["Location"].endswith(f"/v2.1/{demo.project_id}/"), r.headers


def test_project_root_with_slash_is_the_version_document(demo):
    r = demo.get(f"/{demo.project_id}/")
    assert r.status_code == 200, r.text
    check_v21_doc(demo.base, r.json())


def test_project_id_form_needs_a_token(anon, demo):
    r = anon.get(f"/{demo.project_id}/flavors")
    assert r.status_code == 401, r.text
