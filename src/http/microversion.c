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

/* Grammar ^[1-9][0-9]*\.([1-9][0-9]*|0)$, or "latest". */
static int parse_version(const char *s, size_t len, int *mv)
{
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len == 6 && strncasecmp(s, "latest", 6) == 0) {
        *mv = COMPUTE_MV_MAX;
        return 0;
    }
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *dot = strchr(buf, '.');
    if (!dot || dot == buf || buf[0] == '0')
        return -1;
    for (char *p = buf; *p; p++)
        if (p != dot && !isdigit((unsigned char)*p))
            return -1;
    if (!dot[1] || (dot[1] == '0' && dot[2]) || dot - buf > 4 || strlen(dot + 1) > 4)
        return -1;
    *mv = MV(atoi(buf), atoi(dot + 1));
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
    int want;
    if (parse_version(v, len, &want) < 0)
        return cerr_set(err, 400, "API Version String %.*s is of invalid format. Must be of "
                        "format MajorNum.MinorNum.", (int)(len > 64 ? 64 : len), v);
    if (want < COMPUTE_MV_MIN || want > COMPUTE_MV_MAX) {
        char w[16], lo[16], hi[16];
        microversion_format(want, w);
        microversion_format(COMPUTE_MV_MIN, lo);
        microversion_format(COMPUTE_MV_MAX, hi);
        return cerr_set(err, 406, "Version %s is not supported by the API. Minimum is %s and "
                        "maximum is %s.", w, lo, hi);
    }
    *mv = want;
    return 0;
}
