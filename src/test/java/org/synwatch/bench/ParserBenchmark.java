package org.synwatch.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.synwatch.capture.PcapHandle;
import org.synwatch.config.FloodSettings;
import org.synwatch.packet.FragmentCounters;
import org.synwatch.packet.FragmentTable;
import org.synwatch.packet.LinkType;
import org.synwatch.packet.PacketParser;
import org.synwatch.packet.ParseOutcome;
import org.synwatch.packet.SynHeader;

/**
 * The parser as the capture loop calls it: packets in native memory, read through
 * {@link PcapHandle#MEMORY} at their absolute address, into one reused {@link SynHeader}.
 * Run by bench/run.sh (not by the test build): see BENCHMARKS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ParserBenchmark {
    /** Ethernet, IPv4, TCP SYN with the usual 20 bytes of options: 74 bytes. */
    static final byte[] IPV4_SYN = hex("0200000000020200000000010800"
            + "4500003c1234400040060000c6124301c0000201"
            + "83a503e1dcbaab0100000000a002faf000000000020405b40402080adcbaab010000000001030307");
    /** Ethernet, IPv6, TCP SYN: 94 bytes. */
    static final byte[] IPV6_SYN = hex("02000000000202000000000186dd"
            + "6000000000280640" + "20010db8c000000000000000007ef401"
            + "20010db8000100000000000000000007"
            + "d31d0cead87bd33e00000000a002faf000000000020405b40402080ad87bd33e0000000001030307");
    /** Ethernet with one 802.1Q tag, IPv4, TCP ACK: parsed and ignored. */
    static final byte[] VLAN_ACK = hex("020000000002020000000001810000640800"
            + "450000341234400040060000c0000201c6124301"
            + "03e183a5dcbaab01dcbaab0280100fa0000000000101080adcbaab0100000001");

    /** The same ACK without the tag. */
    static final byte[] ACK = hex("0200000000020200000000010800"
            + "450000341234400040060000c0000201c6124301"
            + "03e183a5dcbaab01dcbaab0280100fa0000000000101080adcbaab0100000001");
    /** The IPv4 SYN with a tag. */
    static final byte[] VLAN_SYN = hex("020000000002020000000001810000640800"
            + "4500003c1234400040060000c6124301c0000201"
            + "83a503e1dcbaab0100000000a002faf000000000020405b40402080adcbaab010000000001030307");
    private long ack, vlanSyn;

    @Benchmark
    public ParseOutcome ackIgnored() {
        return parser.parse(PcapHandle.MEMORY, ack, ACK.length, LinkType.ETHERNET, out);
    }

    @Benchmark
    public ParseOutcome vlanSyn() {
        return parser.parse(PcapHandle.MEMORY, vlanSyn, VLAN_SYN.length, LinkType.ETHERNET, out);
    }

    private Arena arena;
    private long ipv4;
    private long ipv6;
    private long vlanAck;
    private final SynHeader out = new SynHeader();
    private final PacketParser parser = new PacketParser(
            new FragmentTable(FloodSettings.DEFAULT_MAX_FRAGMENT_SETS, new FragmentCounters()));

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        ipv4 = copy(IPV4_SYN);
        ipv6 = copy(IPV6_SYN);
        vlanAck = copy(VLAN_ACK);
        ack = copy(ACK);
        vlanSyn = copy(VLAN_SYN);
        if (parser.parse(PcapHandle.MEMORY, ipv4, IPV4_SYN.length, LinkType.ETHERNET, out) != ParseOutcome.PURE_SYN
                || parser.parse(PcapHandle.MEMORY, ipv6, IPV6_SYN.length, LinkType.ETHERNET, out) != ParseOutcome.PURE_SYN
                || parser.parse(PcapHandle.MEMORY, vlanAck, VLAN_ACK.length, LinkType.ETHERNET, out) != ParseOutcome.IGNORED) {
            throw new IllegalStateException("benchmark packets do not parse as intended");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private long copy(byte[] packet) {
        MemorySegment segment = arena.allocate(packet.length, 8);
        MemorySegment.copy(MemorySegment.ofArray(packet), 0, segment, 0, packet.length);
        return segment.address();
    }

    @Benchmark
    public ParseOutcome ipv4Syn() {
        return parser.parse(PcapHandle.MEMORY, ipv4, IPV4_SYN.length, LinkType.ETHERNET, out);
    }

    @Benchmark
    public ParseOutcome ipv6Syn() {
        return parser.parse(PcapHandle.MEMORY, ipv6, IPV6_SYN.length, LinkType.ETHERNET, out);
    }

    @Benchmark
    public ParseOutcome vlanAckIgnored() {
        return parser.parse(PcapHandle.MEMORY, vlanAck, VLAN_ACK.length, LinkType.ETHERNET, out);
    }

    static byte[] hex(String text) {
        byte[] bytes = new byte[text.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(text, 2 * i, 2 * i + 2, 16);
        }
        return bytes;
    }
}
