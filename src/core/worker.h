/* worker.h - the background side of cirrusd: the conductor (scheduling and
 * other host-less tasks) and one compute agent per local host, each a
 * thread that claims rows from the tasks table. The API side only writes
 * rows and calls worker_kick(); a compute agent in another process finds
 * the same rows by polling, so nothing depends on shared memory. */
#ifndef CIRRUS_WORKER_H
#define CIRRUS_WORKER_H

#include "util/config.h"
#include "util/err.h"

/* Reconciles state left by a crash, then starts the threads the role needs. */
int worker_start(const struct cirrus_config *cfg, struct cerr *err);
void worker_stop(void);
/* Wakes the local workers after a task row was committed (optional: they
 * also poll). */
void worker_kick(void);

#endif
