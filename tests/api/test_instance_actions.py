"""os-instance-actions against a real cirrusd: the "create" and "delete"
actions a server's life records, their events as admins and owners see them
per microversion (2.1, 2.21, 2.51, 2.58, 2.62, 2.66, 2.84), paging, the
changes-since/-before filters and 404s. Bodies are compared with
nova-api-samples/os-instance-actions field by field.
"""
import re
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import assert_same_keys, first_flavor, first_image, sample

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def need(client, mv):
    """Skips when cirrus does not advertise microversion mv yet."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def compare(body, path):
    exp = sample(path)
    if exp:
        assert_same_keys(body, exp, path)


def create(client):
    """An ACTIVE server of client's project; skips while POST /servers is absent."""
    body = {"name": f"ia-{uuid.uuid4().hex[:8]}", "flavorRef": first_flavor(client),
            "imageRef": first_image(client)}
    r = client.post("/servers", {"server": body})
    if r.status_code in (404, 405):
        pytest.skip("POST /servers is not served yet")
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    client.wait_server(sid, "ACTIVE")
    return sid


@pytest.fixture(scope="module")
def server(demo):
    """A demo server, ACTIVE, with its create action finished."""
    sid = create(demo)
    yield sid
    demo.delete(f"/servers/{sid}")


