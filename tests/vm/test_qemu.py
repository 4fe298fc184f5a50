"""The qemu driver end to end: real virtual machines under TCG.

One daemon for the module (`--driver qemu`, accel tcg), the tiny test guest
built by tools/build-guest.sh and uploaded through the Image API. Every
claim is proven from inside the guest, on its serial console
(tools/guest/init prints CIRRUS-* marker lines): it booted, it got its
config drive and the fixed IP cirrus assigned, rescue saw and wrote the
server's own disk, unrescue booted that disk with the rescue's write on it.
"""
import base64
import os
import pathlib
import re
import signal
import subprocess
import time
import uuid

import pytest

from conftest import ROOT, Client, Daemon, fail_on_sanitizer, token_for

OCTET = {"Content-Type": "application/octet-stream"}
BOOT_TIMEOUT = 120      # generous: TCG on a busy 2-core CI machine
MEASURE = {}            # name -> seconds, printed at the end (-s) for the report

# The script the guest runs from user_data (tools/guest/init exports
# CIRRUS_ROLE and CIRRUS_DISK): a rescue boot repairs the server's disk.
USER_DATA = """#!/bin/sh
if [ "$CIRRUS_ROLE" = rescue ]; then
    echo "fixed-by-rescue" > "$CIRRUS_DISK/data.txt"
    echo "CIRRUS-RESCUE-WROTE $(cat "$CIRRUS_DISK/data.txt")"
fi
"""


def build_guest():
    out = subprocess.run(["bash", str(ROOT / "tools/build-guest.sh"), str(ROOT / "build/guest")],
                         check=True, capture_output=True, text=True, timeout=600)
    return pathlib.Path(out.stdout.strip().splitlines()[-1])


def qemu_pids(data_dir):
    """QEMU processes of a data dir, from the driver's pidfiles."""
    pids = []
    for pidfile in pathlib.Path(data_dir, "instances").glob("*/*/qemu.pid"):
        try:
            pid = int(pidfile.read_text())
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if b"qemu-system" in cmd:
            pids.append(pid)
    return pids


def rss_kb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stop_all(d):
    """Stops a daemon and every VM it left (VMs outlive cirrusd by design)."""
    pids = qemu_pids(d.data_dir)
    d.stop()
    pids += [p for p in qemu_pids(d.data_dir) if p not in pids]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    d.cleanup()
    fail_on_sanitizer([d])


@pytest.fixture(scope="module", autouse=True)
def measurements():
    """Writes the figures taken along the way (not assertions on time) to
    build/vm-measurements.txt for reports."""
    yield
    out = ROOT / "build" / "vm-measurements.txt"
    out.write_text("".join(f"{k}: {v:.2f}\n" for k, v in MEASURE.items()))


@pytest.fixture(scope="module")
def cloud():
    guest = build_guest()
    d = Daemon("--driver", "qemu")
    conf = pathlib.Path(d.data_dir, "cirrus.conf")
    conf.write_text("[qemu]\naccel = tcg\n")
    d.extra += ["--config", str(conf)]
    try:
        d.start()
        tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
        admin = Client(d.url, tok, pid, uid)
        r = admin.post("/image/v2/images", {"name": "cirrus-guest", "disk_format": "qcow2",
                                            "container_format": "bare",
                                            "visibility": "public"})
        assert r.status_code == 201, r.text
        image = r.json()["id"]
        r = admin.put(f"/image/v2/images/{image}/file",
                      data=(guest / "disk.qcow2").read_bytes(), headers=OCTET)
        assert r.status_code == 204, r.text
        r = admin.post("/flavors", {"flavor": {"name": "vm.tiny", "ram": 128, "vcpus": 1,
                                               "disk": 1, "id": "vm-tiny"}})
        assert r.status_code == 200, r.text
        yield {"daemon": d, "admin": admin, "image": image, "flavor": "vm-tiny"}
    finally:
        stop_all(d)


def console_path(cloud, server):
    host = server["OS-EXT-SRV-ATTR:host"]
    return pathlib.Path(cloud["daemon"].data_dir, "instances", host, server["id"], "console.log")


def console(cloud, server):
    try:
        return console_path(cloud, server).read_text(errors="replace")
    except OSError:
        return ""


def wait_console(cloud, server, pattern, count=1, timeout=BOOT_TIMEOUT):
    """Waits until the console holds `count` matches of pattern; returns them."""
    deadline = time.time() + timeout
    found = []
    while time.time() < deadline:
        found = re.findall(pattern, console(cloud, server))
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} x{count} not on the console of {server['id']} "
                         f"(found {len(found)}):\n{console(cloud, server)[-3000:]}")


