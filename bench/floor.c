/*
 * The C floor for synwatch's replay benchmark: the least a native program must do to print the
 * same lines from the same file. It reads with libpcap (pcap_next_ex, the same BPF filter text as
 * capture/SynFilter.java), parses Ethernet, up to 4 VLAN tags, IPv4 and IPv6 (extension headers)
 * as packet/PacketParser.java does, and detects as detect/Detector.java does: retransmissions
 * (same 4-tuple within 60 s, by packet time), and scans (more than N distinct destination ports
 * from one source to one destination within 60 s, once per episode; the same per-pair list of the
 * N+1 most recent ports), with the same pair cap, least-recently-active eviction and idle expiry.
 * Lines go to stdout through stdio with full buffering; the time text is cached per second.
 *
 *   gcc -O2 -o target/bench/floor bench/floor.c -lpcap
 *   target/bench/floor FILE [--scan-ports N] [--max-tracked-pairs N]
 *   target/bench/floor --print-filter        the filter text, for tcpdump
 *
 * Only Ethernet files are supported (the benchmark's generator writes Ethernet).
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYN_TEXT "((tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or (ip6 and ((ip6[6] == 6 and ip6[53] & 0x12 == 0x02)" \
                 " or ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60)))"
#define ETHERNET_FILTER SYN_TEXT " or (vlan and (" SYN_TEXT " or (vlan and " SYN_TEXT ")))"

#define WINDOW_MICROS 60000000LL
#define HORIZON_MICROS 60000000LL
#define EXPIRIES_PER_SYN 2
#define MAX_PORT_SLOTS 65
#define NONE (-1)

enum outcome { PURE_SYN, IGNORED, MALFORMED };

struct syn {
    int64_t ts;
    int family;
    uint64_t src_hi, src_lo, dst_hi, dst_lo;
    unsigned src_port, dst_port;
};

static inline unsigned u8(const uint8_t *p) { return p[0]; }
static inline unsigned u16(const uint8_t *p) { return (unsigned) p[0] << 8 | p[1]; }
static inline uint64_t u32(const uint8_t *p) { return (uint64_t) p[0] << 24 | (uint64_t) p[1] << 16 | (uint64_t) p[2] << 8 | p[3]; }
static inline uint64_t u64(const uint8_t *p) { return u32(p) << 32 | u32(p + 4); }

/* ---------------------------------------------------------------- parser (as PacketParser) */

static enum outcome tcp(const uint8_t *pkt, int length, int pos, struct syn *out) {
    if (pos + 20 > length) return MALFORMED;
    const uint8_t *t = pkt + pos;
    if (u8(t + 12) >> 4 < 5) return MALFORMED;
    if ((u8(t + 13) & 0x12) != 0x02) return IGNORED;
    out->src_port = u16(t);
    out->dst_port = u16(t + 2);
    return PURE_SYN;
}

static enum outcome ipv4(const uint8_t *pkt, int length, int pos, struct syn *out) {
    if (pos + 20 > length) return MALFORMED;
    const uint8_t *ip = pkt + pos;
    unsigned vl = u8(ip);
    int hl = (vl & 0x0F) * 4;
    if (vl >> 4 != 4 || hl < 20 || pos + hl > length) return MALFORMED;
    unsigned total = u16(ip + 2);
    if (total != 0 && total < (unsigned) hl) return MALFORMED;
    if ((u16(ip + 6) & 0x1FFF) != 0 || u8(ip + 9) != 6) return IGNORED;
    if (total != 0 && total < (unsigned) hl + 20) return MALFORMED;
    out->family = 4;
    out->src_hi = 0;
    out->src_lo = u32(ip + 12);
    out->dst_hi = 0;
    out->dst_lo = u32(ip + 16);
    return tcp(pkt, length, pos + hl, out);
}

static enum outcome ipv6(const uint8_t *pkt, int length, int pos, struct syn *out) {
    if (pos + 40 > length) return MALFORMED;
    const uint8_t *ip = pkt + pos;
    if (u8(ip) >> 4 != 6) return MALFORMED;
    unsigned next = u8(ip + 6);
    int header = pos + 40;
    for (int hops = 0; next != 6; hops++) {
        if (hops == 8) return IGNORED;
        switch (next) {
        case 0: case 43: case 60:
            if (header + 2 > length) return MALFORMED;
            next = u8(pkt + header);
            header += (u8(pkt + header + 1) + 1) * 8;
            break;
        case 44:
            if (header + 8 > length) return MALFORMED;
            if ((u16(pkt + header + 2) & 0xFFF8) != 0) return IGNORED;
            next = u8(pkt + header);
            header += 8;
            break;
        default:
            return IGNORED;
        }
    }
    out->family = 6;
    out->src_hi = u64(ip + 8);
    out->src_lo = u64(ip + 16);
    out->dst_hi = u64(ip + 24);
    out->dst_lo = u64(ip + 32);
    return tcp(pkt, length, header, out);
}

