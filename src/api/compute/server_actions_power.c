/* server_actions_power.c - os-start, os-stop, reboot, pause, unpause,
 * suspend and resume (nova/api/openstack/compute/servers.py,
 * pause_server.py, suspend_server.py): each sets its task_state, records
 * its instance action and queues the matching compute task
 * (core/compute_power.c), answering 202 with no body. */
#include "api/compute/server_actions.h"
#include "api/compute/server_actions_common.h"
#include "api/validate.h"
#include "core/power_task.h"

#include <string.h>
#include <strings.h>

/* Nova's schemas for these leave the value unchecked ({}; Nova plans to
 * restrict it to null in a later microversion). */
#define SIMPLE_ACTION(fn_name, OP, POLICY, TASK_STATE, ACTION, KIND)                       \
    static int fn_name(struct http_request *req, struct http_response *res,               \
                       const json_t *args, struct cerr *err)                              \
    {                                                                                     \
        (void)args;                                                                       \
        static const struct action_spec spec = {                                          \
            .op = OP, .policy = POLICY, .rule = POLICY_MEMBER, .needs_host = true,         \
            .task_state = TASK_STATE, .action = ACTION, .task_kind = KIND,                 \
        };                                                                                \
        if (server_action_run(req, &spec, NULL, NULL, NULL, NULL, err) < 0)               \
            return -1;                                                                    \
        http_empty(res, 202);                                                             \
        return 0;                                                                         \
    }

SIMPLE_ACTION(action_start, OP_START, "os_compute_api:servers:start", "powering-on", "start",
              TASK_POWER_ON)
SIMPLE_ACTION(action_stop, OP_STOP, "os_compute_api:servers:stop", "powering-off", "stop",
              TASK_POWER_OFF)
SIMPLE_ACTION(action_pause, OP_PAUSE, "os_compute_api:os-pause-server:pause", "pausing",
              "pause", TASK_PAUSE)
SIMPLE_ACTION(action_unpause, OP_UNPAUSE, "os_compute_api:os-pause-server:unpause",
              "unpausing", "unpause", TASK_UNPAUSE)
SIMPLE_ACTION(action_suspend, OP_SUSPEND, "os_compute_api:os-suspend-server:suspend",
              "suspending", "suspend", TASK_SUSPEND)
SIMPLE_ACTION(action_resume, OP_RESUME, "os_compute_api:os-suspend-server:resume", "resuming",
              "resume", TASK_RESUME)

/* schemas/servers.py reboot: {"type": one of HARD/Hard/hard/SOFT/Soft/
 * soft}, required, nothing else. compute API reboot(): the hard-reboot
 * guard for both types, then _soft_reboot narrows to active with no
 * task; the task_state becomes rebooting or rebooting_hard. */
static int action_reboot(struct http_request *req, struct http_response *res,
                         const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"type", NULL};
    static const char *const types[] = {"HARD", "Hard", "hard", "SOFT", "Soft", "soft", NULL};
    if (v_object(args, "reboot", keys, err) < 0 ||
        v_required_in(args, "reboot", "type", err) < 0 ||
        v_enum(json_object_get(args, "type"), "type", types, err) < 0)
        return -1;
    bool hard = strcasecmp(json_string_value(json_object_get(args, "type")), "HARD") == 0;
    struct action_spec spec = {
        .op = hard ? OP_REBOOT_HARD : OP_REBOOT_SOFT, .policy = "os_compute_api:servers:reboot",
        .rule = POLICY_MEMBER, .needs_host = true,
        .task_state = hard ? "rebooting_hard" : "rebooting", .action = "reboot",
        .task_kind = TASK_REBOOT,
    };
    json_t *targs = json_pack("{s:s}", "reboot_type", hard ? "HARD" : "SOFT");
    int rc = server_action_run(req, &spec, targs, NULL, NULL, NULL, err);
    json_decref(targs);
    if (rc < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

const struct server_action server_actions_power[] = {
    {"os-start", action_start, 0, 0},
    {"os-stop", action_stop, 0, 0},
    {"reboot", action_reboot, 0, 0},
    {"pause", action_pause, 0, 0},
    {"unpause", action_unpause, 0, 0},
    {"suspend", action_suspend, 0, 0},
    {"resume", action_resume, 0, 0},
    { 0 }
};
