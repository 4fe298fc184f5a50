/* policy.c - role checks. Roles imply each other as in Keystone's default
 * role hierarchy: admin > manager > member > reader. */
#include "core/policy.h"

bool policy_is_admin(const struct auth *a) { return (a->roles & ROLE_ADMIN) != 0; }

static unsigned needed(enum policy_rule rule)
{
    switch (rule) {
    case POLICY_ANY: return 0;
    case POLICY_READER: return ROLE_READER | ROLE_MEMBER | ROLE_MANAGER | ROLE_ADMIN;
    case POLICY_MEMBER: return ROLE_MEMBER | ROLE_MANAGER | ROLE_ADMIN;
    case POLICY_MANAGER: return ROLE_MANAGER | ROLE_ADMIN;
    case POLICY_ADMIN: return ROLE_ADMIN;
    }
    return ROLE_ADMIN;
}

int policy_check(const struct auth *a, enum policy_rule rule, const char *action,
                 struct cerr *err)
{
    unsigned want = needed(rule);
    if (want == 0 || (a->roles & want))
        return 0;
    return cerr_set(err, 403, "Policy doesn't allow %s to be performed.", action);
}
