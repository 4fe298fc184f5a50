/* keypair.c - fingerprints and generation of keypair material with
 * OpenSSL, matching nova/crypto.py: generate_fingerprint() (MD5 of the
 * OpenSSH key blob, after pyca/cryptography's load_ssh_public_key() has
 * accepted it), generate_x509_fingerprint() (SHA-1 of the certificate),
 * generate_key_pair() and generate_winrm_x509_cert(). */
#include "core/keypair.h"
#include "util/mem.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVALID_SSH "Keypair data is invalid: failed to generate fingerprint"

static void hex_colons(const unsigned char *md, unsigned len, char out[KEYPAIR_FP_MAX])
{
    size_t w = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < len && w + 4 < KEYPAIR_FP_MAX; i++)
        w += (size_t)snprintf(out + w, KEYPAIR_FP_MAX - w, "%s%02x", i ? ":" : "", md[i]);
}

/* --- the OpenSSH wire format (RFC 4253 section 6.6) --- */

struct reader { const unsigned char *p; size_t left; };

static bool read_string(struct reader *r, const unsigned char **s, size_t *n)
{
    if (r->left < 4)
        return false;
    uint32_t len = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
                   (uint32_t)r->p[2] << 8 | r->p[3];
    if (r->left - 4 < len)
        return false;
    *s = r->p + 4;
    *n = len;
    r->p += 4 + len;
    r->left -= 4 + len;
    return true;
}

static bool string_is(struct reader *r, const char *want)
{
    const unsigned char *s;
    size_t n;
    return read_string(r, &s, &n) && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* A non-negative mpint; NULL when malformed. */
static BIGNUM *read_mpint(struct reader *r)
{
    const unsigned char *s;
    size_t n;
    if (!read_string(r, &s, &n) || (n > 0 && (s[0] & 0x80)))
        return NULL;
    return BN_bin2bn(s, (int)n, NULL);
}

/* cryptography's RSAPublicNumbers checks: 3 <= e < n, e odd. */
static bool rsa_ok(struct reader *r)
{
    BIGNUM *e = read_mpint(r), *n = read_mpint(r);
    bool ok = e && n && BN_num_bits(n) >= 2 && !BN_is_zero(e) && BN_is_odd(e) &&
              !BN_is_one(e) && BN_cmp(e, n) < 0;
    BN_free(e);
    BN_free(n);
    return ok;
}

/* cryptography's DSA parameter checks: p of 1024-4096 bits, q of 160,
 * 224 or 256 bits, 1 < g < p. */
static bool dss_ok(struct reader *r)
{
    BIGNUM *p = read_mpint(r), *q = read_mpint(r), *g = read_mpint(r), *y = read_mpint(r);
    bool ok = p && q && g && y;
    if (ok) {
        int pb = BN_num_bits(p), qb = BN_num_bits(q);
        ok = (pb == 1024 || pb == 2048 || pb == 3072 || pb == 4096) &&
             (qb == 160 || qb == 224 || qb == 256) && !BN_is_zero(g) && !BN_is_one(g) &&
             BN_cmp(g, p) < 0;
    }
    BN_free(p);
    BN_free(q);
    BN_free(g);
    BN_free(y);
    return ok;
}

static bool ed25519_ok(struct reader *r)
{
    const unsigned char *s;
    size_t n;
    return read_string(r, &s, &n) && n == 32;
}

/* The point must lie on the named curve. */
static bool ecdsa_ok(struct reader *r, const char *curve)
{
    const char *group = !strcmp(curve, "nistp256") ? "P-256" :
                        !strcmp(curve, "nistp384") ? "P-384" : "P-521";
    const unsigned char *pt;
    size_t n;
    if (!string_is(r, curve) || !read_string(r, &pt, &n) || n == 0)
        return false;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *check = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, n),
        OSSL_PARAM_END,
    };
    bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
              EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
              (check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) &&
              EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok;
}

static bool blob_ok(const char *type, const unsigned char *blob, size_t len)
{
    struct reader r = { blob, len };
    bool ok;
    if (!string_is(&r, type))
        return false;
    if (!strcmp(type, "ssh-rsa"))
        ok = rsa_ok(&r);
    else if (!strcmp(type, "ssh-dss"))
        ok = dss_ok(&r);
    else if (!strcmp(type, "ssh-ed25519"))
        ok = ed25519_ok(&r);
    else if (!strncmp(type, "ecdsa-sha2-", 11) &&
             (!strcmp(type + 11, "nistp256") || !strcmp(type + 11, "nistp384") ||
              !strcmp(type + 11, "nistp521")))
        ok = ecdsa_ok(&r, type + 11);
    else
        return false;
    return ok && r.left == 0;   /* "Excess data" is an error too */
}

