"""Live migration across a real network: each compute host's QEMU runs in
its own network namespace ([qemu] netns_prefix), the two namespaces are
joined by a veth pair, and the NBD disk mirror and the migration stream go
over TCP to the destination namespace's address ([qemu] host_addresses),
as between two machines (issue 4). Only namespace-local addresses are used.

Needs root with CAP_NET_ADMIN (ip netns / ip link); skipped otherwise.
"""
import base64
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import Client, Daemon, token_for
from test_qemu import (BOOT_TIMEOUT, OCTET, MOVE_USER_DATA, build_guest, count, last_heartbeat,
                       qemu_pids, server_show, stop_all, wait_console)

HOSTS = ("cirrus-1", "cirrus-2")
ADDRS = ("10.99.0.1", "10.99.0.2")


def have_net_admin():
    if os.geteuid() != 0:
        return False
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) & (1 << 12))
    return False


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def namespaces():
    """Two namespaces <prefix>cirrus-1/2 joined by a veth pair, removed after."""
    if not have_net_admin():
        pytest.skip("network namespaces need root with CAP_NET_ADMIN")
    tag = f"cr{os.getpid() % 100000}"
    prefix = f"{tag}-"
    names = [prefix + h for h in HOSTS]
    veth = [f"{tag}a", f"{tag}b"]
    try:
        for n in names:
            ip("netns", "add", n)
            ip("-n", n, "link", "set", "lo", "up")
        ip("link", "add", veth[0], "netns", names[0], "type", "veth",
           "peer", "name", veth[1], "netns", names[1])
        for n, v, a in zip(names, veth, ADDRS):
            ip("-n", n, "addr", "add", f"{a}/24", "dev", v)
            ip("-n", n, "link", "set", v, "up")
        yield prefix, names
    finally:
        for n in names:
            subprocess.run(["ip", "netns", "del", n], capture_output=True, timeout=30)


def netns_inode(name):
    return os.stat(f"/run/netns/{name}").st_ino


def qemu_netns(pid):
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def test_live_migration_crosses_the_network_between_host_namespaces(namespaces):
    prefix, names = namespaces
    guest = build_guest()
    d = Daemon("--driver", "qemu", "--hosts", "2")
    conf = pathlib.Path(d.data_dir, "cirrus.conf")
    conf.write_text("[qemu]\naccel = tcg\nnetns_prefix = %s\nhost_addresses = %s\n" % (
        prefix, ",".join(f"{h}={a}" for h, a in zip(HOSTS, ADDRS))))
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
        assert r.status_code == 200, r.text
        r = admin.post("/servers", {"server": {
            "name": "netns-mover", "imageRef": image, "flavorRef": "vm-tiny",
            "user_data": base64.b64encode(MOVE_USER_DATA.encode()).decode()}})
        assert r.status_code == 202, r.text
        sid = r.json()["server"]["id"]
        admin.wait_server(sid, "ACTIVE", timeout=BOOT_TIMEOUT)
        cloud = {"daemon": d}
        before = server_show(admin, sid)
        src = before["OS-EXT-SRV-ATTR:host"]
        wait_console(cloud, before, "CIRRUS-GUEST-UP")
        # The VM runs inside its host's namespace, not cirrusd's.
        pids = qemu_pids(d.data_dir)
        assert len(pids) == 1
        assert qemu_netns(pids[0]) == netns_inode(prefix + src)
        assert qemu_netns(pids[0]) != os.stat("/proc/self/ns/net").st_ino
        ups = count(cloud, before, "CIRRUS-GUEST-UP")
        r = admin.post(f"/servers/{sid}/action",
                       {"os-migrateLive": {"host": None, "block_migration": "auto"}},
                       headers={"OpenStack-API-Version": "compute 2.25"})
        assert r.status_code == 202, r.text
        deadline = time.time() + BOOT_TIMEOUT
        while time.time() < deadline:
            s = server_show(admin, sid)
            if s["status"] == "ACTIVE" and s["OS-EXT-SRV-ATTR:host"] != src:
                break
            assert s["status"] in ("ACTIVE", "MIGRATING"), s
            time.sleep(0.05)
        dest = s["OS-EXT-SRV-ATTR:host"]
        assert dest != src, s
        after = qemu_pids(d.data_dir)
        assert len(after) == 1 and after != pids
        assert qemu_netns(after[0]) == netns_inode(prefix + dest)
        # The same guest runs on in the other namespace: no new boot.
        beat = last_heartbeat(cloud, s)
        wait_console(cloud, s, rf"CIRRUS-HEARTBEAT {beat + 2}\b")
        assert count(cloud, s, "CIRRUS-GUEST-UP") == ups
        # The stream went over TCP to the destination namespace's address.
        dest_addr = ADDRS[HOSTS.index(dest)]
        log = pathlib.Path(d.log_path).read_text(errors="replace")
        m = re.findall(rf"live migration of {sid} to {dest} completed in \d+ ms, "
                       rf"downtime \d+ ms, over (\S+)", log)
        assert m and m[-1].startswith(f"tcp:{dest_addr}:"), m
        assert admin.delete(f"/servers/{sid}").status_code == 204
        admin.wait_server(sid, "DELETED", timeout=60)
        assert qemu_pids(d.data_dir) == []
    finally:
        stop_all(d)
