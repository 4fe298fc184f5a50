/* uuid.c - ids and random strings. */
#include "util/uuid.h"

#include <ctype.h>
#include <string.h>
#include <sodium.h>
#include <uuid/uuid.h>

void uuid_generate_text(char out[UUID_TEXT])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

void uuid_generate_hex(char out[33])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof(b));
    sodium_bin2hex(out, 33, b, sizeof(b));
}

bool uuid_is_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 32) {
        for (size_t i = 0; i < n; i++)
            if (!isxdigit((unsigned char)s[i]))
                return false;
        return true;
    }
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

void random_password(char *out, int n)
{
    static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    for (int i = 0; i < n; i++)
        out[i] = set[randombytes_uniform(sizeof(set) - 1)];
    out[n] = '\0';
}
