"""createImage against a real cirrusd: the snapshot image appears in the
Image API (queued -> active, with the properties Nova sets), the server goes
through image_snapshot_pending .. image_uploading and back to no task, the
answer is 202 with a Location header before 2.45 and {"image_id"} from 2.45,
the body is validated as Nova's schema, the metadata quota applies up to
2.38, locks do not block snapshots, and a failed snapshot leaves no image.
"""
import time
import uuid

import pytest
import requests

from conftest import Client, token_for

TASK = "OS-EXT-STS:task_state"


def need(client, mv):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def name(prefix="img"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def act(client, sid, body, mv=None):
    return client.post(f"/servers/{sid}/action", body, mv=mv)


def fault(r, code):
    assert r.status_code == code, r.text
    key = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
           409: "conflictingRequest"}[code]
    body = r.json()
    assert list(body) == [key], body
    return body[key]["message"]


CREATED = []     # snapshot images, deleted when the module ends


@pytest.fixture(scope="module", autouse=True)
def delete_snapshots(admin):
    """The session daemon is shared: leave no image behind for test_image."""
    yield
    for image_id in CREATED:
        deadline = time.time() + 30
        while time.time() < deadline:
            r = admin.get(f"/image/v2/images/{image_id}")
            if r.status_code == 404 or r.json()["status"] not in ("queued", "saving"):
                break
            time.sleep(0.05)
        admin.delete(f"/image/v2/images/{image_id}")


def created(image_id):
    CREATED.append(image_id)
    return image_id


def snapshot(client, sid, image_name, mv=None, **extra):
    """createImage before 2.45: 202, empty body, Location ending in the id."""
    r = act(client, sid, {"createImage": {"name": image_name, **extra}}, mv=mv)
    assert r.status_code == 202, r.text
    assert r.text == ""
    loc = r.headers["Location"]
    assert loc.startswith(client.base + "/image/images/"), loc
    return created(loc.rsplit("/", 1)[1]), r.headers["x-openstack-request-id"]


