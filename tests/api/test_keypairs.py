"""os-keypairs against a real cirrusd: generation and import, fingerprints
checked with pyca/cryptography (what Nova itself uses), microversions 2.1,
2.2, 2.10, 2.35, 2.75 and 2.92, policy, paging and the key_pairs quota.
"""
import base64
import hashlib
import os
import tempfile
import uuid

import pytest
import requests

from conftest import Client, assert_same_keys, sample, token_for

crypto = pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519  # noqa: E402

SAMPLE_PUB = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44"
              "bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpw"
              "FOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova")
SAMPLE_FP = "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"


def need(client, mv):
    """Skips when cirrus does not advertise microversion mv yet."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def name(prefix="kp"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def md5_fingerprint(public_key):
    raw = hashlib.md5(base64.b64decode(public_key.split(" ")[1])).hexdigest()
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))


def compare(body, path):
    exp = sample(path)
    if exp:
        assert_same_keys(body, exp, path)


@pytest.fixture
def cleanup(demo, admin):
    made = []
    yield made
    for client, kp_name, user in made:
        q = f"?user_id={user}" if user else ""
        client.delete(f"/os-keypairs/{kp_name}{q}", mv="2.10" if user else None)


# --- create -----------------------------------------------------------------

def test_generate_2_1(demo, cleanup):
    n = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n}})
    assert r.status_code == 200, r.text
    cleanup.append((demo, n, None))
    kp = r.json()["keypair"]
    compare(r.json(), "os-keypairs/keypairs-post-resp.json")
    assert kp["name"] == n and kp["user_id"] == demo.user_id and "type" not in kp
    assert kp["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert kp["public_key"].startswith("ssh-rsa ")
    assert kp["public_key"].endswith(" Generated-by-Nova\n")
    priv = serialization.load_pem_private_key(kp["private_key"].encode(), password=None)
    pub = priv.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()
    assert kp["public_key"].split(" ")[:2] == pub.split(" ")[:2]
    assert priv.key_size == 2048
    assert kp["fingerprint"] == md5_fingerprint(kp["public_key"])


@pytest.mark.parametrize("mv,folder", [("2.2", "v2.2"), ("2.10", "v2.10"), ("2.35", "v2.35")])
def test_generate_by_microversion(demo, cleanup, mv, folder):
    need(demo, mv)
    n = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "type": "ssh"}}, mv=mv)
    assert r.status_code == 201, r.text
    cleanup.append((demo, n, None))
    assert r.json()["keypair"]["type"] == "ssh"
    compare(r.json(), f"os-keypairs/{folder}/keypairs-post-resp.json")


def test_generate_x509(demo, cleanup):
    need(demo, "2.2")
    n = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "type": "x509"}}, mv="2.2")
    assert r.status_code == 201, r.text
    cleanup.append((demo, n, None))
    kp = r.json()["keypair"]
    cert = x509.load_pem_x509_certificate(kp["public_key"].encode())
    assert cert.subject.rfc4514_string() == f"CN={demo.user_id}"
    assert kp["fingerprint"] == cert.fingerprint(hashes.SHA1()).hex(":")
    serialization.load_pem_private_key(kp["private_key"].encode(), password=None)
    # the certificate imports back as an x509 keypair with the same fingerprint
    n2 = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n2, "type": "x509",
                                               "public_key": kp["public_key"]}}, mv="2.2")
    assert r.status_code == 201, r.text
    cleanup.append((demo, n2, None))
    assert r.json()["keypair"]["fingerprint"] == kp["fingerprint"]
    r = demo.post("/os-keypairs", {"keypair": {"name": name(), "type": "x509",
                                               "public_key": SAMPLE_PUB}}, mv="2.2")
    assert r.status_code == 400


def test_import_sample_key(demo, cleanup):
    n = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
    assert r.status_code == 200, r.text
    cleanup.append((demo, n, None))
    kp = r.json()["keypair"]
    assert kp["fingerprint"] == SAMPLE_FP and kp["public_key"] == SAMPLE_PUB
    assert "private_key" not in kp
    compare(r.json(), "os-keypairs/keypairs-import-post-resp.json")


@pytest.mark.parametrize("mv,folder", [("2.2", "v2.2"), ("2.10", "v2.10"), ("2.92", "v2.92")])
def test_import_by_microversion(demo, cleanup, mv, folder):
    need(demo, mv)
    n = name()
    body = {"name": n, "type": "ssh", "public_key": SAMPLE_PUB}
    if mv != "2.2":
        body["user_id"] = demo.user_id
    r = demo.post("/os-keypairs", {"keypair": body}, mv=mv)
    assert r.status_code == 201, r.text
    cleanup.append((demo, n, None))
    assert r.json()["keypair"]["fingerprint"] == SAMPLE_FP
    compare(r.json(), f"os-keypairs/{folder}/keypairs-import-post-resp.json")


def _openssh(key):
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize("make", [
    lambda: ed25519.Ed25519PrivateKey.generate(),
    lambda: ec.generate_private_key(ec.SECP256R1()),
    lambda: ec.generate_private_key(ec.SECP384R1()),
    lambda: ec.generate_private_key(ec.SECP521R1()),
], ids=["ed25519", "p256", "p384", "p521"])
def test_import_other_key_types(demo, cleanup, make):
    pub = _openssh(make()) + " someone@example"
    n = name()
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": pub}})
    assert r.status_code == 200, r.text
    cleanup.append((demo, n, None))
    assert r.json()["keypair"]["fingerprint"] == md5_fingerprint(pub)


@pytest.mark.parametrize("pub", [
    "", "garbage", "ssh-rsa", "ssh-rsa AAAA", "ssh-rsa !!!notbase64",
    SAMPLE_PUB.replace("ssh-rsa", "ssh-dss"),
    SAMPLE_PUB.replace("AAAAB3", "AAAAC3"),
    SAMPLE_PUB[:-40],
    "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x05short").decode(),
    "ecdsa-sha2-nistp256 " + base64.b64encode(
        b"\x00\x00\x00\x13ecdsa-sha2-nistp256\x00\x00\x00\x08nistp256\x00\x00\x00\x41\x04"
        + b"\x01" * 64).decode(),
])
def test_import_invalid_key(demo, pub):
    r = demo.post("/os-keypairs", {"keypair": {"name": name(), "public_key": pub}})
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["message"] == \
        "Keypair data is invalid: failed to generate fingerprint"


def test_duplicate_name_is_409(demo, cleanup):
    n = name()
    assert demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}}) \
        .status_code == 200
    cleanup.append((demo, n, None))
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == f"Key pair '{n}' already exists."


@pytest.mark.parametrize("bad", ["", " lead", "trail ", "a" * 256, "a/b", "a.b", "a@b",
                                 "caf\u00e9", "tab\there"])
def test_bad_names_before_2_92(demo, bad):
    r = demo.post("/os-keypairs", {"keypair": {"name": bad, "public_key": SAMPLE_PUB}})
    assert r.status_code == 400, r.text


def test_names_from_2_92(demo, cleanup):
    need(demo, "2.92")
    n = f"me.and.myself@this.nice.domain.com {uuid.uuid4().hex[:6]}."
    r = demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}},
                  mv="2.92")
    assert r.status_code == 201, r.text
    cleanup.append((demo, n, None))
    assert demo.get(f"/os-keypairs/{n}").json()["keypair"]["name"] == n
    assert demo.post("/os-keypairs", {"keypair": {"name": "a.b", "public_key": SAMPLE_PUB}},
                     mv="2.91").status_code == 400
    assert demo.post("/os-keypairs", {"keypair": {"name": "a/b", "public_key": SAMPLE_PUB}},
                     mv="2.92").status_code == 400


def test_generation_removed_in_2_92(demo):
    need(demo, "2.92")
    body = sample("os-keypairs/v2.92/keypairs-post-req.json") or \
        {"keypair": {"name": "foo", "type": "ssh", "user_id": "fake"}}
    body["keypair"]["user_id"] = demo.user_id
    r = demo.post("/os-keypairs", body, mv="2.92")
    assert r.status_code == 400
    assert "'public_key' is a required property" in r.json()["badRequest"]["message"]


def test_body_fields_by_microversion(demo):
    assert demo.post("/os-keypairs", {"keypair": {"name": name(), "type": "ssh"}}) \
        .status_code == 400
    assert demo.post("/os-keypairs", {"keypair": {"name": name(), "color": "red"}}) \
        .status_code == 400
    assert demo.post("/os-keypairs", {"keypair": {"public_key": SAMPLE_PUB}}).status_code == 400
    assert demo.post("/os-keypairs", {"keypairs": {"name": name()}}).status_code == 400
    assert demo.post("/os-keypairs", {"keypair": {"name": name(), "public_key": 5}}) \
        .status_code == 400
    need(demo, "2.10")
    assert demo.post("/os-keypairs", {"keypair": {"name": name(), "type": "rsa"}},
                     mv="2.2").status_code == 400
    assert demo.post("/os-keypairs", {"keypair": {"name": name(), "user_id": "x",
                                                  "public_key": SAMPLE_PUB}},
                     mv="2.9").status_code == 400


# --- user_id (2.10) ---------------------------------------------------------------

def test_admin_acts_for_other_users(admin, demo, cleanup):
    need(admin, "2.10")
    n = name()
    r = admin.post("/os-keypairs", {"keypair": {"name": n, "user_id": demo.user_id,
                                                "public_key": SAMPLE_PUB}}, mv="2.10")
    assert r.status_code == 201, r.text
    assert r.json()["keypair"]["user_id"] == demo.user_id
    cleanup.append((admin, n, demo.user_id))
    assert demo.get(f"/os-keypairs/{n}").status_code == 200
    assert admin.get(f"/os-keypairs/{n}").status_code == 404
    r = admin.get(f"/os-keypairs/{n}?user_id={demo.user_id}", mv="2.10")
    assert r.status_code == 200 and r.json()["keypair"]["user_id"] == demo.user_id
    names = [k["keypair"]["name"] for k in
             admin.get(f"/os-keypairs?user_id={demo.user_id}", mv="2.10").json()["keypairs"]]
    assert n in names
    # before 2.10 the query parameter is ignored
    assert admin.get(f"/os-keypairs/{n}?user_id={demo.user_id}", mv="2.9").status_code == 404


def test_users_cannot_act_for_others(admin, demo):
    need(demo, "2.10")
    r = demo.post("/os-keypairs", {"keypair": {"name": name(), "user_id": admin.user_id,
                                               "public_key": SAMPLE_PUB}}, mv="2.10")
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:os-keypairs:create to be performed."
    for path in ("/os-keypairs", "/os-keypairs/x"):
        assert demo.get(f"{path}?user_id={admin.user_id}", mv="2.10").status_code == 403
    assert demo.delete(f"/os-keypairs/x?user_id={admin.user_id}", mv="2.10").status_code == 403
    assert demo.get(f"/os-keypairs?user_id={demo.user_id}", mv="2.10").status_code == 200


# --- list, show, delete ----------------------------------------------------------

def test_list_show_delete_shapes(demo, cleanup):
    n = name("aaa")
    demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
    cleanup.append((demo, n, None))
    r = demo.get("/os-keypairs")
    assert r.status_code == 200
    mine = [k for k in r.json()["keypairs"] if k["keypair"]["name"] == n]
    assert mine == [{"keypair": {"name": n, "public_key": SAMPLE_PUB,
                                 "fingerprint": SAMPLE_FP}}]
    compare({"keypairs": mine}, "os-keypairs/keypairs-list-resp.json")
    show = demo.get(f"/os-keypairs/{n}").json()
    compare(show, "os-keypairs/keypairs-get-resp.json")
    kp = show["keypair"]
    assert kp["deleted"] is False and kp["deleted_at"] is None and kp["updated_at"] is None
    assert isinstance(kp["id"], int) and kp["user_id"] == demo.user_id
    assert kp["created_at"].count(".") == 1 and not kp["created_at"].endswith("Z")
    for mv, folder in (("2.2", "v2.2"), ("2.10", "v2.10")):
        need(demo, mv)
        compare(demo.get(f"/os-keypairs/{n}", mv=mv).json(),
                f"os-keypairs/{folder}/keypairs-get-resp.json")
        listed = [k for k in demo.get("/os-keypairs", mv=mv).json()["keypairs"]
                  if k["keypair"]["name"] == n]
        compare({"keypairs": listed}, f"os-keypairs/{folder}/keypairs-list-resp.json")


def test_delete_status_by_microversion(demo):
    n = name()
    demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
    r = demo.delete(f"/os-keypairs/{n}")
    assert r.status_code == 202 and r.text == ""
    r = demo.get(f"/os-keypairs/{n}")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        f"Keypair {n} not found for user {demo.user_id}"
    assert demo.delete(f"/os-keypairs/{n}").status_code == 404
    need(demo, "2.2")
    demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
    assert demo.delete(f"/os-keypairs/{n}", mv="2.2").status_code == 204


def test_paging_2_35(demo, cleanup, cirrus):
    need(demo, "2.35")
    prefix = name("pg")
    names = [f"{prefix}-{i}" for i in range(3)]
    for n in names:
        demo.post("/os-keypairs", {"keypair": {"name": n, "public_key": SAMPLE_PUB}})
        cleanup.append((demo, n, None))
    everything = [k["keypair"]["name"] for k in demo.get("/os-keypairs").json()["keypairs"]]
    assert everything == sorted(everything)
    start = everything.index(names[0])
    marker = everything[start - 1] if start else None
    q = f"limit=2&marker={marker}" if marker else "limit=2"
    r = demo.get(f"/os-keypairs?{q}", mv="2.35")
    body = r.json()
    assert [k["keypair"]["name"] for k in body["keypairs"]] == names[:2]
    assert body["keypairs_links"][0]["rel"] == "next"
    assert body["keypairs_links"][0]["href"].startswith(f"{cirrus}/v2.1/os-keypairs?")
    assert f"marker={names[1]}" in body["keypairs_links"][0]["href"]
    compare(body, "os-keypairs/v2.35/keypairs-list-resp.json")
    rest = demo.get(body["keypairs_links"][0]["href"], mv="2.35").json()
    assert rest["keypairs"][0]["keypair"]["name"] == names[2]
    # before 2.35 paging parameters are ignored
    assert len(demo.get("/os-keypairs?limit=1", mv="2.34").json()["keypairs"]) >= 3
    r = demo.get("/os-keypairs?marker=no-such-key", mv="2.35")
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Marker no-such-key could not be found."
    assert demo.get("/os-keypairs?limit=-1", mv="2.35").status_code == 400


def test_unknown_query_parameters_from_2_75(demo):
    need(demo, "2.75")
    assert demo.get("/os-keypairs?foo=1", mv="2.74").status_code == 200
    assert demo.get("/os-keypairs?foo=1", mv="2.75").status_code == 400
    assert demo.get("/os-keypairs/x?foo=1", mv="2.75").status_code == 400
    assert demo.delete("/os-keypairs/x?foo=1", mv="2.75").status_code == 400


# --- quota ------------------------------------------------------------------------

def test_key_pairs_quota(spawn_cirrusd):
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("[quota]\nkey_pairs = 2\n")
    conf.close()
    try:
        d = spawn_cirrusd("--config", conf.name)
        tok, pid, uid = token_for(d.url, "demo", "demo", "demo")
        c = Client(d.url, tok, pid, uid)
        for i in range(2):
            r = c.post("/os-keypairs", {"keypair": {"name": f"q{i}", "public_key": SAMPLE_PUB}})
            assert r.status_code == 200, r.text
        r = c.post("/os-keypairs", {"keypair": {"name": "q2", "public_key": SAMPLE_PUB}})
        assert r.status_code == 403
        assert r.json()["forbidden"]["message"] == "Quota exceeded, too many key pairs."
        assert c.get("/limits").json()["limits"]["absolute"]["maxTotalKeypairs"] == 2
        assert c.delete("/os-keypairs/q0").status_code == 202
        r = c.post("/os-keypairs", {"keypair": {"name": "q2", "public_key": SAMPLE_PUB}})
        assert r.status_code == 200
    finally:
        os.unlink(conf.name)
