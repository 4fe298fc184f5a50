"""/servers/{id}/migrations against a three-host cirrusd whose fake driver
takes 1.5 s per operation ([compute] fake_delay_ms), so a live migration
can be watched, forced to complete and aborted: the in-progress list and
show with the fields of 2.23, 2.59 and 2.80 (Nova's samples), progress in
bytes, force_complete (2.22+), abort of running migrations (2.24+) and of
preparing ones (2.65+), and the errors with Nova's messages.
"""
import signal
import time

import pytest

from conftest import Daemon, assert_same_keys, fail_on_sanitizer, sample
from hostutil import clients, create, fault, need

HOST = "OS-EXT-SRV-ATTR:host"
TASK = "OS-EXT-STS:task_state"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    conf = tmp_path_factory.mktemp("srvmig") / "cirrus.conf"
    conf.write_text("[compute]\nfake_delay_ms = 1500\n"
                    "[quota]\ninstances = 100\ncores = 1000\nram = 1000000\n")
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


def show(client, sid):
    r = client.get(f"/servers/{sid}")
    assert r.status_code == 200, r.text
    return r.json()["server"]


def settled(client, sid, timeout=60):
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        s = show(client, sid)
        if s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still busy: {s}")


def start_live_migration(admin, sid):
    r = admin.post(f"/servers/{sid}/action", {"os-migrateLive": {
        "host": None, "block_migration": False, "disk_over_commit": False}})
    assert r.status_code == 202, r.text