def server_show(admin, sid):
    r = admin.get(f"/servers/{sid}")
    assert r.status_code == 200, r.text
    return r.json()["server"]


def action(admin, sid, body):
    r = admin.post(f"/servers/{sid}/action", body)
    assert r.status_code in (200, 202, 204), r.text
    return r


@pytest.fixture(scope="module")
def server(cloud):
    admin = cloud["admin"]
    t0 = time.time()
    r = admin.post("/servers", {"server": {
        "name": "vm-1", "imageRef": cloud["image"], "flavorRef": cloud["flavor"],
        "user_data": base64.b64encode(USER_DATA.encode()).decode()}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    MEASURE["create->ACTIVE"] = time.time() - t0
    s = server_show(admin, sid)
    wait_console(cloud, s, r"CIRRUS-GUEST-UP")
    MEASURE["create->guest marker"] = time.time() - t0
    yield s
    r = admin.delete(f"/servers/{sid}")
    assert r.status_code == 204, r.text
    admin.wait_server(sid, "DELETED", timeout=60)
    assert not console_path(cloud, s).parent.exists()


def test_guest_boots_with_config_drive_and_fixed_ip(cloud, server):
    addrs = [a["addr"] for net in server["addresses"].values() for a in net
             if a["version"] == 4]
    assert addrs, server
    up = wait_console(cloud, server, r"CIRRUS-GUEST-UP role=(\w+) uuid=(\S+) ip=(\S+)")[0]
    assert up == ("normal", server["id"], addrs[0])
    assert "CIRRUS-DISK vda data=none" in console(cloud, server)
    # The QEMU process is real, named after the instance, and still running.
    pids = qemu_pids(cloud["daemon"].data_dir)
    assert len(pids) == 1
    cmd = pathlib.Path(f"/proc/{pids[0]}/cmdline").read_bytes().split(b"\0")
    assert server["id"].encode() in cmd and b"tcg,tb-size=32" in cmd
    MEASURE["qemu RSS MiB"] = rss_kb(pids[0]) / 1024
    MEASURE["cirrusd RSS MiB"] = rss_kb(cloud["daemon"].proc.pid) / 1024


def count(cloud, server, marker):
    return console(cloud, server).count(marker)


def last_heartbeat(cloud, server):
    beats = re.findall(r"CIRRUS-HEARTBEAT (\d+)", console(cloud, server))
    return int(beats[-1]) if beats else 0


def test_flavor_ephemeral_and_swap_disks_are_attached(cloud):
    """A flavor with ephemeral and swap space gives the guest two more
    disks of those sizes, before the config drive."""
    admin = cloud["admin"]
    r = admin.post("/flavors", {"flavor": {"name": "vm.eph", "ram": 128, "vcpus": 1,
                                           "disk": 1, "id": "vm-eph", "OS-FLV-EXT-DATA:ephemeral": 1,
                                           "swap": 64}})
    assert r.status_code == 200, r.text
    r = admin.post("/servers", {"server": {"name": "eph", "imageRef": cloud["image"],
                                           "flavorRef": "vm-eph"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    s = server_show(admin, sid)
    disks = wait_console(cloud, s, r"CIRRUS-DISKS (.*)")[0].split()
    sizes = dict(d.split(":") for d in disks)
    assert [d.split(":")[0] for d in disks] == ["vda", "vdb", "vdc", "vdd"], disks
    assert int(sizes["vda"]) == 1 * 1024 ** 3 // 512          # root grown to the flavor
    assert int(sizes["vdb"]) == 1 * 1024 ** 3 // 512          # ephemeral 1 GiB
    assert int(sizes["vdc"]) == 64 * 1024 ** 2 // 512         # swap 64 MiB
    wait_console(cloud, s, r"CIRRUS-GUEST-UP role=normal")    # vdb is no rescue target
    assert admin.delete(f"/servers/{sid}").status_code == 204
    admin.wait_server(sid, "DELETED", timeout=60)
    assert admin.delete("/flavors/vm-eph").status_code == 202


def test_console_output_api(cloud, server):
    r = action(cloud["admin"], server["id"], {"os-getConsoleOutput": {"length": -1}})
    assert r.status_code == 200, r.text
    out = r.json()["output"]
    assert f"CIRRUS-CONFIG-DRIVE uuid={server['id']}" in out
    r = action(cloud["admin"], server["id"], {"os-getConsoleOutput": {"length": 3}})
    assert len(r.json()["output"].splitlines()) <= 3


def test_stop_is_a_clean_acpi_shutdown_and_start_boots_again(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    ups, offs = count(cloud, server, "CIRRUS-GUEST-UP"), count(cloud, server, "POWEROFF")
    action(admin, sid, {"os-stop": None})
    s = admin.wait_server(sid, "SHUTOFF", timeout=BOOT_TIMEOUT)
    assert s["OS-EXT-STS:power_state"] == 4
    # The guest saw its power button (ACPI) and powered itself off.
    assert count(cloud, server, "CIRRUS-GUEST-POWEROFF") == offs + 1
    assert qemu_pids(cloud["daemon"].data_dir) == []
    t0 = time.time()
    action(admin, sid, {"os-start": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    MEASURE["start->ACTIVE"] = time.time() - t0
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    MEASURE["start->guest marker"] = time.time() - t0


def test_reboot_soft_and_hard(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    ups, offs = count(cloud, server, "CIRRUS-GUEST-UP"), count(cloud, server, "POWEROFF")
    action(admin, sid, {"reboot": {"type": "SOFT"}})
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert count(cloud, server, "CIRRUS-GUEST-POWEROFF") == offs + 1   # soft = clean
    pid = qemu_pids(cloud["daemon"].data_dir)
    action(admin, sid, {"reboot": {"type": "HARD"}})
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 2)
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert count(cloud, server, "CIRRUS-GUEST-POWEROFF") == offs + 1   # hard = no shutdown
    assert qemu_pids(cloud["daemon"].data_dir) != pid                  # a new machine


def test_pause_and_unpause(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    action(admin, sid, {"pause": None})
    s = admin.wait_server(sid, "PAUSED")
    assert s["OS-EXT-STS:power_state"] == 3
    beat = last_heartbeat(cloud, server)
    action(admin, sid, {"unpause": None})
    admin.wait_server(sid, "ACTIVE")
    wait_console(cloud, server, rf"CIRRUS-HEARTBEAT {beat + 1}\b")


def test_inject_and_reset_network_reach_the_running_guest(cloud, server):
    """injectNetworkInfo and resetNetwork hand the running guest its
    addresses again (virtio-serial channel); it applies them at once."""
    admin, sid = cloud["admin"], server["id"]
    ip = [a["addr"] for net in server["addresses"].values() for a in net
          if a["version"] == 4][0]
    marker = f"CIRRUS-NET-APPLIED ip={ip}"
    n = count(cloud, server, marker)
    action(admin, sid, {"injectNetworkInfo": None})
    wait_console(cloud, server, re.escape(marker), n + 1)
    admin.wait_server(sid, "ACTIVE")
    action(admin, sid, {"resetNetwork": None})
    wait_console(cloud, server, re.escape(marker), n + 2)
    admin.wait_server(sid, "ACTIVE")


def test_change_password_without_guest_agent_is_409(cloud, server):
    """libvirt sets passwords through the guest agent and refuses with
    InstanceAgentNotEnabled without one; the server is left as it was."""
    admin, sid = cloud["admin"], server["id"]
    r = admin.post(f"/servers/{sid}/action", {"changePassword": {"adminPass": "s3cret"}})
    assert r.status_code == 409, r.text
    assert r.json()["conflictingRequest"]["message"] == "QEMU guest agent is not enabled"
    s = admin.wait_server(sid, "ACTIVE")
    assert s["OS-EXT-STS:task_state"] is None


def test_suspend_saves_memory_and_resume_restores_it(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    ups = count(cloud, server, "CIRRUS-GUEST-UP")
    action(admin, sid, {"suspend": None})
    s = admin.wait_server(sid, "SUSPENDED", timeout=BOOT_TIMEOUT)
    assert s["OS-EXT-STS:power_state"] == 7
    assert qemu_pids(cloud["daemon"].data_dir) == []
    assert (console_path(cloud, server).parent / "memory.state").exists()
    beat = last_heartbeat(cloud, server)
    action(admin, sid, {"resume": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    # The same guest runs on: its heartbeat counter continues, no new boot.
    wait_console(cloud, server, rf"CIRRUS-HEARTBEAT {beat + 1}\b")
    assert count(cloud, server, "CIRRUS-GUEST-UP") == ups
    assert not (console_path(cloud, server).parent / "memory.state").exists()


def test_rescue_repairs_the_disk_and_unrescue_keeps_it(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    assert "CIRRUS-DISK vda data=fixed-by-rescue" not in console(cloud, server)
    t0 = time.time()
    action(admin, sid, {"rescue": {"rescue_image_ref": cloud["image"]}})
    admin.wait_server(sid, "RESCUE", timeout=BOOT_TIMEOUT)
    MEASURE["rescue->RESCUE"] = time.time() - t0
    # The rescue image booted first and found the server's own disk second.
    wait_console(cloud, server, r"CIRRUS-GUEST-UP role=rescue")
    text = console(cloud, server)
    assert "CIRRUS-RESCUE-SEES vdb data=none" in text
    assert "CIRRUS-RESCUE-WROTE fixed-by-rescue" in text
    ups = count(cloud, server, "CIRRUS-GUEST-UP")
    t0 = time.time()
    action(admin, sid, {"unrescue": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    MEASURE["unrescue->ACTIVE"] = time.time() - t0
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    text = console(cloud, server)
    assert text.rindex("CIRRUS-DISK vda data=fixed-by-rescue") > text.rindex("role=rescue")
    assert re.findall(r"CIRRUS-GUEST-UP role=(\w+)", text)[-1] == "normal"
    assert not (console_path(cloud, server).parent / "disk.rescue").exists()


def test_snapshot_boots_with_the_servers_data(cloud, server):
    """createImage copies the server's disk (its base flattened in); a new
    server booted from that image finds what rescue wrote."""
    admin, sid = cloud["admin"], server["id"]
    r = admin.post(f"/servers/{sid}/action", {"createImage": {"name": "vm-1-snap"}},
                   headers={"OpenStack-API-Version": "compute 2.45"})
    assert r.status_code == 202, r.text
    snap = r.json()["image_id"]
    deadline = time.time() + BOOT_TIMEOUT
    while time.time() < deadline:
        img = admin.get(f"/image/v2/images/{snap}").json()
        if img["status"] == "active":
            break
        assert img["status"] in ("queued", "saving"), img
        time.sleep(0.1)
    assert img["status"] == "active" and img["size"] > 0, img
    admin.wait_server(sid, "ACTIVE")
    r = admin.post("/servers", {"server": {"name": "from-snap", "imageRef": snap,
                                           "flavorRef": cloud["flavor"]}})
    assert r.status_code == 202, r.text
    new = r.json()["server"]["id"]
    admin.wait_server(new, "ACTIVE", timeout=BOOT_TIMEOUT)
    s2 = server_show(admin, new)
    wait_console(cloud, s2, r"CIRRUS-GUEST-UP")
    assert "CIRRUS-DISK vda data=fixed-by-rescue" in console(cloud, s2)
    assert admin.delete(f"/servers/{new}").status_code == 204
    admin.wait_server(new, "DELETED", timeout=60)
    assert admin.delete(f"/image/v2/images/{snap}").status_code == 204


def test_hard_reboot_revives_a_qemu_that_died(cloud, server):
    admin, sid = cloud["admin"], server["id"]
    pids = qemu_pids(cloud["daemon"].data_dir)
    assert len(pids) == 1
    ups = count(cloud, server, "CIRRUS-GUEST-UP")
    os.kill(pids[0], signal.SIGKILL)
    deadline = time.time() + 30
    while pathlib.Path(f"/proc/{pids[0]}/cmdline").exists() and \
            pathlib.Path(f"/proc/{pids[0]}/cmdline").read_bytes() and time.time() < deadline:
        time.sleep(0.05)
    r = admin.post(f"/servers/{sid}/action", {"reboot": {"type": "HARD"}})
    if r.status_code == 409:
        # the power-state sync noticed the death first and is stopping the
        # server (task powering-off): reboot once it is SHUTOFF
        admin.wait_server(sid, "SHUTOFF")
        r = admin.post(f"/servers/{sid}/action", {"reboot": {"type": "HARD"}})
    assert r.status_code == 202, r.text
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    after = qemu_pids(cloud["daemon"].data_dir)
    assert len(after) == 1 and after != pids


def test_cirrusd_restart_reattaches_to_the_running_vm(cloud, server):
    d, admin, sid = cloud["daemon"], cloud["admin"], server["id"]
    pids = qemu_pids(d.data_dir)
    assert len(pids) == 1
    d.stop()
    assert qemu_pids(d.data_dir) == pids          # the VM outlives cirrusd
    d.start()
    tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
    cloud["admin"] = admin = Client(d.url, tok, pid, uid)
    assert admin.wait_server(sid, "ACTIVE")
    assert qemu_pids(d.data_dir) == pids          # adopted, not restarted
    beat = last_heartbeat(cloud, server)
    action(admin, sid, {"pause": None})
    admin.wait_server(sid, "PAUSED")
    action(admin, sid, {"unpause": None})
    admin.wait_server(sid, "ACTIVE")
    wait_console(cloud, server, rf"CIRRUS-HEARTBEAT {beat + 1}\b")


def test_cirrusd_restart_restarts_a_vm_that_died_meanwhile(cloud, server):
    """The host went down with its VMs: on start-up the driver boots again
    what the store says should be running."""
    d, sid = cloud["daemon"], server["id"]
    pids = qemu_pids(d.data_dir)
    assert len(pids) == 1
    ups = count(cloud, server, "CIRRUS-GUEST-UP")
    d.stop()
    os.kill(pids[0], signal.SIGKILL)
    d.start()
    tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
    cloud["admin"] = admin = Client(d.url, tok, pid, uid)
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    after = qemu_pids(d.data_dir)
    assert len(after) == 1 and after != pids
    assert admin.wait_server(sid, "ACTIVE")


# --- a server in an aggregate's zone, rescued in stable device mode ---------

def delete_server(admin, sid):
    """Deletes a server unless it is gone already."""
    r = admin.delete(f"/servers/{sid}")
    assert r.status_code in (204, 404), r.text
    if r.status_code == 204:
        admin.wait_server(sid, "DELETED", timeout=60)


@pytest.fixture(scope="module")
def zoned_server(cloud):
    """A server created in an aggregate's availability zone (the guest's
    user_data repairs the server's disk when it runs as a rescue)."""
    admin = cloud["admin"]
    host = admin.get("/os-services?binary=nova-compute").json()["services"][0]["host"]
    r = admin.post("/os-aggregates", {"aggregate": {"name": "vm-agg",
                                                    "availability_zone": "vm-zone"}})
    assert r.status_code == 200, r.text
    agg = r.json()["aggregate"]["id"]
    r = admin.post(f"/os-aggregates/{agg}/action", {"add_host": {"host": host}})
    assert r.status_code == 200, r.text
    r = admin.post("/servers", {"server": {
        "name": "zoned", "imageRef": cloud["image"], "flavorRef": cloud["flavor"],
        "availability_zone": "vm-zone",
        "user_data": base64.b64encode(USER_DATA.encode()).decode()}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    admin = cloud["admin"]
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    s = server_show(admin, sid)
    wait_console(cloud, s, r"CIRRUS-GUEST-UP")
    yield s
    admin = cloud["admin"]
    delete_server(admin, sid)
    assert admin.post(f"/os-aggregates/{agg}/action",
                      {"remove_host": {"host": host}}).status_code == 200
    assert admin.delete(f"/os-aggregates/{agg}").status_code == 200


def test_config_drive_carries_the_servers_availability_zone(cloud, zoned_server):
    s = zoned_server
    assert s["OS-EXT-AZ:availability_zone"] == "vm-zone"
    az = wait_console(cloud, s, rf"CIRRUS-CONFIG-DRIVE uuid={s['id']} az=(\S+)")[0]
    assert az == "vm-zone"


def test_stable_device_rescue_keeps_the_servers_disk_first(cloud, zoned_server):
    """An image with hw_rescue_device=disk, hw_rescue_bus=virtio (Nova's
    stable device rescue): the server's own disk stays vda, the rescue disk
    comes after the config drive, boots, and repairs vda."""
    admin, s, sid = cloud["admin"], zoned_server, zoned_server["id"]
    guest = build_guest()
    r = admin.post("/image/v2/images", {"name": "stable-rescue", "disk_format": "qcow2",
                                        "container_format": "bare",
                                        "hw_rescue_device": "disk", "hw_rescue_bus": "virtio"})
    assert r.status_code == 201, r.text
    image = r.json()["id"]
    r = admin.put(f"/image/v2/images/{image}/file",
                  data=(guest / "disk.qcow2").read_bytes(), headers=OCTET)
    assert r.status_code == 204, r.text
    first = wait_console(cloud, s, r"CIRRUS-DISKS (.*)")[0].split()
    ups = count(cloud, s, "CIRRUS-GUEST-UP")
    action(admin, sid, {"rescue": {"rescue_image_ref": image}})
    admin.wait_server(sid, "RESCUE", timeout=BOOT_TIMEOUT)
    wait_console(cloud, s, "CIRRUS-GUEST-UP", ups + 1)
    text = console(cloud, s)
    disks = re.findall(r"CIRRUS-DISKS (.*)", text)[-1].split()
    # The server's disks keep their names and sizes; one more disk, last.
    assert disks[:len(first)] == first and len(disks) == len(first) + 1, (first, disks)
    assert disks[0] == f"vda:{1024 ** 3 // 512}"
    rescue_dev = disks[-1].split(":")[0]
    assert f"CIRRUS-RESCUE-STABLE rescue={rescue_dev} server=vda data=none" in text
    assert re.findall(r"CIRRUS-GUEST-UP role=(\w+)", text)[-1] == "rescue"
    assert "CIRRUS-RESCUE-WROTE fixed-by-rescue" in text
    action(admin, sid, {"unrescue": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    wait_console(cloud, s, "CIRRUS-GUEST-UP", ups + 2)
    text = console(cloud, s)
    assert re.findall(r"CIRRUS-DISKS (.*)", text)[-1].split() == first
    assert text.rindex("CIRRUS-DISK vda data=fixed-by-rescue") > text.rindex("role=rescue")
    assert re.findall(r"CIRRUS-GUEST-UP role=(\w+)", text)[-1] == "normal"
    assert admin.delete(f"/image/v2/images/{image}").status_code == 204
    # Done with it: later tests count this module's VMs.
    delete_server(admin, sid)


# --- moves between two hosts -------------------------------------------------

MOVE_USER_DATA = """#!/bin/sh
[ "$CIRRUS_ROLE" = normal ] && [ ! -f "$CIRRUS_DISK/data.txt" ] && echo "born-on-first-boot" > "$CIRRUS_DISK/data.txt"
"""


@pytest.fixture(scope="module")
def two_hosts():
    guest = build_guest()
    d = Daemon("--driver", "qemu", "--hosts", "2")
    conf = pathlib.Path(d.data_dir, "cirrus.conf")
    conf.write_text("[qemu]\naccel = tcg\n")
    d.extra += ["--config", str(conf)]
    try:
        d.start()
        tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
        admin = Client(d.url, tok, pid, uid)
        r = admin.post("/image/v2/images", {"name": "cirrus-guest", "disk_format": "qcow2",
                                            "container_format": "bare"})
        image = r.json()["id"]
        r = admin.put(f"/image/v2/images/{image}/file",
                      data=(guest / "disk.qcow2").read_bytes(), headers=OCTET)
        assert r.status_code == 204, r.text
        for name, ram, vcpus, disk in (("vm-tiny", 128, 1, 1), ("vm-small", 192, 2, 2)):
            r = admin.post("/flavors", {"flavor": {"name": name, "ram": ram, "vcpus": vcpus,
                                                   "disk": disk, "id": name}})
            assert r.status_code == 200, r.text
        r = admin.post("/servers", {"server": {
            "name": "mover", "imageRef": image, "flavorRef": "vm-tiny",
            "user_data": base64.b64encode(MOVE_USER_DATA.encode()).decode()}})
        assert r.status_code == 202, r.text
        sid = r.json()["server"]["id"]
        admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
        cloud = {"daemon": d, "admin": admin, "image": image}
        wait_console(cloud, server_show(admin, sid), "CIRRUS-GUEST-UP")
        cloud["server"] = sid
        yield cloud
    finally:
        stop_all(d)


def test_cold_migrate_keeps_the_disk_on_the_other_host(two_hosts):
    cloud, admin, sid = two_hosts, two_hosts["admin"], two_hosts["server"]
    before = server_show(admin, sid)
    src = before["OS-EXT-SRV-ATTR:host"]
    t0 = time.time()
    action(admin, sid, {"migrate": None})
    s = admin.wait_server(sid, "VERIFY_RESIZE", timeout=BOOT_TIMEOUT)
    MEASURE["cold migrate->VERIFY_RESIZE"] = time.time() - t0
    assert s["OS-EXT-SRV-ATTR:host"] != src
    # The destination booted the copied disk: what the first boot wrote is there.
    wait_console(cloud, s, r"CIRRUS-DISK vda data=born-on-first-boot")
    wait_console(cloud, s, r"CIRRUS-GUEST-UP", 2)
    assert len(qemu_pids(cloud["daemon"].data_dir)) == 1
    # The config drive's source tree moved too (injectNetworkInfo repacks it).
    assert (console_path(cloud, s).parent / "disk.config.d/openstack/latest/"
            "network_data.json").exists()
    src_dir = pathlib.Path(cloud["daemon"].data_dir, "instances", src)
    assert (src_dir / f"{sid}_resize").exists()
    action(admin, sid, {"confirmResize": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    deadline = time.time() + 30
    while (src_dir / f"{sid}_resize").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert not (src_dir / f"{sid}_resize").exists() and not (src_dir / sid).exists()


def guest_up(cloud, server):
    """role, mem_kb, cpus of the guest's latest boot."""
    return re.findall(r"CIRRUS-GUEST-UP role=(\w+) \S+ \S+ mem_kb=(\d+) cpus=(\d+)",
                      console(cloud, server))[-1]


def test_resize_grows_the_vm_and_revert_restores_it_on_the_source(two_hosts):
    cloud, admin, sid = two_hosts, two_hosts["admin"], two_hosts["server"]
    before = server_show(admin, sid)
    src = before["OS-EXT-SRV-ATTR:host"]
    wait_console(cloud, before, "CIRRUS-GUEST-UP")
    role, mem, cpus = guest_up(cloud, before)
    assert cpus == "1"
    action(admin, sid, {"resize": {"flavorRef": "vm-small"}})
    s = admin.wait_server(sid, "VERIFY_RESIZE", timeout=BOOT_TIMEOUT)
    assert s["OS-EXT-SRV-ATTR:host"] != src
    wait_console(cloud, s, r"CIRRUS-GUEST-UP .* cpus=2")
    assert int(guest_up(cloud, s)[1]) > int(mem)          # the new flavor's memory
    assert "CIRRUS-DISK vda data=born-on-first-boot" in console(cloud, s)
    # The source keeps its copy aside (<uuid>_resize) until confirm or revert.
    kept = pathlib.Path(cloud["daemon"].data_dir, "instances", src, f"{sid}_resize")
    src_ups = (kept / "console.log").read_text(errors="replace").count("CIRRUS-GUEST-UP")
    action(admin, sid, {"revertResize": None})
    s = admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert s["OS-EXT-SRV-ATTR:host"] == src
    # Back on the source, from the source's own disk, at the old size.
    wait_console(cloud, s, r"CIRRUS-GUEST-UP", src_ups + 1)
    assert guest_up(cloud, s)[1:] == (mem, "1")
    assert len(qemu_pids(cloud["daemon"].data_dir)) == 1
    assert not kept.exists()


def test_live_migrate_keeps_the_guest_running(two_hosts):
    cloud, admin, sid = two_hosts, two_hosts["admin"], two_hosts["server"]
    before = server_show(admin, sid)
    wait_console(cloud, before, "CIRRUS-GUEST-UP", 2)
    ups = count(cloud, before, "CIRRUS-GUEST-UP")
    pids = qemu_pids(cloud["daemon"].data_dir)
    t0 = time.time()
    r = admin.post(f"/servers/{sid}/action",
                   {"os-migrateLive": {"host": None, "block_migration": "auto"}},
                   headers={"OpenStack-API-Version": "compute 2.25"})
    assert r.status_code == 202, r.text
    deadline = time.time() + BOOT_TIMEOUT
    while time.time() < deadline:
        s = server_show(admin, sid)
        if s["status"] == "ACTIVE" and s["OS-EXT-SRV-ATTR:host"] != before["OS-EXT-SRV-ATTR:host"]:
            break
        assert s["status"] in ("ACTIVE", "MIGRATING"), s
        time.sleep(0.05)
    MEASURE["live migrate->ACTIVE on dest"] = time.time() - t0
    assert s["OS-EXT-SRV-ATTR:host"] != before["OS-EXT-SRV-ATTR:host"], s
    # One QEMU, a new one, and the same guest: no new boot, heartbeats go on
    # past what the source had written when the move began.
    after = qemu_pids(cloud["daemon"].data_dir)
    assert len(after) == 1 and after != pids
    beat = last_heartbeat(cloud, s)
    wait_console(cloud, s, rf"CIRRUS-HEARTBEAT {beat + 2}\b")
    assert count(cloud, s, "CIRRUS-GUEST-UP") == ups
    assert not pathlib.Path(cloud["daemon"].data_dir, "instances",
                            before["OS-EXT-SRV-ATTR:host"], sid).exists()
    r = admin.get("/os-migrations", headers={"OpenStack-API-Version": "compute 2.23"})
    assert r.status_code == 200, r.text
    lm = [m for m in r.json()["migrations"]
          if m["instance_uuid"] == sid and m["migration_type"] == "live-migration"]
    assert [(m["status"], m["source_compute"], m["dest_compute"]) for m in lm] == \
        [("completed", before["OS-EXT-SRV-ATTR:host"], s["OS-EXT-SRV-ATTR:host"])]
    # QEMU's own figures, as the driver logged them.
    m = re.findall(r"live migration of \S+ to \S+ completed in (\d+) ms, downtime (\d+) ms",
                   pathlib.Path(cloud["daemon"].log_path).read_text(errors="replace"))
    assert m, "the driver logs every completed live migration"
    MEASURE["live migrate QEMU total ms"], MEASURE["live migrate downtime ms"] = map(int, m[-1])


def test_inject_network_info_after_live_migration_updates_the_drive_there(two_hosts):
    """The config drive moved with the live migration: injectNetworkInfo on
    the destination repacks the ISO there and reaches the running guest."""
    cloud, admin, sid = two_hosts, two_hosts["admin"], two_hosts["server"]
    s = server_show(admin, sid)
    lm = [m for m in admin.get("/os-migrations").json()["migrations"]
          if m["instance_uuid"] == sid and m["status"] == "completed" and
          m["dest_compute"] == s["OS-EXT-SRV-ATTR:host"]]
    assert lm, "runs after a completed move to this host"
    iso = console_path(cloud, s).parent / "disk.config"
    assert iso.exists() and (iso.parent / "disk.config.d").is_dir()
    before = iso.stat().st_mtime_ns
    ip = [a["addr"] for net in s["addresses"].values() for a in net if a["version"] == 4][0]
    marker = f"CIRRUS-NET-APPLIED ip={ip}"
    n = count(cloud, s, marker)
    action(admin, sid, {"injectNetworkInfo": None})
    wait_console(cloud, s, re.escape(marker), n + 1)
    admin.wait_server(sid, "ACTIVE")
    assert iso.exists() and iso.stat().st_mtime_ns != before
    assert "fault" not in server_show(admin, sid)


def test_failed_spawn_leaves_error_with_fault_and_nothing_behind():
    """A QEMU that cannot start: the server goes to ERROR with the reason
    as its fault, and no process, disk or socket stays on the host."""
    guest = build_guest()
    d = Daemon("--driver", "qemu")
    conf = pathlib.Path(d.data_dir, "cirrus.conf")
    conf.write_text("[qemu]\naccel = tcg\nmachine = no-such-machine\n")
    d.extra += ["--config", str(conf)]
    try:
        d.start()
        tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
        admin = Client(d.url, tok, pid, uid)
        image = admin.post("/image/v2/images", {"name": "g", "disk_format": "qcow2",
                                                "container_format": "bare"}).json()["id"]
        r = admin.put(f"/image/v2/images/{image}/file",
                      data=(guest / "disk.qcow2").read_bytes(), headers=OCTET)
        assert r.status_code == 204, r.text
        r = admin.post("/flavors", {"flavor": {"name": "vm.tiny", "ram": 128, "vcpus": 1,
                                               "disk": 1, "id": "vm-tiny"}})
        r = admin.post("/servers", {"server": {"name": "doomed", "imageRef": image,
                                               "flavorRef": "vm-tiny"}})
        assert r.status_code == 202, r.text
        sid = r.json()["server"]["id"]
        s = admin.wait_server(sid, "ERROR", timeout=BOOT_TIMEOUT)
        assert s["fault"]["code"] == 500
        assert "QEMU exited at start" in s["fault"]["message"], s["fault"]
        assert "unsupported machine type" in s["fault"]["message"], s["fault"]
        assert qemu_pids(d.data_dir) == []
        assert not list(pathlib.Path(d.data_dir, "instances").glob(f"*/{sid}"))
        # A qcow2 naming a backing file on the host is refused before any boot.
        evil = pathlib.Path(d.data_dir, "evil.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                        "/etc/passwd", str(evil), "1M"], check=True)
        image = admin.post("/image/v2/images", {"name": "evil", "disk_format": "qcow2",
                                                "container_format": "bare"}).json()["id"]
        r = admin.put(f"/image/v2/images/{image}/file", data=evil.read_bytes(), headers=OCTET)
        assert r.status_code == 204, r.text
        r = admin.post("/servers", {"server": {"name": "evil", "imageRef": image,
                                               "flavorRef": "vm-tiny"}})
        assert r.status_code == 202, r.text
        s = admin.wait_server(r.json()["server"]["id"], "ERROR", timeout=BOOT_TIMEOUT)
        assert "unacceptable: it refers to other files" in s["fault"]["message"], s["fault"]
        assert not list(pathlib.Path(d.data_dir, "instances").glob(f"*/_base/{image}"))
    finally:
        stop_all(d)


def test_killed_qemu_shows_shutoff_and_start_boots_it(cloud, server):
    """A QEMU that dies is noticed by the power state sync ([compute]
    sync_power_state_interval, 10 s by default): Nova stops the server
    (SHUTOFF, power_state 4, a "stop" action by the system); os-start boots
    the guest again."""
    admin, sid = cloud["admin"], server["id"]
    admin.wait_server(sid, "ACTIVE")
    pidfile = console_path(cloud, server).parent / "qemu.pid"
    pid = int(pidfile.read_text())
    assert pid in qemu_pids(cloud["daemon"].data_dir)    # other servers may run too
    ups = count(cloud, server, "CIRRUS-GUEST-UP")
    t0 = time.time()
    os.kill(pid, signal.SIGKILL)
    s = admin.wait_server(sid, "SHUTOFF", timeout=60)
    MEASURE["kill -9->SHUTOFF"] = time.time() - t0
    assert (s["OS-EXT-STS:task_state"], s["OS-EXT-STS:power_state"]) == (None, 4)
    acts = admin.get(f"/servers/{sid}/os-instance-actions").json()["instanceActions"]
    assert (acts[0]["action"], acts[0]["user_id"]) == ("stop", None)
    action(admin, sid, {"os-start": None})
    admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    wait_console(cloud, server, "CIRRUS-GUEST-UP", ups + 1)
    after = int(pidfile.read_text())
    assert after != pid and after in qemu_pids(cloud["daemon"].data_dir)
