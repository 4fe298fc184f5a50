"""Power actions against a real cirrusd: os-start, os-stop, reboot (SOFT and
HARD), pause/unpause, suspend/resume. Each goes through the fake driver on
the server's host; the tests check the status, vm_state, task_state and
power_state Nova shows, the instance action and its compute_* event, the
request validation (400), another project's server (404), Nova's conflict
messages (409: vm_state, task_state, lock), and that a driver failure leaves
the server in a sane state with the action in Error.
"""
import time
import uuid

import pytest

from conftest import Client, token_for

TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"
POWER = "OS-EXT-STS:power_state"


def name(prefix="pw"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def act(client, sid, body, mv=None):
    return client.post(f"/servers/{sid}/action", body, mv=mv)


def accepted(client, sid, body):
    r = act(client, sid, body)
    assert r.status_code == 202, r.text
    assert r.text == ""
    return r.headers["x-openstack-request-id"]


def fault(r, code):
    assert r.status_code == code, r.text
    key = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
           409: "conflictingRequest"}[code]
    body = r.json()
    assert list(body) == [key], body
    assert body[key]["code"] == code
    return body[key]["message"]


def settle(client, sid, timeout=30):
    """Waits for the task to finish; returns the server."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = client.get(f"/servers/{sid}").json()["server"]
        if s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still in task {s[TASK]}")


def action_of(admin, sid, req_id, mv=None):
    """The instance action of one request, with its events (admin view)."""
    deadline = time.time() + 30
    while True:
        r = admin.get(f"/servers/{sid}/os-instance-actions/{req_id}", mv=mv)
        assert r.status_code == 200, r.text
        a = r.json()["instanceAction"]
        if all(e["finish_time"] for e in a["events"]) or time.time() > deadline:
            return a
        time.sleep(0.05)


@pytest.fixture
def server(demo):
    sid = demo.create_server(name())
    yield sid
    demo.delete(f"/servers/{sid}")


@pytest.fixture(scope="module")
def admin_server(admin):
    sid = admin.create_server(name("adm"))
    yield sid
    admin.delete(f"/servers/{sid}")


def test_stop_then_start(demo, admin, server):
    req = accepted(demo, server, {"os-stop": None})
    s = demo.wait_server(server, "SHUTOFF")
    assert (s[VM], s[TASK], s[POWER]) == ("stopped", None, 4)
    a = action_of(admin, server, req)
    assert a["action"] == "stop" and a["message"] is None
    assert [(e["event"], e["result"]) for e in a["events"]] == [
        ("compute_stop_instance", "Success")]

    req = accepted(demo, server, {"os-start": None})
    s = demo.wait_server(server, "ACTIVE")
    s = settle(demo, server)
    assert (s[VM], s[TASK], s[POWER]) == ("active", None, 1)
    a = action_of(admin, server, req)
    assert a["action"] == "start"
    assert [(e["event"], e["result"]) for e in a["events"]] == [
        ("compute_start_instance", "Success")]


def test_stop_and_start_accept_any_value(demo, server):
    # Nova's schemas leave the value of these keys unchecked.
    accepted(demo, server, {"os-stop": {"anything": [1, 2]}})
    demo.wait_server(server, "SHUTOFF")
    accepted(demo, server, {"os-start": "yes"})
    demo.wait_server(server, "ACTIVE")


@pytest.mark.parametrize("kind", ["SOFT", "Soft", "soft", "HARD", "Hard", "hard"])
def test_reboot_types(demo, admin, server, kind):
    req = accepted(demo, server, {"reboot": {"type": kind}})
    s = settle(demo, server)
    assert (s["status"], s[VM], s[POWER]) == ("ACTIVE", "active", 1)
    a = action_of(admin, server, req)
    assert a["action"] == "reboot"
    assert [(e["event"], e["result"]) for e in a["events"]] == [
        ("compute_reboot_instance", "Success")]


def test_hard_reboot_starts_a_stopped_server(demo, server):
    accepted(demo, server, {"os-stop": None})
    demo.wait_server(server, "SHUTOFF")
    r = act(demo, server, {"reboot": {"type": "SOFT"}})
    assert fault(r, 409) == (f"Cannot 'reboot' instance {server} while it is in vm_state "
                             "stopped")
    accepted(demo, server, {"reboot": {"type": "HARD"}})
    s = demo.wait_server(server, "ACTIVE")
    s = settle(demo, server)
    assert s[POWER] == 1


def test_pause_unpause(demo, admin, server):
    req = accepted(demo, server, {"pause": None})
    s = demo.wait_server(server, "PAUSED")
    assert (s[VM], s[TASK], s[POWER]) == ("paused", None, 3)
    assert [e["event"] for e in action_of(admin, server, req)["events"]] == [
        "compute_pause_instance"]
    fault(act(demo, server, {"pause": None}), 409)
    req = accepted(demo, server, {"unpause": None})
    s = demo.wait_server(server, "ACTIVE")
    assert (s[VM], s[POWER]) == ("active", 1)
    a = action_of(admin, server, req)
    assert (a["action"], a["events"][0]["event"]) == ("unpause", "compute_unpause_instance")


def test_suspend_resume(demo, admin, server):
    req = accepted(demo, server, {"suspend": None})
    s = demo.wait_server(server, "SUSPENDED")
    assert (s[VM], s[TASK], s[POWER]) == ("suspended", None, 7)
    a = action_of(admin, server, req)
    assert (a["action"], a["events"][0]["event"]) == ("suspend", "compute_suspend_instance")
    req = accepted(demo, server, {"resume": None})
    s = demo.wait_server(server, "ACTIVE")
    assert (s[VM], s[POWER]) == ("active", 1)
    a = action_of(admin, server, req)
    assert (a["action"], a["events"][0]["event"]) == ("resume", "compute_resume_instance")


def test_conflicts_name_the_vm_state(demo, server):
    cases = [({"os-start": None}, "start", "active"),
             ({"unpause": None}, "unpause", "active"),
             ({"resume": None}, "resume", "active")]
    for body, op, state in cases:
        msg = fault(act(demo, server, body), 409)
        assert msg == f"Cannot '{op}' instance {server} while it is in vm_state {state}"
    accepted(demo, server, {"suspend": None})
    demo.wait_server(server, "SUSPENDED")
    for body, op in [({"os-stop": None}, "stop"), ({"pause": None}, "pause"),
                     ({"suspend": None}, "suspend"), ({"reboot": {"type": "SOFT"}}, "reboot")]:
        msg = fault(act(demo, server, body), 409)
        assert msg == f"Cannot '{op}' instance {server} while it is in vm_state suspended"
    # A hard reboot is allowed from SUSPENDED.
    accepted(demo, server, {"reboot": {"type": "HARD"}})
    demo.wait_server(server, "ACTIVE")


def test_nothing_changes_on_a_conflict(demo, admin, server):
    before = admin.get(f"/servers/{server}/os-instance-actions").json()["instanceActions"]
    fault(act(demo, server, {"os-start": None}), 409)
    after = admin.get(f"/servers/{server}/os-instance-actions").json()["instanceActions"]
    assert before == after
    assert demo.get(f"/servers/{server}").json()["server"][TASK] is None


@pytest.mark.parametrize("body,msg", [
    ({"reboot": {}}, "Invalid input for field/attribute reboot. Value: {}. "
                     "'type' is a required property"),
    ({"reboot": None}, "Invalid input for field/attribute reboot. Value: None. "
                       "None is not of type 'object'"),
    ({"reboot": {"type": "WARM"}}, "Invalid input for field/attribute type. Value: WARM. "
                                   "'WARM' is not one of ['HARD', 'Hard', 'hard', 'SOFT', "
                                   "'Soft', 'soft']"),
    ({"reboot": {"type": "SOFT", "force": True}},
     "Invalid input for field/attribute reboot. Value: {'type': 'SOFT', 'force': True}. "
     "Additional properties are not allowed ('force' was unexpected)"),
    ({"reboot": {"type": 1}}, "Invalid input for field/attribute type. Value: 1. "
                              "1 is not of type 'string'"),
])
def test_reboot_body_validation(demo, server, body, msg):
    assert fault(act(demo, server, body), 400) == msg
    assert demo.get(f"/servers/{server}").json()["server"][TASK] is None


def test_two_keys_is_malformed(demo, server):
    r = act(demo, server, {"os-stop": None, "os-start": None})
    assert fault(r, 400) == "Malformed request body"


@pytest.mark.parametrize("body", [{"os-start": None}, {"os-stop": None},
                                  {"reboot": {"type": "HARD"}}, {"pause": None},
                                  {"unpause": None}, {"suspend": None}, {"resume": None}])
def test_other_projects_server_is_not_found(demo, admin_server, body):
    msg = fault(act(demo, admin_server, body), 404)
    assert msg == f"Instance {admin_server} could not be found."


def test_unknown_server_is_not_found(demo):
    missing = str(uuid.uuid4())
    assert fault(act(demo, missing, {"os-stop": None}), 404) == (
        f"Instance {missing} could not be found.")


def test_validation_comes_before_the_lookup(demo):
    # Nova validates the body before loading the server.
    fault(act(demo, str(uuid.uuid4()), {"reboot": {"type": "x"}}), 400)


def test_locked_server_conflicts_for_owner_but_not_admin(demo, admin, server):
    accepted(admin, server, {"lock": None})
    try:
        for body in [{"os-stop": None}, {"reboot": {"type": "HARD"}}, {"pause": None},
                     {"suspend": None}]:
            assert fault(act(demo, server, body), 409) == f"Instance {server} is locked"
        # Admins pass the lock guard.
        accepted(admin, server, {"pause": None})
        admin.wait_server(server, "PAUSED")
        assert fault(act(demo, server, {"unpause": None}), 409) == (
            f"Instance {server} is locked")
        accepted(admin, server, {"unpause": None})
        admin.wait_server(server, "ACTIVE")
    finally:
        accepted(admin, server, {"unlock": None})


def test_driver_failure_leaves_a_sane_server(demo, admin):
    # The fake driver fails operations listed in the fake_fail metadata.
    sid = demo.create_server(name(), metadata={"fake_fail": "pause,suspend"})
    try:
        req = accepted(demo, sid, {"pause": None})
        s = settle(demo, sid)
        assert (s["status"], s[VM], s[POWER]) == ("ACTIVE", "active", 1)
        a = action_of(admin, sid, req)
        assert a["message"] == "Error"
        assert [(e["event"], e["result"]) for e in a["events"]] == [
            ("compute_pause_instance", "Error")]
        req = accepted(demo, sid, {"suspend": None})
        s = settle(demo, sid)
        assert s["status"] == "ACTIVE"
        assert action_of(admin, sid, req)["events"][0]["result"] == "Error"
        # Operations that do not fail still work.
        accepted(demo, sid, {"os-stop": None})
        demo.wait_server(sid, "SHUTOFF")
    finally:
        demo.delete(f"/servers/{sid}")


def test_failed_hard_reboot_of_a_stopped_server_is_error(demo, admin):
    sid = demo.create_server(name(), metadata={"fake_fail": "reboot"})
    try:
        accepted(demo, sid, {"os-stop": None})
        demo.wait_server(sid, "SHUTOFF")
        req = accepted(demo, sid, {"reboot": {"type": "HARD"}})
        s = demo.wait_server(sid, "ERROR")
        assert s[TASK] is None
        assert s["fault"]["code"] == 500
        assert "reboot" in s["fault"]["message"]
        assert action_of(admin, sid, req)["message"] == "Error"
        # os-stop is allowed from ERROR.
        accepted(demo, sid, {"os-stop": None})
        s = settle(demo, sid)
        assert (s["status"], s[POWER]) == ("SHUTOFF", 4)
    finally:
        demo.delete(f"/servers/{sid}")


def test_failed_soft_reboot_of_a_running_server_stays_active(demo, admin):
    # Nova: "Reboot failed but instance is running" - a fault, no ERROR.
    sid = demo.create_server(name(), metadata={"fake_fail": "reboot"})
    try:
        accepted(demo, sid, {"reboot": {"type": "SOFT"}})
        s = settle(demo, sid)
        assert (s["status"], s[POWER]) == ("ACTIVE", 1)
    finally:
        demo.delete(f"/servers/{sid}")


def test_stop_of_an_unplaced_server_is_not_ready(demo):
    sid = demo.create_server("fail-spawn-" + uuid.uuid4().hex[:6], wait=False)
    try:
        demo.wait_server(sid, "ERROR")
        msg = fault(act(demo, sid, {"os-stop": None}), 409)
        assert msg == f"Instance {sid} is not ready"
    finally:
        demo.delete(f"/servers/{sid}")


def test_task_states_while_the_driver_works(spawn_cirrusd):
    """With a slow fake driver the intermediate task states are visible, and a
    second request meets Nova's task_state conflict."""
    d = spawn_cirrusd("--fake-delay-ms", "600")
    tok, pid, uid = token_for(d.url, "demo", "demo", "demo")
    demo = Client(d.url, tok, pid, uid)
    sid = demo.create_server(name())

    accepted(demo, sid, {"pause": None})
    s = demo.get(f"/servers/{sid}").json()["server"]
    assert (s["status"], s[TASK]) == ("ACTIVE", "pausing")
    msg = fault(act(demo, sid, {"os-stop": None}), 409)
    assert msg == f"Cannot 'stop' instance {sid} while it is in task_state pausing"
    demo.wait_server(sid, "PAUSED")

    accepted(demo, sid, {"unpause": None})
    assert demo.get(f"/servers/{sid}").json()["server"][TASK] == "unpausing"
    demo.wait_server(sid, "ACTIVE")
    settle(demo, sid)

    accepted(demo, sid, {"reboot": {"type": "SOFT"}})
    s = demo.get(f"/servers/{sid}").json()["server"]
    assert s["status"] == "REBOOT"
    assert s[TASK] in ("rebooting", "reboot_pending", "reboot_started")
    # A hard reboot may take over a soft one (task_states.ALLOW_REBOOT).
    accepted(demo, sid, {"reboot": {"type": "HARD"}})
    s = demo.get(f"/servers/{sid}").json()["server"]
    assert s["status"] == "HARD_REBOOT"
    assert s[TASK] in ("rebooting_hard", "reboot_pending_hard", "reboot_started_hard")
    s = settle(demo, sid)
    assert s["status"] == "ACTIVE"

    accepted(demo, sid, {"os-stop": None})
    assert demo.get(f"/servers/{sid}").json()["server"][TASK] == "powering-off"
    demo.wait_server(sid, "SHUTOFF")
    accepted(demo, sid, {"os-start": None})
    assert demo.get(f"/servers/{sid}").json()["server"][TASK] == "powering-on"
    demo.wait_server(sid, "ACTIVE")
    settle(demo, sid)

    accepted(demo, sid, {"suspend": None})
    assert demo.get(f"/servers/{sid}").json()["server"][TASK] == "suspending"
    demo.wait_server(sid, "SUSPENDED")
    accepted(demo, sid, {"resume": None})
    assert demo.get(f"/servers/{sid}").json()["server"][TASK] == "resuming"
    demo.wait_server(sid, "ACTIVE")
    settle(demo, sid)
