/* server_actions_admin.c - (being written) */
#include "api/compute/server_actions.h"

const struct server_action server_actions_admin[] = {
    { 0 }
};
