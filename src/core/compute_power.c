/* compute_power.c - (being written) */
#include "core/agent.h"

const struct agent_handler compute_power_handlers[] = {
    { 0 }
};
