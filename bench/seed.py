#!/usr/bin/env python3
"""Benchmark helper for bench/run.sh, talking to cirrusd over its API only.

  seed.py seed URL N     creates N servers as demo (POST /servers with
                         min_count/max_count in batches), waits until all are
                         ACTIVE and prints shell assignments TOKEN=, SERVER_ID=
  seed.py cpu URL TOKEN PID [REPEAT]
                         CPU time cirrusd spends on one GET /servers/detail
                         (utime+stime from /proc/PID/stat over REPEAT calls)
"""
import json
import os
import sys
import time

import requests

BATCH = 100


def token(url, user="demo", password="demo", project="demo"):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
    r = requests.post(url + "/identity/v3/auth/tokens", json=body, timeout=30)
    r.raise_for_status()
    return r.headers["X-Subject-Token"]


def smallest(session, url, path, key, weight):
    r = session.get(url + path, timeout=30)
    r.raise_for_status()
    return min(r.json()[key], key=weight)["id"]


def count_active(session, url):
    """(active, total) over every page of /servers/detail."""
    active = total = 0
    next_url = url + "/v2.1/servers/detail?limit=1000"
    while next_url:
        r = session.get(next_url, timeout=120)
        r.raise_for_status()
        body = r.json()
        for s in body["servers"]:
            total += 1
            if s["status"] == "ACTIVE":
                active += 1
            elif s["status"] == "ERROR":
                raise SystemExit(f"seed: server {s['id']} went to ERROR: {s.get('fault')}")
        nxt = [l["href"] for l in body.get("servers_links", []) if l["rel"] == "next"]
        next_url = nxt[0] if nxt else None
    return active, total


def seed(url, n):
    tok = token(url)
    s = requests.Session()
    s.headers.update({"X-Auth-Token": tok, "Content-Type": "application/json"})
    flavor = smallest(s, url, "/v2.1/flavors/detail", "flavors",
                      lambda f: (f["ram"], f["vcpus"], f["disk"]))
    image = smallest(s, url, "/image/v2/images", "images", lambda i: i.get("size") or 0)
    t0 = time.time()
    made = 0
    while made < n:
        k = min(BATCH, n - made)
        body = {"server": {"name": "bench", "flavorRef": flavor, "imageRef": image,
                           "min_count": k, "max_count": k}}
        r = s.post(url + "/v2.1/servers", data=json.dumps(body), timeout=300)
        if r.status_code != 202:
            raise SystemExit(f"seed: POST /servers (count {k}) -> {r.status_code} {r.text}")
        made += k
    posted = time.time() - t0
    deadline = time.time() + 600
    while True:
        active, total = count_active(s, url)
        if active >= n:
            break
        if time.time() > deadline:
            raise SystemExit(f"seed: only {active}/{total} servers ACTIVE after 600 s")
        time.sleep(0.5)
    r = s.get(url + "/v2.1/servers?limit=1", timeout=30)
    sid = r.json()["servers"][0]["id"]
    print(f"seed: {n} servers posted in {posted:.1f} s, all ACTIVE after "
          f"{time.time() - t0:.1f} s", file=sys.stderr)
    print(f"TOKEN={tok}")
    print(f"SERVER_ID={sid}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks    # utime, stime


def cpu(url, tok, pid, repeat):
    s = requests.Session()
    s.headers["X-Auth-Token"] = tok
    r = s.get(url + "/v2.1/servers/detail", timeout=120)    # warm the connection
    r.raise_for_status()
    n = len(r.json()["servers"])
    c0, w0 = cpu_seconds(pid), time.perf_counter()
    size = 0
    for _ in range(repeat):
        r = s.get(url + "/v2.1/servers/detail", timeout=120)
        r.raise_for_status()
        size = len(r.content)
    wall = (time.perf_counter() - w0) / repeat
    used = (cpu_seconds(pid) - c0) / repeat
    print(f"DETAIL_SERVERS={n}")
    print(f"DETAIL_CPU_MS={used * 1000:.1f}")
    print(f"DETAIL_WALL_MS={wall * 1000:.1f}")
    print(f"DETAIL_BYTES={size}")


def main(argv):
    if len(argv) >= 3 and argv[0] == "seed":
        seed(argv[1].rstrip("/"), int(argv[2]))
    elif len(argv) >= 4 and argv[0] == "cpu":
        cpu(argv[1].rstrip("/"), argv[2], int(argv[3]), int(argv[4]) if len(argv) > 4 else 20)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
