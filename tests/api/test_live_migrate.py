"""os-migrateLive end to end with the fake driver on three hosts: the
scheduler's choice and a named host (forced before 2.30, checked by the
scheduler from 2.30 unless force=true, force gone at 2.68); the body schema
of each microversion range with Nova's messages; policy, state and host
errors; pre-check failures as synchronous 400s before 2.34 and, from 2.34,
as a failed instance action while the server stays ACTIVE; driver failures
rolling back to the source; the claims moving between hosts; the migration
record and Nova's instance action events.
"""
import time

import pytest

from conftest import Daemon, fail_on_sanitizer
from hostutil import clients, conf_file, create, fault, max_mv, need

HOST = "OS-EXT-SRV-ATTR:host"
TASK = "OS-EXT-STS:task_state"
VM = "OS-EXT-STS:vm_state"
POWER = "OS-EXT-STS:power_state"
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."

EVENTS_OK = [
    "conductor_live_migrate_instance",
    "compute_check_can_live_migrate_destination",
    "compute_check_can_live_migrate_source",
    "compute_pre_live_migration",
    "compute_live_migration",
    "compute_post_live_migration_at_destination",
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    conf = tmp_path_factory.mktemp("live") / "cirrus.conf"
    conf.write_text("[compute]\nfake_delay_ms = 100\n"
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


def body(host=None, block="v2.1", **extra):
    """An os-migrateLive body: the 2.1 form unless block is given."""
    if block == "v2.1":
        b = {"host": host, "block_migration": False, "disk_over_commit": False}
    else:
        b = {"host": host, "block_migration": block}
    b.update(extra)
    return {"os-migrateLive": b}


def live(client, sid, b, mv=None):
    return client.post(f"/servers/{sid}/action", b, mv=mv)


def show(client, sid):
    r = client.get(f"/servers/{sid}")
    assert r.status_code == 200, r.text
    return r.json()["server"]


def settled(client, sid, timeout=30):
    """Waits until no task runs; returns the server."""
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        s = show(client, sid)
        if s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"server {sid} still busy: {s}")


def migrations(admin, sid):
    r = admin.get(f"/os-migrations?instance_uuid={sid}", mv="2.23")
    assert r.status_code == 200, r.text
    return sorted(r.json()["migrations"], key=lambda m: m["id"])


def last_action(client, sid):
    """The newest action with its events, at 2.84 (event details and host)
    when cirrus advertises it."""
    mv = "2.84" if max_mv(client) >= (2, 84) else None
    r = client.get(f"/servers/{sid}/os-instance-actions", mv=mv)
    assert r.status_code == 200, r.text
    req = r.json()["instanceActions"][0]["request_id"]
    r = client.get(f"/servers/{sid}/os-instance-actions/{req}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["instanceAction"]


def events(action):
    return {e["event"]: e for e in action["events"]}


def details(event):
    """What failed: the event's details (2.84) or its traceback."""
    return event.get("details", event.get("traceback"))


def hypervisor_usage(admin):
    r = admin.get("/os-hypervisors/detail")
    assert r.status_code == 200, r.text
    return {h["hypervisor_hostname"]: (h["vcpus_used"], h["memory_mb_used"])
            for h in r.json()["hypervisors"]}


def other_hosts(admin, source):
    return sorted(h for h in hypervisor_usage(admin) if h != source)


# --- success paths ---

def test_scheduler_picks_another_host(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-sched")
    before = show(admin, sid)
    source = before[HOST]
    usage = hypervisor_usage(admin)
    r = live(admin, sid, body())
    assert r.status_code == 202, r.text
    assert r.text == ""
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[VM] == "active" and s[POWER] == 1
    assert s[HOST] != source and s[HOST] in usage
    assert s["hostId"] != before["hostId"]
    assert s["OS-EXT-SRV-ATTR:hypervisor_hostname"] == s[HOST]
    # the source's claim went back, the destination holds the same
    after = hypervisor_usage(admin)
    for i in (0, 1):
        freed = usage[source][i] - after[source][i]
        assert freed > 0 and after[s[HOST]][i] - usage[s[HOST]][i] == freed
    m = migrations(admin, sid)[-1]
    assert m["migration_type"] == "live-migration"
    assert m["status"] == "completed"
    assert m["source_compute"] == source and m["dest_compute"] == s[HOST]
    assert m["dest_node"] == s[HOST]
    a = last_action(admin, sid)
    assert a["action"] == "live-migration" and a["message"] is None
    ev = events(a)
    assert sorted(ev) == sorted(EVENTS_OK)
    assert all(e["result"] == "Success" for e in ev.values())
    if "host" in ev["compute_live_migration"]:       # 2.62+
        assert ev["compute_pre_live_migration"]["host"] == s[HOST]
        assert ev["compute_live_migration"]["host"] == source
        assert ev["compute_post_live_migration_at_destination"]["host"] == s[HOST]


def test_named_host_before_2_30_is_forced(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-forced")
    source = show(admin, sid)[HOST]
    dest = other_hosts(admin, source)[-1]
    r = live(admin, sid, body(host=dest, block_migration=True))
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == dest


def test_2_25_auto_block_migration_and_back_again(cloud):
    _, admin, _ = cloud
    need(admin, "2.25")
    sid = create(admin, "lm-auto")
    source = show(admin, sid)[HOST]
    r = live(admin, sid, body(block="auto"), mv="2.25")
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s[HOST] != source and s["status"] == "ACTIVE"
    # and back to where it came from, by name (forced before 2.30)
    r = live(admin, sid, body(host=source, block=True), mv="2.29")
    assert r.status_code == 202, r.text
    assert settled(admin, sid)[HOST] == source
    assert [m["status"] for m in migrations(admin, sid)] == ["completed", "completed"]


def test_2_30_named_host_goes_through_the_scheduler(cloud):
    _, admin, _ = cloud
    need(admin, "2.30")
    sid = create(admin, "lm-230")
    source = show(admin, sid)[HOST]
    dest = other_hosts(admin, source)[0]
    r = live(admin, sid, body(host=dest, block="false", force=False), mv="2.30")
    assert r.status_code == 202, r.text
    assert settled(admin, sid)[HOST] == dest
    r = live(admin, sid, body(host=source, block=False, force="yes"), mv="2.67")
    assert r.status_code == 202, r.text
    assert settled(admin, sid)[HOST] == source


def test_paused_server_stays_paused(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-paused")
    source = show(admin, sid)[HOST]
    r = admin.post(f"/servers/{sid}/action", {"pause": None})
    assert r.status_code == 202, r.text
    admin.wait_server(sid, "PAUSED")
    r = live(admin, sid, body())
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "PAUSED" and s[VM] == "paused" and s[POWER] == 3
    assert s[HOST] != source


def test_2_68_body_without_force(cloud):
    _, admin, _ = cloud
    need(admin, "2.68")
    sid = create(admin, "lm-268")
    source = show(admin, sid)[HOST]
    r = live(admin, sid, body(block="auto"), mv="2.68")
    assert r.status_code == 202, r.text
    assert settled(admin, sid)[HOST] != source


# --- schema, policy, state ---

SCHEMA_CASES = [
    # (microversion, os-migrateLive value, message)
    ("2.1", None, "Invalid input for field/attribute os-migrateLive. Value: None. "
     "None is not of type 'object'"),
    ("2.1", {"host": None, "block_migration": False},
     "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
     "'block_migration': False}. 'disk_over_commit' is a required property"),
    ("2.1", {"host": None, "block_migration": "auto", "disk_over_commit": False},
     "Invalid input for field/attribute block_migration. Value: auto. 'auto' is not one of "
     "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
     "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"),
    ("2.1", {"host": None, "block_migration": 1, "disk_over_commit": False},
     "Invalid input for field/attribute block_migration. Value: 1. 1 is not of type "
     "'boolean', 'string'"),
    ("2.1", {"host": None, "block_migration": False, "disk_over_commit": "maybe"},
     "Invalid input for field/attribute disk_over_commit. Value: maybe. 'maybe' is not one "
     "of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
     "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"),
    ("2.1", {"host": 5, "block_migration": False, "disk_over_commit": False},
     "Invalid input for field/attribute host. Value: 5. 5 is not of type 'string', 'null'"),
    ("2.1", {"host": "a b", "block_migration": False, "disk_over_commit": False},
     "Invalid input for field/attribute host. Value: a b. 'a b' does not match "
     "'^[a-zA-Z0-9-._]*$'"),
    ("2.1", {"host": None, "block_migration": False, "disk_over_commit": False,
             "force": True},
     "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
     "'block_migration': False, 'disk_over_commit': False, 'force': True}. Additional "
     "properties are not allowed ('force' was unexpected)"),
    ("2.25", {"host": None, "block_migration": False, "disk_over_commit": False},
     "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
     "'block_migration': False, 'disk_over_commit': False}. Additional properties are not "
     "allowed ('disk_over_commit' was unexpected)"),
    ("2.25", {"block_migration": "auto"},
     "Invalid input for field/attribute os-migrateLive. Value: {'block_migration': 'auto'}. "
     "'host' is a required property"),
    ("2.25", {"host": None, "block_migration": "sometimes"},
     "Invalid input for field/attribute block_migration. Value: sometimes. 'sometimes' is "
     "not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', "
     "False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'auto']"),
    ("2.29", {"host": None, "block_migration": "auto", "force": False},
     "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
     "'block_migration': 'auto', 'force': False}. Additional properties are not allowed "
     "('force' was unexpected)"),
    ("2.30", {"host": None, "block_migration": "auto", "force": "always"},
     "Invalid input for field/attribute force. Value: always. 'always' is not one of "
     "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
     "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"),
    ("2.30", {"host": None, "block_migration": "auto", "force": True},
     "Can't force to a non-provided destination"),
    ("2.68", {"host": None, "block_migration": "auto", "force": False},
     "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
     "'block_migration': 'auto', 'force': False}. Additional properties are not allowed "
     "('force' was unexpected)"),
]


@pytest.fixture(scope="module")
def schema_sid(cloud):
    return create(cloud[1], "lm-schema")


@pytest.mark.parametrize("mv,value,message", SCHEMA_CASES)
def test_schema(cloud, schema_sid, mv, value, message):
    _, admin, _ = cloud
    need(admin, mv)
    sid = schema_sid
    r = live(admin, sid, {"os-migrateLive": value}, mv=mv)
    assert fault(r, 400) == message
    s = show(admin, sid)
    assert s["status"] == "ACTIVE" and s[TASK] is None
    assert all(a["action"] != "live-migration"
               for a in admin.get(f"/servers/{sid}/os-instance-actions").json()
               ["instanceActions"])


def test_unknown_host_is_400_and_changes_nothing(cloud, schema_sid):
    _, admin, _ = cloud
    sid = schema_sid
    n = len(migrations(admin, sid))
    for mv, b in (("2.1", body(host="nowhere")), ("2.34", body(host="nowhere", block="auto"))):
        if mv != "2.1":
            need(admin, mv)
        r = live(admin, sid, b, mv=mv)
        assert fault(r, 400) == "Compute host nowhere could not be found."
    assert show(admin, sid)[TASK] is None
    assert len(migrations(admin, sid)) == n


def test_policy_and_visibility(cloud, schema_sid):
    _, admin, demo = cloud
    mine = create(demo, "lm-demo")
    r = live(demo, mine, body())
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:os-migrate-server:"
                             "migrate_live to be performed.")
    r = live(demo, mine, body(host="cirrus-1"))
    assert fault(r, 403) == ("Policy doesn't allow os_compute_api:os-migrate-server:"
                             "migrate_live:host to be performed.")
    theirs = schema_sid
    r = live(demo, theirs, body())
    assert fault(r, 404) == f"Instance {theirs} could not be found."
    r = live(admin, "00000000-0000-0000-0000-000000000000", body())
    assert fault(r, 404) == "Instance 00000000-0000-0000-0000-000000000000 could not be found."


def test_stopped_server_is_409(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-stopped")
    r = admin.post(f"/servers/{sid}/action", {"os-stop": None})
    assert r.status_code == 202, r.text
    admin.wait_server(sid, "SHUTOFF")
    r = live(admin, sid, body())
    assert fault(r, 409) == (f"Cannot 'os-migrateLive' instance {sid} while it is in "
                             "vm_state stopped")


# --- pre-check failures ---

def test_sync_precheck_failures_before_2_34(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-precheck")
    source = show(admin, sid)[HOST]
    usage = hypervisor_usage(admin)
    r = live(admin, sid, body(host=source))
    assert fault(r, 400) == (f"Unable to migrate instance ({sid}) to current host "
                             f"({source}).")
    s = show(admin, sid)
    assert s["status"] == "ACTIVE" and s[TASK] is None and s[HOST] == source
    assert "fault" not in s
    # Nova's conductor recorded the attempt before refusing it
    a = last_action(admin, sid)
    assert a["action"] == "live-migration" and a["message"] == "Error"
    ev = events(a)
    assert list(ev) == ["conductor_live_migrate_instance"]
    assert ev["conductor_live_migrate_instance"]["result"] == "Error"
    assert migrations(admin, sid)[-1]["status"] == "error"
    assert hypervisor_usage(admin) == usage
    # 2.30: a named host runs through the scheduler, which never picks the source
    need(admin, "2.33")
    r = live(admin, sid, body(host=source, block="auto"), mv="2.33")
    assert fault(r, 400) == NO_VALID_HOST
    assert show(admin, sid)[TASK] is None
    assert hypervisor_usage(admin) == usage


def test_async_precheck_failure_from_2_34(cloud):
    _, admin, _ = cloud
    need(admin, "2.34")
    sid = create(admin, "lm-async")
    source = show(admin, sid)[HOST]
    usage = hypervisor_usage(admin)
    r = live(admin, sid, body(host=source, block="auto"), mv="2.34")
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == source
    a = last_action(admin, sid)
    assert a["action"] == "live-migration" and a["message"] == "Error"
    ev = events(a)
    assert list(ev) == ["conductor_live_migrate_instance"]
    e = ev["conductor_live_migrate_instance"]
    assert e["result"] == "Error" and details(e) == NO_VALID_HOST
    assert migrations(admin, sid)[-1]["status"] == "error"
    assert hypervisor_usage(admin) == usage
    # forced to itself (2.30-2.67 force=true): Nova's UnableToMigrateToSelf
    r = live(admin, sid, body(host=source, block="auto", force=True), mv="2.67")
    assert r.status_code == 202, r.text
    assert settled(admin, sid)["status"] == "ACTIVE"
    e = events(last_action(admin, sid))["conductor_live_migrate_instance"]
    assert details(e) == f"Unable to migrate instance ({sid}) to current host ({source})."


def test_disabled_destination(cloud):
    """The scheduler skips a disabled host (async failure from 2.34); a
    forced move (force=true) does not check it, as Nova's forced path."""
    _, admin, _ = cloud
    need(admin, "2.34")
    sid = create(admin, "lm-disabled")
    source = show(admin, sid)[HOST]
    dest = other_hosts(admin, source)[0]
    r = admin.put("/os-services/disable", {"host": dest, "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    try:
        r = live(admin, sid, body(host=dest, block="auto"), mv="2.34")
        assert r.status_code == 202, r.text
        s = settled(admin, sid)
        assert s["status"] == "ACTIVE" and s[HOST] == source
        e = events(last_action(admin, sid))["conductor_live_migrate_instance"]
        assert e["result"] == "Error" and details(e) == NO_VALID_HOST
        r = live(admin, sid, body(host=dest, block="auto", force=True), mv="2.34")
        assert r.status_code == 202, r.text
        s = settled(admin, sid)
        assert s["status"] == "ACTIVE" and s[HOST] == dest
    finally:
        r = admin.put("/os-services/enable", {"host": dest, "binary": "nova-compute"})
        assert r.status_code == 200, r.text


# --- driver failures ---

@pytest.mark.parametrize("op", ["pre_live_migration", "live_migration"])
def test_driver_failure_rolls_back_to_source(cloud, op):
    _, admin, _ = cloud
    sid = create(admin, "lm-fail", metadata={"fake_fail": op})
    source = show(admin, sid)[HOST]
    usage = hypervisor_usage(admin)
    r = live(admin, sid, body())
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "ACTIVE" and s[HOST] == source and s[POWER] == 1
    m = migrations(admin, sid)[-1]
    assert m["status"] == "error"
    a = last_action(admin, sid)
    assert a["message"] == "Error"
    ev = events(a)
    failed = "compute_pre_live_migration" if op == "pre_live_migration" \
        else "compute_live_migration"
    assert ev[failed]["result"] == "Error"
    assert "injected by the fake driver" in details(ev[failed])
    assert ev["compute_rollback_live_migration_at_destination"]["result"] == "Success"
    assert "compute_post_live_migration_at_destination" not in ev
    assert hypervisor_usage(admin) == usage
    # it can still move once the failure is gone
    r = admin.delete(f"/servers/{sid}/metadata/fake_fail")
    assert r.status_code == 204, r.text
    r = live(admin, sid, body())
    assert r.status_code == 202, r.text
    assert settled(admin, sid)[HOST] != source


def test_failure_at_destination_leaves_error_there(cloud):
    _, admin, _ = cloud
    sid = create(admin, "lm-postfail",
                 metadata={"fake_fail": "post_live_migration_at_destination"})
    source = show(admin, sid)[HOST]
    r = live(admin, sid, body())
    assert r.status_code == 202, r.text
    s = settled(admin, sid)
    assert s["status"] == "ERROR" and s[HOST] != source
    assert "injected" in s["fault"]["message"]
    assert migrations(admin, sid)[-1]["status"] == "error"
    ev = events(last_action(admin, sid))
    assert ev["compute_post_live_migration_at_destination"]["result"] == "Error"


def test_forced_destination_down(cloud):
    """The forced path checks the destination's service (force-down, 2.11,
    marks it down): Nova's ComputeServiceUnavailable."""
    _, admin, _ = cloud
    need(admin, "2.11")
    sid = create(admin, "lm-down")
    source = show(admin, sid)[HOST]
    dest = other_hosts(admin, source)[0]
    r = admin.put("/os-services/force-down",
                  {"host": dest, "binary": "nova-compute", "forced_down": True}, mv="2.11")
    assert r.status_code == 200, r.text
    try:
        r = live(admin, sid, body(host=dest), mv="2.11")
        assert fault(r, 400) == f"Compute service of {dest} is unavailable at this time."
        assert show(admin, sid)["status"] == "ACTIVE"
    finally:
        r = admin.put("/os-services/force-down",
                      {"host": dest, "binary": "nova-compute", "forced_down": False},
                      mv="2.11")
        assert r.status_code == 200, r.text
    assert migrations(admin, sid)[-1]["status"] == "error"


def test_destination_without_room(spawn_cirrusd, tmp_path):
    """Two 4 GB hosts, one 2100 MB server on each: the forced path's RAM
    pre-check (Nova's MigrationPreCheckError, avail printed as a float)
    and the scheduler's NoValidHost, both 400s before 2.34."""
    d = spawn_cirrusd("--hosts", "2", "--config",
                      conf_file(tmp_path, "[compute]\nhost_ram_mb = 4096\n"))
    admin, _ = clients(d)
    r = admin.post("/flavors", {"flavor": {"name": "big", "ram": 2100, "vcpus": 1,
                                           "disk": 1, "id": "big"}})
    assert r.status_code == 200, r.text
    first = create(admin, "lm-big-1", flavorRef="big")
    second = create(admin, "lm-big-2", flavorRef="big")
    source, dest = show(admin, first)[HOST], show(admin, second)[HOST]
    assert source != dest
    r = live(admin, first, body(host=dest))
    assert fault(r, 400) == (f"Migration pre-check error: Unable to migrate {first} to "
                             f"{dest}: Lack of memory(host:1996.0 <= instance:2100)")
    r = live(admin, first, body())
    assert fault(r, 400) == NO_VALID_HOST
    s = show(admin, first)
    assert s["status"] == "ACTIVE" and s[HOST] == source
    assert [m["status"] for m in migrations(admin, first)] == ["error", "error"]
