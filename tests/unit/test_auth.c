/* test_auth.c - core/auth.c and core/identity.c without HTTP: argon2id
 * hashing and verification, token hashing, role implication, the
 * bootstrap (idempotent, configured password wins), token issue by
 * password and by token, validation, expiry and revocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/auth.h"
#include "core/bootstrap.h"
#include "core/identity.h"
#include "store/identity.h"
#include "util/clock.h"

static char path[] = "/tmp/cirrus-test-auth-XXXXXX";
static struct cirrus_config cfg;

static int setup(void **state)
{
    struct cerr err;
    int fd = mkstemp(path);
    close(fd);
    if (sodium_init() < 0 || store_init(path, &err) < 0)
        return -1;
    config_defaults(&cfg);
    config_finish(&cfg);
    return identity_bootstrap(&cfg, &err);
}

static int teardown(void **state)
{
    char extra[sizeof(path) + 8];
    store_shutdown();
    unlink(path);
    snprintf(extra, sizeof(extra), "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof(extra), "%s-shm", path);
    unlink(extra);
    return 0;
}

static void test_password_hash_verify(void **state)
{
    char hash[256], other[256];
    assert_int_equal(auth_password_hash("s3cret", hash, sizeof(hash)), 0);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_true(auth_password_verify(hash, "s3cret"));
    assert_false(auth_password_verify(hash, "s3creT"));
    assert_false(auth_password_verify(hash, ""));
    assert_false(auth_password_verify("", "s3cret"));
    assert_false(auth_password_verify(NULL, "s3cret"));
    /* Salted: the same password never hashes the same way twice. */
    assert_int_equal(auth_password_hash("s3cret", other, sizeof(other)), 0);
    assert_string_not_equal(hash, other);
    assert_int_equal(auth_password_hash("s3cret", other, 16), -1);
}

