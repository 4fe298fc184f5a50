"""The background runtime end to end: a server goes BUILD -> ACTIVE through
the conductor, the scheduler and a compute agent of the real daemon, a
spawn failure ends in ERROR with a fault, a kill -9 in the middle of a
build is recovered on restart, two hosts share servers by free RAM, and a
full cloud answers "No valid host was found".

Each test runs a cirrusd of its own (spawn_cirrusd): the flags differ
(--fake-delay-ms, --hosts, capacity) and one of them kills the daemon.
"""
import signal
import time

from conftest import Client, first_flavor, first_image, token_for

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."
TASK = "OS-EXT-STS:task_state"
HOST = "OS-EXT-SRV-ATTR:host"


def clients(daemon):
    tok, pid, uid = token_for(daemon.url, "admin", "admin", "admin")
    admin = Client(daemon.url, tok, pid, uid)
    tok, pid, uid = token_for(daemon.url, "demo", "demo", "demo")
    return admin, Client(daemon.url, tok, pid, uid)


def write_config(tmp_path, **compute):
    path = tmp_path / "cirrus.conf"
    lines = ["[compute]"] + [f"{k} = {v}" for k, v in compute.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def create(client, name, flavor=None, **extra):
    body = {"name": name, "flavorRef": flavor or first_flavor(client),
            "imageRef": first_image(client), **extra}
    r = client.post("/servers", {"server": body})
    assert r.status_code == 202, r.text
    return r.json()["server"]["id"]


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


def flavor_id(client, name):
    r = client.get("/flavors/detail")
    assert r.status_code == 200, r.text
    return next(f["id"] for f in r.json()["flavors"] if f["name"] == name)


def test_create_build_active_delete(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "400")
    admin, demo = clients(d)
    t0 = time.time()
    sid = create(demo, "web-1")
    first = show(admin, sid)
    assert first["status"] == "BUILD"
    assert first[TASK] in ("scheduling", "spawning")
    assert first["OS-EXT-STS:vm_state"] == "building"
    srv = admin.wait_server(sid, "ACTIVE")
    assert time.time() - t0 >= 0.4                      # the spawn took its simulated time
    assert srv[TASK] is None
    assert srv["OS-EXT-STS:power_state"] == 1
    assert srv["OS-SRV-USG:launched_at"]
    assert srv[HOST] == "cirrus"
    assert srv["OS-EXT-SRV-ATTR:hypervisor_hostname"] == "cirrus"
    assert srv["OS-EXT-AZ:availability_zone"] == "nova"
    assert srv["OS-EXT-SRV-ATTR:instance_name"].startswith("instance-")

    r = demo.get(f"/servers/{sid}/os-instance-actions")
    if r.status_code == 200:
        actions = r.json()["instanceActions"]
        create_action = next(a for a in actions if a["action"] == "create")
        r = admin.get(f"/servers/{sid}/os-instance-actions/{create_action['request_id']}")
        assert r.status_code == 200, r.text
        events = {e["event"]: e for e in r.json()["instanceAction"]["events"]}
        assert events["compute__do_build_and_run_instance"]["result"] == "Success"
        # Nova's conductor records its event only when scheduling fails
        assert list(events) == ["compute__do_build_and_run_instance"]

    r = demo.delete(f"/servers/{sid}")
    assert r.status_code == 204, r.text
    demo.wait_server(sid, "DELETED")
    assert demo.get(f"/servers/{sid}").status_code == 404


def test_create_to_active_without_delay(spawn_cirrusd):
    d = spawn_cirrusd()
    _, demo = clients(d)
    flavor, image = first_flavor(demo), first_image(demo)
    times = []
    for i in range(5):
        t0 = time.time()
        r = demo.post("/servers", {"server": {"name": f"quick-{i}", "flavorRef": flavor,
                                              "imageRef": image}})
        assert r.status_code == 202, r.text
        demo.wait_server(r.json()["server"]["id"], "ACTIVE", timeout=10)
        times.append(time.time() - t0)
    # create -> ACTIVE is bounded by the wake-up path, not the 200 ms poll
    assert sorted(times)[2] < 0.2, times


def test_spawn_failure_goes_to_error_with_fault(spawn_cirrusd):
    d = spawn_cirrusd()
    admin, demo = clients(d)
    sid = create(demo, "fail-spawn-1")
    srv = wait_for(demo, sid, lambda s: s["status"] == "ERROR", what="ERROR")
    fault = srv["fault"]
    assert fault["code"] == 500
    assert "Build of instance" in fault["message"]
    srv = show(admin, sid)
    assert srv[TASK] is None
    assert srv[HOST] is None                             # the claim was given back
    assert srv["OS-EXT-STS:power_state"] == 0
    # the host's resources are free again: a normal server still fits
    ok = create(demo, "after-failure")
    demo.wait_server(ok, "ACTIVE")
    for s in (sid, ok):
        assert demo.delete(f"/servers/{s}").status_code == 204
        demo.wait_server(s, "DELETED")


def test_kill9_during_build_recovers(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "3000")
    admin, demo = clients(d)
    sid = create(demo, "survivor")
    wait_for(admin, sid, lambda s: s[TASK] == "spawning", timeout=10, what="spawning")
    d.stop(signal.SIGKILL)

    d2 = spawn_cirrusd("--fake-delay-ms", "3000", data_dir=d.data_dir)
    admin, demo = clients(d2)
    srv = wait_for(demo, sid, lambda s: s["status"] in ("ACTIVE", "ERROR"), timeout=30,
                   what="end state")
    assert srv["status"] == "ACTIVE", srv
    r = admin.get("/servers/detail?all_tenants=1")
    assert r.status_code == 200, r.text
    stuck = [(s["name"], s[TASK]) for s in r.json()["servers"] if s[TASK]]
    assert not stuck
    assert demo.delete(f"/servers/{sid}").status_code == 204
    demo.wait_server(sid, "DELETED", timeout=30)


def test_two_hosts_spread_by_free_ram(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2")
    admin, demo = clients(d)
    small = flavor_id(demo, "m1.small")
    ids = [create(demo, f"spread-{i}", small) for i in range(4)]
    hosts = [admin.wait_server(s, "ACTIVE")[HOST] for s in ids]
    assert sorted(hosts) == ["cirrus-1", "cirrus-1", "cirrus-2", "cirrus-2"], hosts
    # a bigger server goes where more RAM is free
    assert demo.delete(f"/servers/{ids[0]}").status_code == 204
    demo.wait_server(ids[0], "DELETED")
    freed = hosts[0]
    big = create(demo, "big", flavor_id(demo, "m1.medium"))
    assert admin.wait_server(big, "ACTIVE")[HOST] == freed


def test_capacity_exhaustion_no_valid_host(spawn_cirrusd, tmp_path):
    conf = write_config(tmp_path, host_vcpus=2, host_ram_mb=4096, host_disk_gb=100,
                        cpu_allocation_ratio=1.0)
    d = spawn_cirrusd("--config", conf)
    admin, demo = clients(d)
    small = flavor_id(demo, "m1.small")                 # 1 vcpu, 2048 MB
    a, b = create(demo, "fill-a", small), create(demo, "fill-b", small)
    demo.wait_server(a, "ACTIVE")
    demo.wait_server(b, "ACTIVE")
    full = create(demo, "one-too-many", small)
    srv = wait_for(demo, full, lambda s: s["status"] == "ERROR", what="ERROR")
    assert srv["fault"]["code"] == 500
    assert srv["fault"]["message"] == NO_VALID_HOST
    assert show(admin, full)[HOST] is None
    too_big = create(demo, "too-big", flavor_id(demo, "m1.large"))   # 8192 MB > 4096
    srv = wait_for(demo, too_big, lambda s: s["status"] == "ERROR", what="ERROR")
    assert srv["fault"]["message"] == NO_VALID_HOST
    # deleting frees the claim; the next server fits again
    assert demo.delete(f"/servers/{a}").status_code == 204
    demo.wait_server(a, "DELETED")
    c = create(demo, "fits-again", small)
    demo.wait_server(c, "ACTIVE")
    # servers that never reached a host are deleted by the conductor
    for s in (full, too_big, b, c):
        assert demo.delete(f"/servers/{s}").status_code == 204
    for s in (full, too_big, b, c):
        demo.wait_server(s, "DELETED")


def test_delete_while_building(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "500")
    admin, demo = clients(d)
    sid = create(demo, "short-lived")
    assert demo.delete(f"/servers/{sid}").status_code == 204
    demo.wait_server(sid, "DELETED", timeout=15)
    # nothing leaked on the host: the full capacity is schedulable again
    r = admin.get("/os-hypervisors/detail")
    if r.status_code == 200:
        for h in r.json()["hypervisors"]:
            assert h["running_vms"] == 0
            assert h["vcpus_used"] == 0
