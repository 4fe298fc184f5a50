"""The rescue and unrescue server actions end to end with the fake driver:
ACTIVE/SHUTOFF -> rescuing -> RESCUE -> unrescuing -> ACTIVE, the
password answer (and {} when [compute] enable_instance_password is off),
the rescue image rules (rescue_image_ref visibility and status, a server
whose own image was deleted is refused up front and nothing changes),
stable device rescue properties, Nova's schema and state errors with
Nova's messages, instance actions and events, driver failures ending in
ERROR with a fault, and a kill -9 in the middle of a rescue.
"""
import signal
import time
import uuid

import pytest
import requests

from conftest import Client, first_flavor, first_image, token_for

TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"
POWER = "OS-EXT-STS:power_state"
OCTET = {"Content-Type": "application/octet-stream"}


def need(client, mv):
    """Skips while cirrus does not advertise microversion mv yet."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def clients(daemon):
    tok, pid, uid = token_for(daemon.url, "admin", "admin", "admin")
    admin = Client(daemon.url, tok, pid, uid)
    tok, pid, uid = token_for(daemon.url, "demo", "demo", "demo")
    return admin, Client(daemon.url, tok, pid, uid)


def action(client, sid, body, **kw):
    return client.post(f"/servers/{sid}/action", body, **kw)


def show(client, sid):
    r = client.get(f"/servers/{sid}")
    assert r.status_code == 200, r.text
    return r.json()["server"]


def wait_for(client, sid, pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        if r.status_code == 200:
            last = r.json()["server"]
            if pred(last):
                return last
        time.sleep(0.05)
    raise AssertionError(f"server {sid}: no {what} in {timeout}s: {last}")


def settled(client, sid, status):
    """Waits for status with no task left (ERROR included)."""
    return wait_for(client, sid, lambda s: s["status"] == status and s[TASK] is None,
                    what=status)


def console(client, sid):
    r = action(client, sid, {"os-getConsoleOutput": {}})
    assert r.status_code == 200, r.text
    return r.json()["output"]


def actions(client, sid):
    r = client.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 200, r.text
    return r.json()["instanceActions"]


def action_detail(admin, sid, name):
    """The newest action called name, with its events (admins see them)."""
    acts = [a for a in actions(admin, sid) if a["action"] == name]
    assert acts, f"no {name} action"
    r = admin.get(f"/servers/{sid}/os-instance-actions/{acts[0]['request_id']}")
    assert r.status_code == 200, r.text
    return r.json()["instanceAction"]


def wait_action_done(admin, sid, name):
    deadline = time.time() + 30
    while time.time() < deadline:
        act = action_detail(admin, sid, name)
        if act["events"] and all(e["finish_time"] for e in act["events"]):
            return act
        time.sleep(0.05)
    raise AssertionError(f"{name} action of {sid} never finished: {act}")


def assert_fault(r, status, message):
    assert r.status_code == status, r.text
    key = {400: "badRequest", 409: "conflictingRequest", 404: "itemNotFound",
           403: "forbidden"}[status]
    assert r.json() == {key: {"code": status, "message": message}}, r.text


class Images:
    """Images made by one test, deleted afterwards (first_image() picks the
    newest visible image, so none may outlive its test)."""

    def __init__(self, admin):
        self.admin = admin
        self.ids = []

    def create(self, client, data=b"x" * 512, **body):
        body = {"name": f"rescue-{uuid.uuid4().hex[:8]}", "disk_format": "raw",
                "container_format": "bare", **body}
        r = client.post("/image/v2/images", body)
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        self.ids.append(iid)
        if data is not None:
            r = client.put(f"/image/v2/images/{iid}/file", data=data, headers=OCTET)
            assert r.status_code == 204, r.text
        return iid

    def cleanup(self):
        for iid in self.ids:
            self.admin.delete(f"/image/v2/images/{iid}")


@pytest.fixture
def images(admin):
    made = Images(admin)
    yield made
    made.cleanup()


@pytest.fixture
def servers(demo):
    made = []

    def make(name="rescue", **fields):
        sid = demo.create_server(f"{name}-{uuid.uuid4().hex[:6]}", **fields)
        made.append(sid)
        return sid

    yield make
    for sid in made:
        demo.delete(f"/servers/{sid}")
    for sid in made:
        gone(demo, sid)


def gone(client, sid, timeout=30):
    """Waits for a deleted server to 404 (it may pass through ERROR)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.get(f"/servers/{sid}").status_code == 404:
            return
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still there")


