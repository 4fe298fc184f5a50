/* compute_migrate.c - (being written) */
#include "core/agent.h"

const struct agent_handler compute_migrate_handlers[] = {
    { 0 }
};
