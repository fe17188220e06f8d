import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * Benchmark traffic for synwatch: a deterministic (seeded) classic pcap of Ethernet frames.
 *
 * <pre>
 *   java bench/GenerateSyns.java --out FILE --packets N [options]
 *     --seed S             random seed (default 1); the same arguments always give the same bytes
 *     --mode mixed|pairs|adversarial
 *                          mixed (default): clients, scanners, retransmissions and noise;
 *                          pairs: every packet is a SYN of a new (source, destination) pair;
 *                          adversarial: --sources N sources (use 100K) SYN to 203.0.113.5 at --rate,
 *                          each from one of 16 source ports, a quarter to random ports: many
 *                          4-tuples per pair, many of them again within 60 s
 *     --noise F            fraction of packets that are SYN-ACK or ACK (default 0.2): the filter drops them
 *     --scanners F         fraction of SYNs sent by port scanners (default 0.02)
 *     --retransmit F       fraction of new SYNs retransmitted 1 s later (default 0.03); a third of
 *                          those again 2 s after that
 *     --ipv6 F             fraction of sources that are IPv6 (default 0.3)
 *     --vlan F             fraction of frames with an 802.1Q tag (default 0.02)
 *     --sources N          clients active at once (default 50000); they churn: --churn F of the
 *                          SYNs (default 0.05) retire a random client for a fresh address
 *     --rate PPS           packets per second of packet time (default 20000)
 *     --start EPOCH        time of the first packet, seconds (default 1700000000)
 * </pre>
 *
 * Addresses are documentation and benchmarking ranges only: clients 198.18.0.0/15 and
 * 2001:db8:c000::/48, servers 192.0.2.1-16 and 2001:db8:1::1-16, scanners 203.0.113.0/24,
 * 198.51.100.0/24 and 2001:db8:5ca0::/48. Frames go to a locally administered MAC, so a kernel
 * that receives them on a veth (the live benchmark) drops them as "other host" after the capture
 * taps saw them. A client only ever reaches one server on at most two ports, so only scanners
 * cross the scan threshold. Prints a summary to stderr.
 */
public final class GenerateSyns {
    static final int SERVERS = 16;
    static final int[] SERVICE_PORTS = {443, 80, 22, 25, 8080, 3306, 5432, 993};
    static final int ACTIVE_SCANNERS = 8;
    static final long RETRANSMIT_FIRST_MICROS = 1_000_000;
    static final long RETRANSMIT_SECOND_MICROS = 2_000_000;

    // Options.
    Path out;
    long packets = -1;
    long seed = 1;
    String mode = "mixed";
    double noise = 0.2;
    double scanners = 0.02;
    double retransmit = 0.03;
    double ipv6 = 0.3;
    double vlan = 0.02;
    int sources = 50_000;
    double churn = 0.05;
    double rate = 20_000;
    long start = 1_700_000_000L;

    // State.
    SplittableRandom random;
    long nowMicros;
    long[] clientIds;
    int[] clientPortCursor;
    long nextClientId;
    long nextScannerId;
    final Scanner[] active = new Scanner[ACTIVE_SCANNERS];
    /** Pending retransmissions, in time order (constant delays keep each queue sorted). */
    final ArrayDeque<long[]> firstRetry = new ArrayDeque<>();
    final ArrayDeque<long[]> secondRetry = new ArrayDeque<>();

