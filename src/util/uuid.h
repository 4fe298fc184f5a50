/* uuid.h - UUID generation and checking (libuuid), and random secrets. */
#ifndef CIRRUS_UUID_H
#define CIRRUS_UUID_H

#include <stdbool.h>

#define UUID_TEXT 37   /* 36 chars + NUL */

void uuid_generate_text(char out[UUID_TEXT]);      /* lowercase, dashed */
void uuid_generate_hex(char out[33]);              /* 32 hex, no dashes (Keystone ids) */
/* Nova's uuid format check: dashed 8-4-4-4-12 hex, or 32 hex chars. */
bool uuid_is_valid(const char *s);
/* A random string of n chars from [A-Za-z0-9] (admin passwords). */
void random_password(char *out, int n);

#endif
