"""Server actions racing on one server: many threads released at once by a
barrier send stop / pause / suspend / rescue (and delete) to the same
ACTIVE server. The API's guard-and-set runs in one BEGIN IMMEDIATE
transaction with a compare-and-swap on task_state (Nova's
instance.save(expected_task_state=[None])), so exactly one state-changing
request wins and every other one gets 409 with Nova's message; the
database stays consistent: the server ends in the winner's state with no
task left, and there is one instance action per accepted request.

The daemons run with --fake-delay-ms so that the winner's task is still
running while the losers arrive (after it ends, a second action would be
legal again and rightly accepted).
"""
import re
import threading
import time

import pytest
import requests

from conftest import Client, token_for

TASK = "OS-EXT-STS:task_state"
THREADS = 20

# what each action does when it wins: (response code, end status)
WINS = {
    "os-stop": (202, "SHUTOFF"),
    "pause": (202, "PAUSED"),
    "suspend": (202, "SUSPENDED"),
    "rescue": (200, "RESCUE"),
}
ACTION_NAMES = {"os-stop": "stop", "pause": "pause", "suspend": "suspend", "rescue": "rescue"}
TASK_STATES = {"os-stop": "powering-off", "pause": "pausing", "suspend": "suspending",
               "rescue": "rescuing", "delete": "deleting"}


def need(client, mv):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def clients(daemon):
    tok, pid, uid = token_for(daemon.url, "admin", "admin", "admin")
    admin = Client(daemon.url, tok, pid, uid)
    tok, pid, uid = token_for(daemon.url, "demo", "demo", "demo")
    return admin, Client(daemon.url, tok, pid, uid)


def race(client, sid, kinds):
    """Sends one request per entry of kinds, all released together. Returns
    [(kind, status, request_id, body)] in kinds order."""
    barrier = threading.Barrier(len(kinds))
    results = [None] * len(kinds)

    def one(i, kind):
        c = Client(client.base, client.token, client.project_id, client.user_id)
        barrier.wait()
        if kind == "delete":
            r = c.delete(f"/servers/{sid}")
        else:
            r = c.post(f"/servers/{sid}/action", {kind: None})
        results[i] = (kind, r.status_code, r.headers.get("x-openstack-request-id"),
                      r.json() if r.content else None)

    threads = [threading.Thread(target=one, args=(i, k)) for i, k in enumerate(kinds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(results), "a racing request did not return"
    return results


def assert_loser(sid, kind, status, body, winner_task):
    """A 409 as Nova words it: the guard saw the winner's task_state (or, had
    the guard passed, the compare-and-swap saw it)."""
    assert status == 409, (kind, status, body)
    msg = body["conflictingRequest"]["message"]
    name = ACTION_NAMES.get(kind, kind)
    guard = f"Cannot '{name}' instance {sid} while it is in task_state {winner_task}"
    cas = re.compile(re.escape(f"Conflict updating instance {sid}. Expected: ") + ".*" +
                     re.escape(f"Actual: {{'task_state': '{winner_task}'}}"))
    assert msg == guard or cas.fullmatch(msg), msg


def settle(client, sid, status, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        assert r.status_code == 200, r.text
        last = r.json()["server"]
        if last["status"] == status and last[TASK] is None:
            return last
        time.sleep(0.05)
    raise AssertionError(f"server {sid} never settled in {status}: {last}")


def action_ids(client, sid, **kw):
    r = client.get(f"/servers/{sid}/os-instance-actions", **kw)
    assert r.status_code == 200, r.text
    return {a["request_id"]: a["action"] for a in r.json()["instanceActions"]}


@pytest.fixture
def slow(spawn_cirrusd):
    d = spawn_cirrusd("--fake-delay-ms", "1500")
    return clients(d)


def check_one_winner(demo, admin, sid, results):
    winners = [r for r in results if r[1] in (200, 202)]
    assert len(winners) == 1, [(k, s) for k, s, _, _ in results]
    kind, status, rid, _ = winners[0]
    assert status == WINS[kind][0]
    for r in results:
        if r is not winners[0]:
            assert_loser(sid, r[0], r[1], r[3], TASK_STATES[kind])
    srv = settle(demo, sid, WINS[kind][1])
    assert srv[TASK] is None
    acts = action_ids(admin, sid)
    # create + the winner's, nothing for the 19 refused requests
    assert sorted(acts.values()) == sorted(["create", ACTION_NAMES[kind]]), acts
    assert acts[rid] == ACTION_NAMES[kind]
    return kind


def test_twenty_mixed_actions_one_winner(slow):
    admin, demo = slow
    sid = demo.create_server("race-mixed")
    kinds = [list(WINS)[i % len(WINS)] for i in range(THREADS)]
    check_one_winner(demo, admin, sid, race(demo, sid, kinds))


def test_twenty_rescues_one_winner(slow):
    admin, demo = slow
    sid = demo.create_server("race-rescue")
    results = race(demo, sid, ["rescue"] * THREADS)
    assert check_one_winner(demo, admin, sid, results) == "rescue"
    # and the mirror image: twenty unrescues
    results = race(demo, sid, ["unrescue"] * THREADS)
    ok = [r for r in results if r[1] == 202]
    assert len(ok) == 1, [s for _, s, _, _ in results]
    for r in results:
        if r is not ok[0]:
            assert_loser(sid, r[0], r[1], r[3], "unrescuing")
    settle(demo, sid, "ACTIVE")
    assert sorted(action_ids(admin, sid).values()) == ["create", "rescue", "unrescue"]


def test_delete_races_with_actions(slow):
    """delete is accepted in any task_state (only the lock is checked), so
    it always wins; of the others at most one wins, and only if it came
    first. The server ends deleted with one action per accepted request."""
    admin, demo = slow
    need(admin, "2.21")                  # actions of deleted servers
    sid = demo.create_server("race-delete")
    kinds = ["delete"] + [list(WINS)[i % len(WINS)] for i in range(THREADS - 1)]
    results = race(demo, sid, kinds)
    assert results[0][1] == 204, results[0]
    others = [r for r in results[1:] if r[1] in (200, 202)]
    assert len(others) <= 1, [(k, s) for k, s, _, _ in results]
    seen = {"deleting"} | ({TASK_STATES[others[0][0]]} if others else set())
    for r in results[1:]:
        if others and r is others[0]:
            continue
        # the task_state this loser met: the winner's, or deleting
        errors = []
        for task in seen:
            try:
                assert_loser(sid, r[0], r[1], r[3], task)
                break
            except AssertionError as e:
                errors.append(str(e))
        else:
            raise AssertionError(errors)
    demo.wait_server(sid, "DELETED", timeout=60)
    acts = action_ids(admin, sid, mv="2.21")
    expect = ["create", "delete"] + [ACTION_NAMES[k] for k, _, _, _ in others]
    assert sorted(acts.values()) == sorted(expect), acts
    assert acts[results[0][2]] == "delete"
