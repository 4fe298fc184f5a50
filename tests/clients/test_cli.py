"""The acceptance flow with the real Debian `openstack` CLI
(python3-openstackclient 6.0) against a cirrusd of this module's own.

The CLI finds the cloud through the clouds.yaml cirrusd writes into its data
dir (OS_CLIENT_CONFIG_FILE, OS_CLOUD=cirrus-demo / cirrus-admin), exactly as
a user following the README would. Every call costs 2-4 s of Python
start-up, so the flow is one sequence of steps sharing `state`, in file order:
a step that needs an earlier one's result fails with a pointer to it.
"""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import Daemon, fail_on_sanitizer

OPENSTACK = shutil.which("openstack", path="/usr/bin:" + os.environ.get("PATH", ""))
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="python3-openstackclient missing "
                                "(scripts/deps.sh installs it)")

state = {}      # what one step leaves for the next: flavor, image, server id


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    d = Daemon()
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    d.home = tmp_path_factory.mktemp("cli-home")
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


def osc(cloud, user, *args, fmt="json", timeout=180):
    """Runs `openstack <args>` as user (demo or admin); returns parsed JSON
    (fmt="json") or stdout. Only the clouds.yaml is given: no OS_* leak in
    from the caller's environment, and no ~/.config/openstack is read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml, OS_CLOUD=f"cirrus-{user}",
               HOME=str(cloud.home), XDG_CONFIG_HOME=str(cloud.home / ".config"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [OPENSTACK, *args] + (["-f", fmt] if fmt else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    shown = " ".join(cmd[1:])
    assert p.returncode == 0, (f"`openstack {shown}` (as {user}) exited {p.returncode}\n"
                               f"stderr:\n{p.stderr[-3000:]}\nstdout:\n{p.stdout[-2000:]}\n"
                               f"cirrusd log tail:\n{cloud.log()[-2000:]}")
    if fmt != "json":
        return p.stdout
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"`openstack {shown}` printed no JSON:\n{p.stdout[-2000:]}")


def need(key, step):
    assert key in state, f"needs the result of {step}, which failed"
    return state[key]


def props(value):
    """OSC prints properties as "a='b', c='d'" (6.0) or as a dict (newer)."""
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    out = {}
    for part in filter(None, (p.strip() for p in str(value or "").split(","))):
        k, _, v = part.partition("=")
        out[k.strip()] = v.strip().strip("'\"")
    return out


# --- as demo ---------------------------------------------------------------------

def test_flavor_list(cloud):
    flavors = osc(cloud, "demo", "flavor", "list")
    assert flavors, "no flavors bootstrapped"
    for f in flavors:
        assert {"ID", "Name", "RAM", "Disk", "VCPUs"} <= set(f), f
    small = min(flavors, key=lambda f: (f["RAM"], f["VCPUs"], f["Disk"]))
    state["flavor"] = small


def test_image_list(cloud):
    images = osc(cloud, "demo", "image", "list")
    assert images, "no images bootstrapped"
    for i in images:
        assert {"ID", "Name", "Status"} <= set(i), i
    active = [i for i in images if i["Status"] == "active"]
    assert active, images
    state["image"] = active[0]


def test_keypair_create(cloud):
    key_file = cloud.home / "k1.pem"
    kp = osc(cloud, "demo", "keypair", "create", "--private-key", str(key_file), "k1")
    assert kp["name"] == "k1", kp
    assert kp["fingerprint"], kp
    assert key_file.read_text().startswith("-----BEGIN"), "private key not written"
    state["keypair"] = kp


def test_server_create_wait(cloud):
    flavor = need("flavor", "test_flavor_list")
    image = need("image", "test_image_list")
    need("keypair", "test_keypair_create")
    srv = osc(cloud, "demo", "server", "create", "--flavor", flavor["ID"], "--image", image["ID"],
              "--key-name", "k1", "--property", "a=b", "--wait", "s1")
    assert srv["name"] == "s1", srv
    assert srv["status"] == "ACTIVE", srv
    assert srv["key_name"] == "k1", srv
    assert props(srv["properties"]) == {"a": "b"}, srv
    assert flavor["Name"] in str(srv["flavor"]), srv
    assert image["ID"] in str(srv["image"]), srv
    state["server"] = srv["id"]


def test_server_list_long(cloud):
    sid = need("server", "test_server_create_wait")
    rows = osc(cloud, "demo", "server", "list", "--long")
    mine = [r for r in rows if r["ID"] == sid]
    assert len(mine) == 1, rows
    row = mine[0]
    assert row["Name"] == "s1" and row["Status"] == "ACTIVE", row
    # -f json prints the raw power_state (1); the table form says "Running"
    assert row["Power State"] in (1, "Running"), row
    assert row["Image ID"] == state["image"]["ID"], row
    assert row["Image Name"] == state["image"]["Name"], row
    assert row["Flavor ID"] == state["flavor"]["ID"], row
    assert row["Networks"], row
    assert props(row["Properties"]) == {"a": "b"}, row


def test_server_show(cloud):
    sid = need("server", "test_server_create_wait")
    srv = osc(cloud, "demo", "server", "show", "s1")
    assert srv["id"] == sid and srv["name"] == "s1", srv
    assert srv["status"] == "ACTIVE", srv
    assert srv["key_name"] == "k1", srv
    assert srv["addresses"], srv
    assert srv["OS-EXT-STS:vm_state"] == "active", srv
    assert props(srv["properties"]) == {"a": "b"}, srv


def test_server_set_name_and_property(cloud):
    sid = need("server", "test_server_create_wait")
    osc(cloud, "demo", "server", "set", "--name", "s2", "--property", "c=d", "s1", fmt=None)
    srv = osc(cloud, "demo", "server", "show", sid)
    assert srv["name"] == "s2", srv
    assert props(srv["properties"]) == {"a": "b", "c": "d"}, srv


# --- as admin ----------------------------------------------------------------------

def test_admin_server_list_all_projects(cloud):
    sid = need("server", "test_server_create_wait")
    rows = osc(cloud, "admin", "server", "list", "--all-projects")
    assert [r["Name"] for r in rows if r["ID"] == sid] == ["s2"], rows
    own = osc(cloud, "admin", "server", "list")
    assert sid not in [r["ID"] for r in own], "admin's own list shows demo's server"


def test_server_delete_wait(cloud):
    sid = need("server", "test_server_create_wait")
    osc(cloud, "demo", "server", "delete", "--wait", "s2", fmt=None)
    rows = osc(cloud, "demo", "server", "list")
    assert sid not in [r["ID"] for r in rows], rows


def test_admin_flavor_create(cloud):
    f = osc(cloud, "admin", "flavor", "create", "--ram", "192", "--disk", "2", "--vcpus", "2",
            "cli.small")
    assert f["name"] == "cli.small", f
    assert (f["ram"], f["disk"], f["vcpus"]) == (192, 2, 2), f
    assert f["os-flavor-access:is_public"] is True, f
    listed = osc(cloud, "demo", "flavor", "list")
    assert "cli.small" in [x["Name"] for x in listed], listed


def test_admin_image_create_from_file(cloud):
    data = b"QFI\xfb" + bytes(range(256)) * 256      # 64 KiB + 4 bytes
    path = cloud.home / "img2.qcow2"
    path.write_bytes(data)
    img = osc(cloud, "admin", "image", "create", "--file", str(path), "--disk-format", "qcow2",
              "img2")
    assert img["name"] == "img2", img
    assert img["disk_format"] == "qcow2", img
    # The SDK prints the image as created, before the upload (queued), as
    # it does against Glance; the upload shows in a fresh read.
    shown = osc(cloud, "admin", "image", "show", "img2")
    assert shown["id"] == img["id"], shown
    assert shown["status"] == "active", shown
    assert int(shown["size"]) == len(data), shown
    assert shown["checksum"] == hashlib.md5(data).hexdigest(), shown
    assert shown["disk_format"] == "qcow2", shown
