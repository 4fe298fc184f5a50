/* power_task.h - the task kinds of the power and admin server actions:
 * queued by api/compute/server_actions_{power,admin,image}.c, run by the
 * compute agent through compute_power_handlers[] (core/compute_power.c). */
#ifndef CIRRUS_CORE_POWER_TASK_H
#define CIRRUS_CORE_POWER_TASK_H

#define TASK_POWER_ON       "power_on"
#define TASK_POWER_OFF      "power_off"
#define TASK_REBOOT         "reboot"          /* args {"reboot_type": "SOFT"|"HARD"} */
#define TASK_PAUSE          "pause"
#define TASK_UNPAUSE        "unpause"
#define TASK_SUSPEND        "suspend"
#define TASK_RESUME         "resume"
#define TASK_INJECT_NETWORK "inject_network"
#define TASK_RESET_NETWORK  "reset_network"
#define TASK_SNAPSHOT       "snapshot"        /* args {"image_id"} */
/* Synchronous (Nova's RPC calls): the answer goes to task_results. */
#define TASK_SET_PASSWORD   "set_password"    /* args {"admin_password"} */
#define TASK_CONSOLE_OUTPUT "console_output"  /* args {"length": n} (absent = all) */

#endif