def actions(client, sid, query="", mv=None):
    r = client.get(f"/servers/{sid}/os-instance-actions{query}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()


# --- list -------------------------------------------------------------------

def test_list_create_action(demo, server):
    body = actions(demo, server)
    compare(body, "os-instance-actions/instance-actions-list-resp.json")
    acts = body["instanceActions"]
    assert [a["action"] for a in acts] == ["create"]
    a = acts[0]
    assert a["instance_uuid"] == server
    assert a["project_id"] == demo.project_id
    assert a["user_id"] == demo.user_id
    assert a["message"] is None
    assert a["request_id"].startswith("req-")
    assert TIME_RE.match(a["start_time"]), a["start_time"]
    assert "updated_at" not in a and "links" not in body


def test_list_2_58_has_updated_at(demo, server):
    need(demo, "2.58")
    body = actions(demo, server, mv="2.58")
    compare(body, "os-instance-actions/v2.58/instance-actions-list-resp.json")
    a = body["instanceActions"][0]
    assert TIME_RE.match(a["updated_at"])
    assert a["updated_at"] >= a["start_time"]


def test_paging_2_58(demo, server):
    need(demo, "2.58")
    # a second action: lock/unlock are recorded by nova without a state change
    r = demo.post(f"/servers/{server}/action", {"lock": None})
    if r.status_code != 202:
        pytest.skip(f"lock action not served yet ({r.status_code})")
    demo.post(f"/servers/{server}/action", {"unlock": None})
    all_ = actions(demo, server, mv="2.58")["instanceActions"]
    assert [a["action"] for a in all_][-1] == "create"
    assert len(all_) >= 3
    page = actions(demo, server, "?limit=1", mv="2.58")
    compare(page, "os-instance-actions/v2.58/instance-actions-list-with-limit-resp.json")
    assert [a["request_id"] for a in page["instanceActions"]] == [all_[0]["request_id"]]
    href = page["links"][0]["href"]
    assert page["links"][0]["rel"] == "next"
    assert f"/v2.1/servers/{server}/os-instance-actions?" in href
    q = urllib.parse.parse_qs(urllib.parse.urlparse(href).query)
    assert q == {"limit": ["1"], "marker": [all_[0]["request_id"]]}
    rest = actions(demo, server, f"?marker={all_[0]['request_id']}", mv="2.58")
    assert [a["request_id"] for a in rest["instanceActions"]] == \
        [a["request_id"] for a in all_[1:]]
    # limit=0: nova's db layer answers nothing, and no link
    assert actions(demo, server, "?limit=0", mv="2.58") == {"instanceActions": []}


def test_paging_errors_2_58(demo, server):
    need(demo, "2.58")
    r = demo.get(f"/servers/{server}/os-instance-actions?marker=req-nope", mv="2.58")
    assert r.status_code == 400
    assert "req-nope" in r.json()["badRequest"]["message"]
    for q in ("?limit=-1", "?limit=x", "?changes-since=yesterday", "?bogus=1",
              "?limit=1&limit=2"):
        r = demo.get(f"/servers/{server}/os-instance-actions{q}", mv="2.58")
        assert r.status_code == 400, q
    # before 2.58 the query is ignored
    r = demo.get(f"/servers/{server}/os-instance-actions?marker=req-nope&bogus=1")
    assert r.status_code == 200


def test_changes_since_and_before(demo, server):
    need(demo, "2.66")
    acts = actions(demo, server, mv="2.66")["instanceActions"]
    create_upd = acts[-1]["updated_at"]
    body = actions(demo, server, f"?changes-since={create_upd}", mv="2.66")
    assert acts[-1]["request_id"] in [a["request_id"] for a in body["instanceActions"]]
    body = actions(demo, server, "?changes-since=2999-01-01T00:00:00Z", mv="2.66")
    assert body == {"instanceActions": []}
    body = actions(demo, server, "?changes-before=2000-01-01T00:00:00Z", mv="2.66")
    assert body == {"instanceActions": []}
    body = actions(demo, server, f"?changes-before={create_upd}", mv="2.66")
    assert body["instanceActions"][-1]["action"] == "create"
    compare(body, "os-instance-actions/v2.66/instance-actions-list-with-changes-before.json")
    r = demo.get(f"/servers/{server}/os-instance-actions?changes-since=2020-01-02T00:00:00Z"
                 "&changes-before=2020-01-01T00:00:00Z", mv="2.66")
    assert r.status_code == 400
    # changes-before is unknown at 2.58
    r = demo.get(f"/servers/{server}/os-instance-actions?changes-before=2020-01-01T00:00:00Z",
                 mv="2.65")
    assert r.status_code == 400


# --- show -------------------------------------------------------------------

def create_action(client, sid):
    return actions(client, sid)["instanceActions"][-1]


def show(client, sid, req_id, mv=None):
    r = client.get(f"/servers/{sid}/os-instance-actions/{req_id}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["instanceAction"]


def test_show_events_2_1(admin, demo, server):
    req_id = create_action(demo, server)["request_id"]
    mine = show(demo, server, req_id)
    assert "events" not in mine          # events policy is admin-only before 2.51
    full = show(admin, server, req_id)
    compare({"instanceAction": full}, "os-instance-actions/instance-action-get-resp.json")
    assert full["events"], full
    for e in full["events"]:
        assert set(e) == {"event", "start_time", "finish_time", "result", "traceback"}
        assert e["result"] == "Success"
        assert e["traceback"] is None
        assert TIME_RE.match(e["start_time"]) and TIME_RE.match(e["finish_time"])
    starts = [e["start_time"] for e in full["events"]]
    assert starts == sorted(starts, reverse=True)      # newest first


def test_show_events_2_51(admin, demo, server):
    need(demo, "2.51")
    req_id = create_action(demo, server)["request_id"]
    mine = show(demo, server, req_id, mv="2.51")
    compare({"instanceAction": mine},
            "os-instance-actions/v2.51/instance-action-get-non-admin-resp.json")
    assert all("traceback" not in e for e in mine["events"])
    full = show(admin, server, req_id, mv="2.51")
    compare({"instanceAction": full}, "os-instance-actions/v2.51/instance-action-get-resp.json")


def test_show_host_2_62(admin, demo, server):
    need(demo, "2.62")
    req_id = create_action(demo, server)["request_id"]
    mine = show(demo, server, req_id, mv="2.62")
    compare({"instanceAction": mine},
            "os-instance-actions/v2.62/instance-action-get-non-admin-resp.json")
    full = show(admin, server, req_id, mv="2.62")
    compare({"instanceAction": full}, "os-instance-actions/v2.62/instance-action-get-resp.json")
    srv = admin.get(f"/servers/{server}").json()["server"]
    hosted = [e for e in full["events"] if e["host"]]
    assert hosted, full
    for e in hosted:
        assert e["host"] == srv["OS-EXT-SRV-ATTR:host"]
        assert e["hostId"] == srv["hostId"]
    assert {e["hostId"] for e in mine["events"] if e["hostId"]} == {srv["hostId"]}
    assert all("host" not in e for e in mine["events"])


def test_show_details_2_84(admin, demo, server):
    need(demo, "2.84")
    req_id = create_action(demo, server)["request_id"]
    full = show(admin, server, req_id, mv="2.84")
    compare({"instanceAction": full}, "os-instance-actions/v2.84/instance-action-get-resp.json")
    assert all(e["details"] is None for e in full["events"])
    mine = show(demo, server, req_id, mv="2.84")
    compare({"instanceAction": mine},
            "os-instance-actions/v2.84/instance-action-get-non-admin-resp.json")


def test_show_unknown_request(demo, server):
    r = demo.get(f"/servers/{server}/os-instance-actions/req-nope")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Action req-nope not found"


# --- 404s, other projects, deleted servers ------------------------------------

@pytest.mark.parametrize("suffix", ["", "/req-1"])
def test_unknown_server_404(demo, suffix):
    missing = str(uuid.uuid4())
    r = demo.get(f"/servers/{missing}/os-instance-actions{suffix}")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == f"Instance {missing} could not be found."


def test_other_project_404_admin_sees(admin, demo, server):
    sid = create(admin)
    try:
        r = demo.get(f"/servers/{sid}/os-instance-actions")
        assert r.status_code == 404
        assert actions(admin, server)["instanceActions"][0]["project_id"] == demo.project_id
    finally:
        admin.delete(f"/servers/{sid}")


def test_deleted_server_actions_from_2_21(demo):
    sid = create(demo)
    r = demo.delete(f"/servers/{sid}")
    assert r.status_code == 204, r.text
    demo.wait_server(sid, "DELETED")
    r = demo.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 404
    need(demo, "2.21")
    acts = actions(demo, sid, mv="2.21")["instanceActions"]
    assert [a["action"] for a in acts] == ["delete", "create"]
    deadline = time.time() + 10
    while True:
        d = show(demo, sid, acts[0]["request_id"], mv="2.51")
        if d["events"] and all(e["finish_time"] for e in d["events"]):
            break
        assert time.time() < deadline, d
        time.sleep(0.05)
    assert all(e["result"] == "Success" for e in d["events"])