static enum outcome ethernet(const uint8_t *pkt, int length, struct syn *out) {
    if (length < 14) return MALFORMED;
    unsigned type = u16(pkt + 12);
    int pos = 14;
    for (int tags = 0; type == 0x8100 || type == 0x88A8 || type == 0x9100; tags++) {
        if (tags == 4) return IGNORED;
        if (pos + 4 > length) return MALFORMED;
        type = u16(pkt + pos + 2);
        pos += 4;
    }
    if (type == 0x0800) return ipv4(pkt, length, pos, out);
    if (type == 0x86DD) return ipv6(pkt, length, pos, out);
    return IGNORED;
}

/* ---------------------------------------------------------------- pairs (as PairTable) */

static uint64_t seed = 0x9E3779B97F4A7C15ULL;

static inline uint64_t fmix64(uint64_t k) {
    k ^= k >> 33; k *= 0xFF51AFD7ED558CCDULL; k ^= k >> 33; k *= 0xC4CEB9FE1A85EC53ULL; k ^= k >> 33;
    return k;
}
static inline uint64_t mix(uint64_t h, uint64_t v) { return fmix64(h ^ v) * 0x9E3779B97F4A7C15ULL; }

struct pair {
    uint64_t src_hi, src_lo, dst_hi, dst_lo;
    int64_t last_activity, last_new_connection;
    uint64_t serial;     /* unique per pair ever created: keys its 4-tuples */
    int next_in_chain, older, newer;
    uint32_t hash;
    uint8_t family, episode, port_count;
    int64_t tail[];      /* port_slots times, then port_slots ports: the most recent distinct ports */
};

/* Records of pair_size bytes: the pair and its ports inline, as a C programmer would lay them out. */
static char *pairs;
static size_t pair_size;
#define PAIR(s) ((struct pair *) (pairs + (size_t) (s) * pair_size))
#define PORT_TIMES(p) ((p)->tail)
#define PORTS(p) ((uint16_t *) ((p)->tail + port_slots))
static int port_slots, threshold;
static int capacity, used, free_list = NONE, size, newest = NONE, oldest = NONE, max_pairs = 1000000;
static int *buckets;
static uint32_t bucket_mask;
static uint64_t next_serial = 1;

static uint32_t pair_hash(int fam, uint64_t sh, uint64_t sl, uint64_t dh, uint64_t dl) {
    uint64_t h = mix(mix(mix(mix(seed, sh), sl), dh), dl ^ ((uint64_t) fam << 56));
    h = fmix64(h);
    return (uint32_t) (h ^ (h >> 32));
}

static void rebuild_buckets(int nbuckets) {
    free(buckets);
    buckets = malloc(sizeof(int) * nbuckets);
    for (int i = 0; i < nbuckets; i++) buckets[i] = NONE;
    bucket_mask = nbuckets - 1;
    for (int s = 0; s < used; s++) {
        if (PAIR(s)->family == 0) continue;
        int b = PAIR(s)->hash & bucket_mask;
        PAIR(s)->next_in_chain = buckets[b];
        buckets[b] = s;
    }
}

static void grow(void) {
    int cap = capacity == 0 ? 1024 : capacity * 2;
    if (cap > max_pairs) cap = max_pairs;
    pairs = realloc(pairs, pair_size * cap);
    if (!pairs) { perror("floor: realloc"); exit(1); }
    capacity = cap;
    int nb = 1;
    while (nb < cap * 2) nb <<= 1;
    rebuild_buckets(nb);
}

static void unlink_lru(int s) {
    int o = PAIR(s)->older, n = PAIR(s)->newer;
    if (o != NONE) PAIR(o)->newer = n; else oldest = n;
    if (n != NONE) PAIR(n)->older = o; else newest = o;
}

