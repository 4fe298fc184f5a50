/* compute_rescue.c - (being written) */
#include "core/agent.h"

const struct agent_handler compute_rescue_handlers[] = {
    { 0 }
};
