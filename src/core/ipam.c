/* ipam.c - CIDR and address arithmetic for the built-in network: parse,
 * print, containment and index <-> address over IPv4 and IPv6, with
 * Neutron's conventions for which addresses a port may get. */
#include "core/ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipam_parse_addr(const char *text, struct ipam_addr *out)
{
    struct ipam_addr a = {0};
    if (!text || !text[0])
        return -1;
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, a.b) != 1)
            return -1;
        a.version = 6;
    } else {
        if (inet_pton(AF_INET, text, a.b) != 1)
            return -1;
        a.version = 4;
    }
    *out = a;
    return 0;
}

static int addr_bits(const struct ipam_addr *a) { return a->version == 4 ? 32 : 128; }

static void clear_host_bits(struct ipam_addr *a, int prefix)
{
    int nbytes = addr_bits(a) / 8;
    for (int i = 0; i < nbytes; i++) {
        int keep = prefix - i * 8;   /* network bits in this byte */
        if (keep <= 0)
            a->b[i] = 0;
        else if (keep < 8)
            a->b[i] &= (uint8_t)(0xff << (8 - keep));
    }
}

int ipam_parse_cidr(const char *text, struct ipam_cidr *out)
{
    char buf[IPAM_ADDR_TEXT + 8];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof(buf) || !slash[1] || strlen(slash) > 4)
        return -1;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    struct ipam_cidr c;
    if (ipam_parse_addr(buf, &c.net) < 0)
        return -1;
    char *end;
    long prefix = strtol(slash + 1, &end, 10);
    if (*end || slash[1] < '0' || slash[1] > '9' || prefix < 0 || prefix > addr_bits(&c.net))
        return -1;
    c.prefix = (int)prefix;
    clear_host_bits(&c.net, c.prefix);
    *out = c;
    return 0;
}

void ipam_addr_text(const struct ipam_addr *a, char out[IPAM_ADDR_TEXT])
{
    if (!inet_ntop(a->version == 4 ? AF_INET : AF_INET6, a->b, out, IPAM_ADDR_TEXT))
        out[0] = '\0';
}

void ipam_cidr_text(const struct ipam_cidr *c, char out[IPAM_ADDR_TEXT + 4])
{
    char a[IPAM_ADDR_TEXT];
    ipam_addr_text(&c->net, a);
    snprintf(out, IPAM_ADDR_TEXT + 4, "%s/%d", a, c->prefix);
}

bool ipam_contains(const struct ipam_cidr *c, const struct ipam_addr *a)
{
    if (a->version != c->net.version)
        return false;
    struct ipam_addr masked = *a;
    clear_host_bits(&masked, c->prefix);
    return memcmp(masked.b, c->net.b, 16) == 0;
}

/* The host part as a 128-bit number split in two halves. */
static void host_part(const struct ipam_cidr *c, const struct ipam_addr *a, uint64_t *hi,
                      uint64_t *lo)
{
    int nbytes = addr_bits(a) / 8;
    uint8_t h[16] = {0};
    for (int i = 0; i < nbytes; i++)
        h[16 - nbytes + i] = (uint8_t)(a->b[i] & ~c->net.b[i]);
    *hi = *lo = 0;
    for (int i = 0; i < 8; i++) {
        *hi = (*hi << 8) | h[i];
        *lo = (*lo << 8) | h[8 + i];
    }
}

int64_t ipam_index_of(const struct ipam_cidr *c, const struct ipam_addr *a)
{
    uint64_t hi, lo;
    if (!ipam_contains(c, a))
        return -1;
    host_part(c, a, &hi, &lo);
    if (hi || lo > (uint64_t)INT64_MAX)
        return -1;
    return (int64_t)lo;
}

/* Number of host bits, capped where the index type ends. */
static int host_bits(const struct ipam_cidr *c) { return addr_bits(&c->net) - c->prefix; }

int ipam_addr_at(const struct ipam_cidr *c, int64_t index, struct ipam_addr *out)
{
    int hb = host_bits(c);
    if (index < 0 || (hb < 63 && (uint64_t)index >> hb))
        return -1;
    struct ipam_addr a = c->net;
    int nbytes = addr_bits(&a) / 8;
    uint64_t v = (uint64_t)index;
    /* host bits are zero in c->net, so OR-ing the index in cannot carry */
    for (int i = nbytes - 1; i >= 0 && v; i--, v >>= 8)
        a.b[i] |= (uint8_t)(v & 0xff);
    *out = a;
    return 0;
}

void ipam_range(const struct ipam_cidr *c, int64_t *first, int64_t *last)
{
    int hb = host_bits(c);
    int64_t top = hb >= 63 ? INT64_MAX : ((int64_t)1 << hb) - 1;
    *first = IPAM_GATEWAY_INDEX + 1;
    /* IPv4 keeps its broadcast address out; IPv6 has none (Neutron's
     * allocation pools run to the subnet's last address). */
    *last = c->net.version == 4 ? top - 1 : top;
}

enum ipam_verdict ipam_check_fixed(const struct ipam_cidr *c, const struct ipam_addr *a,
                                   int64_t *index)
{
    int64_t first, last, i = ipam_index_of(c, a);
    ipam_range(c, &first, &last);
    if (i == IPAM_GATEWAY_INDEX && first <= last)
        return IPAM_GATEWAY;
    if (i < first || i > last)
        return IPAM_OUTSIDE;
    *index = i;
    return IPAM_OK;
}

void ipam_mac_format(const uint8_t rnd[3], char out[IPAM_MAC_TEXT])
{
    snprintf(out, IPAM_MAC_TEXT, "fa:16:3e:%02x:%02x:%02x", rnd[0], rnd[1], rnd[2]);
}
