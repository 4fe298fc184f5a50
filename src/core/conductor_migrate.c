/* conductor_migrate.c - (being written) */
#include "core/agent.h"

const struct agent_handler conductor_migrate_handlers[] = {
    { 0 }
};
