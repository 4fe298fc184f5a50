/* policy.h - Nova's default policy rules (DIGEST conventions): roles
 * admin / manager / member / reader, project scoped. A server of another
 * project is reported as 404 by the lookup, not here. */
#ifndef CIRRUS_POLICY_H
#define CIRRUS_POLICY_H

#include <stdbool.h>

#include "core/auth.h"
#include "util/err.h"

enum policy_rule {
    POLICY_ANY,        /* any authenticated user */
    POLICY_READER,     /* project reader (or higher) */
    POLICY_MEMBER,     /* project member (or higher) */
    POLICY_MANAGER,    /* project manager (or admin) */
    POLICY_ADMIN,      /* admin only */
};

/* 0 allowed; -1 with 403 "Policy doesn't allow <action> to be performed." */
int policy_check(const struct auth *a, enum policy_rule rule, const char *action,
                 struct cerr *err);
bool policy_is_admin(const struct auth *a);

#endif
