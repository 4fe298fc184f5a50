/* ipam.h - the address arithmetic behind core/network.c, kept pure (no
 * store, no I/O) so tests/unit/test_ipam.c can check it as tables.
 *
 * An address inside a CIDR is named by its index: its offset from the
 * network address. Index 0 is the network address, index 1 the gateway
 * (Neutron's default gateway_ip), and for IPv4 the last index is the
 * broadcast address; the allocatable range lies between. */
#ifndef CIRRUS_IPAM_H
#define CIRRUS_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPAM_ADDR_TEXT 46   /* INET6_ADDRSTRLEN */
#define IPAM_MAC_TEXT 18    /* "fa:16:3e:xx:xx:xx" + NUL */

struct ipam_addr {
    int version;            /* 4 or 6 */
    uint8_t b[16];          /* network byte order; IPv4 uses b[0..3] */
};

struct ipam_cidr {
    struct ipam_addr net;   /* host bits cleared */
    int prefix;
};

/* "10.0.0.1" / "fd00::1" (no prefix, no zone). 0 ok, -1 invalid. */
int ipam_parse_addr(const char *text, struct ipam_addr *out);
/* "10.0.0.0/24" / "fd00::/64"; host bits are cleared. 0 ok, -1 invalid. */
int ipam_parse_cidr(const char *text, struct ipam_cidr *out);
/* Canonical text (dotted quad, RFC 5952 compressed IPv6). */
void ipam_addr_text(const struct ipam_addr *a, char out[IPAM_ADDR_TEXT]);
void ipam_cidr_text(const struct ipam_cidr *c, char out[IPAM_ADDR_TEXT + 4]);

bool ipam_contains(const struct ipam_cidr *c, const struct ipam_addr *a);
/* a's index in c; -1 when a is outside c or its index does not fit in
 * an int64 (the upper half of a /64's interface ids). */
int64_t ipam_index_of(const struct ipam_cidr *c, const struct ipam_addr *a);
/* The address at index (0 <= index within c). 0 ok, -1 out of range. */
int ipam_addr_at(const struct ipam_cidr *c, int64_t index, struct ipam_addr *out);

/* The allocatable indexes [*first, *last]; *first > *last when none
 * (IPv4 /31 and /32, IPv6 /127 and /128). */
void ipam_range(const struct ipam_cidr *c, int64_t *first, int64_t *last);
#define IPAM_GATEWAY_INDEX 1

/* Why a requested fixed address cannot be had, as Neutron decides it. */
enum ipam_verdict {
    IPAM_OK,
    IPAM_OUTSIDE,      /* not in the subnet, or its network/broadcast address */
    IPAM_GATEWAY,      /* the gateway: "already in use" */
};
enum ipam_verdict ipam_check_fixed(const struct ipam_cidr *c, const struct ipam_addr *a,
                                   int64_t *index);

/* A MAC in OpenStack's fa:16:3e OUI from 3 random bytes. */
void ipam_mac_format(const uint8_t rnd[3], char out[IPAM_MAC_TEXT]);

#endif
