"""GET /os-migrations against real moves on three fake hosts: the fields of
each microversion compared with Nova's samples (2.1, 2.23 migration_type,
2.59 uuid, 2.80 user_id/project_id), the filters (instance_uuid, status,
migration_type, host, source_compute, user_id/project_id at 2.80), the
ordering (newest first from 2.59), paging by limit/marker with
migrations_links, changes-since (2.59) and changes-before (2.66), the
query schema (free before 2.59, closed from 2.59) and the admin policy.
"""
import time
import urllib.parse

import pytest

from conftest import Daemon, assert_same_keys, fail_on_sanitizer, sample
from hostutil import clients, create, fault, need

HOST = "OS-EXT-SRV-ATTR:host"
TASK = "OS-EXT-STS:task_state"
FAR_FUTURE = "2999-01-01T00:00:00Z"
PAST = "2000-01-01T00:00:00Z"


def act(client, sid, body):
    r = client.post(f"/servers/{sid}/action", body)
    assert r.status_code in (202, 204), r.text


def settle(client, sid, status):
    deadline = time.time() + 30
    while time.time() < deadline:
        s = client.get(f"/servers/{sid}").json()["server"]
        if s["status"] == status and s[TASK] is None:
            return s
        time.sleep(0.05)
    raise AssertionError(f"{sid} not {status}")


def wait_status(admin, mid, status):
    deadline = time.time() + 30
    while time.time() < deadline:
        ms = [m for m in admin.get("/os-migrations").json()["migrations"] if m["id"] == mid]
        if ms and ms[0]["status"] == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"migration {mid} not {status}")


def resize_flavors(client):
    fl = sorted((f for f in client.get("/flavors/detail").json()["flavors"] if f["disk"] > 0),
                key=lambda f: (f["vcpus"], f["ram"], f["disk"]))
    return fl[0], next(f for f in fl if f["vcpus"] > fl[0]["vcpus"] or f["ram"] > fl[0]["ram"])


@pytest.fixture(scope="module")
def moves(tmp_path_factory):
    """Four moves: A migrated and confirmed, B resized and reverted, C
    migrated and left in VERIFY_RESIZE (all demo's), D migrated and
    confirmed by the admin in its own project."""
    conf = tmp_path_factory.mktemp("osmig") / "cirrus.conf"
    conf.write_text("[quota]\ninstances = 50\ncores = 200\nram = 1000000\n")
    d = Daemon("--hosts", "3", "--config", str(conf))
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    admin, demo = clients(d)
    small, bigger = resize_flavors(demo)
    a = create(demo, "a")
    b = create(demo, "b", flavorRef=small["id"])
    c = create(demo, "c")
    dd = create(admin, "d")
    act(admin, a, {"migrate": None})
    settle(admin, a, "VERIFY_RESIZE")
    act(demo, a, {"confirmResize": None})
    settle(demo, a, "ACTIVE")
    act(demo, b, {"resize": {"flavorRef": bigger["id"]}})
    settle(demo, b, "VERIFY_RESIZE")
    act(demo, b, {"revertResize": None})
    settle(demo, b, "ACTIVE")
    act(admin, c, {"migrate": None})
    c_srv = settle(admin, c, "VERIFY_RESIZE")
    act(admin, dd, {"migrate": None})
    settle(admin, dd, "VERIFY_RESIZE")
    act(admin, dd, {"confirmResize": None})
    settle(admin, dd, "ACTIVE")
    ms = admin.get("/os-migrations").json()["migrations"]
    by_server = {m["instance_uuid"]: m for m in ms}
    for sid, status in ((a, "confirmed"), (b, "reverted"), (dd, "confirmed")):
        wait_status(admin, by_server[sid]["id"], status)
    yield {"daemon": d, "admin": admin, "demo": demo, "a": a, "b": b, "c": c, "d": dd,
           "c_host": c_srv[HOST], "small": small, "bigger": bigger}
    d.cleanup()
    fail_on_sanitizer([d])


def get(client, query="", mv=None):
    r = client.get("/os-migrations" + (("?" + query) if query else ""), mv=mv)
    assert r.status_code == 200, r.text
    return r.json()


def ids_for(body):
    return [m["instance_uuid"] for m in body["migrations"]]


# --- views per microversion ---


def test_view_2_1_matches_sample(moves):
    body = get(moves["admin"])
    assert set(body) == {"migrations"}
    assert len(body["migrations"]) == 4
    expected = sample("os-migrations/migrations-get.json")
    for m in body["migrations"]:
        if expected:
            assert_same_keys(m, expected["migrations"][0])
        assert "migration_type" not in m and "uuid" not in m and "links" not in m


