"""/servers/{id}/tags[/{tag}] from 2.26 against a real cirrusd
(os-server-tags.inc, nova server_tags.py): list, replace, delete all, check,
add (201 + Location / 204), delete; bodies compared with
nova-api-samples/os-server-tags; the 50-tag limit, tag syntax, vm_state
conflicts, other projects' servers, routes absent before 2.26.
"""
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import assert_same_keys, first_flavor, sample

RUN = "tg" + uuid.uuid4().hex[:6]
MV = "2.26"


def max_mv(client):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    return tuple(int(x) for x in doc["version"].split("."))


@pytest.fixture(autouse=True)
def needs_226(demo):
    if max_mv(demo) < (2, 26):
        pytest.skip("compute 2.26 not advertised")


def fault_of(resp, status):
    assert resp.status_code == status, resp.text
    key, value = next(iter(resp.json().items()))
    assert key == {400: "badRequest", 404: "itemNotFound", 409: "conflictingRequest",
                   413: "overLimit", 415: "badMediaType"}[status]
    assert value["code"] == status
    return value["message"]


def wait_status(client, sid, status, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        srv = client.get(f"/servers/{sid}").json()["server"]
        if srv["status"] == status:
            return srv
        time.sleep(0.05)
    raise AssertionError(f"{sid} not {status}")


def new_server(client, name):
    img = client.get("/image/v2/images").json()["images"][0]["id"]
    flv = first_flavor(client)
    r = client.post("/servers", {"server": {"name": name, "imageRef": img, "flavorRef": flv}})
    assert r.status_code == 202, r.text
    return r.json()["server"]["id"]


def destroy(client, sid):
    client.delete(f"/servers/{sid}")
    deadline = time.time() + 30
    while client.get(f"/servers/{sid}").status_code != 404 and time.time() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(demo):
    sid = new_server(demo, f"{RUN}-web")
    wait_status(demo, sid, "ACTIVE")
    yield sid
    destroy(demo, sid)


def tags(client, sid):
    r = client.get(f"/servers/{sid}/tags", mv=MV)
    assert r.status_code == 200, r.text
    return r.json()["tags"]


# --- the happy paths, against the samples -----------------------------------

def test_replace_and_list(demo, server):
    req = sample("os-server-tags/v2.26/server-tags-put-all-req.json") or \
        {"tags": ["tag1", "tag2"]}
    r = demo.put(f"/servers/{server}/tags", req, mv=MV)
    assert r.status_code == 200, r.text
    exp = sample("os-server-tags/v2.26/server-tags-put-all-resp.json")
    if exp:
        assert_same_keys(r.json(), exp)
    assert r.json() == {"tags": sorted(req["tags"])}
    r = demo.get(f"/servers/{server}/tags", mv=MV)
    exp = sample("os-server-tags/v2.26/server-tags-index-resp.json")
    if exp:
        assert_same_keys(r.json(), exp)
    assert r.json()["tags"] == sorted(req["tags"])
    # the server body carries them from 2.26
    shown = demo.get(f"/servers/{server}", mv=MV).json()["server"]
    assert shown["tags"] == sorted(req["tags"])
    # duplicates collapse
    r = demo.put(f"/servers/{server}/tags", {"tags": ["b", "a", "b"]}, mv=MV)
    assert r.json() == {"tags": ["a", "b"]}


def test_one_tag(demo, server):
    demo.put(f"/servers/{server}/tags", {"tags": []}, mv=MV)
    tag = "blue sky"
    path = f"/servers/{server}/tags/{urllib.parse.quote(tag)}"
    assert fault_of(demo.get(path, mv=MV), 404) == f"Server {server} has no tag '{tag}'"
    r = demo.put(path, mv=MV)
    assert r.status_code == 201 and r.content == b""
    assert r.headers["Location"] == f"{demo.base}/v2.1/servers/{server}/tags/blue%20sky"
    r = demo.get(path, mv=MV)
    assert r.status_code == 204 and r.content == b""
    r = demo.put(path, mv=MV)                      # already there
    assert r.status_code == 204 and "Location" not in r.headers
    assert tags(demo, server) == [tag]
    r = demo.delete(path, mv=MV)
    assert r.status_code == 204
    assert tags(demo, server) == []
    msg = fault_of(demo.delete(path, mv=MV), 404)
    assert msg == f"Instance {server} has no tag '{tag}'"


def test_delete_all(demo, server):
    demo.put(f"/servers/{server}/tags", {"tags": ["x", "y"]}, mv=MV)
    r = demo.delete(f"/servers/{server}/tags", mv=MV)
    assert r.status_code == 204 and r.content == b""
    assert tags(demo, server) == []


def test_create_with_tags_then_edit(demo):
    if max_mv(demo) < (2, 52):
        pytest.skip("compute 2.52 not advertised")
    img = demo.get("/image/v2/images").json()["images"][0]["id"]
    flv = first_flavor(demo)
    r = demo.post("/servers", {"server": {"name": f"{RUN}-t", "imageRef": img, "flavorRef": flv,
                                          "networks": "auto", "tags": ["one", "two"]}},
                  mv="2.52")
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    try:
        wait_status(demo, sid, "ACTIVE")
        assert tags(demo, sid) == ["one", "two"]
        assert demo.delete(f"/servers/{sid}/tags/one", mv=MV).status_code == 204
        assert tags(demo, sid) == ["two"]
    finally:
        destroy(demo, sid)


# --- limits and syntax -----------------------------------------------------------

def test_fifty_tags(demo, server):
    fifty = [f"t{i:02d}" for i in range(50)]
    r = demo.put(f"/servers/{server}/tags", {"tags": fifty}, mv=MV)
    assert r.status_code == 200 and len(r.json()["tags"]) == 50
    msg = fault_of(demo.put(f"/servers/{server}/tags/t99", mv=MV), 400)
    assert msg == "The number of tags exceeded the per-server limit 50"
    # nova counts before it looks: an existing tag is refused too at the limit
    fault_of(demo.put(f"/servers/{server}/tags/t00", mv=MV), 400)
    msg = fault_of(demo.put(f"/servers/{server}/tags", {"tags": fifty + ["x"]}, mv=MV), 400)
    assert "is too long" in msg
    assert len(tags(demo, server)) == 50
    demo.delete(f"/servers/{server}/tags", mv=MV)


@pytest.mark.parametrize("req,fragment", [
    ({}, "'tags' is a required property"),
    ({"tags": "a"}, "is not of type 'array'"),
    ({"tags": ["a,b"]}, "does not match '^[^,/]*$'"),
    ({"tags": [""]}, "is too short"),
    ({"tags": ["x" * 61]}, "is too long"),
    ({"tags": [1]}, "is not of type 'string'"),
    ({"tags": [], "more": 1}, "('more' was unexpected)"),
])
def test_replace_bad_bodies(demo, server, req, fragment):
    demo.put(f"/servers/{server}/tags", {"tags": ["keep"]}, mv=MV)
    assert fragment in fault_of(demo.put(f"/servers/{server}/tags", req, mv=MV), 400)
    assert tags(demo, server) == ["keep"]


def test_bad_tag_in_url(demo, server):
    before = tags(demo, server)
    msg = fault_of(demo.put(f"/servers/{server}/tags/a,b", mv=MV), 400)
    assert msg.startswith("Tag 'a,b' is invalid. It must be a non empty string without "
                          "characters '/' and ','.")
    msg = fault_of(demo.put(f"/servers/{server}/tags/{'x' * 61}", mv=MV), 400)
    assert "is too long" in msg
    msg = fault_of(demo.put(f"/servers/{server}/tags/ok", {"not": "null"}, mv=MV), 400)
    assert "is not of type 'null'" in msg
    assert tags(demo, server) == before


# --- who and when --------------------------------------------------------------

def test_before_226_there_are_no_tag_routes(demo, server):
    assert demo.get(f"/servers/{server}/tags").status_code == 404
    assert demo.put(f"/servers/{server}/tags", {"tags": []}, mv="2.25").status_code == 404
    assert demo.put(f"/servers/{server}/tags/x", mv="2.25").status_code == 404


def test_unknown_and_foreign_servers(demo, admin):
    missing = str(uuid.uuid4())
    for r in (demo.get(f"/servers/{missing}/tags", mv=MV),
              demo.put(f"/servers/{missing}/tags", {"tags": []}, mv=MV),
              demo.delete(f"/servers/{missing}/tags", mv=MV),
              demo.get(f"/servers/{missing}/tags/a", mv=MV),
              demo.put(f"/servers/{missing}/tags/a", mv=MV),
              demo.delete(f"/servers/{missing}/tags/a", mv=MV)):
        assert fault_of(r, 404) == f"Instance {missing} could not be found."
    sid = new_server(admin, f"{RUN}-adm")
    try:
        wait_status(admin, sid, "ACTIVE")
        fault_of(demo.put(f"/servers/{sid}/tags/a", mv=MV), 404)
        assert admin.put(f"/servers/{sid}/tags/a", mv=MV).status_code == 201
        assert tags(admin, sid) == ["a"]
    finally:
        destroy(admin, sid)


def test_state_conflict(demo):
    sid = new_server(demo, f"fail-spawn-{RUN}")
    try:
        wait_status(demo, sid, "ERROR")
        for r, action in ((demo.put(f"/servers/{sid}/tags", {"tags": ["a"]}, mv=MV),
                           "update tags"),
                          (demo.delete(f"/servers/{sid}/tags", mv=MV), "delete tags"),
                          (demo.put(f"/servers/{sid}/tags/a", mv=MV), "update tag"),
                          (demo.delete(f"/servers/{sid}/tags/a", mv=MV), "delete tag")):
            assert fault_of(r, 409) == (f"Cannot '{action}' instance {sid} while it is in "
                                        "vm_state error")
        # reads need no state
        assert tags(demo, sid) == []
    finally:
        destroy(demo, sid)


def test_wrong_content_type(demo, server):
    # nova takes text/plain as JSON (wsgi get_content_type); other types are 415
    r = demo.request("PUT", f"/servers/{server}/tags", data='{"tags": []}', mv=MV,
                     headers={"Content-Type": "application/xml"})
    fault_of(r, 415)