static void link_newest(int s) {
    PAIR(s)->older = newest;
    PAIR(s)->newer = NONE;
    if (newest != NONE) PAIR(newest)->newer = s;
    newest = s;
    if (oldest == NONE) oldest = s;
}

static void remove_pair(int s) {
    int *link = &buckets[PAIR(s)->hash & bucket_mask];
    while (*link != s) link = &PAIR(*link)->next_in_chain;
    *link = PAIR(s)->next_in_chain;
    unlink_lru(s);
    PAIR(s)->family = 0;
    PAIR(s)->newer = free_list;
    free_list = s;
    size--;
}

static int touch(const struct syn *k, int64_t now) {
    uint32_t h = pair_hash(k->family, k->src_hi, k->src_lo, k->dst_hi, k->dst_lo);
    for (int s = buckets ? buckets[h & bucket_mask] : NONE; s != NONE; s = PAIR(s)->next_in_chain) {
        struct pair *p = PAIR(s);
        if (p->hash == h && p->src_lo == k->src_lo && p->dst_lo == k->dst_lo && p->src_hi == k->src_hi
            && p->dst_hi == k->dst_hi && p->family == k->family) {
            p->last_activity = now;
            if (s != newest) { unlink_lru(s); link_newest(s); }
            return s;
        }
    }
    if (size == max_pairs) remove_pair(oldest);
    int s;
    if (free_list != NONE) {
        s = free_list;
        free_list = PAIR(s)->newer;
    } else {
        if (used == capacity) grow();
        s = used++;
    }
    struct pair *p = PAIR(s);
    p->src_hi = k->src_hi; p->src_lo = k->src_lo; p->dst_hi = k->dst_hi; p->dst_lo = k->dst_lo;
    p->family = (uint8_t) k->family;
    p->episode = 0;
    p->hash = h;
    p->serial = next_serial++;
    p->last_activity = now;
    p->last_new_connection = INT64_MIN;
    p->port_count = 0;
    int b = h & bucket_mask;
    p->next_in_chain = buckets[b];
    buckets[b] = s;
    link_newest(s);
    size++;
    return s;
}

static void expire_idle(int64_t cutoff) {
    for (int i = 0; i < EXPIRIES_PER_SYN && oldest != NONE && PAIR(oldest)->last_activity <= cutoff; i++) {
        remove_pair(oldest);
    }
}

static int record_new_connection(int s, unsigned port, int64_t now) {
    struct pair *p = PAIR(s);
    if (p->episode && now - p->last_new_connection >= WINDOW_MICROS) p->episode = 0;
    p->last_new_connection = now;
    uint16_t *ports = PORTS(p);
    int64_t *port_times = PORT_TIMES(p);
    int base = 0, kept = 0, count = p->port_count, match = NONE;
    int64_t cutoff = now - WINDOW_MICROS;
    for (int i = 0; i < count; i++) {
        if (port_times[base + i] > cutoff) {
            ports[base + kept] = ports[base + i];
            port_times[base + kept] = port_times[base + i];
            if (ports[base + kept] == port) match = kept;
            kept++;
        }
    }
    if (match != NONE) {
        port_times[base + match] = now;
    } else if (kept < port_slots) {
        ports[base + kept] = (uint16_t) port;
        port_times[base + kept] = now;
        kept++;
    } else {
        int stalest = 0;
        for (int i = 1; i < kept; i++) if (port_times[base + i] < port_times[base + stalest]) stalest = i;
        ports[base + stalest] = (uint16_t) port;
        port_times[base + stalest] = now;
    }
    p->port_count = (uint8_t) kept;
    return kept;
}

/* ---------------------------------------------------------------- recent 4-tuples (exact) */
/*
 * Exact "same 4-tuple within 60 s": two open-addressing generations, each covering at least one
 * horizon. Lookups try the current one, then the previous; when the current one is a horizon old,
 * the previous (all older than a horizon) is cleared and becomes the current.
 */
struct tuple { uint64_t key; int64_t time; };
struct generation { struct tuple *slots; uint32_t mask, count; };
static struct generation gens[2];
static int current;
static int64_t generation_start = INT64_MIN;

static void gen_init(struct generation *g, uint32_t n) {
    g->slots = calloc(n, sizeof(struct tuple));
    if (!g->slots) { perror("floor: calloc"); exit(1); }
    g->mask = n - 1;
    g->count = 0;
}

