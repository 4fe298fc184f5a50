"""Cold migration and resize end to end with the fake driver on three hosts:
migrate (host from 2.56) and resize -> RESIZE -> VERIFY_RESIZE on another
host, then confirmResize (204, the source's claim released) or revertResize
(202, back on the source with the old flavor); stopped servers stay stopped;
Nova's task states, instance actions and events, migration records; schema,
policy, state and host errors with Nova's messages; NoValidHost as a 400
that leaves an errored migration and a failed action; driver failures
ending in ERROR with a fault and no claim left behind; and the
resize_confirm_window auto-confirm, across a restart too.
"""
import signal
import time

import pytest

from conftest import Daemon, fail_on_sanitizer
from hostutil import clients, conf_file, create, fault, need

HOST = "OS-EXT-SRV-ATTR:host"
TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"
POWER = "OS-EXT-STS:power_state"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    conf = tmp_path_factory.mktemp("migrate") / "cirrus.conf"
    conf.write_text("[quota]\ninstances = 100\ncores = 400\nram = 1000000\n")
    d = Daemon("--hosts", "3", "--config", str(conf))
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    admin, demo = clients(d)
    yield d, admin, demo
    d.cleanup()
    fail_on_sanitizer([d])


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


def gone(client, sid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.get(f"/servers/{sid}").status_code == 404:
            return
        time.sleep(0.05)
    raise AssertionError(f"server {sid} not deleted")


def migrations(admin, sid, mv="2.1"):
    r = admin.get(f"/os-migrations?instance_uuid={sid}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["migrations"]


def wait_migration(admin, sid, status, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = migrations(admin, sid)
        if last and last[-1]["status"] == status:
            return last[-1]
        time.sleep(0.05)
    raise AssertionError(f"migration of {sid} not {status}: {last}")


def action_detail(admin, sid, name):
    """The newest action called name, with its events (admins see them)."""
    r = admin.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 200, r.text
    acts = [a for a in r.json()["instanceActions"] if a["action"] == name]
    assert acts, f"no {name} action"
    r = admin.get(f"/servers/{sid}/os-instance-actions/{acts[0]['request_id']}")
    assert r.status_code == 200, r.text
    return r.json()["instanceAction"]


def wait_action(admin, sid, name, events, timeout=30):
    """Waits until the action has all the named events finished."""
    deadline = time.time() + timeout
    act = None
    while time.time() < deadline:
        act = action_detail(admin, sid, name)
        done = {e["event"]: e["result"] for e in act["events"] if e["finish_time"]}
        if set(events) <= set(done):
            return act, done
        time.sleep(0.05)
    raise AssertionError(f"{name} of {sid}: events {events} not finished: {act}")


def usage(admin):
    """{host: (vcpus_used, memory_mb_used)} from os-hypervisors."""
    r = admin.get("/os-hypervisors/detail")
    assert r.status_code == 200, r.text
    return {h["hypervisor_hostname"]: (h["vcpus_used"], h["memory_mb_used"])
            for h in r.json()["hypervisors"]}


def flavors(client):
    r = client.get("/flavors/detail")
    assert r.status_code == 200, r.text
    return sorted(r.json()["flavors"], key=lambda f: (f["vcpus"], f["ram"], f["disk"]))


def small_and_bigger(client):
    fl = [f for f in flavors(client) if f["disk"] > 0]
    small = fl[0]
    bigger = next(f for f in fl if f["vcpus"] > small["vcpus"] or f["ram"] > small["ram"])
    return small, bigger


# --- migrate: success paths ---


def test_migrate_then_confirm(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-confirm")
    before = usage(admin)
    src = show(admin, sid)[HOST]
    r = action(admin, sid, {"migrate": None})
    assert r.status_code == 202, r.text
    assert r.text == ""
    srv = show(admin, sid)
    assert srv["status"] in ("RESIZE", "VERIFY_RESIZE")
    srv = settled(admin, sid, "VERIFY_RESIZE")
    assert srv[VM] == "resized" and srv[POWER] == 1
    dest = srv[HOST]
    assert dest != src
    mig = wait_migration(admin, sid, "finished")
    assert (mig["source_compute"], mig["dest_compute"]) == (src, dest)
    assert mig["source_node"] == src and mig["dest_node"] == dest
    assert mig["dest_host"]
    assert mig["old_instance_type_id"] == mig["new_instance_type_id"]
    # both hosts hold the server until it is confirmed
    mid = usage(admin)
    assert mid[src] == before[src]
    assert mid[dest][0] > before[dest][0]
    act, events = wait_action(admin, sid, "migrate",
                              ["conductor_migrate_server", "compute_prep_resize",
                               "compute_resize_instance", "compute_finish_resize"])
    assert set(events.values()) == {"Success"}
    assert act["message"] is None

    r = action(demo, sid, {"confirmResize": None})
    assert r.status_code == 204, r.text
    srv = settled(demo, sid, "ACTIVE")
    assert show(admin, sid)[HOST] == dest
    mig = wait_migration(admin, sid, "confirmed")
    # the source's claim is gone, the destination keeps its own
    after = usage(admin)
    grown = mid[dest][0] - before[dest][0]
    assert after[src][0] == mid[src][0] - grown
    assert after[dest] == mid[dest]
    _, events = wait_action(admin, sid, "confirmResize", ["compute_confirm_resize"])
    assert events == {"compute_confirm_resize": "Success"}


def test_migrate_then_revert(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-revert")
    before = usage(admin)
    src = show(admin, sid)[HOST]
    assert action(admin, sid, {"migrate": None}).status_code == 202
    dest = settled(admin, sid, "VERIFY_RESIZE")[HOST]
    r = action(demo, sid, {"revertResize": None})
    assert r.status_code == 202, r.text
    assert r.text == ""
    srv = show(demo, sid)
    assert srv["status"] in ("REVERT_RESIZE", "ACTIVE")
    srv = settled(demo, sid, "ACTIVE")
    assert srv[POWER] == 1
    assert show(admin, sid)[HOST] == src
    wait_migration(admin, sid, "reverted")
    assert usage(admin) == before
    _, events = wait_action(admin, sid, "revertResize",
                            ["compute_revert_resize", "compute_finish_revert_resize"])
    assert set(events.values()) == {"Success"}
    # and it can move again
    assert action(admin, sid, {"migrate": None}).status_code == 202
    assert settled(admin, sid, "VERIFY_RESIZE")[HOST] != src
    assert action(admin, sid, {"confirmResize": None}).status_code == 204
    settled(admin, sid, "ACTIVE")
    assert dest  # the first destination was a real host


def test_stopped_server_stays_stopped(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-stopped")
    assert action(demo, sid, {"os-stop": None}).status_code == 202
    settled(demo, sid, "SHUTOFF")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    srv = settled(admin, sid, "VERIFY_RESIZE")
    assert srv[POWER] == 4
    assert action(demo, sid, {"confirmResize": None}).status_code == 204
    srv = settled(demo, sid, "SHUTOFF")
    assert srv[VM] == "stopped"
    # revert of a stopped one comes back stopped too
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    assert action(demo, sid, {"revertResize": None}).status_code == 202
    srv = settled(demo, sid, "SHUTOFF")
    assert srv[POWER] == 4


def test_migrate_body_ignored_before_2_56(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-old-body")
    r = action(admin, sid, {"migrate": {"host": "no-such-host", "junk": 1}})
    assert r.status_code == 202, r.text
    settled(admin, sid, "VERIFY_RESIZE")
    assert action(admin, sid, {"revertResize": None}).status_code == 202
    settled(admin, sid, "ACTIVE")


def test_migrate_to_requested_host(cloud):
    _, admin, demo = cloud
    need(admin, "2.56")
    sid = create(demo, "mig-host")
    src = show(admin, sid)[HOST]
    target = sorted(h for h in usage(admin) if h != src)[-1]
    r = action(admin, sid, {"migrate": {"host": target}}, mv="2.56")
    assert r.status_code == 202, r.text
    assert settled(admin, sid, "VERIFY_RESIZE")[HOST] == target
    assert action(admin, sid, {"confirmResize": None}).status_code == 204
    settled(admin, sid, "ACTIVE")
    # {"host": null} and null are a plain migrate
    r = action(admin, sid, {"migrate": {"host": None}}, mv="2.56")
    assert r.status_code == 202, r.text
    assert settled(admin, sid, "VERIFY_RESIZE")[HOST] != target
    assert action(admin, sid, {"confirmResize": None}).status_code == 204
    settled(admin, sid, "ACTIVE")


# --- migrate: errors ---


def test_migrate_host_errors(cloud):
    _, admin, demo = cloud
    need(admin, "2.56")
    sid = create(demo, "mig-host-errors")
    src = show(admin, sid)[HOST]
    n_before = len(migrations(admin, sid))
    assert fault(action(admin, sid, {"migrate": {"host": src}}, mv="2.56"), 400) == \
        "The target host can't be the same one."
    assert fault(action(admin, sid, {"migrate": {"host": "nowhere"}}, mv="2.56"), 400) == \
        "Compute host nowhere could not be found."
    msg = fault(action(admin, sid, {"migrate": {"host": "x", "force": True}}, mv="2.56"), 400)
    assert msg == ("Invalid input for field/attribute migrate. Value: {'host': 'x', "
                   "'force': True}. Additional properties are not allowed ('force' was "
                   "unexpected)")
    msg = fault(action(admin, sid, {"migrate": {"host": 5}}, mv="2.56"), 400)
    assert msg == "Invalid input for field/attribute migrate/host. Value: 5. 5 is not of " \
                  "type 'string'"
    msg = fault(action(admin, sid, {"migrate": {"host": "a b"}}, mv="2.56"), 400)
    assert "does not match" in msg
    msg = fault(action(admin, sid, {"migrate": "x"}, mv="2.56"), 400)
    assert msg == "Invalid input for field/attribute migrate. Value: x. 'x' is not of type " \
                  "'object', 'null'"
    # nothing changed
    srv = show(admin, sid)
    assert srv["status"] == "ACTIVE" and srv[HOST] == src
    assert len(migrations(admin, sid)) == n_before


def test_migrate_policy_and_lookup(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-policy")
    assert fault(action(demo, sid, {"migrate": None}), 403) == \
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed."
    assert fault(action(admin, "0b2bd4f5-2c2b-4a4b-9a4e-2c1b3c9f0000", {"migrate": None}),
                 404) == "Instance 0b2bd4f5-2c2b-4a4b-9a4e-2c1b3c9f0000 could not be found."
    assert show(demo, sid)["status"] == "ACTIVE"


def test_migrate_host_policy(cloud):
    _, admin, demo = cloud
    need(admin, "2.56")
    sid = create(demo, "mig-host-policy")
    other = next(h for h in usage(admin) if h != show(admin, sid)[HOST])
    assert fault(action(demo, sid, {"migrate": {"host": other}}, mv="2.56"), 403) == \
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed."


def test_state_conflicts(cloud):
    _, admin, demo = cloud
    sid = create(demo, "mig-states")
    assert fault(action(demo, sid, {"confirmResize": None}), 409) == \
        f"Cannot 'confirmResize' instance {sid} while it is in vm_state active"
    assert fault(action(demo, sid, {"revertResize": None}), 409) == \
        f"Cannot 'revertResize' instance {sid} while it is in vm_state active"
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    assert fault(action(admin, sid, {"migrate": None}), 409) == \
        f"Cannot 'migrate' instance {sid} while it is in vm_state resized"
    flavor = small_and_bigger(demo)[1]["id"]
    assert fault(action(demo, sid, {"resize": {"flavorRef": flavor}}), 409) == \
        f"Cannot 'resize' instance {sid} while it is in vm_state resized"
    assert action(demo, sid, {"confirmResize": None}).status_code == 204
    settled(demo, sid, "ACTIVE")
    # a locked server: admins pass the lock, its owner does not
    assert action(admin, sid, {"lock": None}).status_code == 202
    r = action(demo, sid, {"resize": {"flavorRef": flavor}})
    assert r.status_code == 409, r.text
    assert action(admin, sid, {"unlock": None}).status_code == 202


def test_no_valid_host_is_400_and_recorded(spawn_cirrusd):
    d = spawn_cirrusd()                 # one host: nowhere to go
    admin, demo = clients(d)
    sid = create(demo, "lonely")
    assert fault(action(admin, sid, {"migrate": None}), 400) == \
        "No valid host was found. There are not enough hosts available."
    srv = show(admin, sid)
    assert srv["status"] == "ACTIVE" and srv[TASK] is None
    mig = migrations(admin, sid)
    assert [m["status"] for m in mig] == ["error"]
    assert mig[0]["dest_compute"] is None
    act = action_detail(admin, sid, "migrate")
    assert act["message"] == "Error"
    assert [(e["event"], e["result"]) for e in act["events"]] == \
        [("conductor_migrate_server", "Error")]
    u = usage(admin)
    assert list(u.values())[0][0] > 0
    # the server still works
    assert action(demo, sid, {"os-stop": None}).status_code == 202
    settled(demo, sid, "SHUTOFF")


def test_source_host_down_is_409(cloud):
    d, admin, demo = cloud
    need(admin, "2.53")
    sid = create(demo, "mig-src-down")
    src = show(admin, sid)[HOST]
    r = admin.get("/os-services?binary=nova-compute", mv="2.53")
    svc = next(s for s in r.json()["services"] if s["host"] == src)
    r = admin.put(f"/os-services/{svc['id']}", {"forced_down": True}, mv="2.53")
    assert r.status_code == 200, r.text
    try:
        assert fault(action(admin, sid, {"migrate": None}), 409) == \
            "Service is unavailable at this time."
    finally:
        r = admin.put(f"/os-services/{svc['id']}", {"forced_down": False}, mv="2.53")
        assert r.status_code == 200, r.text
    assert show(admin, sid)["status"] == "ACTIVE"


def test_confirm_twice_is_400(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2", "--fake-delay-ms", "400")
    admin, demo = clients(d)
    sid = create(demo, "twice")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    assert action(demo, sid, {"confirmResize": None}).status_code == 204
    # the source is still confirming (task_state stays null, as in Nova)
    srv = show(demo, sid)
    assert srv["status"] == "VERIFY_RESIZE" and srv[TASK] is None
    assert fault(action(demo, sid, {"confirmResize": None}), 400) == \
        "Instance has not been resized."
    assert fault(action(demo, sid, {"revertResize": None}), 400) == \
        "Instance has not been resized."
    settled(demo, sid, "ACTIVE")
    # the task states on the way, visible while the slow driver works
    assert action(admin, sid, {"migrate": None}).status_code == 202
    srv = show(admin, sid)
    assert srv["status"] == "RESIZE"
    assert srv[TASK] in ("resize_prep", "resize_migrating", "resize_migrated", "resize_finish")
    settled(admin, sid, "VERIFY_RESIZE")
    assert action(demo, sid, {"revertResize": None}).status_code == 202
    srv = show(demo, sid)
    assert srv["status"] == "REVERT_RESIZE" and srv[TASK] == "resize_reverting"
    assert fault(action(demo, sid, {"confirmResize": None}), 409) == \
        f"Cannot 'confirmResize' instance {sid} while it is in task_state resize_reverting"
    settled(demo, sid, "ACTIVE")


def test_kill9_during_migrate_recovers(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2", "--fake-delay-ms", "1500")
    admin, demo = clients(d)
    sid = create(demo, "survivor")
    src = show(admin, sid)[HOST]
    assert action(admin, sid, {"migrate": None}).status_code == 202
    time.sleep(0.5)                     # inside the first driver call now
    d.stop(signal.SIGKILL)
    d2 = spawn_cirrusd("--hosts", "2", "--fake-delay-ms", "100", data_dir=d.data_dir)
    admin, demo = clients(d2)
    srv = settled(admin, sid, "VERIFY_RESIZE")
    assert srv[HOST] != src
    wait_migration(admin, sid, "finished")
    assert action(demo, sid, {"confirmResize": None}).status_code == 204
    settled(demo, sid, "ACTIVE")
    wait_migration(admin, sid, "confirmed")


# --- resize ---


def test_resize_confirm_and_revert(cloud):
    _, admin, demo = cloud
    small, bigger = small_and_bigger(demo)
    sid = create(demo, "resize-me", flavorRef=small["id"])
    src = show(admin, sid)[HOST]
    r = action(demo, sid, {"resize": {"flavorRef": bigger["id"], "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 202, r.text
    srv = settled(demo, sid, "VERIFY_RESIZE")
    assert srv["flavor"]["id"] == bigger["id"]
    assert srv["OS-DCF:diskConfig"] == "AUTO"
    assert show(admin, sid)[HOST] != src
    mig = wait_migration(admin, sid, "finished")
    assert mig["old_instance_type_id"] != mig["new_instance_type_id"]
    act, events = wait_action(admin, sid, "resize",
                              ["conductor_migrate_server", "compute_prep_resize",
                               "compute_resize_instance", "compute_finish_resize"])
    assert act["user_id"] == demo.user_id
    assert action(demo, sid, {"revertResize": None}).status_code == 202
    srv = settled(demo, sid, "ACTIVE")
    assert srv["flavor"]["id"] == small["id"]
    assert show(admin, sid)[HOST] == src
    # again, confirmed this time: the new flavor stays
    r = action(demo, sid, {"resize": {"flavorRef": int(bigger["id"])
                                      if bigger["id"].isdigit() else bigger["id"]}})
    assert r.status_code == 202, r.text
    settled(demo, sid, "VERIFY_RESIZE")
    assert action(demo, sid, {"confirmResize": None}).status_code == 204
    srv = settled(demo, sid, "ACTIVE")
    assert srv["flavor"]["id"] == bigger["id"]
    assert [m["status"] for m in migrations(admin, sid)] == ["reverted", "confirmed"]


def test_resize_errors(cloud):
    _, admin, demo = cloud
    small, bigger = small_and_bigger(demo)
    sid = create(demo, "resize-errors", flavorRef=small["id"])
    assert fault(action(demo, sid, {"resize": {"flavorRef": small["id"]}}), 400) == \
        "Resize requires a flavor change."
    assert fault(action(demo, sid, {"resize": {"flavorRef": "nope"}}), 400) == \
        "Unable to locate requested flavor."
    assert fault(action(demo, sid, {"resize": {}}), 400) == \
        "Invalid input for field/attribute resize. Value: {}. 'flavorRef' is a required property"
    assert fault(action(demo, sid, {"resize": {"flavorRef": bigger["id"], "x": 1}}), 400) == \
        ("Invalid input for field/attribute resize. Value: {'flavorRef': '%s', 'x': 1}. "
         "Additional properties are not allowed ('x' was unexpected)" % bigger["id"])
    msg = fault(action(demo, sid, {"resize": {"flavorRef": ""}}), 400)
    assert msg.startswith("Invalid input for field/attribute resize/flavorRef. Value: . ")
    msg = fault(action(demo, sid, {"resize": {"flavorRef": None}}), 400)
    assert msg == "Invalid input for field/attribute resize/flavorRef. Value: None. None is " \
                  "not of type 'string', 'integer'"
    msg = fault(action(demo, sid, {"resize": {"flavorRef": bigger["id"],
                                              "OS-DCF:diskConfig": "auto"}}), 400)
    assert msg == "Invalid input for field/attribute resize/OS-DCF:diskConfig. Value: auto. " \
                  "'auto' is not one of ['AUTO', 'MANUAL']"
    assert fault(action(demo, sid, {"resize": None}), 400).endswith(
        "None is not of type 'object'")
    assert show(demo, sid)["status"] == "ACTIVE"
    assert migrations(admin, sid) == []


def test_resize_over_quota_is_403(spawn_cirrusd, tmp_path):
    d = spawn_cirrusd("--hosts", "2", "--config", conf_file(tmp_path, "[quota]\ncores = 2\n"))
    admin, demo = clients(d)
    fl = flavors(demo)
    one = next(f for f in fl if f["vcpus"] == 1 and f["disk"] > 0)
    many = next(f for f in fl if f["vcpus"] > 2)
    sid = create(demo, "quota", flavorRef=one["id"])
    msg = fault(action(demo, sid, {"resize": {"flavorRef": many["id"]}}), 403)
    assert msg == "Quota exceeded for cores: Requested %d, but already used 1 of 2 cores" % (
        many["vcpus"] - 1)
    assert show(demo, sid)["status"] == "ACTIVE"


# --- driver failures ---


@pytest.mark.parametrize("op,event", [
    ("migrate_disk_and_power_off", "compute_resize_instance"),
    ("finish_migration", "compute_finish_resize"),
])
def test_driver_failure_errors_out(cloud, op, event):
    _, admin, demo = cloud
    before = usage(admin)
    sid = create(demo, f"fail-{op}", metadata={"fake_fail": op})
    with_server = usage(admin)
    assert action(admin, sid, {"migrate": None}).status_code == 202
    srv = settled(admin, sid, "ERROR")
    assert srv[VM] == "error"
    assert "injected by the fake driver" in srv["fault"]["message"]
    wait_migration(admin, sid, "error")
    act, events = wait_action(admin, sid, "migrate", [event])
    assert events[event] == "Error" and act["message"] == "Error"
    # one claim left: the server's own
    assert sum(v[0] for v in usage(admin).values()) == \
        sum(v[0] for v in with_server.values())
    assert demo.delete(f"/servers/{sid}").status_code == 204
    gone(demo, sid)
    deadline = time.time() + 10
    while usage(admin) != before and time.time() < deadline:
        time.sleep(0.05)
    assert usage(admin) == before


def test_delete_while_resizing(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2", "--fake-delay-ms", "300")
    admin, demo = clients(d)
    before = usage(admin)
    sid = create(demo, "doomed")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    assert demo.delete(f"/servers/{sid}").status_code == 204
    gone(demo, sid)
    wait_migration(admin, sid, "error")
    deadline = time.time() + 10
    while usage(admin) != before and time.time() < deadline:
        time.sleep(0.05)
    assert usage(admin) == before


def test_delete_in_verify_resize_frees_both_hosts(cloud):
    _, admin, demo = cloud
    before = usage(admin)
    sid = create(demo, "doomed-resized")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    assert demo.delete(f"/servers/{sid}").status_code == 204
    gone(demo, sid)
    # as Nova's _confirm_resize_on_deleting: the move is confirmed first
    wait_migration(admin, sid, "confirmed")
    deadline = time.time() + 10
    while usage(admin) != before and time.time() < deadline:
        time.sleep(0.05)
    assert usage(admin) == before


# --- resize_confirm_window ---


def test_auto_confirm(spawn_cirrusd, tmp_path):
    conf = conf_file(tmp_path, "[compute]\nresize_confirm_window = 1\n")
    d = spawn_cirrusd("--hosts", "2", "--config", conf)
    admin, demo = clients(d)
    sid = create(demo, "auto")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    wait_for(admin, sid, lambda s: s["status"] in ("VERIFY_RESIZE", "ACTIVE") and
             s[TASK] is None and s[VM] in ("resized", "active"), what="resized")
    wait_migration(admin, sid, "confirmed")
    srv = settled(admin, sid, "ACTIVE")
    assert srv[VM] == "active"
    act, events = wait_action(admin, sid, "confirmResize", ["compute_confirm_resize"])
    assert act["user_id"] is None and act["project_id"] is None
    assert events == {"compute_confirm_resize": "Success"}


def test_auto_confirm_survives_restart(spawn_cirrusd, tmp_path):
    conf = conf_file(tmp_path, "[compute]\nresize_confirm_window = 3\n")
    d = spawn_cirrusd("--hosts", "2", "--config", conf)
    admin, demo = clients(d)
    sid = create(demo, "auto-restart")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    d.stop()
    d2 = spawn_cirrusd("--hosts", "2", "--config", conf, data_dir=d.data_dir)
    admin, demo = clients(d2)
    srv = show(admin, sid)
    assert srv["status"] in ("VERIFY_RESIZE", "ACTIVE")
    settled(admin, sid, "ACTIVE")
    wait_migration(admin, sid, "confirmed")


def test_no_auto_confirm_by_default(cloud):
    _, admin, demo = cloud
    sid = create(demo, "manual")
    assert action(admin, sid, {"migrate": None}).status_code == 202
    settled(admin, sid, "VERIFY_RESIZE")
    r = admin.get("/servers/%s" % sid)
    assert r.json()["server"]["status"] == "VERIFY_RESIZE"
    assert migrations(admin, sid)[-1]["status"] == "finished"
    assert action(admin, sid, {"confirmResize": None}).status_code == 204
    settled(admin, sid, "ACTIVE")

