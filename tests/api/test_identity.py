"""Identity v3 subset: discovery, token issue / validate / check / revoke,
re-scoping with the token method, the /v3/auth scopes and catalog, and the
read-only admin resources. Every endpoint's error codes (400, 401, 403,
404) are covered next to its success path."""
import json
import re
import time

import pytest
import requests

from conftest import token_for

ISO_USEC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}
REF = "../shared/reference/keystone-api-ref/v3/samples"


def password_body(user="admin", password="admin", project="admin", scope=True, **kw):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}}}}
    if scope:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
    return body


def issue(cirrus, body, query=""):
    return requests.post(cirrus + "/identity/v3/auth/tokens" + query, json=body, timeout=30)


def get(cirrus, path, token, method="GET", **headers):
    h = {"X-Auth-Token": token} if token else {}
    h.update(headers)
    return requests.request(method, cirrus + "/identity" + path, headers=h, timeout=30)


def reference(path):
    import pathlib
    p = pathlib.Path(__file__).resolve().parents[2] / REF / path
    return json.loads(p.read_text()) if p.exists() else None


# --- discovery ---

def test_versions_root_is_300(cirrus):
    r = requests.get(cirrus + "/identity", timeout=10)
    assert r.status_code == 300
    values = r.json()["versions"]["values"]
    assert values[0]["id"].startswith("v3.")
    assert values[0]["links"][0]["href"] == cirrus + "/identity/v3/"


def test_version_v3(cirrus):
    r = requests.get(cirrus + "/identity/v3", timeout=10)
    assert r.status_code == 200
    v = r.json()["version"]
    assert v["id"] == "v3.14" and v["status"] == "stable"
    assert v["links"] == [{"rel": "self", "href": cirrus + "/identity/v3/"}]
    ref = reference("admin/identity-version-response.json")
    if ref:
        assert set(v) == set(ref["version"])
    assert requests.get(cirrus + "/identity/v3/", timeout=10).status_code == 200


# --- POST /v3/auth/tokens ---

def test_password_project_scoped_token(cirrus):
    r = issue(cirrus, password_body())
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    assert re.match(r"^[A-Za-z0-9_-]{43}$", token)
    t = r.json()["token"]
    assert t["methods"] == ["password"]
    assert t["user"]["name"] == "admin" and HEX32.match(t["user"]["id"])
    assert t["user"]["domain"] == {"id": "default", "name": "Default"}
    assert t["user"]["password_expires_at"] is None
    assert t["project"]["name"] == "admin" and HEX32.match(t["project"]["id"])
    assert t["project"]["domain"] == {"id": "default", "name": "Default"}
    assert t["is_domain"] is False
    assert ISO_USEC_Z.match(t["issued_at"]) and ISO_USEC_Z.match(t["expires_at"])
    assert len(t["audit_ids"]) == 1
    # admin implies manager, member and reader.
    assert sorted(x["name"] for x in t["roles"]) == ["admin", "manager", "member", "reader"]
    ref = reference("auth/responses/project-scoped-password.json")
    if ref:
        assert set(t) == set(ref["token"])


def test_catalog_shape(cirrus):
    t = issue(cirrus, password_body()).json()["token"]
    by_type = {s["type"]: s for s in t["catalog"]}
    assert set(by_type) >= {"identity", "compute", "image"}
    assert by_type["identity"]["name"] == "keystone"
    assert by_type["compute"]["name"] == "nova"
    assert by_type["image"]["name"] == "glance"
    urls = {k: s["endpoints"][0]["url"] for k, s in by_type.items()}
    assert urls["identity"] == cirrus + "/identity"
    assert urls["compute"] == cirrus + "/v2.1"
    assert urls["image"] == cirrus + "/image"
    for s in t["catalog"]:
        assert sorted(e["interface"] for e in s["endpoints"]) == ["admin", "internal", "public"]
        for e in s["endpoints"]:
            assert e["region"] == "RegionOne" and e["region_id"] == "RegionOne"
            assert HEX32.match(e["id"])
    # Endpoint ids are stable from one token to the next.
    again = issue(cirrus, password_body("demo", "demo", "demo")).json()["token"]["catalog"]
    assert [e["id"] for s in again for e in s["endpoints"]] == \
           [e["id"] for s in t["catalog"] for e in s["endpoints"]]


