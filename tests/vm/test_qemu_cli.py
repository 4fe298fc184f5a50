"""The `openstack` CLI (python3-openstackclient) against real VMs: the
user's flow of the actions issue - image upload, server create --wait,
console log, stop/start, hard reboot, rescue/unrescue, delete - on the qemu
driver, each step proven on the guest's serial console through
`openstack console log show`. Steps share `state` in file order."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from conftest import Daemon
from test_qemu import BOOT_TIMEOUT, build_guest, qemu_pids, stop_all

OPENSTACK = shutil.which("openstack", path="/usr/bin:" + os.environ.get("PATH", ""))
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="python3-openstackclient missing "
                                "(scripts/deps.sh installs it)")
state = {}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    d = Daemon("--driver", "qemu")
    conf = tmp_path_factory.mktemp("qemu-cli") / "cirrus.conf"
    conf.write_text("[qemu]\naccel = tcg\n")
    d.extra += ["--config", str(conf)]
    d.home = tmp_path_factory.mktemp("cli-home")
    try:
        d.start()
        yield d
    finally:
        stop_all(d)


def osc(cloud, *args, fmt="json"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml, OS_CLOUD="cirrus-admin",
               HOME=str(cloud.home), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    cmd = [OPENSTACK, *args] + (["-f", fmt] if fmt else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, (f"`openstack {' '.join(args)}` exited {p.returncode}\n"
                               f"{p.stderr[-2000:]}\ncirrusd log:\n{cloud.log()[-1500:]}")
    return json.loads(p.stdout) if fmt == "json" and p.stdout.strip() else p.stdout


def console_until(cloud, pattern, n=1):
    """`openstack console log show` until pattern appears n times."""
    deadline = time.time() + BOOT_TIMEOUT
    while True:
        text = osc(cloud, "console", "log", "show", state["server"], fmt=None)
        if len(re.findall(pattern, text)) >= n:
            return text
        assert time.time() < deadline, f"{pattern!r} x{n} never on the console:\n{text[-2000:]}"
        time.sleep(1)


def status_until(cloud, status):
    deadline = time.time() + BOOT_TIMEOUT
    while True:
        s = osc(cloud, "server", "show", state["server"])
        if s["status"] == status:
            return s
        assert s["status"] != "ERROR" and time.time() < deadline, s
        time.sleep(0.5)


def test_image_flavor_and_server_create(cloud):
    guest = build_guest()
    img = osc(cloud, "image", "create", "--disk-format", "qcow2", "--container-format", "bare",
              "--file", str(guest / "disk.qcow2"), "--public", "cirrus-guest")
    deadline = time.time() + 60
    while img["status"] != "active":
        assert img["status"] in ("queued", "saving") and time.time() < deadline, img
        time.sleep(0.5)
        img = osc(cloud, "image", "show", img["id"])
    osc(cloud, "flavor", "create", "--ram", "128", "--vcpus", "1", "--disk", "1", "vm.tiny")
    s = osc(cloud, "server", "create", "--image", "cirrus-guest", "--flavor", "vm.tiny",
            "--wait", "cli-vm")
    assert s["status"] == "ACTIVE"
    state["server"] = s["id"]
    text = console_until(cloud, r"CIRRUS-GUEST-UP role=normal")
    assert f"uuid={s['id']}" in text


def test_stop_start_reboot(cloud):
    osc(cloud, "server", "stop", state["server"], fmt=None)
    status_until(cloud, "SHUTOFF")
    assert "CIRRUS-GUEST-POWEROFF" in console_until(cloud, "CIRRUS-GUEST-POWEROFF")
    osc(cloud, "server", "start", state["server"], fmt=None)
    status_until(cloud, "ACTIVE")
    console_until(cloud, "CIRRUS-GUEST-UP", 2)
    osc(cloud, "server", "reboot", "--hard", "--wait", state["server"], fmt=None)
    console_until(cloud, "CIRRUS-GUEST-UP", 3)


def test_rescue_unrescue(cloud):
    osc(cloud, "server", "rescue", state["server"], fmt=None)
    status_until(cloud, "RESCUE")
    text = console_until(cloud, r"CIRRUS-GUEST-UP role=rescue")
    assert "CIRRUS-RESCUE-SEES vdb" in text
    osc(cloud, "server", "unrescue", state["server"], fmt=None)
    status_until(cloud, "ACTIVE")
    console_until(cloud, r"CIRRUS-GUEST-UP role=normal", 4)


def test_delete(cloud):
    osc(cloud, "server", "delete", "--wait", state["server"], fmt=None)
    assert not list(pathlib.Path(cloud.data_dir, "instances").glob(f"*/{state['server']}"))
    assert qemu_pids(cloud.data_dir) == []
