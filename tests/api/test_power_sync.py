"""The compute agent's power state sync (core/compute_sync.c, Nova's
_sync_power_states): each daemon here runs it every second
([compute] sync_power_state_interval = 1). The fake driver's test hook,
server metadata fake_power = "<state>[:<tag>]", changes a VM behind the
store's back as a guest powering itself off or a dying QEMU would; the
sync must then show it (power_state), stop an ACTIVE server whose VM is
down (SHUTOFF, power_state 4, a "stop" action recorded by the system),
power off a VM running behind a stopped server, leave servers with a task
in progress alone, and do nothing at all when the interval is 0.
"""
import sqlite3
import time
import uuid

from conftest import Client, token_for

TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"
POWER = "OS-EXT-STS:power_state"


def name():
    return f"sync-{uuid.uuid4().hex[:8]}"


def daemon(spawn_cirrusd, tmp_path, interval):
    conf = tmp_path / "cirrus.conf"
    conf.write_text(f"[compute]\nsync_power_state_interval = {interval}\n")
    d = spawn_cirrusd("--config", str(conf))
    tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
    return d, Client(d.url, tok, pid, uid)


def set_hook(client, sid, value):
    r = client.put(f"/servers/{sid}/metadata/fake_power", {"meta": {"fake_power": value}})
    assert r.status_code == 200, r.text


def server(client, sid):
    r = client.get(f"/servers/{sid}")
    assert r.status_code == 200, r.text
    return r.json()["server"]


def wait_for(client, sid, pred, what, timeout=20):
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        s = server(client, sid)
        if pred(s):
            return s
        time.sleep(0.1)
    raise AssertionError(f"server {sid} never {what}: {s}")


def actions(client, sid, name_=None):
    r = client.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 200, r.text
    acts = r.json()["instanceActions"]
    return [a for a in acts if name_ is None or a["action"] == name_]


def assert_system_stop(client, sid, action):
    """Nova's sync calls compute_api.stop with an admin context: the action
    has no user and no project, and its compute event succeeded."""
    assert action["action"] == "stop"
    assert action["user_id"] is None
    assert action["project_id"] is None
    assert action["message"] is None
    assert action["request_id"].startswith("req-")
    r = client.get(f"/servers/{sid}/os-instance-actions/{action['request_id']}")
    assert r.status_code == 200, r.text
    events = r.json()["instanceAction"]["events"]
    assert [(e["event"], e["result"]) for e in events] == [("compute_stop_instance", "Success")]


def test_crashed_server_becomes_shutoff(spawn_cirrusd, tmp_path):
    d, admin = daemon(spawn_cirrusd, tmp_path, 1)
    sid = admin.create_server(name())
    assert server(admin, sid)[POWER] == 1
    set_hook(admin, sid, "crashed")

    s = admin.wait_server(sid, "SHUTOFF", timeout=20)
    assert (s[VM], s[TASK], s[POWER]) == ("stopped", None, 4)
    stops = actions(admin, sid, "stop")
    assert len(stops) == 1
    assert_system_stop(admin, sid, stops[0])

    # The user starts it again; the hook fired once, so it stays up.
    r = admin.post(f"/servers/{sid}/action", {"os-start": None})
    assert r.status_code == 202, r.text
    s = admin.wait_server(sid, "ACTIVE")
    assert s[POWER] == 1
    # A guest that shuts itself down is treated the same way.
    set_hook(admin, sid, "shutdown:2")
    s = admin.wait_server(sid, "SHUTOFF", timeout=20)
    assert s[POWER] == 4
    assert len(actions(admin, sid, "stop")) == 2
    assert admin.delete(f"/servers/{sid}").status_code == 204
    admin.wait_server(sid, "DELETED")