    // Output.
    FileChannel channel;
    final ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20).order(ByteOrder.BIG_ENDIAN);

    // Summary.
    long syns, noisePackets, scanSyns, retransmissions, ipv6Frames, vlanFrames, scansStarted;

    /** A flow's endpoints: family, addresses (IPv4 in the low 32 bits of lo), ports. */
    static final class Flow {
        int family;
        long srcHi, srcLo, dstHi, dstLo;
        int srcPort, dstPort;
        long[] pack() {
            return new long[] {family, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, 0};
        }
        void unpack(long[] p) {
            family = (int) p[0];
            srcHi = p[1];
            srcLo = p[2];
            dstHi = p[3];
            dstLo = p[4];
            srcPort = (int) p[5];
            dstPort = (int) p[6];
        }
    }

    static final class Scanner {
        int family;
        long srcHi, srcLo, dstHi, dstLo;
        int srcPort, nextPort, remaining;
    }

    final Flow flow = new Flow();

    public static void main(String[] args) throws IOException {
        GenerateSyns g = new GenerateSyns();
        g.parse(args);
        g.run();
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--packets" -> packets = parseCount(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--mode" -> mode = v;
                case "--noise" -> noise = Double.parseDouble(v);
                case "--scanners" -> scanners = Double.parseDouble(v);
                case "--retransmit" -> retransmit = Double.parseDouble(v);
                case "--ipv6" -> ipv6 = Double.parseDouble(v);
                case "--vlan" -> vlan = Double.parseDouble(v);
                case "--sources" -> sources = (int) parseCount(v);
                case "--churn" -> churn = Double.parseDouble(v);
                case "--rate" -> rate = Double.parseDouble(v);
                case "--start" -> start = Long.parseLong(v);
                default -> usage("unknown option " + a);
            }
        }
        if (out == null || packets < 0) {
            usage("--out and --packets are required");
        }
        if (!mode.equals("mixed") && !mode.equals("pairs") && !mode.equals("adversarial")) {
            usage("--mode is mixed, pairs or adversarial");
        }
    }

    static long parseCount(String v) {
        v = v.trim().toUpperCase();
        long scale = v.endsWith("M") ? 1_000_000 : v.endsWith("K") ? 1_000 : 1;
        return Long.parseLong(scale == 1 ? v : v.substring(0, v.length() - 1)) * scale;
    }

    static void usage(String problem) {
        System.err.println("GenerateSyns: " + problem
                + "\nusage: java bench/GenerateSyns.java --out FILE --packets N [--seed S] [--mode mixed|pairs|adversarial]"
                + " [--noise F] [--scanners F] [--retransmit F] [--ipv6 F] [--vlan F] [--sources N] [--churn F]"
                + " [--rate PPS] [--start EPOCH]");
        System.exit(2);
    }

    void run() throws IOException {
        random = new SplittableRandom(seed);
        nowMicros = start * 1_000_000L;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel = ch;
            writeFileHeader();
            if (mode.equals("pairs")) {
                pairs();
            } else if (mode.equals("adversarial")) {
                adversarial();
            } else {
                mixed();
            }
            drain();
        }
        System.err.printf("GenerateSyns: %s: %d packets: %d SYNs (%d from scanners in %d scans, %d retransmissions),"
                        + " %d SYN-ACK/ACK noise; %d IPv6, %d VLAN-tagged; %.1f s of packet time%n",
                out, packets, syns, scanSyns, scansStarted, retransmissions, noisePackets, ipv6Frames, vlanFrames,
                (nowMicros - start * 1_000_000L) / 1e6);
    }

    /** Every SYN opens a new pair: client c to server (c % 32) of 192.0.2.0/24, never twice. */
    void pairs() throws IOException {
        long meanGap = Math.max(1, Math.round(1e6 / rate));
        for (long k = 0; k < packets; k++) {
            nowMicros += meanGap;
            flow.family = 4;
            flow.srcHi = 0;
            flow.srcLo = 0xC6120000L + (k / 32) % (1 << 17);        // 198.18.0.0/15
            flow.dstHi = 0;
            flow.dstLo = 0xC0000200L + 1 + (k % 32) + 32 * (k / (32L << 17)); // 192.0.2.1-32, then onwards
            flow.srcPort = 32768 + (int) (k % 28000);
            flow.dstPort = 443;
            writeFrame(flow, TCP_SYN);
            syns++;
        }
    }

    /** The retransmission table's worst case: 4-tuples of few pairs, repeated at random within 60 s. */
    void adversarial() throws IOException {
        long gap = Math.max(1, Math.round(1e6 / rate));
        for (long k = 0; k < packets; k++) {
            nowMicros += gap;
            int source = random.nextInt(sources);
            flow.family = 4;
            flow.srcHi = 0;
            flow.srcLo = 0xC6120000L + source;                         // 198.18.0.0/15
            flow.dstHi = 0;
            flow.dstLo = 0xCB007105L;                                  // 203.0.113.5
            flow.srcPort = 32768 + random.nextInt(16);
            flow.dstPort = random.nextInt(4) == 0 ? 1 + random.nextInt(65535) : 443;
            writeFrame(flow, TCP_SYN);
            syns++;
        }
    }

    void mixed() throws IOException {
        clientIds = new long[sources];
        clientPortCursor = new int[sources];
        for (int i = 0; i < sources; i++) {
            clientIds[i] = nextClientId++;
            clientPortCursor[i] = 32768 + random.nextInt(28000);
        }
        for (int i = 0; i < ACTIVE_SCANNERS; i++) {
            active[i] = newScanner();
        }
        double meanGap = 1e6 / rate;
        for (long n = 0; n < packets; n++) {
            nowMicros += 1 + (long) (random.nextDouble() * (2 * meanGap - 1));
            if (random.nextDouble() < noise) {
                noise();
                continue;
            }
            if (!firstRetry.isEmpty() && firstRetry.peekFirst()[7] <= nowMicros) {
                long[] p = firstRetry.pollFirst();
                retry(p);
                if (random.nextInt(3) == 0) {
                    p[7] = nowMicros + RETRANSMIT_SECOND_MICROS;
                    secondRetry.addLast(p);
                }
                continue;
            }
            if (!secondRetry.isEmpty() && secondRetry.peekFirst()[7] <= nowMicros) {
                retry(secondRetry.pollFirst());
                continue;
            }
            if (random.nextDouble() < scanners) {
                scan();
                continue;
            }
            client();
        }
    }

    void client() throws IOException {
        int i = random.nextInt(sources);
        if (random.nextDouble() < churn) {
            clientIds[i] = nextClientId++;
        }
        long id = clientIds[i];
        clientEndpoints(id, flow);
        // Ephemeral ports advance per client, as Linux's do per destination.
        int port = clientPortCursor[i] + 1 + random.nextInt(7);
        if (port > 60999) {
            port = 32768 + (port - 61000);
        }
        clientPortCursor[i] = port;
        flow.srcPort = port;
        writeFrame(flow, TCP_SYN);
        syns++;
        if (random.nextDouble() < retransmit) {
            long[] p = flow.pack();
            p[7] = nowMicros + RETRANSMIT_FIRST_MICROS;
            firstRetry.addLast(p);
        }
    }

    /** A client's family, address, server and service port follow from its id alone. */
    void clientEndpoints(long id, Flow f) {
        boolean v6 = (mix(id ^ 0x5EEDL) >>> 11) % 1000 < ipv6 * 1000;
        // Server and ports follow from the address, so a reused IPv4 address keeps its habits.
        long h = mix(v6 ? ~id : id % (1 << 17));
        int server = (int) ((h >>> 24) % SERVERS);
        int service = (int) ((h >>> 32) % SERVICE_PORTS.length);
        // One in ten clients also uses the next service port: still never more than two ports.
        if ((h >>> 40) % 10 == 0 && random.nextBoolean()) {
            service = (service + 1) % SERVICE_PORTS.length;
        }
        f.family = v6 ? 6 : 4;
        if (v6) {
            f.srcHi = 0x20010DB8C0000000L | (id >>> 48 & 0xFFFF);
            f.srcLo = (id & 0xFFFF_FFFF_FFFFL) << 8 | 0x1;
            f.dstHi = 0x20010DB800010000L;
            f.dstLo = 1 + server;
        } else {
            f.srcHi = 0;
            f.srcLo = 0xC6120000L + id % (1 << 17);
            f.dstHi = 0;
            f.dstLo = 0xC0000200L + 1 + server;
        }
        f.dstPort = SERVICE_PORTS[service];
    }

    void retry(long[] p) throws IOException {
        flow.unpack(p);
        writeFrame(flow, TCP_SYN);
        syns++;
        retransmissions++;
    }

    Scanner newScanner() {
        Scanner s = new Scanner();
        long id = nextScannerId++;
        scansStarted++;
        s.family = random.nextDouble() < ipv6 ? 6 : 4;
        int server = random.nextInt(SERVERS);
        if (s.family == 6) {
            s.srcHi = 0x20010DB85CA00000L;
            s.srcLo = id + 1;
            s.dstHi = 0x20010DB800010000L;
            s.dstLo = 1 + server;
        } else {
            int a = (int) (id % 510);
            s.srcHi = 0;
            s.srcLo = (a < 255 ? 0xCB007100L : 0xC6336400L) + 1 + a % 255; // 203.0.113/24, 198.51.100/24
            s.dstHi = 0;
            s.dstLo = 0xC0000200L + 1 + server;
        }
        s.srcPort = 40000 + random.nextInt(20000);
        s.nextPort = 1 + random.nextInt(2000);
        s.remaining = 5 + random.nextInt(200);
        return s;
    }

    void scan() throws IOException {
        int k = random.nextInt(ACTIVE_SCANNERS);
        Scanner s = active[k];
        flow.family = s.family;
        flow.srcHi = s.srcHi;
        flow.srcLo = s.srcLo;
        flow.dstHi = s.dstHi;
        flow.dstLo = s.dstLo;
        flow.srcPort = s.srcPort;
        flow.dstPort = s.nextPort++;
        writeFrame(flow, TCP_SYN);
        syns++;
        scanSyns++;
        if (--s.remaining == 0) {
            active[k] = newScanner();
        }
    }

    /** A server's SYN-ACK to, or a client's ACK from, a client: both must be dropped by the filter. */
    void noise() throws IOException {
        long id = clientIds[random.nextInt(sources)];
        clientEndpoints(id, flow);
        flow.srcPort = 32768 + random.nextInt(28000);
        noisePackets++;
        if (random.nextBoolean()) {
            long hi = flow.srcHi, lo = flow.srcLo;
            int port = flow.srcPort;
            flow.srcHi = flow.dstHi;
            flow.srcLo = flow.dstLo;
            flow.srcPort = flow.dstPort;
            flow.dstHi = hi;
            flow.dstLo = lo;
            flow.dstPort = port;
            writeFrame(flow, TCP_SYN | TCP_ACK);
        } else {
            writeFrame(flow, TCP_ACK);
        }
    }

    static final int TCP_SYN = 0x02;
    static final int TCP_ACK = 0x10;

    void writeFileHeader() throws IOException {
        buffer.order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(1);
        buffer.order(ByteOrder.BIG_ENDIAN);
    }

    void writeFrame(Flow f, int flags) throws IOException {
        boolean tagged = vlan > 0 && random.nextDouble() < vlan;
        boolean syn = (flags & TCP_SYN) != 0;
        int tcpLength = syn ? 40 : 32;  // SYNs carry MSS, SACK-permitted, timestamps and window scale
        int ipLength = (f.family == 6 ? 40 : 20) + tcpLength;
        int frameLength = 14 + (tagged ? 4 : 0) + ipLength;
        if (buffer.remaining() < 16 + frameLength) {
            drain();
        }
        buffer.order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt((int) (nowMicros / 1_000_000)).putInt((int) (nowMicros % 1_000_000)).putInt(frameLength)
                .putInt(frameLength);
        buffer.order(ByteOrder.BIG_ENDIAN);
        // Ethernet: locally administered MACs, so a receiving stack drops the frame as "other host".
        buffer.putShort((short) 0x0200).putInt(0x00000002).putShort((short) 0x0200).putInt(0x00000001);
        if (tagged) {
            buffer.putShort((short) 0x8100).putShort((short) 100);
            vlanFrames++;
        }
        if (f.family == 6) {
            ipv6Frames++;
            buffer.putShort((short) 0x86DD);
            buffer.putInt(0x60000000).putShort((short) tcpLength).put((byte) 6).put((byte) 64);
            buffer.putLong(f.srcHi).putLong(f.srcLo).putLong(f.dstHi).putLong(f.dstLo);
        } else {
            buffer.putShort((short) 0x0800);
            int ipStart = buffer.position();
            buffer.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) (nowMicros & 0xFFFF))
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                    .putInt((int) f.srcLo).putInt((int) f.dstLo);
            buffer.putShort(ipStart + 10, (short) ipv4Checksum(ipStart));
        }
        long sequence = mix(nowMicros);
        buffer.putShort((short) f.srcPort).putShort((short) f.dstPort).putInt((int) sequence)
                .putInt(syn && (flags & TCP_ACK) == 0 ? 0 : (int) (sequence >>> 32))
                .put((byte) ((tcpLength / 4) << 4)).put((byte) flags).putShort((short) 64240)
                .putShort((short) 0).putShort((short) 0);
        if (syn) {
            buffer.putInt(0x020405B4).putInt(0x0402080A).putInt((int) sequence).putInt(0).putInt(0x01030307);
        } else {
            buffer.putInt(0x0101080A).putInt((int) sequence).putInt((int) (sequence >>> 7));
        }
    }

    int ipv4Checksum(int at) {
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += buffer.getShort(at + i) & 0xFFFF;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }
}