def test_demo_roles(cirrus):
    t = issue(cirrus, password_body("demo", "demo", "demo")).json()["token"]
    assert sorted(x["name"] for x in t["roles"]) == ["member", "reader"]


def test_scope_by_project_id_and_user_id(cirrus, admin):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": admin.user_id, "password": "admin"}}},
        "scope": {"project": {"id": admin.project_id}}}}
    r = issue(cirrus, body)
    assert r.status_code == 201, r.text
    assert r.json()["token"]["project"]["id"] == admin.project_id


def test_domain_by_id(cirrus):
    body = password_body()
    body["auth"]["identity"]["password"]["user"]["domain"] = {"id": "default"}
    body["auth"]["scope"]["project"]["domain"] = {"id": "default"}
    assert issue(cirrus, body).status_code == 201


def test_unscoped_token(cirrus):
    r = issue(cirrus, password_body(scope=False))
    assert r.status_code == 201
    t = r.json()["token"]
    assert "project" not in t and "catalog" not in t and "roles" not in t
    ref = reference("admin/auth-password-unscoped-response.json")
    if ref:
        assert set(t) == set(ref["token"])
    body = password_body(scope=False)
    body["auth"]["scope"] = "unscoped"
    assert "project" not in issue(cirrus, body).json()["token"]


def test_nocatalog(cirrus):
    r = issue(cirrus, password_body(), "?nocatalog")
    assert r.status_code == 201
    assert "catalog" not in r.json()["token"]
    assert r.json()["token"]["roles"]


def test_expiry_follows_token_ttl(cirrus):
    t = issue(cirrus, password_body()).json()["token"]
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    issued = time.mktime(time.strptime(t["issued_at"], fmt))
    expires = time.mktime(time.strptime(t["expires_at"], fmt))
    assert expires - issued == 86400


@pytest.mark.parametrize("user,password,project", [
    ("admin", "wrong", "admin"),
    ("nobody", "admin", "admin"),
    ("demo", "demo", "admin"),      # no role on that project
    ("admin", "admin", "nowhere"),
    ("admin", "", "admin"),
])
def test_bad_credentials_are_401(cirrus, user, password, project):
    r = issue(cirrus, password_body(user, password, project))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 401
    assert r.json()["error"]["title"] == "Unauthorized"
    assert "X-Subject-Token" not in r.headers


def test_wrong_password_body_is_keystone_401(cirrus):
    assert issue(cirrus, password_body(password="nope")).json() == UNAUTHORIZED


def test_unknown_domain_is_401(cirrus):
    body = password_body()
    body["auth"]["identity"]["password"]["user"]["domain"] = {"name": "Elsewhere"}
    assert issue(cirrus, body).status_code == 401


def test_unsupported_method_is_401(cirrus):
    body = {"auth": {"identity": {"methods": ["totp"], "totp": {}}}}
    assert issue(cirrus, body).status_code == 401


def test_domain_scope_is_401(cirrus):
    body = password_body(scope=False)
    body["auth"]["scope"] = {"domain": {"id": "default"}}
    assert issue(cirrus, body).status_code == 401


