"""GET /limits against a real cirrusd: the absolute keys per microversion
(nova-api-samples/limits), the [quota] values, tenant_id for admins and
usage as servers come and go."""
import os
import tempfile

import pytest
import requests

from conftest import Client, assert_same_keys, sample, token_for

DEFAULTS = {"maxServerMeta": 128, "maxTotalInstances": 10, "maxTotalCores": 20,
            "maxTotalRAMSize": 51200, "maxTotalKeypairs": 100, "maxServerGroups": 10,
            "maxServerGroupMembers": 10}
NETWORK = {"maxSecurityGroups": -1, "maxSecurityGroupRules": -1, "maxTotalFloatingIps": -1,
           "totalSecurityGroupsUsed": 0, "totalFloatingIpsUsed": 0}


def need(client, mv):
    """Skips when cirrus does not advertise microversion mv yet."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def absolute(client, query="", mv=None):
    r = client.get(f"/limits{query}", mv=mv)
    assert r.status_code == 200, r.text
    assert r.json()["limits"]["rate"] == []
    return r.json()


def test_limits_2_1(demo):
    body = absolute(demo)
    exp = sample("limits/limit-get-resp.json")
    if exp:
        assert_same_keys(body, exp)
    abs_ = body["limits"]["absolute"]
    for k, v in {**DEFAULTS, **NETWORK}.items():
        assert abs_[k] == v, k
    assert abs_["maxImageMeta"] == 128
    assert abs_["maxPersonality"] == 5 and abs_["maxPersonalitySize"] == 10240
    for k in ("totalInstancesUsed", "totalCoresUsed", "totalRAMUsed", "totalServerGroupsUsed"):
        assert isinstance(abs_[k], int) and abs_[k] >= 0


PERSONALITY = {"maxPersonality", "maxPersonalitySize"}


@pytest.mark.parametrize("mv,folder,dropped,gone", [
    ("2.36", "v2.36", set(NETWORK), set(NETWORK)),
    ("2.39", "v2.39", {"maxImageMeta"}, set(NETWORK) | {"maxImageMeta"}),
    ("2.57", "v2.57", PERSONALITY, set(NETWORK) | {"maxImageMeta"} | PERSONALITY),
    ("2.75", "v2.57", set(), set(NETWORK) | {"maxImageMeta"} | PERSONALITY),
])
def test_keys_dropped_by_microversion(demo, mv, folder, dropped, gone):
    need(demo, mv)
    body = absolute(demo, mv=mv)
    exp = sample(f"limits/{folder}/limit-get-resp.json")
    if exp:
        assert_same_keys(body, exp)
    assert not gone & set(body["limits"]["absolute"])
    before = absolute(demo, mv=f"2.{int(mv.split('.')[1]) - 1}")["limits"]["absolute"]
    assert dropped <= set(before)


def test_tenant_id_is_admin_only(admin, demo):
    r = demo.get(f"/limits?tenant_id={demo.project_id}")
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:limits:other_project to be performed."
    body = absolute(admin, f"?tenant_id={demo.project_id}")
    assert body["limits"]["absolute"]["maxTotalInstances"] == 10


def test_unknown_query_parameter(demo):
    assert demo.get("/limits?foo=1").status_code == 200
    need(demo, "2.75")
    assert demo.get("/limits?foo=1", mv="2.74").status_code == 200
    r = demo.get("/limits?foo=1", mv="2.75")
    assert r.status_code == 400
    assert "'foo' was unexpected" in r.json()["badRequest"]["message"]


def test_configured_quotas(spawn_cirrusd):
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("[quota]\ninstances = 3\ncores = -1\nram = 4096\nmetadata_items = 7\n"
               "injected_files = 2\ninjected_file_content_bytes = 99\nserver_groups = 4\n"
               "server_group_members = 5\nkey_pairs = 6\n")
    conf.close()
    try:
        d = spawn_cirrusd("--config", conf.name)
        c = Client(d.url, *token_for(d.url, "demo", "demo", "demo"))
        a = absolute(c)["limits"]["absolute"]
        assert (a["maxTotalInstances"], a["maxTotalCores"], a["maxTotalRAMSize"]) == \
            (3, -1, 4096)
        assert (a["maxServerMeta"], a["maxImageMeta"], a["maxPersonality"],
                a["maxPersonalitySize"]) == (7, 7, 2, 99)
        assert (a["maxServerGroups"], a["maxServerGroupMembers"], a["maxTotalKeypairs"]) == \
            (4, 5, 6)
    finally:
        os.unlink(conf.name)


def _servers_available(client):
    r = client.get("/servers")
    img = client.get("/image/v2/images")
    return r.status_code == 200 and img.status_code == 200 and img.json().get("images")


def test_usage_follows_servers(demo):
    if not _servers_available(demo):
        pytest.skip("servers API not available in this build")
    before = absolute(demo)["limits"]["absolute"]
    flavor = demo.get("/flavors/42").json()["flavor"]
    sid = demo.create_server(name="limits-usage", flavorRef="42")
    try:
        after = absolute(demo)["limits"]["absolute"]
        assert after["totalInstancesUsed"] == before["totalInstancesUsed"] + 1
        assert after["totalCoresUsed"] == before["totalCoresUsed"] + flavor["vcpus"]
        assert after["totalRAMUsed"] == before["totalRAMUsed"] + flavor["ram"]
    finally:
        demo.delete(f"/servers/{sid}")
        demo.wait_server(sid, "DELETED")
    assert absolute(demo)["limits"]["absolute"]["totalInstancesUsed"] == \
        before["totalInstancesUsed"]


def test_instances_quota_message(spawn_cirrusd):
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("[quota]\ninstances = 1\ncores = 1\n")
    conf.close()
    try:
        d = spawn_cirrusd("--config", conf.name)
        c = Client(d.url, *token_for(d.url, "demo", "demo", "demo"))
        if not _servers_available(c):
            pytest.skip("servers API not available in this build")
        image = c.get("/image/v2/images").json()["images"][0]["id"]
        r = c.post("/servers", {"server": {"name": "q", "flavorRef": "3", "imageRef": image}})
        assert r.status_code == 403, r.text
        assert r.json()["forbidden"]["message"] == \
            "Quota exceeded for cores: Requested 2, but already used 0 of 1 cores"
        c.create_server(name="q1", flavorRef="42")
        r = c.post("/servers", {"server": {"name": "q2", "flavorRef": "42", "imageRef": image}})
        assert r.status_code == 403, r.text
        assert r.json()["forbidden"]["message"] == \
            "Quota exceeded for cores, instances: Requested 1, 1, but already used 1, 1 " \
            "of 1, 1 cores, instances"
    finally:
        os.unlink(conf.name)