def wait_image(client, image_id, status="active", timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = client.get(f"/image/v2/images/{image_id}")
        if status is None and r.status_code == 404:
            return None
        if r.status_code == 200 and r.json()["status"] == status:
            return r.json()
        time.sleep(0.05)
    raise AssertionError(f"image {image_id} not {status}: {r.status_code} {r.text}")


def settle(client, sid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = client.get(f"/servers/{sid}").json()["server"]
        if s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still in a task")


@pytest.fixture
def server(demo):
    sid = demo.create_server(name("srv"))
    yield sid
    demo.post(f"/servers/{sid}/action", {"unlock": None})
    demo.delete(f"/servers/{sid}")


@pytest.fixture(scope="module")
def admin_server(admin):
    sid = admin.create_server(name("own"))
    yield sid
    admin.delete(f"/servers/{sid}")


def test_snapshot_becomes_an_active_image(demo, admin, server):
    img_name = name("snap")
    image_id, req = snapshot(demo, server, img_name, metadata={"purpose": "backup"})
    img = wait_image(demo, image_id)
    base = demo.get(f"/servers/{server}").json()["server"]["image"]["id"]
    assert img["name"] == img_name
    assert img["visibility"] == "private"
    assert img["owner"] == demo.project_id
    assert (img["disk_format"], img["container_format"]) == ("raw", "bare")
    assert img["size"] > 0 and img["checksum"]
    assert img["image_type"] == "snapshot"
    assert img["instance_uuid"] == server
    assert img["base_image_ref"] == base
    assert img["user_id"] == demo.user_id
    assert img["purpose"] == "backup"
    data = demo.get(f"/image/v2/images/{image_id}/file")
    assert data.status_code == 200 and data.content.startswith(b"cirrus fake snapshot")
    s = settle(demo, server)
    assert (s["status"], s["OS-EXT-STS:vm_state"]) == ("ACTIVE", "active")
    r = admin.get(f"/servers/{server}/os-instance-actions/{req}")
    a = r.json()["instanceAction"]
    assert a["action"] == "createImage" and a["message"] is None
    assert [(e["event"], e["result"]) for e in a["events"]] == [
        ("compute_snapshot_instance", "Success")]
    # The compute API's images proxy (2.1-2.35) shows it too.
    r = demo.get(f"/v2.1/images/{image_id}")
    assert r.status_code == 200, r.text
    assert r.json()["image"]["status"] == "ACTIVE"


def test_image_id_body_from_245(demo, server):
    need(demo, "2.45")
    r = act(demo, server, {"createImage": {"name": name("snap")}}, mv="2.45")
    assert r.status_code == 202, r.text
    assert "Location" not in r.headers
    body = r.json()
    assert list(body) == ["image_id"]
    wait_image(demo, created(body["image_id"]))
    r = act(demo, server, {"createImage": {"name": name("snap")}}, mv="2.44")
    assert r.status_code == 202 and "Location" in r.headers and r.text == ""
    wait_image(demo, created(r.headers["Location"].rsplit("/", 1)[1]))


@pytest.mark.parametrize("state", ["SHUTOFF", "PAUSED", "SUSPENDED"])
def test_snapshot_from_other_states(demo, server, state):
    body = {"SHUTOFF": {"os-stop": None}, "PAUSED": {"pause": None},
            "SUSPENDED": {"suspend": None}}[state]
    assert act(demo, server, body).status_code == 202
    demo.wait_server(server, state)
    image_id, _ = snapshot(demo, server, name("snap"))
    wait_image(demo, image_id)
    s = settle(demo, server)
    assert s["status"] == state


def test_locked_server_can_still_be_imaged(demo, admin, server):
    assert act(admin, server, {"lock": None}).status_code == 202
    image_id, _ = snapshot(demo, server, name("snap"))
    wait_image(demo, image_id)
    assert act(admin, server, {"unlock": None}).status_code == 202


def test_snapshot_in_error_state_conflicts(demo, admin, server):
    assert act(admin, server, {"os-resetState": {"state": "error"}}).status_code == 202
    before = len(demo.get("/image/v2/images").json()["images"])
    msg = fault(act(demo, server, {"createImage": {"name": "x"}}), 409)
    assert msg == f"Cannot 'createImage' instance {server} while it is in vm_state error"
    # No image was left behind.
    assert len(demo.get("/image/v2/images").json()["images"]) == before
    assert act(admin, server, {"os-resetState": {"state": "active"}}).status_code == 202


def test_admin_snapshot_of_a_project_server_is_shared(demo, admin, server):
    image_id, _ = snapshot(admin, server, name("adm"))
    img = wait_image(admin, image_id)
    assert img["owner"] == admin.project_id
    assert img["visibility"] == "shared"
    assert img["instance_owner"] == demo.project_id
    members = admin.get(f"/image/v2/images/{image_id}/members").json()["members"]
    assert [m["member_id"] for m in members] == [demo.project_id]


@pytest.mark.parametrize("args,msg", [
    ({}, "Invalid input for field/attribute createImage. Value: {}. "
         "'name' is a required property"),
    ({"name": ""}, None),
    ({"name": " lead"}, None),
    ({"name": 5}, "Invalid input for field/attribute name. Value: 5. "
                  "5 is not of type 'string'"),
    ({"name": "ok", "metadata": {"k": 1}}, None),
    ({"name": "ok", "metadata": "m"}, None),
    ({"name": "ok", "visibility": "public"},
     "Invalid input for field/attribute createImage. Value: {'name': 'ok', 'visibility': "
     "'public'}. Additional properties are not allowed ('visibility' was unexpected)"),
    (None, "Invalid input for field/attribute createImage. Value: None. "
           "None is not of type 'object'"),
])
def test_create_image_body(demo, server, args, msg):
    before = len(demo.get("/image/v2/images").json()["images"])
    m = fault(act(demo, server, {"createImage": args}), 400)
    if msg:
        assert m == msg
    assert len(demo.get("/image/v2/images").json()["images"]) == before
    assert demo.get(f"/servers/{server}").json()["server"][TASK] is None


def test_metadata_quota_until_238(demo, server):
    meta = {f"k{i}": "v" for i in range(129)}
    msg = fault(act(demo, server, {"createImage": {"name": "q", "metadata": meta}}), 403)
    assert msg == "Image metadata limit exceeded"
    need(demo, "2.39")
    r = act(demo, server, {"createImage": {"name": "q", "metadata": meta}}, mv="2.39")
    assert r.status_code == 202, r.text
    wait_image(demo, created(r.headers["Location"].rsplit("/", 1)[1]))


def test_other_projects_server_is_not_found(demo, admin_server):
    msg = fault(act(demo, admin_server, {"createImage": {"name": "x"}}), 404)
    assert msg == f"Instance {admin_server} could not be found."


def test_failed_snapshot_leaves_no_image(demo, admin):
    sid = demo.create_server(name(), metadata={"fake_fail": "snapshot"})
    try:
        image_id, req = snapshot(demo, sid, name("bad"))
        wait_image(demo, image_id, status=None)
        s = settle(demo, sid)
        assert (s["status"], s["OS-EXT-STS:vm_state"]) == ("ACTIVE", "active")
        a = admin.get(f"/servers/{sid}/os-instance-actions/{req}").json()["instanceAction"]
        assert a["message"] == "Error"
        assert [(e["event"], e["result"]) for e in a["events"]] == [
            ("compute_snapshot_instance", "Error")]
    finally:
        demo.delete(f"/servers/{sid}")


def test_snapshot_task_states(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "600")
    demo = Client(d.url, *token_for(d.url, "demo", "demo", "demo"))
    sid = demo.create_server(name())
    image_id, _ = snapshot(demo, sid, name("slow"))
    seen = set()
    deadline = time.time() + 30
    while time.time() < deadline:
        s = demo.get(f"/servers/{sid}").json()["server"]
        seen.add(s[TASK])
        assert s["status"] == "ACTIVE"
        if s[TASK] is None:
            break
        time.sleep(0.02)
    # The driver's snapshot runs in image_pending_upload (the states around
    # it pass too quickly to be seen reliably).
    assert "image_pending_upload" in seen
    assert seen <= {"image_snapshot_pending", "image_snapshot", "image_pending_upload",
                    "image_uploading", None}
    # While the snapshot runs, a second one conflicts on the task_state.
    image2, _ = snapshot(demo, sid, name("slow"))
    msg = fault(act(demo, sid, {"createImage": {"name": "again"}}), 409)
    assert msg.startswith(f"Cannot 'createImage' instance {sid} while it is in task_state "
                          "image_")
    wait_image(demo, image_id)
    wait_image(demo, image2)