# --- the happy path ---


def test_rescue_unrescue_roundtrip(demo, admin, servers):
    sid = servers()
    r = action(demo, sid, {"rescue": None})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"adminPass"}
    assert len(body["adminPass"]) == 12
    srv = settled(demo, sid, "RESCUE")
    assert srv[VM] == "rescued" and srv[POWER] == 1
    # no rescue_image_ref: the server's own image
    assert f"rescue image={srv['image']['id']}\n" in console(demo, sid)

    act = wait_action_done(admin, sid, "rescue")
    assert [e["event"] for e in act["events"]] == ["compute_rescue_instance"]
    assert act["events"][0]["result"] == "Success"
    assert act["message"] is None

    r = action(demo, sid, {"unrescue": None})
    assert r.status_code == 202, r.text
    assert r.content == b""
    srv = settled(demo, sid, "ACTIVE")
    assert srv[VM] == "active" and srv[POWER] == 1
    act = wait_action_done(admin, sid, "unrescue")
    assert [e["event"] for e in act["events"]] == ["compute_unrescue_instance"]
    assert act["events"][0]["result"] == "Success"
    # the owner sees both actions, newest first
    names = [a["action"] for a in actions(demo, sid)]
    assert names[:3] == ["unrescue", "rescue", "create"]


def test_rescue_with_password_and_image(demo, admin, servers, images):
    sid = servers()
    other = images.create(demo)
    r = action(demo, sid, {"rescue": {"adminPass": "s3cret-Pass", "rescue_image_ref": other}})
    assert r.status_code == 200, r.text
    assert r.json() == {"adminPass": "s3cret-Pass"}
    settled(demo, sid, "RESCUE")
    assert f"rescue image={other}\n" in console(demo, sid)
    # the value of unrescue is not checked
    assert action(demo, sid, {"unrescue": {"anything": 1}}).status_code == 202
    settled(demo, sid, "ACTIVE")


def test_rescue_from_shutoff_ends_active_after_unrescue(demo, servers):
    sid = servers()
    r = action(demo, sid, {"os-stop": None})
    assert r.status_code == 202, r.text
    settled(demo, sid, "SHUTOFF")
    assert action(demo, sid, {"rescue": {}}).status_code == 200
    srv = settled(demo, sid, "RESCUE")
    assert srv[POWER] == 1
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    # Nova: an unrescue ends ACTIVE even when the server was stopped before
    srv = settled(demo, sid, "ACTIVE")
    assert srv[POWER] == 1