@pytest.mark.parametrize("body", [
    {},
    {"auth": "x"},
    {"auth": {}},
    {"auth": {"identity": {}}},
    {"auth": {"identity": {"methods": []}}},
    {"auth": {"identity": {"methods": "password"}}},
    {"auth": {"identity": {"methods": [1]}}},
    {"auth": {"identity": {"methods": ["password"]}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin"}}}}},
    {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "admin", "password": "admin"}}}}},
    {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"id": "x"}}}}},
    {"auth": {"identity": {"methods": ["token"], "token": {}}}},
    {"auth": {"identity": {"methods": ["token"]}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": "x", "password": "y"}}}, "scope": {"project": {"name": "admin"}}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": "x", "password": "y"}}}, "scope": {}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": "x", "password": "y"}}}, "scope": 3}},
    [],
])
def test_malformed_body_is_400(cirrus, body):
    r = issue(cirrus, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == 400


def test_unparsable_and_empty_bodies_are_400(cirrus):
    url = cirrus + "/identity/v3/auth/tokens"
    h = {"Content-Type": "application/json"}
    assert requests.post(url, data="{nope", headers=h, timeout=10).status_code == 400
    assert requests.post(url, data="", headers=h, timeout=10).status_code == 400


# --- token method (re-scope) ---

def test_rescope_unscoped_token_to_project(cirrus, admin):
    unscoped = issue(cirrus, password_body(scope=False))
    parent = unscoped.headers["X-Subject-Token"]
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": parent}},
                     "scope": {"project": {"id": admin.project_id}}}}
    r = issue(cirrus, body)
    assert r.status_code == 201, r.text
    t = r.json()["token"]
    assert t["project"]["id"] == admin.project_id
    assert t["methods"] == ["token", "password"]
    # Re-scoping never extends the original expiry.
    assert t["expires_at"] == unscoped.json()["token"]["expires_at"]
    assert r.headers["X-Subject-Token"] != parent
    assert get(cirrus, "/v3/auth/catalog", r.headers["X-Subject-Token"]).status_code == 200


def test_rescope_by_project_name(cirrus):
    parent = issue(cirrus, password_body("demo", "demo", scope=False)).headers["X-Subject-Token"]
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": parent}},
                     "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}
    r = issue(cirrus, body)
    assert r.status_code == 201
    assert r.json()["token"]["project"]["name"] == "demo"


def test_rescope_to_foreign_project_is_401(cirrus, admin):
    parent = issue(cirrus, password_body("demo", "demo", "demo")).headers["X-Subject-Token"]
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": parent}},
                     "scope": {"project": {"id": admin.project_id}}}}
    assert issue(cirrus, body).status_code == 401


def test_rescope_with_unknown_token_is_404(cirrus):
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": "bogus"}}}}
    assert issue(cirrus, body).status_code == 404


# --- GET / HEAD / DELETE /v3/auth/tokens ---

def test_validate_token(cirrus, admin, demo):
    r = get(cirrus, "/v3/auth/tokens", admin.token, **{"X-Subject-Token": demo.token})
    assert r.status_code == 200
    assert r.headers["X-Subject-Token"] == demo.token
    t = r.json()["token"]
    assert t["project"]["id"] == demo.project_id and t["user"]["id"] == demo.user_id
    assert "catalog" in t
    r = requests.get(cirrus + "/identity/v3/auth/tokens?nocatalog", timeout=10,
                     headers={"X-Auth-Token": admin.token, "X-Subject-Token": demo.token})
    assert r.status_code == 200 and "catalog" not in r.json()["token"]


def test_validate_own_token_as_non_admin(cirrus, demo):
    r = get(cirrus, "/v3/auth/tokens", demo.token, **{"X-Subject-Token": demo.token})
    assert r.status_code == 200


def test_validate_others_token_as_non_admin_is_403(cirrus, admin, demo):
    r = get(cirrus, "/v3/auth/tokens", demo.token, **{"X-Subject-Token": admin.token})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == 403