def in_progress(admin, sid, mv="2.23"):
    r = admin.get(f"/servers/{sid}/migrations", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["migrations"]


def wait_status(admin, sid, status, timeout=60, progress=False):
    """The in-progress migration once it shows status (and, with progress,
    its first memory figures)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = in_progress(admin, sid)
        if last and last[0]["status"] == status and \
                (not progress or last[0]["memory_total_bytes"] is not None):
            return last[0]
        time.sleep(0.02)
    raise AssertionError(f"no {status} migration for {sid}: {last}")


def os_migration(admin, mid):
    r = admin.get("/os-migrations", mv="2.23")
    assert r.status_code == 200, r.text
    return next(m for m in r.json()["migrations"] if m["id"] == mid)


def actions(client, sid):
    r = client.get(f"/servers/{sid}/os-instance-actions")
    assert r.status_code == 200, r.text
    return r.json()["instanceActions"]


def action_events(client, sid, name):
    req = next(a["request_id"] for a in actions(client, sid) if a["action"] == name)
    r = client.get(f"/servers/{sid}/os-instance-actions/{req}")
    assert r.status_code == 200, r.text
    a = r.json()["instanceAction"]
    return a, {e["event"]: e for e in a["events"]}


def test_list_show_and_force_complete(cloud):
    _, admin, _ = cloud
    need(admin, "2.80")
    sid = create(admin, "sm-force")
    source = show(admin, sid)[HOST]
    start_live_migration(admin, sid)
    m = wait_status(admin, sid, "running", progress=True)
    assert show(admin, sid)["status"] == "MIGRATING"
    assert m["server_uuid"] == sid and m["source_compute"] == source
    assert m["dest_compute"] not in (None, source) and m["dest_node"] == m["dest_compute"]
    assert m["memory_total_bytes"] > 0
    assert m["memory_processed_bytes"] + m["memory_remaining_bytes"] == m["memory_total_bytes"]
    assert m["disk_total_bytes"] == 0
    mid = m["id"]
    for mv in ("2.23", "2.59", "2.80"):
        listed = in_progress(admin, sid, mv=mv)
        assert [x["id"] for x in listed] == [mid]
        assert_same_keys(listed[0], sample(f"server-migrations/v{mv}/migrations-index.json")
                         ["migrations"][0], f"index {mv}")
        r = admin.get(f"/servers/{sid}/migrations/{mid}", mv=mv)
        assert r.status_code == 200, r.text
        got = r.json()["migration"]
        assert_same_keys(got, sample(f"server-migrations/v{mv}/migrations-get.json")
                         ["migration"], f"show {mv}")
        assert got["status"] == "running" and got["server_uuid"] == sid
    got = admin.get(f"/servers/{sid}/migrations/{mid}", mv="2.80").json()["migration"]
    assert got["user_id"] == admin.user_id and got["project_id"] == admin.project_id
    assert got["uuid"] == os_migration(admin, mid).get("uuid", got["uuid"])
    # below 2.23 there is no such resource
    assert admin.get(f"/servers/{sid}/migrations", mv="2.22").status_code == 404
    assert admin.get(f"/servers/{sid}/migrations/{mid}", mv="2.22").status_code == 404

    r = admin.post(f"/servers/{sid}/migrations/{mid}/action", {"force_complete": None},
                   mv="2.22")
    assert r.status_code == 202, r.text
    assert r.text == ""
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == m["dest_compute"]
    assert os_migration(admin, mid)["status"] == "completed"
    assert in_progress(admin, sid) == []
    r = admin.get(f"/servers/{sid}/migrations/{mid}", mv="2.23")
    assert fault(r, 404) == f"Live migration {mid} for server {sid} is not in progress."
    a, ev = action_events(admin, sid, "live_migration_force_complete")
    assert ev["compute_live_migration_force_complete"]["result"] == "Success"
    assert a["message"] is None
    a, ev = action_events(admin, sid, "live-migration")
    assert a["message"] is None and ev["compute_live_migration"]["result"] == "Success"


def test_abort_running_stays_on_source(cloud):
    _, admin, _ = cloud
    need(admin, "2.24")
    sid = create(admin, "sm-abort")
    source = show(admin, sid)[HOST]
    r = admin.get("/os-hypervisors/detail")
    usage = {h["hypervisor_hostname"]: h["memory_mb_used"] for h in r.json()["hypervisors"]}
    start_live_migration(admin, sid)
    m = wait_status(admin, sid, "running")
    r = admin.delete(f"/servers/{sid}/migrations/{m['id']}", mv="2.24")
    assert r.status_code == 202, r.text
    assert r.text == ""
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == source and s["OS-EXT-STS:power_state"] == 1
    assert "fault" not in s
    assert os_migration(admin, m["id"])["status"] == "cancelled"
    a, ev = action_events(admin, sid, "live_migration_cancel")
    assert ev["compute_live_migration_abort"]["result"] == "Success"
    a, ev = action_events(admin, sid, "live-migration")
    assert a["message"] is None
    assert ev["compute_rollback_live_migration_at_destination"]["result"] == "Success"
    assert "compute_post_live_migration_at_destination" not in ev
    r = admin.get("/os-hypervisors/detail")
    assert {h["hypervisor_hostname"]: h["memory_mb_used"]
            for h in r.json()["hypervisors"]} == usage
    # the server can still be moved afterwards
    start_live_migration(admin, sid)
    assert settled(admin, sid)[HOST] != source


def test_preparing_abort_needs_2_65(cloud):
    _, admin, _ = cloud
    need(admin, "2.65")
    sid = create(admin, "sm-prep")
    source = show(admin, sid)[HOST]
    start_live_migration(admin, sid)
    m = wait_status(admin, sid, "preparing")
    mid = m["id"]
    assert m["memory_total_bytes"] is None
    r = admin.post(f"/servers/{sid}/migrations/{mid}/action", {"force_complete": None},
                   mv="2.22")
    assert fault(r, 400) == (f"Migration {mid} state of instance {sid} is preparing. Cannot "
                             "force complete while the migration is in this state.")
    r = admin.delete(f"/servers/{sid}/migrations/{mid}", mv="2.64")
    assert fault(r, 400) == (f"Migration {mid} state of instance {sid} is preparing. Cannot "
                             "abort live migration while the migration is in this state.")
    r = admin.delete(f"/servers/{sid}/migrations/{mid}", mv="2.65")
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == source
    assert os_migration(admin, mid)["status"] == "cancelled"
    _, ev = action_events(admin, sid, "live-migration")
    assert "compute_live_migration" not in ev
    _, ev = action_events(admin, sid, "live_migration_cancel")
    assert ev["compute_live_migration_abort"]["result"] == "Success"


def test_errors_while_migrating(cloud):
    _, admin, _ = cloud
    need(admin, "2.24")
    sid = create(admin, "sm-errors")
    start_live_migration(admin, sid)
    wait_status(admin, sid, "preparing")
    r = admin.post(f"/servers/{sid}/migrations/999999/action", {"force_complete": None},
                   mv="2.22")
    assert fault(r, 400) == f"Migration 999999 not found for instance {sid}"
    r = admin.delete(f"/servers/{sid}/migrations/999999", mv="2.24")
    assert fault(r, 404) == f"Migration 999999 not found for instance {sid}"
    r = admin.get(f"/servers/{sid}/migrations/999999", mv="2.23")
    assert fault(r, 404) == f"In-progress live migration 999999 is not found for server {sid}."
    r = admin.get(f"/servers/{sid}/migrations/abc", mv="2.23")
    assert fault(r, 404) == f"In-progress live migration abc is not found for server {sid}."
    # another operation cannot start meanwhile
    r = admin.post(f"/servers/{sid}/action", {"os-migrateLive": {
        "host": None, "block_migration": False, "disk_over_commit": False}})
    assert fault(r, 409) == (f"Cannot 'os-migrateLive' instance {sid} while it is in "
                             "task_state migrating")
    settled(admin, sid)


def test_errors_when_not_migrating(cloud):
    _, admin, demo = cloud
    need(admin, "2.24")
    sid = create(admin, "sm-idle")
    assert in_progress(admin, sid) == []
    r = admin.delete(f"/servers/{sid}/migrations/1", mv="2.24")
    assert fault(r, 409) == (f"Cannot 'abort live migration' instance {sid} while it is in "
                             "task_state None")
    r = admin.post(f"/servers/{sid}/migrations/1/action", {"force_complete": None}, mv="2.22")
    assert fault(r, 409) == (f"Cannot 'force_complete' instance {sid} while it is in "
                             "task_state None")
    r = admin.post(f"/servers/{sid}/migrations/1/action", {"force_complete": 1}, mv="2.22")
    assert fault(r, 400) == ("Invalid input for field/attribute force_complete. Value: 1. "
                             "1 is not of type 'null'")
    r = admin.post(f"/servers/{sid}/migrations/1/action", {"other": None}, mv="2.22")
    assert fault(r, 400) == "There is no such action: other"
    r = admin.post(f"/servers/{sid}/migrations/1/action",
                   {"force_complete": None, "x": None}, mv="2.22")
    assert fault(r, 400) == "Malformed request body"
    assert admin.post(f"/servers/{sid}/migrations/1/action", {"force_complete": None},
                      mv="2.21").status_code == 404
    assert admin.delete(f"/servers/{sid}/migrations/1", mv="2.23").status_code == 404
    # nothing was recorded by the refused requests
    assert [a["action"] for a in actions(admin, sid)] == ["create"]
    missing = "00000000-0000-0000-0000-000000000000"
    r = admin.get(f"/servers/{missing}/migrations", mv="2.23")
    assert fault(r, 404) == f"Instance {missing} could not be found."
    # policy: manager for the list and the requests, admin for show
    mine = create(demo, "sm-demo")
    r = demo.get(f"/servers/{mine}/migrations", mv="2.23")
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:servers:migrations:index "
                             "to be performed.")
    r = demo.get(f"/servers/{mine}/migrations/1", mv="2.23")
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:servers:migrations:show "
                             "to be performed.")
    r = demo.delete(f"/servers/{mine}/migrations/1", mv="2.24")
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:servers:migrations:delete "
                             "to be performed.")
    r = demo.post(f"/servers/{mine}/migrations/1/action", {"force_complete": None}, mv="2.22")
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:servers:migrations:"
                             "force_complete to be performed.")
    r = demo.get(f"/servers/{sid}/migrations", mv="2.23")
    assert fault(r, 404) == f"Instance {sid} could not be found."



def test_delete_during_live_migration_releases_both_claims(cloud):
    _, admin, _ = cloud
    need(admin, "2.23")
    r = admin.get("/os-hypervisors/detail")
    usage = {h["hypervisor_hostname"]: (h["vcpus_used"], h["memory_mb_used"])
             for h in r.json()["hypervisors"]}
    sid = create(admin, "sm-delete")
    start_live_migration(admin, sid)
    m = wait_status(admin, sid, "running")
    r = admin.delete(f"/servers/{sid}")
    assert r.status_code == 204, r.text
    admin.wait_server(sid, "DELETED", timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os_migration(admin, m["id"])["status"] in ("completed", "error"):
            break
        time.sleep(0.05)
    assert os_migration(admin, m["id"])["status"] == "error"
    r = admin.get("/os-hypervisors/detail")
    assert {h["hypervisor_hostname"]: (h["vcpus_used"], h["memory_mb_used"])
            for h in r.json()["hypervisors"]} == usage


def test_kill9_while_running_recovers(spawn_cirrusd):
    """The running stage's task is run again after a crash (the fake driver
    forgets everything; init_instance brings the VM back on the source):
    the move finishes, nothing stays in progress or stuck."""
    d = spawn_cirrusd("--hosts", "3", "--fake-delay-ms", "1500")
    admin, _ = clients(d)
    need(admin, "2.23")
    sid = create(admin, "sm-kill9")
    source = show(admin, sid)[HOST]
    start_live_migration(admin, sid)
    m = wait_status(admin, sid, "running")
    d.stop(signal.SIGKILL)
    d2 = spawn_cirrusd("--hosts", "3", "--fake-delay-ms", "1500", data_dir=d.data_dir)
    admin, _ = clients(d2)
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == m["dest_compute"] != source
    assert in_progress(admin, sid) == []
    assert os_migration(admin, m["id"])["status"] == "completed"