def test_admin_rescues_a_project_server(demo, admin, servers):
    sid = servers()
    assert action(admin, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")
    assert action(admin, sid, {"unrescue": None}).status_code == 202
    settled(demo, sid, "ACTIVE")


# --- request validation: 400, nothing changes ---


@pytest.mark.parametrize("value,message", [
    ({"foo": 1}, "Invalid input for field/attribute rescue. Value: {'foo': 1}. Additional "
                 "properties are not allowed ('foo' was unexpected)"),
    ("x", "Invalid input for field/attribute rescue. Value: x. 'x' is not of type 'object', "
          "'null'"),
    ([], "Invalid input for field/attribute rescue. Value: []. [] is not of type 'object', "
         "'null'"),
    ({"adminPass": 1}, "Invalid input for field/attribute adminPass. Value: 1. 1 is not of "
                       "type 'string'"),
    ({"adminPass": None}, "Invalid input for field/attribute adminPass. Value: None. None is "
                          "not of type 'string'"),
    ({"rescue_image_ref": "abc"}, "Invalid input for field/attribute rescue_image_ref. Value: "
                                  "abc. 'abc' is not a 'uuid'"),
])
def test_rescue_body_validation(demo, servers, value, message):
    sid = servers()
    before = len(actions(demo, sid))
    assert_fault(action(demo, sid, {"rescue": value}), 400, message)
    srv = show(demo, sid)
    assert srv["status"] == "ACTIVE" and srv[TASK] is None
    assert len(actions(demo, sid)) == before


def test_rescue_image_ref_must_be_usable(demo, admin, servers, images):
    sid = servers()
    unknown = str(uuid.uuid4())
    assert_fault(action(demo, sid, {"rescue": {"rescue_image_ref": unknown}}), 400,
                 f"Requested rescue image '{unknown}' is not supported")
    # another project's private image is invisible to demo
    private = images.create(admin, visibility="private")
    assert_fault(action(demo, sid, {"rescue": {"rescue_image_ref": private}}), 400,
                 f"Requested rescue image '{private}' is not supported")
    # an image without data is not active
    queued = images.create(demo, data=None)
    assert_fault(action(demo, sid, {"rescue": {"rescue_image_ref": queued}}), 400,
                 f"Requested rescue image '{queued}' is not supported: its status is queued, "
                 "not active")
    # a volume snapshot image
    snap = images.create(demo, img_block_device_mapping="[]")
    assert_fault(action(demo, sid, {"rescue": {"rescue_image_ref": snap}}), 400,
                 f"Requested rescue image '{snap}' is not supported")
    srv = show(demo, sid)
    assert srv["status"] == "ACTIVE" and srv[TASK] is None
    assert "rescue" not in [a["action"] for a in actions(demo, sid)]
    # the admin may use the private image
    assert action(admin, sid, {"rescue": {"rescue_image_ref": private}}).status_code == 200
    settled(demo, sid, "RESCUE")


def test_rescue_refused_when_own_image_was_deleted(demo, servers, images):
    own = images.create(demo)
    sid = servers(imageRef=own)
    assert demo.delete(f"/image/v2/images/{own}").status_code == 204
    r = action(demo, sid, {"rescue": None})
    assert_fault(r, 400, f"Instance {sid} cannot be rescued with its own image: image {own} "
                 "has been deleted. Name another image with rescue_image_ref.")
    srv = show(demo, sid)
    assert srv["status"] == "ACTIVE" and srv[TASK] is None and srv[VM] == "active"
    assert "rescue" not in [a["action"] for a in actions(demo, sid)]
    # naming a usable image works
    r = action(demo, sid, {"rescue": {"rescue_image_ref": first_image(demo)}})
    assert r.status_code == 200, r.text
    settled(demo, sid, "RESCUE")
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    settled(demo, sid, "ACTIVE")


def test_stable_device_rescue_image(demo, servers, images):
    sid = servers()
    stable = images.create(demo, hw_rescue_device="cdrom", hw_rescue_bus="scsi")
    r = action(demo, sid, {"rescue": {"rescue_image_ref": stable}})
    assert r.status_code == 200, r.text
    settled(demo, sid, "RESCUE")
    # the fake driver's history (its console) shows what it was asked
    assert f"rescue image={stable} device=cdrom bus=scsi\n" in console(demo, sid)
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    settled(demo, sid, "ACTIVE")
    # ImageMeta's enums: a value outside them is refused
    bad = images.create(demo, hw_rescue_device="tape", hw_rescue_bus="scsi")
    assert_fault(action(demo, sid, {"rescue": {"rescue_image_ref": bad}}), 400,
                 f"Requested rescue image '{bad}' is not supported: hw_rescue_device 'tape' is "
                 "not one of cdrom, disk, floppy, fs, lun")


def test_stable_device_rescue_at_2_87(demo, servers, images):
    need(demo, "2.87")
    sid = servers()
    stable = images.create(demo, hw_rescue_device="disk", hw_rescue_bus="virtio")
    r = action(demo, sid, {"rescue": {"rescue_image_ref": stable}}, mv="2.87")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"adminPass"}
    settled(demo, sid, "RESCUE")
    assert action(demo, sid, {"unrescue": None}, mv="2.87").status_code == 202
    settled(demo, sid, "ACTIVE")


