/* clock.c - formatting and parsing of timestamps. */
#include "util/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

int64_t clock_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void split(int64_t us, struct tm *tm, long *frac)
{
    time_t sec = (time_t)(us / 1000000);
    *frac = (long)(us % 1000000);
    gmtime_r(&sec, tm);
}

void clock_iso(int64_t us, char out[CLOCK_TEXT_MAX])
{
    struct tm tm; long f;
    split(us, &tm, &f);
    strftime(out, CLOCK_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_iso_usec(int64_t us, char out[CLOCK_TEXT_MAX])
{
    struct tm tm; long f;
    char base[24];
    split(us, &tm, &f);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, CLOCK_TEXT_MAX, "%s.%06ld", base, f);
}

void clock_iso_usec_z(int64_t us, char out[CLOCK_TEXT_MAX])
{
    clock_iso_usec(us, out);
    strcat(out, "Z");
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

int clock_parse_iso(const char *s, int64_t *out_us)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long frac = 0;
    const char *p = s;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return -1;
            if (*p == '.') {
                p++;
                int n = 0;
                long scale = 100000;
                while (isdigit((unsigned char)*p)) {
                    if (n++ < 6) { frac += (*p - '0') * scale; scale /= 10; }
                    p++;
                }
                if (n == 0)
                    return -1;
            }
        }
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (*p && digits(&p, 2, &om))
            return -1;
        off = sign * (oh * 3600L + om * 60L);
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *out_us = ((int64_t)t - off) * 1000000 + frac;
    return 0;
}