def test_view_values(moves):
    admin = moves["admin"]
    ms = {m["instance_uuid"]: m for m in get(admin, mv="2.1")["migrations"]}
    a, b, c = ms[moves["a"]], ms[moves["b"]], ms[moves["c"]]
    assert (a["status"], b["status"], c["status"]) == ("confirmed", "reverted", "finished")
    assert c["dest_compute"] == moves["c_host"] == c["dest_node"]
    assert c["source_compute"] != c["dest_compute"]
    assert c["dest_host"] == "127.0.0.1"
    assert a["old_instance_type_id"] == a["new_instance_type_id"]
    assert isinstance(b["old_instance_type_id"], int)
    assert b["old_instance_type_id"] != b["new_instance_type_id"]
    for m in ms.values():
        assert m["created_at"].count(":") == 2 and "." in m["created_at"]
        assert not m["created_at"].endswith("Z")
        assert m["updated_at"] >= m["created_at"]


def test_view_2_23_migration_type(moves):
    admin = moves["admin"]
    need(admin, "2.23")
    body = get(admin, mv="2.23")
    ms = {m["instance_uuid"]: m for m in body["migrations"]}
    assert ms[moves["a"]]["migration_type"] == "migration"
    assert ms[moves["b"]]["migration_type"] == "resize"
    expected = sample("os-migrations/v2.23/migrations-get.json")
    # links appear only on in-progress live migrations: none here
    plain = [m for m in expected["migrations"] if "links" not in m][0] if expected else None
    for m in body["migrations"]:
        assert "links" not in m and "uuid" not in m
        if plain:
            assert_same_keys(m, plain)


@pytest.mark.parametrize("mv,path", [
    ("2.59", "os-migrations/v2.59/migrations-get.json"),
    ("2.66", "os-migrations/v2.66/migrations-get.json"),
    ("2.80", "os-migrations/v2.80/migrations-get.json"),
])
def test_view_paging_versions_match_samples(moves, mv, path):
    admin = moves["admin"]
    need(admin, mv)
    body = get(admin, mv=mv)
    assert set(body) == {"migrations"}         # not a full page: no links
    expected = sample(path)
    plain = [m for m in expected["migrations"] if "links" not in m][0] if expected else None
    for m in body["migrations"]:
        assert len(m["uuid"]) == 36
        assert ("user_id" in m) == (mv == "2.80")
        if plain:
            assert_same_keys(m, plain)


def test_user_and_project_2_80(moves):
    admin, demo = moves["admin"], moves["demo"]
    need(admin, "2.80")
    ms = {m["instance_uuid"]: m for m in get(admin, mv="2.80")["migrations"]}
    # the user who asked for the move, in the project they asked from
    assert (ms[moves["b"]]["user_id"], ms[moves["b"]]["project_id"]) == \
        (demo.user_id, demo.project_id)
    assert (ms[moves["a"]]["user_id"], ms[moves["a"]]["project_id"]) == \
        (admin.user_id, admin.project_id)
    assert ids_for(get(admin, f"user_id={demo.user_id}", mv="2.80")) == [moves["b"]]
    assert sorted(ids_for(get(admin, f"project_id={admin.project_id}", mv="2.80"))) == \
        sorted([moves["a"], moves["c"], moves["d"]])
    assert get(admin, "user_id=nobody", mv="2.80")["migrations"] == []
    # before 2.80 those are unknown parameters
    if admin.get("/os-migrations?user_id=x", mv="2.79").status_code != 404:
        msg = fault(admin.get(f"/os-migrations?user_id={demo.user_id}", mv="2.79"), 400)
        assert msg == "Additional properties are not allowed ('user_id' was unexpected)"


# --- ordering and filters ---


def test_order_oldest_first_before_2_59(moves):
    ms = get(moves["admin"])["migrations"]
    assert [m["id"] for m in ms] == sorted(m["id"] for m in ms)


def test_order_newest_first_from_2_59(moves):
    admin = moves["admin"]
    need(admin, "2.59")
    ms = get(admin, mv="2.59")["migrations"]
    keys = [(m["created_at"], m["id"]) for m in ms]
    assert keys == sorted(keys, reverse=True)


