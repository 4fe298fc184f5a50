/* log.c - timestamped log lines on stderr. A single fprintf per line keeps
 * lines from different threads whole (stdio locks the stream per call). */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

static enum log_level g_level = LOG_INFO;
static const char *const names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };

int log_level_parse(const char *name)
{
    if (!strcasecmp(name, "debug")) return LOG_DEBUG;
    if (!strcasecmp(name, "info")) return LOG_INFO;
    if (!strcasecmp(name, "warn") || !strcasecmp(name, "warning")) return LOG_WARN;
    if (!strcasecmp(name, "error")) return LOG_ERROR;
    return -1;
}

void log_set_level(enum log_level level) { g_level = level; }
int log_enabled(enum log_level level) { return level >= g_level; }

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < g_level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s cirrusd %s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000), names[level], line);
}
