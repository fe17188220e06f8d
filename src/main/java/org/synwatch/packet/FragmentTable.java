package org.synwatch.packet;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Rebuilds just the first {@value #HEADER_BYTES} bytes of the TCP header (ports and flags) of
 * fragmented IPv4 datagrams, so that a SYN split over tiny fragments ({@code nmap -f}) is seen as
 * the host's kernel sees it. A first fragment that holds those bytes itself needs no entry; the
 * others wait here, at most {@code capacity} datagrams at once, each for at most
 * {@value #EXPIRY_MICROS} µs of packet time after its first fragment (Linux's {@code ipfrag_time}).
 * When full, the datagram opened first makes room. Everything is allocated up front: about
 * {@value #BYTES_PER_DATAGRAM} bytes per datagram of capacity, and nothing per packet.
 *
 * <p>Only the first {@value #KEPT} bytes of each datagram are tracked (fragments start at multiples
 * of 8). Within them Linux's rules apply (net/ipv4/inet_fragment.c since 4.19): a fragment whose
 * bytes were all received already is a duplicate and changes nothing; one that overlaps received
 * bytes in part drops the whole datagram. Fragments lying wholly past those bytes are not looked
 * at, so an overlap there, for which Linux drops the datagram, does not stop the report: the
 * report may be one that the kernel never answered, never one that it answered and we missed.
 *
 * <p>The table is keyed with SipHash-1-3 under a random key, so spoofed fragments cannot be chosen
 * to fall into one bucket. Confined to the capture thread.
 */
public final class FragmentTable {
    /** Linux's net.ipv4.ipfrag_time default. */
    public static final long EXPIRY_MICROS = 30_000_000L;
    /** Ports, sequence and acknowledgement numbers, data offset and flags. */
    public static final int HEADER_BYTES = 14;
    static final int KEPT = 16;
    /** Per datagram: the kept bytes, six ints and two longs of bookkeeping, up to two bucket heads. */
    public static final int BYTES_PER_DATAGRAM = KEPT + 6 * Integer.BYTES + 2 * Long.BYTES + 2 * Integer.BYTES;
    private static final int HEADER_MASK = (1 << HEADER_BYTES) - 1;
    private static final int NONE = -1;

    private final FragmentCounters counters;
    private final int capacity;
    private final long key0;
    private final long key1;
    private final int[] buckets;
    /** Next slot in the same bucket, or in the free list. */
    private final int[] chain;
    private final int[] bucketOf;
    /** Source address in the high half, destination in the low half. */
    private final long[] addresses;
    private final int[] ids;
    private final long[] openedAt;
    /** Bit i set: byte i of the TCP segment has been received. */
    private final int[] received;
    private final byte[] kept;
    private final MemorySegment keptSegment;
    /** Open order, for expiry and eviction. */
    private final int[] older;
    private final int[] newer;
    private int oldest = NONE;
    private int newest = NONE;
    private int free;
    private int size;
    /** SipHash state, kept in fields so that hashing allocates nothing. */
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    public FragmentTable(int capacity, FragmentCounters counters) {
        if (capacity < 1 || capacity > Integer.MAX_VALUE / KEPT) {
            throw new IllegalArgumentException("capacity out of range: " + capacity);
        }
        this.capacity = capacity;
        this.counters = counters;
        SecureRandom random = new SecureRandom();
        key0 = random.nextLong();
        key1 = random.nextLong();
        buckets = new int[Integer.highestOneBit(capacity * 2 - 1)];
        Arrays.fill(buckets, NONE);
        chain = new int[capacity];
        for (int slot = 0; slot < capacity; slot++) {
            chain[slot] = slot + 1 < capacity ? slot + 1 : NONE;
        }
        bucketOf = new int[capacity];
        addresses = new long[capacity];
        ids = new int[capacity];
        openedAt = new long[capacity];
        received = new int[capacity];
        kept = new byte[capacity * KEPT];
        keptSegment = MemorySegment.ofArray(kept);
        older = new int[capacity];
        newer = new int[capacity];
    }

    /**
     * Takes one IPv4 TCP fragment whose data ({@code length} bytes on the wire, {@code captured} of
     * them captured) sits at {@code data} and belongs at byte {@code start} of the segment. {@code out}
     * holds the datagram's addresses and the packet's time. Returns {@link ParseOutcome#PURE_SYN}
     * with the ports filled in when this fragment completed the header of a pure SYN.
     */
    ParseOutcome accept(MemorySegment segment, long data, int captured, int length, int start, int id, SynHeader out) {
        if (start >= KEPT || length == 0) {
            return ParseOutcome.IGNORED;
        }
        int end = Math.min(start + length, KEPT);
        // Bytes past the 14 needed may lie past the snaplen; they are tracked for overlaps, not read.
        if (captured < Math.min(end, HEADER_BYTES) - start) {
            return ParseOutcome.MALFORMED;
        }
        long now = out.timestampMicros;
        expire(now);
        long addressPair = out.srcLo << 32 | out.dstLo;
        int bucket = bucket(addressPair, id);
        int slot = find(bucket, addressPair, id);
        if (slot == NONE) {
            if (start == 0 && end >= HEADER_BYTES) {
                return PacketParser.tcpHeader(segment, data, out);
            }
            slot = open(bucket, addressPair, id, now);
        }
        int bytes = (1 << end) - (1 << start);
        int have = received[slot];
        if ((have & bytes) == bytes) {
            return ParseOutcome.IGNORED;
        }
        if ((have & bytes) != 0) {
            remove(slot);
            counters.increment(FragmentCounters.Result.OVERLAP);
            return ParseOutcome.IGNORED;
        }
        MemorySegment.copy(segment, data, keptSegment, (long) slot * KEPT + start, Math.min(end - start, captured));
        received[slot] = have | bytes;
        if ((received[slot] & HEADER_MASK) != HEADER_MASK) {
            return ParseOutcome.IGNORED;
        }
        ParseOutcome outcome = PacketParser.tcpHeader(keptSegment, (long) slot * KEPT, out);
        remove(slot);
        counters.increment(FragmentCounters.Result.REASSEMBLED);
        return outcome;
    }

    /** Incomplete datagrams held now. */
    public int size() {
        return size;
    }

    private void expire(long now) {
        while (oldest != NONE && now - openedAt[oldest] >= EXPIRY_MICROS) {
            remove(oldest);
            counters.increment(FragmentCounters.Result.EXPIRED);
        }
    }

    private int find(int bucket, long addressPair, int id) {
        for (int slot = buckets[bucket]; slot != NONE; slot = chain[slot]) {
            if (addresses[slot] == addressPair && ids[slot] == id) {
                return slot;
            }
        }
        return NONE;
    }

    private int open(int bucket, long addressPair, int id, long now) {
        if (size == capacity) {
            remove(oldest);
            counters.increment(FragmentCounters.Result.EVICTED);
        }
        int slot = free;
        free = chain[slot];
        chain[slot] = buckets[bucket];
        buckets[bucket] = slot;
        bucketOf[slot] = bucket;
        addresses[slot] = addressPair;
        ids[slot] = id;
        openedAt[slot] = now;
        received[slot] = 0;
        older[slot] = newest;
        newer[slot] = NONE;
        if (newest != NONE) {
            newer[newest] = slot;
        } else {
            oldest = slot;
        }
        newest = slot;
        size++;
        return slot;
    }

    private void remove(int slot) {
        int bucket = bucketOf[slot];
        if (buckets[bucket] == slot) {
            buckets[bucket] = chain[slot];
        } else {
            int before = buckets[bucket];
            while (chain[before] != slot) {
                before = chain[before];
            }
            chain[before] = chain[slot];
        }
        if (older[slot] != NONE) {
            newer[older[slot]] = newer[slot];
        } else {
            oldest = newer[slot];
        }
        if (newer[slot] != NONE) {
            older[newer[slot]] = older[slot];
        } else {
            newest = older[slot];
        }
        chain[slot] = free;
        free = slot;
        size--;
    }

    /** SipHash-1-3 of the 16-byte key (address pair, identification): one compression round per word. */
    private int bucket(long addressPair, int id) {
        v0 = key0 ^ 0x736f6d6570736575L;
        v1 = key1 ^ 0x646f72616e646f6dL;
        v2 = key0 ^ 0x6c7967656e657261L;
        v3 = key1 ^ 0x7465646279746573L;
        compress(addressPair);
        compress(id);
        compress(16L << 56);
        v2 ^= 0xFF;
        sipRound();
        sipRound();
        sipRound();
        return (int) (v0 ^ v1 ^ v2 ^ v3) & (buckets.length - 1);
    }

    private void compress(long word) {
        v3 ^= word;
        sipRound();
        v0 ^= word;
    }

    private void sipRound() {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
    }
}
