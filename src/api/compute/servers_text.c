/* servers_text.c - the string rules server create borrows from nova's
 * utilities: a flavorRef URL's id (common.get_id_from_href), the
 * "az:host:node" form (compute API parse_availability_zone), Python's
 * lenient base64 acceptance, and the hostname a name becomes
 * (utils.sanitize_hostname). Declared in servers_validate.h. */
#include "api/compute/servers_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void server_id_from_href(const char *href, char *out, size_t n)
{
    size_t len = strcspn(href, "?#");
    const char *start = href, *scheme = strstr(href, "://");
    if (scheme && (size_t)(scheme - href) < len) {
        /* urlsplit: the netloc is not part of the path */
        const char *path = memchr(scheme + 3, '/', len - (size_t)(scheme + 3 - href));
        start = path ? path : href + len;
    }
    for (const char *p = start; p < href + len; p++)
        if (*p == '/')
            start = p + 1;
    size_t k = (size_t)(href + len - start);
    if (k >= n) {           /* cut at a character boundary: it is echoed in faults */
        k = n - 1;
        while (k > 0 && ((unsigned char)start[k] & 0xc0) == 0x80)
            k--;
    }
    snprintf(out, n, "%.*s", (int)k, start);
}

int server_parse_az(const char *az, char *zone, size_t zn, char *host, size_t hn, char *node,
                    size_t nn, struct cerr *err)
{
    const char *c1 = strchr(az, ':');
    zone[0] = host[0] = node[0] = '\0';
    if (!c1) {
        snprintf(zone, zn, "%s", az);
        return 0;
    }
    const char *c2 = strchr(c1 + 1, ':');
    if (c2 && strchr(c2 + 1, ':'))
        return cerr_set(err, 400, "Invalid input received: Unable to parse availability_zone");
    snprintf(zone, zn, "%.*s", (int)(c1 - az), az);
    if (!c2) {
        snprintf(host, hn, "%s", c1 + 1);
    } else {
        /* "az::node" names a node alone; "az:host:node" both */
        snprintf(host, hn, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        snprintf(node, nn, "%s", c2 + 1);
    }
    return 0;
}

bool server_base64_ok(const char *s)
{
    int quad = 0, pads = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                return true;   /* a complete pad ends the data */
            continue;
        }
        if (!isalnum(*p) && *p != '+' && *p != '/')
            continue;          /* skipped outside strict mode */
        quad = (quad + 1) % 4;
        pads = 0;
    }
    return quad == 0;
}

/* Decodes one UTF-8 sequence; returns its length (1 for a stray byte). */
static int utf8_next(const unsigned char *p, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int len = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 1;
    unsigned v = len == 2 ? p[0] & 0x1F : len == 3 ? p[0] & 0x0F : p[0] & 0x07;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = len == 1 ? 0xFFFD : v;
    return len;
}

/* Python's \w over Latin-1: ASCII letters and digits, and the Latin-1
 * letters and numerics (ª ² ³ µ ¹ º ¼ ½ ¾ À-Ö Ø-ö ø-ÿ). */
static bool latin1_word(unsigned c)
{
    if (c < 0x80)
        return isalnum((int)c) != 0;
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE) || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
}

static unsigned latin1_lower(unsigned c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    return c >= 0xC0 && c <= 0xDE && c != 0xD7 ? c + 32 : c;
}

static void put_utf8(unsigned c, char *out, size_t n, size_t *len)
{
    if (c < 0x80 && *len + 1 < n) {
        out[(*len)++] = (char)c;
    } else if (c >= 0x80 && *len + 2 < n) {
        out[(*len)++] = (char)(0xC0 | (c >> 6));
        out[(*len)++] = (char)(0x80 | (c & 0x3F));
    }
    out[*len] = '\0';
}

void server_sanitize_hostname(const char *name, char *out, size_t n)
{
    unsigned cps[64];
    int count = 0;
    /* latin-1 'ignore', then the first 63 characters */
    for (const unsigned char *p = (const unsigned char *)name; *p && count < 63;) {
        unsigned cp;
        p += utf8_next(p, &cp);
        if (cp <= 0xFF)
            cps[count++] = cp;
    }
    int kept = 0;
    for (int i = 0; i < count; i++) {
        unsigned c = cps[i] == ' ' || cps[i] == '_' || cps[i] == '.' ? '-' : cps[i];
        if (c == '-' || latin1_word(c))
            cps[kept++] = latin1_lower(c);
    }
    int from = 0, to = kept;
    while (from < to && cps[from] == '-')
        from++;
    while (to > from && cps[to - 1] == '-')
        to--;
    size_t len = 0;
    out[0] = '\0';
    for (int i = from; i < to; i++)
        put_utf8(cps[i], out, n, &len);
}
