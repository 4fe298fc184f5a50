/* keypair.h - key material for os-keypairs, as nova/crypto.py makes it:
 * fingerprints of imported keys (which also proves they parse) and
 * server-side generation (before 2.92) of SSH keys and x509 certificates. */
#ifndef CIRRUS_CORE_KEYPAIR_H
#define CIRRUS_CORE_KEYPAIR_H

#include "util/err.h"

#define KEYPAIR_FP_MAX 128

/* OpenSSH public key line "<type> <base64> [comment]": MD5 of the decoded
 * key blob as colon-separated hex. The blob must be a well-formed
 * ssh-rsa, ssh-dss, ssh-ed25519 or ecdsa-sha2-nistp* key, else
 * 400 "Keypair data is invalid: failed to generate fingerprint". */
int keypair_ssh_fingerprint(const char *public_key, char out[KEYPAIR_FP_MAX], struct cerr *err);
/* PEM certificate: SHA-1 of its DER as colon-separated hex, else 400. */
int keypair_x509_fingerprint(const char *pem, char out[KEYPAIR_FP_MAX], struct cerr *err);

/* A new RSA 2048 key: *private_key "-----BEGIN RSA PRIVATE KEY-----...",
 * *public_key "ssh-rsa AAAA... Generated-by-Nova\n" (both heap). */
int keypair_generate_ssh(char **private_key, char **public_key, struct cerr *err);
/* A self-signed WinRM client certificate for user_id (CN=user_id, UPN
 * user_id@localhost, 10 years): *private_key PKCS#8 PEM, *certificate PEM. */
int keypair_generate_x509(const char *user_id, char **private_key, char **certificate,
                          struct cerr *err);

#endif
