"""Admin-ish server actions against a real cirrusd: lock/unlock (owner vs
admin locks, unlock_override, locked/locked_reason in the server view at 2.9
and 2.73, 2.73's body schema), os-resetState, injectNetworkInfo and
resetNetwork (admin only, through the fake driver), os-getConsoleOutput
(the length parameter exactly as Nova's schema and _tail_log treat it) and
changePassword (Nova's synchronous call: 202, or the compute side's 409).
"""
import time
import uuid

import pytest
import requests

TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"


def need(client, mv):
    """Skips while cirrus does not advertise microversion mv."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def name(prefix="adm"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def act(client, sid, body, mv=None):
    return client.post(f"/servers/{sid}/action", body, mv=mv)


def accepted(client, sid, body, mv=None):
    r = act(client, sid, body, mv=mv)
    assert r.status_code == 202, r.text
    assert r.text == ""
    return r.headers["x-openstack-request-id"]


def fault(r, code):
    assert r.status_code == code, r.text
    key = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
           409: "conflictingRequest", 501: "notImplemented"}[code]
    body = r.json()
    assert list(body) == [key], body
    assert body[key]["code"] == code
    return body[key]["message"]


def show(client, sid, mv=None):
    r = client.get(f"/servers/{sid}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["server"]


def settle(client, sid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = show(client, sid)
        if s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still in a task")


def action_of(admin, sid, req_id):
    deadline = time.time() + 30
    while True:
        r = admin.get(f"/servers/{sid}/os-instance-actions/{req_id}")
        assert r.status_code == 200, r.text
        a = r.json()["instanceAction"]
        if (a["events"] and all(e["finish_time"] for e in a["events"])) or \
                time.time() > deadline:
            return a
        time.sleep(0.05)


def action_names(admin, sid):
    r = admin.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 200, r.text
    return [a["action"] for a in r.json()["instanceActions"]]


def console(client, sid, args=None, mv=None):
    return act(client, sid, {"os-getConsoleOutput": {} if args is None else args}, mv=mv)


def output(client, sid, args=None):
    r = console(client, sid, args)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["output"]
    return body["output"]


@pytest.fixture
def server(demo):
    sid = demo.create_server(name())
    yield sid
    admin_unlock = demo.post(f"/servers/{sid}/action", {"unlock": None})
    assert admin_unlock.status_code in (202, 403)
    demo.delete(f"/servers/{sid}")


@pytest.fixture(scope="module")
def admin_server(admin):
    sid = admin.create_server(name("own"))
    yield sid
    admin.delete(f"/servers/{sid}")


# --- lock / unlock ---

def test_owner_lock_and_unlock(demo, admin, server):
    req = accepted(demo, server, {"lock": None})
    a = action_of(admin, server, req)
    assert a["action"] == "lock"
    assert [(e["event"], e["result"]) for e in a["events"]] == [("api_lock", "Success")]
    msg = fault(act(demo, server, {"os-stop": None}), 409)
    assert msg == f"Instance {server} is locked"
    # Locking again as the owner changes nothing and records nothing.
    n = len(action_names(admin, server))
    accepted(demo, server, {"lock": None})
    assert len(action_names(admin, server)) == n
    req = accepted(demo, server, {"unlock": None})
    a = action_of(admin, server, req)
    assert a["action"] == "unlock"
    assert [e["event"] for e in a["events"]] == ["api_unlock"]
    accepted(demo, server, {"os-stop": None})
    demo.wait_server(server, "SHUTOFF")


def test_lock_value_is_unchecked_before_273(demo, server):
    accepted(demo, server, {"lock": {"locked_reason": "", "other": 1}})
    accepted(demo, server, {"unlock": "whatever"})


def test_locked_field_from_29(demo, server):
    need(demo, "2.9")
    assert "locked" not in show(demo, server, mv="2.8")
    assert show(demo, server, mv="2.9")["locked"] is False
    accepted(demo, server, {"lock": None})
    assert show(demo, server, mv="2.9")["locked"] is True
    assert "locked_reason" not in show(demo, server, mv="2.72")


def test_locked_reason_273(demo, admin, server):
    need(demo, "2.73")
    accepted(demo, server, {"lock": {"locked_reason": "maintenance"}}, mv="2.73")
    s = show(demo, server, mv="2.73")
    assert (s["locked"], s["locked_reason"]) == (True, "maintenance")
    accepted(demo, server, {"unlock": None}, mv="2.73")
    s = show(demo, server, mv="2.73")
    assert (s["locked"], s["locked_reason"]) == (False, None)
    accepted(demo, server, {"lock": None}, mv="2.73")
    s = show(demo, server, mv="2.73")
    assert (s["locked"], s["locked_reason"]) == (True, None)


@pytest.mark.parametrize("value,msg", [
    ({"locked_reason": ""}, "Invalid input for field/attribute locked_reason. Value: . "
                            "'' is too short"),
    ({"locked_reason": "x" * 256}, None),
    ({"locked_reason": 5}, "Invalid input for field/attribute locked_reason. Value: 5. "
                           "5 is not of type 'string'"),
    ({"reason": "x"}, "Invalid input for field/attribute lock. Value: {'reason': 'x'}. "
                      "Additional properties are not allowed ('reason' was unexpected)"),
    ("x", "Invalid input for field/attribute lock. Value: x. "
          "'x' is not of type 'object', 'null'"),
])
def test_lock_body_273(demo, server, value, msg):
    need(demo, "2.73")
    m = fault(act(demo, server, {"lock": value}, mv="2.73"), 400)
    if msg:
        assert m == msg
    assert show(demo, server, mv="2.73")["locked"] is False


def test_admin_lock_needs_admin_to_unlock(demo, admin, server):
    accepted(admin, server, {"lock": None})
    msg = fault(act(demo, server, {"unlock": None}), 403)
    assert msg == ("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override "
                   "to be performed.")
    assert fault(act(demo, server, {"pause": None}), 409) == f"Instance {server} is locked"
    # The admin is not blocked by the lock.
    accepted(admin, server, {"os-stop": None})
    admin.wait_server(server, "SHUTOFF")
    accepted(admin, server, {"unlock": None})
    accepted(demo, server, {"os-start": None})
    demo.wait_server(server, "ACTIVE")


def test_admin_relocks_an_owner_lock(demo, admin, server):
    accepted(demo, server, {"lock": None})
    accepted(admin, server, {"lock": None})
    fault(act(demo, server, {"unlock": None}), 403)
    accepted(admin, server, {"unlock": None})


def test_lock_of_other_project_is_not_found(demo, admin_server):
    for body in [{"lock": None}, {"unlock": None}]:
        assert fault(act(demo, admin_server, body), 404) == (
            f"Instance {admin_server} could not be found.")


# --- os-resetState ---

def test_reset_state(demo, admin, server):
    req = accepted(admin, server, {"os-resetState": {"state": "error"}})
    s = show(demo, server)
    assert (s["status"], s[VM], s[TASK]) == ("ERROR", "error", None)
    r = admin.get(f"/servers/{server}/os-instance-actions/{req}")
    assert r.status_code == 200, r.text
    a = r.json()["instanceAction"]
    assert a["action"] == "resetState" and a["events"] == []
    msg = fault(act(demo, server, {"pause": None}), 409)
    assert msg == f"Cannot 'pause' instance {server} while it is in vm_state error"
    accepted(admin, server, {"os-resetState": {"state": "active"}})
    assert show(demo, server)["status"] == "ACTIVE"
    accepted(demo, server, {"pause": None})
    demo.wait_server(server, "PAUSED")


def test_reset_state_clears_a_stuck_task(spawn_cirrusd):
    from conftest import Client, token_for
    d = spawn_cirrusd("--fake-delay-ms", "800")
    admin = Client(d.url, *token_for(d.url, "admin", "admin", "admin"))
    sid = admin.create_server(name())
    accepted(admin, sid, {"pause": None})
    assert show(admin, sid)[TASK] == "pausing"
    accepted(admin, sid, {"os-resetState": {"state": "active"}})
    s = show(admin, sid)
    assert (s[VM], s[TASK]) == ("active", None)
    # The queued pause finds the task gone and leaves the server alone.
    time.sleep(1.2)
    s = settle(admin, sid)
    assert (s["status"], s[VM]) == ("ACTIVE", "active")


def test_reset_state_is_admin_only(demo, server):
    msg = fault(act(demo, server, {"os-resetState": {"state": "error"}}), 403)
    assert msg == ("Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be "
                   "performed.")
    assert show(demo, server)["status"] == "ACTIVE"


@pytest.mark.parametrize("value,msg", [
    ({"state": "stopped"}, "Invalid input for field/attribute state. Value: stopped. "
                           "'stopped' is not one of ['active', 'error']"),
    ({"state": "ACTIVE"}, "Invalid input for field/attribute state. Value: ACTIVE. "
                          "'ACTIVE' is not one of ['active', 'error']"),
    ({}, "Invalid input for field/attribute os-resetState. Value: {}. "
         "'state' is a required property"),
    ({"state": "error", "x": 1}, "Invalid input for field/attribute os-resetState. Value: "
                                 "{'state': 'error', 'x': 1}. Additional properties are not "
                                 "allowed ('x' was unexpected)"),
    (None, "Invalid input for field/attribute os-resetState. Value: None. "
           "None is not of type 'object'"),
])
def test_reset_state_body(admin, server, value, msg):
    assert fault(act(admin, server, {"os-resetState": value}), 400) == msg


def test_reset_state_unknown_server(admin):
    missing = str(uuid.uuid4())
    assert fault(act(admin, missing, {"os-resetState": {"state": "error"}}), 404) == (
        f"Instance {missing} could not be found.")


# --- injectNetworkInfo / resetNetwork ---

def wait_console(client, sid, text):
    deadline = time.time() + 30
    while time.time() < deadline:
        out = output(client, sid)
        if text in out:
            return out
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached the console: {out}")


def test_inject_network_info(demo, admin, server):
    accepted(admin, server, {"injectNetworkInfo": None})
    out = wait_console(demo, server, "[fake] inject_network_info")
    assert "[fake] inject_network_info private 10." in out
    # No task_state and no instance action, as Nova.
    assert show(demo, server)[TASK] is None
    assert "injectNetworkInfo" not in action_names(admin, server)


def test_reset_network(demo, admin, server):
    accepted(admin, server, {"resetNetwork": None})
    wait_console(demo, server, "[fake] reset_network")


@pytest.mark.parametrize("key,rule", [("injectNetworkInfo", "inject_network_info"),
                                      ("resetNetwork", "reset_network")])
def test_network_actions_are_admin_only(demo, server, key, rule):
    msg = fault(act(demo, server, {key: None}), 403)
    assert msg == f"Policy doesn't allow os_compute_api:os-admin-actions:{rule} to be performed."


def test_network_actions_unknown_server(admin):
    missing = str(uuid.uuid4())
    fault(act(admin, missing, {"injectNetworkInfo": None}), 404)
    fault(act(admin, missing, {"resetNetwork": None}), 404)


# --- os-getConsoleOutput ---

def test_console_output(demo, server):
    out = output(demo, server)
    assert out.endswith("FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE")
    assert "[fake] spawn" in out
    assert output(demo, server, {"length": None}) == out


@pytest.mark.parametrize("length,expect", [
    (1, "LAST LINE"), ("2", "ANOTHER\nLAST LINE"), (0, ""), ("0", ""),
    (100000, None),
])
def test_console_output_length(demo, server, length, expect):
    full = output(demo, server)
    got = output(demo, server, {"length": length})
    assert got == (full if expect is None else expect)


def test_console_output_negative_length(demo, server):
    # Nova's _tail_log slices lines[-length:]: -1 drops the first line, and a
    # negative string passes the schema's pattern.
    lines = output(demo, server).split("\n")
    assert output(demo, server, {"length": -1}) == "\n".join(lines[1:])
    assert output(demo, server, {"length": "-2"}) == "\n".join(lines[2:])


@pytest.mark.parametrize("args,msg", [
    ({"length": -2}, "Invalid input for field/attribute length. Value: -2. "
                     "-2 is less than the minimum of -1"),
    ({"length": "ten"}, "Invalid input for field/attribute length. Value: ten. "
                        "'ten' does not match '^-?[0-9]+$'"),
    ({"length": "1.5"}, "Invalid input for field/attribute length. Value: 1.5. "
                        "'1.5' does not match '^-?[0-9]+$'"),
    ({"length": True}, "Invalid input for field/attribute length. Value: True. "
                       "True is not of type 'integer', 'string', 'null'"),
    ({"length": 1.5}, "Invalid input for field/attribute length. Value: 1.5. "
                      "1.5 is not of type 'integer', 'string', 'null'"),
    ({"lines": 1}, "Invalid input for field/attribute os-getConsoleOutput. Value: "
                   "{'lines': 1}. Additional properties are not allowed ('lines' was "
                   "unexpected)"),
    (None, "Invalid input for field/attribute os-getConsoleOutput. Value: None. "
           "None is not of type 'object'"),
])
def test_console_output_body(demo, server, args, msg):
    r = act(demo, server, {"os-getConsoleOutput": args})
    assert fault(r, 400) == msg


def test_console_output_of_a_stopped_server(demo, server):
    # Only a server without a host is "not ready"; SHUTOFF still has its log
    # (tempest test_get_console_output_server_id_in_shutoff_status).
    assert act(demo, server, {"os-stop": None}).status_code == 202
    demo.wait_server(server, "SHUTOFF")
    assert "[fake] power_off" in output(demo, server)


def test_console_output_other_project(demo, admin_server):
    fault(console(demo, admin_server), 404)


def test_console_output_admin_sees_any(admin, server):
    assert "LAST LINE" in output(admin, server)


def test_console_output_unplaced_server_is_not_ready(demo):
    sid = demo.create_server("fail-spawn-" + uuid.uuid4().hex[:6], wait=False)
    try:
        demo.wait_server(sid, "ERROR")
        assert fault(console(demo, sid), 409) == f"Instance {sid} is not ready"
    finally:
        demo.delete(f"/servers/{sid}")


# --- changePassword ---

def test_change_password(demo, admin, server):
    req = accepted(demo, server, {"changePassword": {"adminPass": "s3cret!"}})
    # Nova's call returns once the compute side is done.
    s = show(demo, server)
    assert (s["status"], s[TASK]) == ("ACTIVE", None)
    a = action_of(admin, server, req)
    assert a["action"] == "changePassword" and a["message"] is None
    assert [(e["event"], e["result"]) for e in a["events"]] == [
        ("compute_set_admin_password", "Success")]
    out = output(demo, server)
    assert "set_admin_password length=7" in out and "s3cret" not in out


@pytest.mark.parametrize("args,msg", [
    ({}, "Invalid input for field/attribute changePassword. Value: {}. "
         "'adminPass' is a required property"),
    ({"adminPass": 1}, "Invalid input for field/attribute adminPass. Value: 1. "
                       "1 is not of type 'string'"),
    ({"adminPass": None}, "Invalid input for field/attribute adminPass. Value: None. "
                          "None is not of type 'string'"),
    ({"adminPass": "x", "user": "root"}, None),
    ("x", "Invalid input for field/attribute changePassword. Value: x. "
          "'x' is not of type 'object'"),
])
def test_change_password_body(demo, server, args, msg):
    m = fault(act(demo, server, {"changePassword": args}), 400)
    if msg:
        assert m == msg


def test_change_password_conflicts(demo, admin, server):
    accepted(demo, server, {"pause": None})
    demo.wait_server(server, "PAUSED")
    msg = fault(act(demo, server, {"changePassword": {"adminPass": "x"}}), 409)
    assert msg == f"Cannot 'changePassword' instance {server} while it is in vm_state paused"
    accepted(demo, server, {"unpause": None})
    demo.wait_server(server, "ACTIVE")
    settle(demo, server)
    accepted(admin, server, {"lock": None})
    msg = fault(act(demo, server, {"changePassword": {"adminPass": "x"}}), 409)
    assert msg == f"Instance {server} is locked"
    accepted(admin, server, {"unlock": None})


def test_change_password_other_project(demo, admin_server):
    fault(act(demo, admin_server, {"changePassword": {"adminPass": "x"}}), 404)


def test_change_password_driver_failure(demo, admin):
    sid = demo.create_server(name(), metadata={"fake_fail": "set_admin_password"})
    try:
        r = act(demo, sid, {"changePassword": {"adminPass": "x"}})
        assert fault(r, 409) == (f"Failed to set admin password on {sid} because error "
                                 "setting admin password")
        s = show(demo, sid)
        assert (s["status"], s[TASK]) == ("ACTIVE", None)
        req = r.headers["x-openstack-request-id"]
        a = action_of(admin, sid, req)
        assert a["message"] == "Error"
        assert a["events"][0]["result"] == "Error"
    finally:
        demo.delete(f"/servers/{sid}")
