"""GET /extensions and /extensions/{alias}: Nova's fixed table, exactly."""
import pytest

from conftest import sample


def test_list_is_nova_table(demo):
    r = demo.get("/extensions")
    assert r.status_code == 200
    exts = r.json()["extensions"]
    assert len(exts) == 99
    assert len({e["alias"] for e in exts}) == 99
    for e in exts:
        assert set(e) == {"alias", "description", "links", "name", "namespace", "updated"}
        assert e["links"] == []
    exp = sample("extension-info/extensions-list-resp.json")
    if exp:
        assert r.json() == exp


def test_show(demo):
    r = demo.get("/extensions/os-agents")
    assert r.status_code == 200
    exp = sample("extension-info/extensions-get-resp.json") or {"extension": {
        "alias": "os-agents", "description": "Agents support.", "links": [],
        "name": "Agents", "namespace": "http://docs.openstack.org/compute/ext/fake_xml",
        "updated": "2014-12-03T00:00:00Z"}}
    assert r.json() == exp


@pytest.mark.parametrize("alias", ["NMN", "OS-DCF", "os-keypairs"])
def test_show_each_matches_list(demo, alias):
    listed = {e["alias"]: e for e in demo.get("/extensions").json()["extensions"]}
    assert demo.get(f"/extensions/{alias}").json() == {"extension": listed[alias]}


def test_unknown_alias_is_404(demo):
    r = demo.get("/extensions/os-nothing")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Extension with alias os-nothing does not exist"


def test_needs_a_token(anon):
    assert anon.get("/extensions").status_code == 401


def test_microversions_do_not_change_it(demo):
    assert demo.get("/extensions", mv="2.1").json() == demo.get("/extensions").json()