def test_validate_invalid_subject_is_404(cirrus, admin):
    r = get(cirrus, "/v3/auth/tokens", admin.token, **{"X-Subject-Token": "garbage"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == 404


def test_validate_without_subject_is_400(cirrus, admin):
    assert get(cirrus, "/v3/auth/tokens", admin.token).status_code == 400


def test_validate_without_caller_is_401(cirrus, demo):
    r = get(cirrus, "/v3/auth/tokens", None, **{"X-Subject-Token": demo.token})
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


def test_bad_caller_token_is_401(cirrus):
    r = get(cirrus, "/v3/projects", "not-a-token")
    assert r.status_code == 401 and r.json() == UNAUTHORIZED


def test_head_token(cirrus, admin, demo):
    r = get(cirrus, "/v3/auth/tokens", admin.token, "HEAD", **{"X-Subject-Token": demo.token})
    assert r.status_code == 200 and r.content == b""
    r = get(cirrus, "/v3/auth/tokens", admin.token, "HEAD", **{"X-Subject-Token": "nope"})
    assert r.status_code == 404


def test_revoke_token(cirrus, admin):
    victim = issue(cirrus, password_body("demo", "demo", "demo")).headers["X-Subject-Token"]
    assert get(cirrus, "/v3/auth/projects", victim).status_code == 200
    r = get(cirrus, "/v3/auth/tokens", admin.token, "DELETE", **{"X-Subject-Token": victim})
    assert r.status_code == 204
    assert get(cirrus, "/v3/auth/projects", victim).status_code == 401
    r = get(cirrus, "/v3/auth/tokens", admin.token, "DELETE", **{"X-Subject-Token": victim})
    assert r.status_code == 404
    r = get(cirrus, "/v3/auth/tokens", admin.token, **{"X-Subject-Token": victim})
    assert r.status_code == 404


def test_revoke_own_token(cirrus):
    tok = issue(cirrus, password_body("demo", "demo", "demo")).headers["X-Subject-Token"]
    r = get(cirrus, "/v3/auth/tokens", tok, "DELETE", **{"X-Subject-Token": tok})
    assert r.status_code == 204
    assert get(cirrus, "/v3/auth/projects", tok).status_code == 401


def test_revoke_others_token_as_non_admin_is_403(cirrus, admin, demo):
    r = get(cirrus, "/v3/auth/tokens", demo.token, "DELETE", **{"X-Subject-Token": admin.token})
    assert r.status_code == 403
    assert get(cirrus, "/v3/auth/projects", admin.token).status_code == 200


def test_compute_accepts_identity_tokens(cirrus, demo):
    r = requests.get(cirrus + "/v2.1/flavors", headers={"X-Auth-Token": demo.token}, timeout=10)
    assert r.status_code == 200
    r = requests.get(cirrus + "/v2.1/flavors", headers={"X-Auth-Token": "x"}, timeout=10)
    assert r.status_code == 401


def test_expired_token_is_401(spawn_cirrusd):
    d = spawn_cirrusd()
    tok, _, _ = token_for(d.url, "admin", "admin", "admin")
    assert get(d.url, "/v3/auth/projects", tok).status_code == 200
    import sqlite3
    db = sqlite3.connect(f"{d.data_dir}/cirrus.db")
    db.execute("UPDATE tokens SET expires_at = 1")
    db.commit()
    db.close()
    assert get(d.url, "/v3/auth/projects", tok).status_code == 401


def test_token_ttl_from_config(spawn_cirrusd, tmp_path):
    conf = tmp_path / "cirrus.conf"
    conf.write_text("[identity]\ntoken_ttl = 1\n")
    d = spawn_cirrusd("--config", str(conf))
    r = issue(d.url, password_body())
    t = r.json()["token"]
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    lifetime = (time.mktime(time.strptime(t["expires_at"], fmt)) -
                time.mktime(time.strptime(t["issued_at"], fmt)))
    assert lifetime == 1
    time.sleep(1.2)
    assert get(d.url, "/v3/auth/projects", r.headers["X-Subject-Token"]).status_code == 401


def test_tokens_survive_restart_and_only_hashes_are_stored(spawn_cirrusd):
    d = spawn_cirrusd()
    tok, _, _ = token_for(d.url, "admin", "admin", "admin")
    d.stop()
    d.start()
    assert get(d.url, "/v3/auth/projects", tok).status_code == 200
    import hashlib
    import sqlite3
    db = sqlite3.connect(f"{d.data_dir}/cirrus.db")
    hashes = [h for (h,) in db.execute("SELECT hash FROM tokens")]
    pw = [p for (p,) in db.execute("SELECT password_hash FROM users")]
    db.close()
    assert hashlib.sha256(tok.encode()).hexdigest() in hashes
    assert tok not in hashes
    assert all(p.startswith("$argon2id$") for p in pw)


def test_configured_password_wins_on_restart(spawn_cirrusd, tmp_path):
    conf = tmp_path / "cirrus.conf"
    conf.write_text("[identity]\nadmin_password = s3cret\n")
    d = spawn_cirrusd()
    d.stop()
    d.extra = ["--config", str(conf)]
    d.start()
    assert issue(d.url, password_body(password="s3cret")).status_code == 201
    assert issue(d.url, password_body(password="admin")).status_code == 401


# --- /v3/auth scopes and catalog ---

def test_auth_catalog(cirrus, demo):
    r = get(cirrus, "/v3/auth/catalog", demo.token)
    assert r.status_code == 200
    body = r.json()
    assert {s["type"] for s in body["catalog"]} >= {"identity", "compute", "image"}
    assert body["links"]["self"].endswith("/identity/v3/auth/catalog")


def test_auth_catalog_unscoped_is_403(cirrus):
    tok = issue(cirrus, password_body(scope=False)).headers["X-Subject-Token"]
    assert get(cirrus, "/v3/auth/catalog", tok).status_code == 403


def test_auth_projects(cirrus, demo):
    r = get(cirrus, "/v3/auth/projects", demo.token)
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["projects"]] == [demo.project_id]
    tok = issue(cirrus, password_body(scope=False)).headers["X-Subject-Token"]
    names = [p["name"] for p in get(cirrus, "/v3/auth/projects", tok).json()["projects"]]
    assert names == ["admin"]


def test_auth_domains(cirrus, demo):
    r = get(cirrus, "/v3/auth/domains", demo.token)
    assert r.status_code == 200 and r.json()["domains"] == []


@pytest.mark.parametrize("path", ["/v3/auth/catalog", "/v3/auth/projects",
                                  "/v3/auth/domains", "/v3/projects", "/v3/users"])
def test_auth_paths_need_a_token(cirrus, path):
    assert get(cirrus, path, None).status_code == 401


# --- admin resources ---

def test_projects_list_and_filters(cirrus, admin, demo):
    r = get(cirrus, "/v3/projects", admin.token)
    assert r.status_code == 200
    projects = r.json()["projects"]
    assert {"admin", "demo"} <= {p["name"] for p in projects}
    p = next(p for p in projects if p["name"] == "demo")
    assert p["id"] == demo.project_id and p["domain_id"] == "default"
    assert p["enabled"] is True and p["is_domain"] is False
    assert p["links"]["self"] == f"{cirrus}/identity/v3/projects/{p['id']}"
    assert r.json()["links"]["self"] == cirrus + "/identity/v3/projects"
    r = get(cirrus, "/v3/projects?name=demo", admin.token)
    assert [p["name"] for p in r.json()["projects"]] == ["demo"]
    assert get(cirrus, "/v3/projects?domain_id=default", admin.token).json()["projects"]
    assert get(cirrus, "/v3/projects?domain_id=nope", admin.token).json()["projects"] == []


def test_project_show(cirrus, admin, demo):
    r = get(cirrus, f"/v3/projects/{demo.project_id}", admin.token)
    assert r.status_code == 200 and r.json()["project"]["name"] == "demo"
    # A user may read the project their token is scoped to, no other.
    assert get(cirrus, f"/v3/projects/{demo.project_id}", demo.token).status_code == 200
    assert get(cirrus, f"/v3/projects/{admin.project_id}", demo.token).status_code == 403
    r = get(cirrus, "/v3/projects/0123456789abcdef0123456789abcdef", admin.token)
    assert r.status_code == 404 and r.json()["error"]["code"] == 404


def test_users(cirrus, admin, demo):
    r = get(cirrus, "/v3/users", admin.token)
    assert r.status_code == 200
    users = {u["name"]: u for u in r.json()["users"]}
    assert {"admin", "demo"} <= set(users)
    assert users["demo"]["id"] == demo.user_id
    assert "password_hash" not in users["demo"] and "password" not in users["demo"]
    r = get(cirrus, "/v3/users?name=demo", admin.token)
    assert [u["name"] for u in r.json()["users"]] == ["demo"]
    assert get(cirrus, f"/v3/users/{demo.user_id}", admin.token).json()["user"]["name"] == "demo"
    assert get(cirrus, f"/v3/users/{demo.user_id}", demo.token).status_code == 200
    assert get(cirrus, f"/v3/users/{admin.user_id}", demo.token).status_code == 403
    assert get(cirrus, "/v3/users/nobody", admin.token).status_code == 404


def test_user_projects(cirrus, admin, demo):
    r = get(cirrus, f"/v3/users/{demo.user_id}/projects", demo.token)
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["projects"]] == [demo.project_id]
    assert get(cirrus, f"/v3/users/{demo.user_id}/projects", admin.token).status_code == 200
    assert get(cirrus, f"/v3/users/{admin.user_id}/projects", demo.token).status_code == 403
    assert get(cirrus, "/v3/users/nobody/projects", admin.token).status_code == 404


