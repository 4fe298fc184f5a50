"""Helpers shared by the hosts and scheduler tests (test_hypervisors,
test_services, test_availability_zones, test_scheduling): microversion
gating, Nova fault checks and private daemons with their own hosts."""
import time

import pytest
import requests

from conftest import Client, first_flavor, first_image, token_for

FAULT_KEYS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
              409: "conflictingRequest", 500: "computeFault"}


def max_mv(client):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    return tuple(int(x) for x in doc["version"].split("."))


def need(client, mv):
    """Skips while cirrus does not advertise microversion mv yet."""
    have = max_mv(client)
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {'.'.join(map(str, have))})")


def fault(resp, status):
    """The message of a Nova fault body with this status."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert len(body) == 1, body
    key, value = next(iter(body.items()))
    assert key == FAULT_KEYS[status], body
    assert value["code"] == status
    return value["message"]


def clients(daemon):
    """(admin, demo) clients of a private daemon."""
    return (Client(daemon.url, *token_for(daemon.url, "admin", "admin", "admin")),
            Client(daemon.url, *token_for(daemon.url, "demo", "demo", "demo")))


def conf_file(tmp_path, text):
    p = tmp_path / "cirrus.conf"
    p.write_text(text)
    return str(p)


def create(client, name, wait=True, mv=None, **fields):
    body = {"name": name, "flavorRef": fields.pop("flavorRef", None) or first_flavor(client),
            "imageRef": fields.pop("imageRef", None) or first_image(client)}
    body.update(fields)
    r = client.post("/servers", {"server": body}, mv=mv)
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    if wait:
        client.wait_server(sid, "ACTIVE")
    return sid


def wait_status(client, sid, statuses, timeout=60):
    """Waits until the server's status is one of statuses; returns the view."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        assert r.status_code == 200, r.text
        last = r.json()["server"]
        if last["status"] in statuses:
            return last
        time.sleep(0.05)
    raise AssertionError(f"server {sid} not in {statuses}: {last}")


def delete_all(client, sids):
    for sid in sids:
        client.delete(f"/servers/{sid}")
    for sid in sids:
        client.wait_server(sid, "DELETED")


def host_of(admin, sid):
    return admin.get(f"/servers/{sid}").json()["server"]["OS-EXT-SRV-ATTR:host"]