int keypair_ssh_fingerprint(const char *public_key, char out[KEYPAIR_FP_MAX], struct cerr *err)
{
    const char *sp = strchr(public_key, ' ');
    if (!sp || sp == public_key || strcspn(public_key, " \t\r\n") != (size_t)(sp - public_key))
        return cerr_set(err, 400, INVALID_SSH);
    char *type = xstrndup(public_key, (size_t)(sp - public_key));
    const char *b64 = sp + strspn(sp, " ");
    size_t b64len = strcspn(b64, " \t\r\n"), bloblen = 0;
    unsigned char *blob = xmalloc(b64len + 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int rc = -1;
    if (b64len == 0 ||
        sodium_base642bin(blob, b64len + 1, b64, b64len, NULL, &bloblen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        !blob_ok(type, blob, bloblen) ||
        EVP_Digest(blob, bloblen, md, &mdlen, EVP_md5(), NULL) != 1) {
        cerr_set(err, 400, INVALID_SSH);
        goto cleanup;
    }
    hex_colons(md, mdlen, out);
    rc = 0;
cleanup:
    free(blob);
    free(type);
    return rc;
}

int keypair_x509_fingerprint(const char *pem, char out[KEYPAIR_FP_MAX], struct cerr *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int rc = 0;
    if (!cert || X509_digest(cert, EVP_sha1(), md, &mdlen) != 1)
        rc = cerr_set(err, 400, "Keypair data is invalid: failed to generate X509 fingerprint. "
                      "Error message: Unable to load certificate");
    else
        hex_colons(md, mdlen, out);
    X509_free(cert);
    BIO_free(bio);
    return rc;
}

/* --- generation --- */

static char *bio_text(BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? xstrndup(data, (size_t)n) : NULL;
}

static void put_string(struct buf *b, const void *data, size_t n)
{
    unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                             (unsigned char)(n >> 8), (unsigned char)n };
    buf_append(b, len, 4);
    buf_append(b, data, n);
}

static void put_mpint(struct buf *b, const BIGNUM *bn)
{
    int n = BN_num_bytes(bn);
    unsigned char *bytes = xmalloc((size_t)n + 1);
    bytes[0] = 0;
    BN_bn2bin(bn, bytes + 1);
    bool pad = n > 0 && (bytes[1] & 0x80);   /* keep the mpint positive */
    put_string(b, pad ? bytes : bytes + 1, (size_t)n + (pad ? 1 : 0));
    free(bytes);
}

static char *ssh_public_line(EVP_PKEY *pkey)
{
    BIGNUM *n = NULL, *e = NULL;
    struct buf blob = {0};
    char *line = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
        put_string(&blob, "ssh-rsa", 7);
        put_mpint(&blob, e);
        put_mpint(&blob, n);
        size_t len = sodium_base64_ENCODED_LEN(blob.len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = xmalloc(len);
        sodium_bin2base64(b64, len, (const unsigned char *)blob.data, blob.len,
                          sodium_base64_VARIANT_ORIGINAL);
        line = xasprintf("ssh-rsa %s Generated-by-Nova\n", b64);
        free(b64);
    }
    BN_free(n);
    BN_free(e);
    buf_free(&blob);
    return line;
}

int keypair_generate_ssh(char **private_key, char **public_key, struct cerr *err)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    BIO *bio = BIO_new(BIO_s_mem());
    char *priv = NULL, *pub = NULL;
    if (pkey && bio &&
        PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        priv = bio_text(bio);
        pub = ssh_public_line(pkey);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    if (!priv || !pub) {
        free(priv);
        free(pub);
        return cerr_internal(err, "ssh key generation");
    }
    *private_key = priv;
    *public_key = pub;
    return 0;
}

static bool add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = ext && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* openssl req -x509 -days 3650 -newkey rsa:2048 -subj /CN=<user> with
 * Nova's v3_req_client extensions (clientAuth, UPN <user>@localhost). */
static X509 *winrm_cert(EVP_PKEY *pkey, const char *user_id)
{
    X509 *cert = X509_new();
    unsigned char serial[8];
    char *upn = xasprintf("otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s@localhost", user_id);
    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;
    BIGNUM *sn = BN_bin2bn(serial, sizeof(serial), NULL);
    X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
    bool ok = cert && sn && X509_set_version(cert, 2) == 1 &&
              BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(cert)) &&
              X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
              X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600) &&
              X509_set_pubkey(cert, pkey) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                         (const unsigned char *)user_id, -1, -1, 0) == 1 &&
              X509_set_issuer_name(cert, name) == 1 &&
              add_ext(cert, NID_ext_key_usage, "clientAuth") &&
              add_ext(cert, NID_subject_alt_name, upn) &&
              X509_sign(cert, pkey, EVP_sha256()) > 0;
    BN_free(sn);
    free(upn);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

int keypair_generate_x509(const char *user_id, char **private_key, char **certificate,
                          struct cerr *err)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    X509 *cert = pkey ? winrm_cert(pkey, user_id) : NULL;
    BIO *kbio = BIO_new(BIO_s_mem()), *cbio = BIO_new(BIO_s_mem());
    char *priv = NULL, *pem = NULL;
    if (cert && kbio && cbio &&
        PEM_write_bio_PKCS8PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
        PEM_write_bio_X509(cbio, cert) == 1) {
        priv = bio_text(kbio);
        pem = bio_text(cbio);
    }
    BIO_free(kbio);
    BIO_free(cbio);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    if (!priv || !pem) {
        free(priv);
        free(pem);
        return cerr_internal(err, "x509 certificate generation");
    }
    *private_key = priv;
    *certificate = pem;
    return 0;
}