def test_roles(cirrus, admin):
    r = get(cirrus, "/v3/roles", admin.token)
    assert r.status_code == 200
    roles = {x["name"]: x for x in r.json()["roles"]}
    assert set(roles) == {"admin", "manager", "member", "reader"}
    assert all(HEX32.match(x["id"]) for x in roles.values())
    r = get(cirrus, "/v3/roles?name=reader", admin.token)
    assert [x["name"] for x in r.json()["roles"]] == ["reader"]
    rid = roles["member"]["id"]
    assert get(cirrus, f"/v3/roles/{rid}", admin.token).json()["role"]["name"] == "member"
    assert get(cirrus, "/v3/roles/nope", admin.token).status_code == 404


def test_domains(cirrus, admin, demo):
    r = get(cirrus, "/v3/domains", admin.token)
    assert r.status_code == 200
    assert [d["id"] for d in r.json()["domains"]] == ["default"]
    d = get(cirrus, "/v3/domains/default", admin.token).json()["domain"]
    assert d["name"] == "Default" and d["enabled"] is True
    assert get(cirrus, "/v3/domains/default", demo.token).status_code == 200
    assert get(cirrus, "/v3/domains/other", admin.token).status_code == 404
    assert get(cirrus, "/v3/domains/other", demo.token).status_code == 404