static struct tuple *gen_find(struct generation *g, uint64_t key, int insert) {
    uint32_t i = (uint32_t) fmix64(key ^ seed) & g->mask;
    for (;; i = (i + 1) & g->mask) {
        if (g->slots[i].key == key) return &g->slots[i];
        if (g->slots[i].key == 0) {
            if (!insert) return NULL;
            g->slots[i].key = key;
            g->count++;
            return &g->slots[i];
        }
    }
}

static void gen_grow(struct generation *g) {
    struct generation bigger;
    gen_init(&bigger, (g->mask + 1) * 2);
    for (uint32_t i = 0; i <= g->mask; i++) {
        if (g->slots[i].key != 0) *gen_find(&bigger, g->slots[i].key, 1) = g->slots[i];
    }
    free(g->slots);
    *g = bigger;
}

/* Whether the 4-tuple sent a SYN less than a horizon before now; records now either way. */
static int seen_within(uint64_t serial, unsigned sport, unsigned dport, int64_t now) {
    uint64_t key = serial << 32 | (uint64_t) sport << 16 | dport;  /* serial >= 1: never 0 */
    if (generation_start == INT64_MIN) generation_start = now;
    if (now - generation_start >= HORIZON_MICROS) {
        current ^= 1;
        memset(gens[current].slots, 0, sizeof(struct tuple) * (gens[current].mask + 1));
        gens[current].count = 0;
        generation_start = now;
    }
    struct generation *g = &gens[current];
    struct tuple *t = gen_find(g, key, 0);
    int64_t last = INT64_MIN;
    if (t) {
        last = t->time;
    } else {
        struct tuple *old = gen_find(&gens[current ^ 1], key, 0);
        if (old) last = old->time;
        if ((g->count + 1) * 2 > g->mask + 1) gen_grow(g);
        t = gen_find(g, key, 1);
    }
    t->time = now;
    return last != INT64_MIN && now - last < HORIZON_MICROS;
}

/* ---------------------------------------------------------------- output */

static char second_text[32];
static int64_t cached_second = INT64_MIN;
static char line[512];

static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }

