/* testdb.h - a throw-away SQLite store for unit tests that exercise the
 * repositories: created from a mkstemp template in the group setup,
 * removed with its WAL files in the group teardown. Header-only so each
 * test binary stays one source file. */
#ifndef CIRRUS_TESTDB_H
#define CIRRUS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/db.h"

/* path: a writable "…XXXXXX" template; *db: this thread's connection. */
static inline int testdb_open(char *path, struct db **db)
{
    int fd = mkstemp(path);
    struct cerr err;
    if (fd < 0)
        return -1;
    close(fd);
    if (store_init(path, &err) < 0) {
        fprintf(stderr, "store_init: %s\n", err.message);
        return -1;
    }
    *db = store_db();
    return *db ? 0 : -1;
}

static inline int testdb_close(const char *path)
{
    char extra[4096];
    store_shutdown();
    unlink(path);
    snprintf(extra, sizeof(extra), "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof(extra), "%s-shm", path);
    unlink(extra);
    return 0;
}

#endif
