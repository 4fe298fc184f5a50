/* test_keypair.c - keypair material (core/keypair.c): Nova's MD5
 * fingerprint of OpenSSH keys (with the key checks pyca/cryptography
 * makes), SHA-1 of x509 certificates, and generated keys that parse back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/keypair.h"

#define SAMPLE_PUB                                                                          \
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8J" \
    "ttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrx" \
    "EsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova"

static void test_sample_fingerprint(void **state)
{
    char fp[KEYPAIR_FP_MAX];
    struct cerr err;
    assert_int_equal(keypair_ssh_fingerprint(SAMPLE_PUB, fp, &err), 0);
    assert_string_equal(fp, "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c");
    /* the comment is optional and does not change the fingerprint */
    char *bare = strdup(SAMPLE_PUB);
    *strrchr(bare, ' ') = '\0';
    assert_int_equal(keypair_ssh_fingerprint(bare, fp, &err), 0);
    assert_string_equal(fp, "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c");
    free(bare);
}

static void test_ed25519(void **state)
{
    char fp[KEYPAIR_FP_MAX];
    struct cerr err;
    const char *key = "ssh-ed25519 "
                      "AAAAC3NzaC1lZDI1NTE5AAAAIMGMIYiw6eqqVl/lA6nyoz2i8R5POf0B3WqVtG1YqzCa c";
    assert_int_equal(keypair_ssh_fingerprint(key, fp, &err), 0);
    assert_int_equal(strlen(fp), 47);
}

static const char *const invalid[] = {
    "", "ssh-rsa", "ssh-rsa ", " ssh-rsa AAAA", "ssh-rsa AAAA", "ssh-rsa ====",
    "ssh-rsa not-base64!", "ssh-foo AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv",
    /* ed25519 blob with 5 key bytes instead of 32 */
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAABXNob3J0",
    /* ssh-rsa blob under the ssh-dss name */
    "ssh-dss AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8J"
    "ttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrx"
    "EsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw==",
    NULL,
};

static void test_invalid_keys(void **state)
{
    char fp[KEYPAIR_FP_MAX];
    for (int i = 0; invalid[i]; i++) {
        struct cerr err = {0};
        assert_int_equal(keypair_ssh_fingerprint(invalid[i], fp, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.message,
                            "Keypair data is invalid: failed to generate fingerprint");
    }
}

static void test_generated_ssh_key(void **state)
{
    char *priv = NULL, *pub = NULL, fp[KEYPAIR_FP_MAX];
    struct cerr err;
    assert_int_equal(keypair_generate_ssh(&priv, &pub, &err), 0);
    assert_non_null(strstr(priv, "-----BEGIN RSA PRIVATE KEY-----\n"));
    assert_int_equal(strncmp(pub, "ssh-rsa AAAAB3NzaC1yc2E", 23), 0);
    assert_non_null(strstr(pub, " Generated-by-Nova\n"));
    assert_int_equal(keypair_ssh_fingerprint(pub, fp, &err), 0);
    free(priv);
    free(pub);
}

static void test_generated_x509(void **state)
{
    char *priv = NULL, *cert = NULL, fp[KEYPAIR_FP_MAX];
    struct cerr err;
    assert_int_equal(keypair_generate_x509("user-1", &priv, &cert, &err), 0);
    assert_non_null(strstr(priv, "-----BEGIN PRIVATE KEY-----\n"));
    assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----\n"));
    assert_int_equal(keypair_x509_fingerprint(cert, fp, &err), 0);
    assert_int_equal(strlen(fp), 59);   /* 20 bytes of SHA-1 */
    assert_int_equal(keypair_x509_fingerprint(SAMPLE_PUB, fp, &err), -1);
    assert_int_equal(err.status, 400);
    free(priv);
    free(cert);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_fingerprint),
        cmocka_unit_test(test_ed25519),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test(test_generated_ssh_key),
        cmocka_unit_test(test_generated_x509),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
