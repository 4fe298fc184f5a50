/* router.c - pattern matching of request paths against route tables. */
#include "http/router.h"

#include <string.h>

#define MAX_SEGS 12

static int split(char *path, char **segs)
{
    int n = 0;
    char *save = NULL;
    for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (n == MAX_SEGS)
            return -1;
        segs[n++] = s;
    }
    return n;
}

/* Compares a pattern against split segments without modifying either. */
static bool pattern_matches(const char *pat, char **segs, int nsegs, const char **params,
                            int *nparams)
{
    int i = 0, np = 0;
    const char *p = pat;
    while (*p == '/')
        p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i >= nsegs)
            return false;
        if (p[0] == '{') {
            if (np < HTTP_MAX_PARAMS)
                params[np++] = segs[i];
        } else if (strlen(segs[i]) != len || memcmp(segs[i], p, len) != 0) {
            return false;
        }
        i++;
        p += len;
        while (*p == '/')
            p++;
    }
    if (i != nsegs)
        return false;
    *nparams = np;
    return true;
}

enum router_result router_match(enum http_api api, const char *method, char *path, int mv,
                                const struct route **out, const char **params, int *nparams)
{
    char *segs[MAX_SEGS];
    int nsegs = split(path, segs);
    if (nsegs < 0)
        return ROUTER_NOT_FOUND;
    const struct route *const *tables = api_route_tables(api);
    enum router_result best = ROUTER_NOT_FOUND;
    bool head = strcmp(method, "HEAD") == 0;
    for (int pass = 0; pass < (head ? 2 : 1); pass++) {
        /* HEAD falls back to GET routes on a second pass. */
        const char *m = pass == 0 ? method : "GET";
        for (int t = 0; tables && tables[t]; t++) {
            for (const struct route *r = tables[t]; r->method; r++) {
                const char *tmp[HTTP_MAX_PARAMS];
                int ntmp = 0;
                if (!pattern_matches(r->pattern, segs, nsegs, tmp, &ntmp))
                    continue;
                if (strcmp(r->method, m) != 0) {
                    if (best == ROUTER_NOT_FOUND)
                        best = ROUTER_BAD_METHOD;
                    continue;
                }
                if (api == API_COMPUTE && ((r->min_mv && mv < r->min_mv) ||
                                           (r->max_mv && mv > r->max_mv))) {
                    best = ROUTER_BAD_VERSION;
                    continue;
                }
                memcpy(params, tmp, sizeof(tmp));
                *nparams = ntmp;
                *out = r;
                return ROUTER_OK;
            }
        }
    }
    return best;
}