def test_ignored_mismatches_only_update_power_state(spawn_cirrusd, tmp_path):
    """ACTIVE with a paused guest (external instrumentation, bug 1097806) or
    a VM the hypervisor does not know (NOSTATE) stays ACTIVE: Nova only
    writes power_state."""
    d, admin = daemon(spawn_cirrusd, tmp_path, 1)
    sid = admin.create_server(name())
    set_hook(admin, sid, "paused")
    s = wait_for(admin, sid, lambda s: s[POWER] == 3, "showed power_state 3")
    assert (s["status"], s[VM], s[TASK]) == ("ACTIVE", "active", None)
    set_hook(admin, sid, "gone")
    s = wait_for(admin, sid, lambda s: s[POWER] == 0, "showed power_state 0")
    assert (s["status"], s[VM], s[TASK]) == ("ACTIVE", "active", None)
    assert actions(admin, sid, "stop") == []
    # Deleting a server whose VM is gone works (destroy is idempotent).
    assert admin.delete(f"/servers/{sid}").status_code == 204
    admin.wait_server(sid, "DELETED")


def test_running_vm_behind_stopped_server_is_powered_off(spawn_cirrusd, tmp_path):
    d, admin = daemon(spawn_cirrusd, tmp_path, 1)
    sid = admin.create_server(name())
    assert admin.post(f"/servers/{sid}/action", {"os-stop": None}).status_code == 202
    admin.wait_server(sid, "SHUTOFF")
    assert len(actions(admin, sid, "stop")) == 1
    set_hook(admin, sid, "running")
    # force_stop: a second "stop" action, by the system, and power off again.
    deadline = time.time() + 20
    while len(actions(admin, sid, "stop")) < 2 and time.time() < deadline:
        time.sleep(0.1)
    stops = actions(admin, sid, "stop")
    assert len(stops) == 2, stops
    s = wait_for(admin, sid, lambda s: s[TASK] is None and s[POWER] == 4, "settled")
    assert (s["status"], s[VM]) == ("SHUTOFF", "stopped")
    assert_system_stop(admin, sid, stops[0])      # newest first
    assert stops[1]["user_id"] is not None         # the user's own stop


def test_server_with_a_task_is_left_alone(spawn_cirrusd, tmp_path):
    """A task_state means another operation owns the server (Nova: "has a
    pending task, Skip"). The task state and the hook are written in one
    transaction; a second server proves sync passes ran meanwhile."""
    d, admin = daemon(spawn_cirrusd, tmp_path, 1)
    busy = admin.create_server(name())        # lower id: each pass visits it first
    probe = admin.create_server(name())
    db = sqlite3.connect(f"{d.data_dir}/cirrus.db", timeout=10)
    with db:
        db.execute("UPDATE instances SET task_state = 'powering-off' WHERE uuid = ?", (busy,))
        db.executemany("INSERT INTO instance_metadata (instance_uuid, key, value) "
                       "VALUES (?, 'fake_power', 'crashed')", [(busy,), (probe,)])
    admin.wait_server(probe, "SHUTOFF", timeout=20)
    # probe's stop ran after the pass that saw the transaction; a later
    # pass (the one handling the next hook) visited busy again.
    set_hook(admin, probe, "running")
    deadline = time.time() + 20
    while len(actions(admin, probe, "stop")) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert len(actions(admin, probe, "stop")) == 2

    s = server(admin, busy)
    assert (s[VM], s[TASK], s[POWER]) == ("active", "powering-off", 1)
    assert actions(admin, busy, "stop") == []

    # Once the task is over, the next pass handles it.
    with db:
        db.execute("UPDATE instances SET task_state = NULL WHERE uuid = ?", (busy,))
    db.close()
    s = admin.wait_server(busy, "SHUTOFF", timeout=20)
    assert s[POWER] == 4
    assert len(actions(admin, busy, "stop")) == 1


def test_interval_zero_disables_the_sync(spawn_cirrusd, tmp_path):
    d, admin = daemon(spawn_cirrusd, tmp_path, 0)
    sid = admin.create_server(name())
    set_hook(admin, sid, "crashed")
    time.sleep(3.5)     # three passes' worth at the 1 s interval used above
    s = server(admin, sid)
    assert (s["status"], s[VM], s[TASK], s[POWER]) == ("ACTIVE", "active", None, 1)
    assert actions(admin, sid, "stop") == []
    # The hook was armed: the first get_info (after this stop's power off)
    # applies it, so the stop ends with CRASHED rather than SHUTDOWN.
    assert admin.post(f"/servers/{sid}/action", {"os-stop": None}).status_code == 202
    s = wait_for(admin, sid, lambda s: s[TASK] is None and s["status"] == "SHUTOFF", "stopped")
    assert s[POWER] == 6
