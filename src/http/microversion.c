/* microversion.c - parsing the version headers. */
#include "http/microversion.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>

void microversion_format(int mv, char out[16])
{
    snprintf(out, 16, "%d.%d", MV_MAJOR(mv), MV_MINOR(mv));
}

/* Grammar ^[1-9][0-9]*\.([1-9][0-9]*|0)$, or "latest". 0 with *mv set;
 * 1 when well-formed but too long to be any version we could serve (Nova
 * parses any length and answers 406); -1 malformed. *text and *tlen get the
 * trimmed value for the messages. */
static int parse_version(const char *s, size_t len, int *mv, const char **text, size_t *tlen)
{
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    *text = s;
    *tlen = len;
    if (len == 6 && strncasecmp(s, "latest", 6) == 0) {
        *mv = COMPUTE_MV_MAX;
        return 0;
    }
    const char *dot = memchr(s, '.', len);
    if (!dot || dot == s || s[0] == '0')
        return -1;
    size_t major_len = (size_t)(dot - s), minor_len = len - major_len - 1;
    for (size_t i = 0; i < len; i++)
        if (s + i != dot && !isdigit((unsigned char)s[i]))
            return -1;
    if (minor_len == 0 || (dot[1] == '0' && minor_len > 1))
        return -1;
    if (major_len > 4 || minor_len > 4)
        return 1;
    *mv = MV(atoi(s), atoi(dot + 1));   /* both stop at the first non-digit */
    return 0;
}

struct scan { const char *value; };

/* The new header may hold several "service version" pairs, comma separated,
 * or be repeated: the last compute pair wins. */
static enum MHD_Result scan_new(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct scan *sc = cls;
    (void)kind;
    if (strcasecmp(key, "OpenStack-API-Version") != 0 || !value)
        return MHD_YES;
    const char *p = value;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p)) { p++; len--; }
        if (len > 8 && strncasecmp(p, "compute", 7) == 0 && isspace((unsigned char)p[7]))
            sc->value = p;    /* the version follows "compute " up to end/comma */
        p += len;
        if (*p == ',')
            p++;
    }
    return MHD_YES;
}

int microversion_negotiate(struct http_request *req, int *mv, struct cerr *err)
{
    struct scan sc = { NULL };
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, scan_new, &sc);
    const char *v;
    size_t len;
    if (sc.value) {
        v = sc.value + 8;
        const char *end = strchr(v, ',');
        len = end ? (size_t)(end - v) : strlen(v);
    } else {
        v = http_header(req, "X-OpenStack-Nova-API-Version");
        if (!v) {
            *mv = COMPUTE_MV_MIN;
            return 0;
        }
        len = strlen(v);
    }
    int want = 0;
    const char *text;
    size_t tlen;
    int rc = parse_version(v, len, &want, &text, &tlen);
    int shown = (int)(tlen > 64 ? 64 : tlen);
    if (rc < 0)
        return cerr_set(err, 400, "API Version String %.*s is of invalid format. Must be of "
                        "format MajorNum.MinorNum.", shown, text);
    if (rc > 0 || want < COMPUTE_MV_MIN || want > COMPUTE_MV_MAX) {
        char lo[16], hi[16];
        microversion_format(COMPUTE_MV_MIN, lo);
        microversion_format(COMPUTE_MV_MAX, hi);
        return cerr_set(err, 406, "Version %.*s is not supported by the API. Minimum is %s and "
                        "maximum is %s.", shown, text, lo, hi);
    }
    *mv = want;
    return 0;
}