static char *put_uint(char *p, unsigned v) {
    char tmp[12];
    int n = 0;
    do { tmp[n++] = (char) ('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_time(char *p, int64_t micros) {
    int64_t second = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
    if (second != cached_second) {
        time_t t = (time_t) second;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(second_text, sizeof second_text, "%Y-%m-%d %H:%M:%S", &tm);
        cached_second = second;
    }
    return put_str(p, second_text);
}

static char *put_addr(char *p, int family, uint64_t hi, uint64_t lo) {
    if (family == 4) {
        p = put_uint(p, (unsigned) (lo >> 24 & 0xFF)); *p++ = '.';
        p = put_uint(p, (unsigned) (lo >> 16 & 0xFF)); *p++ = '.';
        p = put_uint(p, (unsigned) (lo >> 8 & 0xFF)); *p++ = '.';
        return put_uint(p, (unsigned) (lo & 0xFF));
    }
    uint8_t bytes[16];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (uint8_t) (hi >> (56 - 8 * i));
        bytes[8 + i] = (uint8_t) (lo >> (56 - 8 * i));
    }
    inet_ntop(AF_INET6, bytes, p, INET6_ADDRSTRLEN);
    return p + strlen(p);
}

static char *put_endpoint(char *p, int family, uint64_t hi, uint64_t lo, unsigned port) {
    if (family == 6) *p++ = '[';
    p = put_addr(p, family, hi, lo);
    if (family == 6) *p++ = ']';
    *p++ = ':';
    return put_uint(p, port);
}

static void new_connection(const struct syn *s) {
    char *p = put_time(line, s->ts);
    p = put_str(p, ": New connection: ");
    p = put_endpoint(p, s->family, s->src_hi, s->src_lo, s->src_port);
    p = put_str(p, " -> ");
    p = put_endpoint(p, s->family, s->dst_hi, s->dst_lo, s->dst_port);
    *p++ = '\n';
    fwrite(line, 1, (size_t) (p - line), stdout);
}

static int compare_ints(const void *a, const void *b) { return *(const int *) a - *(const int *) b; }

static void port_scan(const struct syn *s, int slot, int count) {
    int sorted[MAX_PORT_SLOTS];
    for (int i = 0; i < count; i++) sorted[i] = PORTS(PAIR(slot))[i];
    qsort(sorted, (size_t) count, sizeof(int), compare_ints);
    char *p = put_time(line, s->ts);
    p = put_str(p, ": Port scan detected: ");
    p = put_addr(p, s->family, s->src_hi, s->src_lo);
    p = put_str(p, " -> ");
    p = put_addr(p, s->family, s->dst_hi, s->dst_lo);
    p = put_str(p, " on ports ");
    for (int i = 0; i < count; i++) {
        if (i) *p++ = ',';
        p = put_uint(p, (unsigned) sorted[i]);
    }
    *p++ = '\n';
    fwrite(line, 1, (size_t) (p - line), stdout);
}

/* ---------------------------------------------------------------- detector (as Detector) */

static long long n_new, n_retrans, n_scans;

static void on_syn(const struct syn *s) {
    int64_t now = s->ts;
    int64_t idle = WINDOW_MICROS > HORIZON_MICROS ? WINDOW_MICROS : HORIZON_MICROS;
    expire_idle(now - idle);
    int slot = touch(s, now);
    if (seen_within(PAIR(slot)->serial, s->src_port, s->dst_port, now)) {
        n_retrans++;
        return;
    }
    n_new++;
    new_connection(s);
    int kept = record_new_connection(slot, s->dst_port, now);
    if (kept > threshold && !PAIR(slot)->episode) {
        PAIR(slot)->episode = 1;
        n_scans++;
        port_scan(s, slot, kept);
    }
}

int main(int argc, char **argv) {
    const char *file = NULL;
    threshold = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--print-filter")) { puts(ETHERNET_FILTER); return 0; }
        else if (!strcmp(argv[i], "--scan-ports") && i + 1 < argc) threshold = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-tracked-pairs") && i + 1 < argc) max_pairs = atoi(argv[++i]);
        else if (!file) file = argv[i];
        else { fprintf(stderr, "usage: floor FILE [--scan-ports N] [--max-tracked-pairs N] | --print-filter\n"); return 2; }
    }
    if (!file || threshold < 1 || threshold >= MAX_PORT_SLOTS || max_pairs < 1) {
        fprintf(stderr, "usage: floor FILE [--scan-ports N] [--max-tracked-pairs N] | --print-filter\n");
        return 2;
    }
    port_slots = threshold + 1;
    pair_size = (sizeof(struct pair) + port_slots * (sizeof(int64_t) + sizeof(uint16_t)) + 7) & ~(size_t) 7;
    FILE *random = fopen("/dev/urandom", "rb");
    if (random) { if (fread(&seed, sizeof seed, 1, random) != 1) seed ^= (uint64_t) time(NULL); fclose(random); }

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!pcap) { fprintf(stderr, "floor: %s\n", errbuf); return 1; }
    if (pcap_datalink(pcap) != DLT_EN10MB) { fprintf(stderr, "floor: only Ethernet files\n"); return 1; }
    struct bpf_program program;
    if (pcap_compile(pcap, &program, ETHERNET_FILTER, 1, PCAP_NETMASK_UNKNOWN) != 0
        || pcap_setfilter(pcap, &program) != 0) {
        fprintf(stderr, "floor: filter: %s\n", pcap_geterr(pcap));
        return 1;
    }
    pcap_freecode(&program);
    static char out_buffer[1 << 16];
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    gen_init(&gens[0], 1 << 16);
    gen_init(&gens[1], 1 << 16);
    grow();

    struct pcap_pkthdr *header;
    const u_char *data;
    long long captured = 0, ignored = 0, malformed = 0;
    int status;
    struct syn s;
    while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
        captured++;
        switch (ethernet(data, (int) header->caplen, &s)) {
        case PURE_SYN:
            s.ts = (int64_t) header->ts.tv_sec * 1000000 + header->ts.tv_usec;
            on_syn(&s);
            break;
        case IGNORED: ignored++; break;
        case MALFORMED: malformed++; break;
        }
    }
    if (status != PCAP_ERROR_BREAK && status != -2) {
        fprintf(stderr, "floor: pcap_next_ex: %s\n", pcap_geterr(pcap));
        return 1;
    }
    fflush(stdout);
    fprintf(stderr, "floor: %lld packets: %lld new connections, %lld retransmissions, %lld scans, %lld ignored, "
            "%lld malformed; %d pairs tracked\n", captured, n_new, n_retrans, n_scans, ignored, malformed, size);
    pcap_close(pcap);
    return 0;
}