def test_filters(moves):
    admin = moves["admin"]
    assert ids_for(get(admin, f"instance_uuid={moves['c']}")) == [moves["c"]]
    assert ids_for(get(admin, "status=finished")) == [moves["c"]]
    assert ids_for(get(admin, "status=reverted")) == [moves["b"]]
    assert ids_for(get(admin, "migration_type=resize")) == [moves["b"]]
    assert sorted(ids_for(get(admin, "migration_type=migration"))) == \
        sorted([moves["a"], moves["c"], moves["d"]])
    host = moves["c_host"]
    every = get(admin)["migrations"]
    touching = sorted(m["id"] for m in every if host in (m["source_compute"], m["dest_compute"]))
    assert sorted(m["id"] for m in get(admin, f"host={host}")["migrations"]) == touching
    from_host = sorted(m["id"] for m in every if m["source_compute"] == host)
    assert sorted(m["id"] for m in get(admin, f"source_compute={host}")["migrations"]) == \
        from_host
    assert get(admin, "host=nowhere")["migrations"] == []
    assert get(admin, "status=finished&migration_type=resize")["migrations"] == []


def test_free_query_before_2_59(moves):
    admin = moves["admin"]
    # unknown parameters pass; changes-since and limit are not filters yet
    assert len(get(admin, "foo=bar")["migrations"]) == 4
    assert len(get(admin, f"changes-since={FAR_FUTURE}")["migrations"]) == 4
    assert len(get(admin, "limit=1")["migrations"]) == 4


# --- paging, changes-since/before ---


def test_paging(moves):
    admin = moves["admin"]
    need(admin, "2.59")
    everything = [m["uuid"] for m in get(admin, mv="2.59")["migrations"]]
    seen, query = [], "limit=1"
    for _ in range(10):
        body = get(admin, query, mv="2.59")
        seen += [m["uuid"] for m in body["migrations"]]
        links = body.get("migrations_links")
        if not links:
            break
        assert links[0]["rel"] == "next"
        href = urllib.parse.urlparse(links[0]["href"])
        assert href.path.endswith("/v2.1/os-migrations")
        q = urllib.parse.parse_qs(href.query)
        assert q["limit"] == ["1"] and q["marker"] == [seen[-1]]
        query = href.query
    assert seen == everything
    body = get(admin, "limit=2", mv="2.59")
    assert len(body["migrations"]) == 2 and "migrations_links" in body
    assert get(admin, "limit=0", mv="2.59") == {"migrations": []}
    body = get(admin, f"marker={everything[1]}", mv="2.59")
    assert [m["uuid"] for m in body["migrations"]] == everything[2:]


def test_paging_errors(moves):
    admin = moves["admin"]
    need(admin, "2.59")
    assert fault(admin.get("/os-migrations?marker=nope", mv="2.59"), 400) == \
        "Marker nope could not be found."
    assert fault(admin.get("/os-migrations?marker=nope&limit=0", mv="2.59"), 400) == \
        "Marker nope could not be found."
    fault(admin.get("/os-migrations?limit=-1", mv="2.59"), 400)
    fault(admin.get("/os-migrations?limit=abc", mv="2.59"), 400)
    fault(admin.get("/os-migrations?limit=1&limit=2", mv="2.59"), 400)
    assert fault(admin.get("/os-migrations?foo=bar", mv="2.59"), 400) == \
        "Additional properties are not allowed ('foo' was unexpected)"


def test_changes_since_and_before(moves):
    admin = moves["admin"]
    need(admin, "2.59")
    assert get(admin, f"changes-since={FAR_FUTURE}", mv="2.59")["migrations"] == []
    assert len(get(admin, f"changes-since={PAST}", mv="2.59")["migrations"]) == 4
    fault(admin.get("/os-migrations?changes-since=yesterday", mv="2.59"), 400)
    assert fault(admin.get(f"/os-migrations?changes-before={PAST}", mv="2.59"), 400) == \
        "Additional properties are not allowed ('changes-before' was unexpected)"
    need(admin, "2.66")
    assert get(admin, f"changes-before={PAST}", mv="2.66")["migrations"] == []
    assert len(get(admin, f"changes-before={FAR_FUTURE}", mv="2.66")["migrations"]) == 4
    assert fault(admin.get(f"/os-migrations?changes-since={FAR_FUTURE}&changes-before={PAST}",
                           mv="2.66"), 400) == \
        "The value of changes-since must be less than or equal to changes-before."
    # the newest change: the confirm of D
    newest = max(m["updated_at"] for m in get(admin, mv="2.66")["migrations"])
    body = get(admin, f"changes-since={newest}", mv="2.66")
    assert [m["instance_uuid"] for m in body["migrations"]] == [moves["d"]]


# --- policy ---


def test_admin_only_by_default(moves):
    assert fault(moves["demo"].get("/os-migrations"), 403) == \
        "Policy doesn't allow os_compute_api:os-migrations:index to be performed."