# --- state guards: 409 with Nova's messages ---


def test_rescue_state_conflicts(demo, servers):
    sid = servers()
    assert_fault(action(demo, sid, {"unrescue": None}), 409,
                 f"Cannot 'unrescue' instance {sid} while it is in vm_state active")
    assert action(demo, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")
    assert_fault(action(demo, sid, {"rescue": None}), 409,
                 f"Cannot 'rescue' instance {sid} while it is in vm_state rescued")
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    settled(demo, sid, "ACTIVE")
    assert action(demo, sid, {"pause": None}).status_code == 202
    settled(demo, sid, "PAUSED")
    assert_fault(action(demo, sid, {"rescue": None}), 409,
                 f"Cannot 'rescue' instance {sid} while it is in vm_state paused")
    assert action(demo, sid, {"unpause": None}).status_code == 202
    settled(demo, sid, "ACTIVE")


def test_never_launched_server(demo, admin):
    """A build that failed leaves ERROR without launched_at: the vm_state is
    one rescue accepts, must_have_launched is not."""
    body = {"name": f"fail-spawn-{uuid.uuid4().hex[:6]}", "flavorRef": first_flavor(demo),
            "imageRef": first_image(demo)}
    r = demo.post("/servers", {"server": body})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    try:
        srv = settled(demo, sid, "ERROR")
        assert srv["OS-SRV-USG:launched_at"] is None
        assert_fault(action(demo, sid, {"rescue": None}), 409,
                     f"Instance {sid} is in an invalid state for 'rescue'")
        assert_fault(action(demo, sid, {"unrescue": None}), 409,
                     f"Cannot 'unrescue' instance {sid} while it is in vm_state error")
        assert show(demo, sid)[TASK] is None
    finally:
        demo.delete(f"/servers/{sid}")
        gone(demo, sid)


def test_locked_server(demo, admin, servers):
    sid = servers()
    r = action(demo, sid, {"lock": None})
    assert r.status_code == 202, r.text
    assert_fault(action(demo, sid, {"rescue": None}), 409, f"Instance {sid} is locked")
    # admins pass the lock
    assert action(admin, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")
    assert_fault(action(demo, sid, {"unrescue": None}), 409, f"Instance {sid} is locked")
    assert action(admin, sid, {"unrescue": None}).status_code == 202
    settled(demo, sid, "ACTIVE")
    assert action(demo, sid, {"unlock": None}).status_code == 202


def test_rescue_of_other_project_is_404(demo, admin):
    sid = admin.create_server(f"adm-{uuid.uuid4().hex[:6]}")
    try:
        assert_fault(action(demo, sid, {"rescue": None}), 404,
                     f"Instance {sid} could not be found.")
        assert_fault(action(demo, sid, {"unrescue": None}), 404,
                     f"Instance {sid} could not be found.")
    finally:
        admin.delete(f"/servers/{sid}")
        gone(admin, sid)


def test_rescue_extensions_listed(demo):
    for alias in ("os-rescue", "os-extended-rescue-with-image"):
        r = demo.get(f"/extensions/{alias}")
        assert r.status_code == 200, r.text
        assert r.json()["extension"]["alias"] == alias


def test_rescue_needs_a_token(anon, demo, servers):
    sid = servers()
    assert action(anon, sid, {"rescue": None}).status_code == 401


# --- driver failures: ERROR with a fault, action Error, no task left ---


def test_rescue_driver_failure(demo, admin, servers):
    sid = servers(metadata={"fake_fail": "rescue"})
    assert action(demo, sid, {"rescue": None}).status_code == 200
    srv = settled(admin, sid, "ERROR")
    assert srv[VM] == "error"
    assert srv["fault"]["code"] == 500
    assert srv["fault"]["message"].startswith(
        f"Instance {sid} cannot be rescued: Driver Error: rescue of instance-")
    act = wait_action_done(admin, sid, "rescue")
    assert act["message"] == "Error"
    assert act["events"][0]["event"] == "compute_rescue_instance"
    assert act["events"][0]["result"] == "Error"


def test_unrescue_driver_failure(demo, admin, servers):
    sid = servers(metadata={"fake_fail": "unrescue"})
    assert action(demo, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    srv = settled(admin, sid, "ERROR")
    assert srv["fault"]["code"] == 500
    assert "unrescue of instance-" in srv["fault"]["message"]
    act = wait_action_done(admin, sid, "unrescue")
    assert act["message"] == "Error"
    assert act["events"][0]["result"] == "Error"
    # an ERROR server may be rescued again (and this one fails no rescue)
    assert action(demo, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")


# --- deployment options and timing: daemons of their own ---


def test_password_not_returned_when_disabled(spawn_cirrusd, tmp_path):
    conf = tmp_path / "cirrus.conf"
    conf.write_text("[compute]\nenable_instance_password = false\n")
    d = spawn_cirrusd("--config", str(conf))
    _, demo = clients(d)
    sid = demo.create_server("nopass")
    r = action(demo, sid, {"rescue": {"adminPass": "hidden-pass"}})
    assert r.status_code == 200, r.text
    assert r.json() == {}
    settled(demo, sid, "RESCUE")


def test_task_state_while_rescuing_and_building(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "600")
    admin, demo = clients(d)
    body = {"name": "slow", "flavorRef": first_flavor(demo), "imageRef": first_image(demo)}
    r = demo.post("/servers", {"server": body})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    # a building server cannot be rescued
    assert_fault(action(demo, sid, {"rescue": None}), 409,
                 f"Cannot 'rescue' instance {sid} while it is in vm_state building")
    demo.wait_server(sid, "ACTIVE")
    assert action(demo, sid, {"rescue": None}).status_code == 200
    srv = show(demo, sid)
    assert srv[TASK] == "rescuing" and srv["status"] == "ACTIVE"
    assert_fault(action(demo, sid, {"rescue": None}), 409,
                 f"Cannot 'rescue' instance {sid} while it is in task_state rescuing")
    settled(demo, sid, "RESCUE")
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    srv = show(demo, sid)
    assert srv[TASK] == "unrescuing" and srv["status"] == "RESCUE"
    assert_fault(action(demo, sid, {"unrescue": None}), 409,
                 f"Cannot 'unrescue' instance {sid} while it is in task_state unrescuing")
    settled(demo, sid, "ACTIVE")


def test_kill9_during_rescue_recovers(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "2000")
    admin, demo = clients(d)
    sid = demo.create_server("survivor", wait=False)
    demo.wait_server(sid, "ACTIVE", timeout=30)
    assert action(demo, sid, {"rescue": None}).status_code == 200
    assert show(demo, sid)[TASK] == "rescuing"
    time.sleep(0.5)                     # the host is inside the driver's rescue now
    d.stop(signal.SIGKILL)

    d2 = spawn_cirrusd("--fake-delay-ms", "2000", data_dir=d.data_dir)
    admin, demo = clients(d2)
    srv = settled(demo, sid, "RESCUE")
    assert srv[VM] == "rescued"
    act = wait_action_done(admin, sid, "rescue")
    # the re-run reuses the open event: one event, finished once
    assert [e["result"] for e in act["events"]] == ["Success"]
    r = admin.get("/servers/detail?all_tenants=1")
    assert r.status_code == 200, r.text
    assert not [(s["name"], s[TASK]) for s in r.json()["servers"] if s[TASK]]

    # the same in the middle of an unrescue
    assert action(demo, sid, {"unrescue": None}).status_code == 202
    assert show(demo, sid)[TASK] == "unrescuing"
    time.sleep(0.5)
    d2.stop(signal.SIGKILL)
    d3 = spawn_cirrusd("--fake-delay-ms", "200", data_dir=d.data_dir)
    admin, demo = clients(d3)
    srv = settled(demo, sid, "ACTIVE")
    assert srv[VM] == "active" and srv[POWER] == 1
    act = wait_action_done(admin, sid, "unrescue")
    assert [e["result"] for e in act["events"]] == ["Success"]
    # the driver knows it as an ordinary running server again
    assert action(demo, sid, {"rescue": None}).status_code == 200
    settled(demo, sid, "RESCUE")