static void test_token_hash(void **state)
{
    char h[AUTH_ID_MAX];
    auth_token_hash("abc", h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auth_token_hash("", h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_role_implication(void **state)
{
    static const struct { const char *name; unsigned bits; } table[] = {
        { "admin", ROLE_ADMIN | ROLE_MANAGER | ROLE_MEMBER | ROLE_READER },
        { "manager", ROLE_MANAGER | ROLE_MEMBER | ROLE_READER },
        { "member", ROLE_MEMBER | ROLE_READER },
        { "reader", ROLE_READER },
        { "service", 0 },
        { "Admin", 0 },
        { NULL, 0 },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        assert_int_equal(identity_role_bits(table[i].name), table[i].bits);
}

static void test_bootstrap_is_idempotent(void **state)
{
    struct cerr err;
    struct identity_filter none = { 0 };
    struct identity_project *projects;
    struct identity_user u;
    int n;
    assert_int_equal(identity_bootstrap(&cfg, &err), 0);
    assert_int_equal(store_project_list(store_db(), &none, &projects, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(strlen(projects[0].id), 32);
    free(projects);
    assert_int_equal(store_user_by_name(store_db(), "demo", "default", &u, &err), 0);
    assert_true(auth_password_verify(u.password_hash, "demo"));
}

static void test_bootstrap_resets_changed_password(void **state)
{
    struct cirrus_config c = cfg;
    struct identity_user u;
    struct cerr err;
    strcpy(c.demo_password, "changed");
    assert_int_equal(identity_bootstrap(&c, &err), 0);
    assert_int_equal(store_user_by_name(store_db(), "demo", "default", &u, &err), 0);
    assert_true(auth_password_verify(u.password_hash, "changed"));
    assert_int_equal(identity_bootstrap(&cfg, &err), 0);
}

static int issue_password(const char *user, const char *password, const char *project,
                          char token[IDENTITY_TOKEN_MAX], struct auth *a, struct cerr *err)
{
    struct identity_request r = { .methods = IDENTITY_METHOD_PASSWORD, .user_name = user,
                                  .user_domain_name = "Default", .password = password };
    if (project) {
        r.scoped = true;
        r.project_name = project;
        r.project_domain_id = "default";
    }
    return identity_issue(&cfg, &r, token, a, err);
}

static void test_issue_and_validate(void **state)
{
    char token[IDENTITY_TOKEN_MAX];
    struct auth a, v;
    struct cerr err;
    assert_int_equal(issue_password("demo", "demo", "demo", token, &a, &err), 0);
    assert_int_equal(strlen(token), 43);
    assert_string_equal(a.project_name, "demo");
    assert_int_equal(a.roles, ROLE_MEMBER | ROLE_READER);
    assert_string_equal(a.methods, "[\"password\"]");
    assert_int_equal(a.expires_at - a.issued_at, (int64_t)cfg.token_ttl * 1000000);
    assert_int_equal(auth_token_validate(token, &v, &err), 0);
    assert_true(v.valid);
    assert_string_equal(v.user_id, a.user_id);
    assert_string_equal(v.token_hash, a.token_hash);

    assert_int_equal(issue_password("admin", "admin", "admin", token, &a, &err), 0);
    assert_int_equal(a.roles, ROLE_ADMIN | ROLE_MANAGER | ROLE_MEMBER | ROLE_READER);
}

static void test_bad_credentials(void **state)
{
    char token[IDENTITY_TOKEN_MAX];
    struct auth a;
    struct cerr err;
    assert_int_equal(issue_password("demo", "wrong", "demo", token, &a, &err), -1);
    assert_int_equal(err.status, 401);
    assert_int_equal(issue_password("ghost", "demo", "demo", token, &a, &err), -1);
    assert_int_equal(err.status, 401);
    assert_int_equal(issue_password("demo", "demo", "admin", token, &a, &err), -1);
    assert_int_equal(err.status, 401);
    assert_int_equal(auth_token_validate("nonsense", &a, &err), -1);
    assert_int_equal(err.status, 401);
    assert_int_equal(auth_token_validate("", &a, &err), -1);
    assert_int_equal(err.status, 401);
}

static void test_unscoped_then_rescope(void **state)
{
    char parent[IDENTITY_TOKEN_MAX], child[IDENTITY_TOKEN_MAX];
    struct auth a, b;
    struct cerr err;
    assert_int_equal(issue_password("admin", "admin", NULL, parent, &a, &err), 0);
    assert_string_equal(a.project_id, "");
    assert_int_equal(a.roles, 0);
    struct identity_request r = { .methods = IDENTITY_METHOD_TOKEN, .token = parent,
                                  .scoped = true, .project_name = "admin",
                                  .project_domain_name = "Default" };
    assert_int_equal(identity_issue(&cfg, &r, child, &b, &err), 0);
    assert_string_equal(b.project_name, "admin");
    assert_string_equal(b.methods, "[\"token\",\"password\"]");
    assert_true(b.expires_at == a.expires_at);
    r.token = "missing";
    assert_int_equal(identity_issue(&cfg, &r, child, &b, &err), -1);
    assert_int_equal(err.status, 404);
}

static void test_revoke_and_expiry(void **state)
{
    char token[IDENTITY_TOKEN_MAX];
    struct auth a;
    struct cerr err;
    assert_int_equal(issue_password("demo", "demo", "demo", token, &a, &err), 0);
    assert_int_equal(identity_revoke(&a, &err), 0);
    assert_int_equal(auth_token_validate(token, &a, &err), -1);
    assert_int_equal(err.status, 401);

    assert_int_equal(issue_password("demo", "demo", "demo", token, &a, &err), 0);
    assert_int_equal(db_run(store_db(), "UPDATE tokens SET expires_at = ? WHERE hash = ?", "is",
                            clock_now_us() - 1, a.token_hash), 1);
    assert_int_equal(auth_token_validate(token, &a, &err), -1);
    assert_int_equal(err.status, 401);
    assert_true(store_token_purge(store_db(), clock_now_us()) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_role_implication),
        cmocka_unit_test(test_bootstrap_is_idempotent),
        cmocka_unit_test(test_bootstrap_resets_changed_password),
        cmocka_unit_test(test_issue_and_validate),
        cmocka_unit_test(test_bad_credentials),
        cmocka_unit_test(test_unscoped_then_rescope),
        cmocka_unit_test(test_revoke_and_expiry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
