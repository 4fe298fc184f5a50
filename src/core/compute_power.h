/* compute_power.h - inside the compute agent: the event names of the power
 * and admin server actions and the pieces of core/compute_power.c that
 * core/compute_snapshot.c and core/compute_call.c share. Not used outside
 * src/core/. */
#ifndef CIRRUS_CORE_COMPUTE_POWER_H
#define CIRRUS_CORE_COMPUTE_POWER_H

#include <jansson.h>

#include "core/agent.h"
#include "core/power_task.h"

/* Nova's instance action event names (wrap_instance_event prefix compute). */
#define EV_START    "compute_start_instance"
#define EV_STOP     "compute_stop_instance"
#define EV_REBOOT   "compute_reboot_instance"
#define EV_PAUSE    "compute_pause_instance"
#define EV_UNPAUSE  "compute_unpause_instance"
#define EV_SUSPEND  "compute_suspend_instance"
#define EV_RESUME   "compute_resume_instance"
#define EV_SNAPSHOT "compute_snapshot_instance"
#define EV_PASSWORD "compute_set_admin_password"

/* compute_snapshot.c */
int compute_do_snapshot(struct agent *a, const struct task *t, struct cerr *err);
/* compute_call.c */
int compute_do_set_password(struct agent *a, const struct task *t, struct cerr *err);
int compute_do_console_output(struct agent *a, const struct task *t, struct cerr *err);

/* compute_power.c: the driver's view of the server a task is about, with
 * its metadata (the fake driver's failure hook reads it). 1 loaded, 0 gone
 * or moved off expect_task (NULL = any; the task is then finished), -1
 * store error. *md is a new reference or NULL. */
int compute_task_server(const struct task *t, const char *expect_task, struct server **s,
                        json_t **md, struct virt_instance *vi, struct cerr *err);
/* The power state the driver reports, or fallback when it cannot say. */
int compute_power_of(struct agent *a, const struct virt_instance *vi, int fallback);

#endif