def test_role_assignments(cirrus, admin, demo):
    r = get(cirrus, "/v3/role_assignments", admin.token)
    assert r.status_code == 200
    rows = r.json()["role_assignments"]
    assert len(rows) == 3
    assert all(set(x) == {"role", "user", "scope", "links"} for x in rows)
    assert "name" not in rows[0]["role"]
    r = get(cirrus, f"/v3/role_assignments?user.id={demo.user_id}&include_names=True",
            admin.token)
    rows = r.json()["role_assignments"]
    assert sorted(x["role"]["name"] for x in rows) == ["member", "reader"]
    assert rows[0]["user"] == {"id": demo.user_id, "name": "demo",
                               "domain": {"id": "default", "name": "Default"}}
    assert rows[0]["scope"]["project"]["name"] == "demo"
    r = get(cirrus, f"/v3/role_assignments?scope.project.id={admin.project_id}", admin.token)
    rows = r.json()["role_assignments"]
    assert [x["user"]["id"] for x in rows] == [admin.user_id]
    role_id = rows[0]["role"]["id"]
    r = get(cirrus, f"/v3/role_assignments?role.id={role_id}", admin.token)
    assert len(r.json()["role_assignments"]) == 1
    assert get(cirrus, "/v3/role_assignments?group.id=x", admin.token).json()[
        "role_assignments"] == []


def test_role_assignments_effective_expands_implied_roles(cirrus, admin):
    r = get(cirrus, f"/v3/role_assignments?effective&include_names=1&user.id={admin.user_id}",
            admin.token)
    assert r.status_code == 200
    names = sorted(x["role"]["name"] for x in r.json()["role_assignments"])
    assert names == ["admin", "manager", "member", "reader"]


@pytest.mark.parametrize("path", ["/v3/projects", "/v3/users", "/v3/roles", "/v3/domains",
                                  "/v3/role_assignments"])
def test_admin_listings_are_403_for_members(cirrus, demo, path):
    r = get(cirrus, path, demo.token)
    assert r.status_code == 403
    assert r.json()["error"]["title"] == "Forbidden"


def test_role_show_is_403_for_members(cirrus, admin, demo):
    rid = get(cirrus, "/v3/roles", admin.token).json()["roles"][0]["id"]
    assert get(cirrus, f"/v3/roles/{rid}", demo.token).status_code == 403


def test_unknown_identity_path_is_404(cirrus, admin):
    r = get(cirrus, "/v3/nothing-here", admin.token)
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
