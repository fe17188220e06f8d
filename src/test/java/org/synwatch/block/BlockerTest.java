package org.synwatch.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.ConfigException;
import org.synwatch.config.IpAddress;
import org.synwatch.config.OutputFormat;
import org.synwatch.report.EventOutput;
import org.synwatch.report.EventWriter;
import org.synwatch.report.Observer;
import org.synwatch.testing.Syns;

/** The blocker's recovery, counting and logging against a stand-in for nft: no root needed. */
class BlockerTest {
    private static final long T0 = 1_619_623_685_000_000L;
    private static final String TABLE_GONE = "Error: Could not process rule: No such file or directory\nadd element ...";
    private static final String NOT_PERMITTED = "Error: Could not process rule: Operation not permitted";
    private static final String SET_FULL = "Error: Could not process rule: Too many open files in system";

    /**
     * Answers scripts from a queue of errors (empty: success) and lists, for blocked4, the
     * elements {@link #preset} plus those its successful scripts added.
     */
    static final class FakeNft implements NftExecutor {
        private static final Pattern ADDED = Pattern.compile("add element inet synwatch blocked4 \\{ ([^}]*) \\}");
        final List<String> scripts = new ArrayList<>();
        final Deque<String> errors = new ArrayDeque<>();
        final List<String> listings = new ArrayList<>();
        final List<String> added = new ArrayList<>();
        String preset = "";

        @Override
        public synchronized Reply execute(String commands) {
            scripts.add(commands);
            String error = errors.poll();
            if (error != null && !error.isEmpty()) {
                return new Reply(1, error);
            }
            Matcher m = ADDED.matcher(commands);
            while (m.find()) {
                for (String element : m.group(1).split(", ")) {
                    String[] words = element.split(" ");
                    added.add("{\"elem\": {\"val\": \"" + words[0] + "\", \"timeout\": 3600, \"expires\": 3599}}");
                }
            }
            return new Reply(0, "");
        }

        @Override
        public synchronized void listJson(List<String> words, ListingReader reader) throws FirewallException {
            listings.add(String.join(" ", words));
            List<String> elements = new ArrayList<>(added);
            if (!preset.isEmpty()) {
                elements.add(preset);
            }
            String json = words.getLast().equals(NftFirewall.SET_IPV4)
                    ? "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"set\": {\"family\": \"inet\","
                            + " \"name\": \"blocked4\", \"flags\": [\"timeout\"], \"elem\": [" + String.join(", ", elements) + "]}}]}"
                    : "{\"nftables\": []}";
            try {
                reader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new FirewallException(FirewallException.Problem.OTHER, e.getMessage());
            }
        }

        @Override
        public String describe() {
            return "fake nft";
        }

        @Override
        public void close() {
        }

        synchronized List<String> scripts() {
            return List.copyOf(scripts);
        }
    }

    static BlockGate gate(BlockSettings settings, LongSupplier nanoClock) {
        try {
            return new BlockGate(settings, new Allowlist(List.of(), Optional.empty(), new AllowlistTest.Facts()), null, nanoClock);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }

    private final FakeNft nft = new FakeNft();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private BlockGate gate;
    private Blocker blocker;

    @BeforeEach
    void start() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Blocker.class)).addAppender(logs);
        gate = gate(new BlockSettings(BlockSettings.Mode.ENFORCE, 3600, List.of()), clock::get);
        blocker = new Blocker(new NftFirewall(nft), new EventWriter(new EventOutput(out), ZoneOffset.UTC, OutputFormat.TEXT,
                Observer.local(Optional.empty())),
                gate, clock::get);
    }

    @AfterEach
    void stop() {
        blocker.close();
        ((Logger) LoggerFactory.getLogger(Blocker.class)).detachAppender(logs);
    }

    private static IpAddress ipv4(int last) {
        return IpAddress.ipv4(0xC0000200L | last);
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.US_ASCII).lines().toList();
    }

    private long errors() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).count();
    }

    /** Submits one request and waits until the blocker has applied it (close would stop the thread). */
    private void blockAndSettle(IpAddress address) throws InterruptedException {
        int before = nft.scripts().size();
        blocker.submit(T0, Cidr.host(address), 3600, null);
        for (int i = 0; i < 500 && nft.scripts().size() == before; i++) {
            Thread.sleep(2);
        }
        Thread.sleep(20);
    }

    @Test
    void recreatesADeletedTableAndRetriesOnce() throws Exception {
        nft.errors.add(TABLE_GONE);
        blocker.start();
        blocker.submit(T0, Cidr.host(ipv4(66)), 3600, null);
        blocker.close();
        List<String> scripts = nft.scripts();
        assertEquals(3, scripts.size(), scripts::toString);
        assertTrue(scripts.get(0).startsWith("add element inet synwatch blocked4 { 192.0.2.66 timeout 3600s }"), scripts.get(0));
        assertTrue(scripts.get(1).contains("add table inet synwatch") && scripts.get(1).contains("size 65536"), scripts.get(1));
        assertEquals(scripts.get(0), scripts.get(2));
        assertEquals(1, gate.blocks(BlockStats.Result.ADDED));
        assertEquals(0, gate.blocks(BlockStats.Result.FAILED));
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.66 for 1h"), lines());
        assertEquals(1, gate.blockedSources());
    }

    @Test
    void eachKindOfFailureIsLoggedOnceAndEveryFailureCounted() throws Exception {
        blocker.start();
        for (int i = 0; i < 5; i++) {
            nft.errors.add(NOT_PERMITTED);
            blockAndSettle(ipv4(70 + i));
        }
        nft.errors.add("Error: something else");
        blockAndSettle(ipv4(80));
        blockAndSettle(ipv4(99));
        blocker.close();
        assertEquals(6, gate.blocks(BlockStats.Result.FAILED));
        assertEquals(1, gate.blocks(BlockStats.Result.ADDED));
        assertEquals(2, errors(), "one line per kind: not permitted, other");
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().equals("blocking works again")));
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.99 for 1h"), lines());
        assertEquals(1, gate.blockedSources(), "failed blocks are not counted as blocked");
    }

    @Test
    void aFullSetIsReportedPerSourceAndRecounted() throws Exception {
        blocker.start();
        blockAndSettle(ipv4(1));
        int listingsBefore = nft.listings.size();
        nft.errors.add(SET_FULL);
        blockAndSettle(ipv4(2));
        blocker.close();
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.1 for 1h", "2021-04-28 15:28:05: Not blocking 192.0.2.2: set full"),
                lines());
        assertEquals(1, gate.blocks(BlockStats.Result.SET_FULL));
        assertTrue(nft.listings.size() > listingsBefore, "a full set makes the blocker count the sets again");
    }

    @Test
    void aSourceStillBlockedIsNotBlockedTwiceAndExpiresWithItsTimeout() throws Exception {
        blocker.start();
        blockAndSettle(ipv4(5));
        assertEquals(BlockStats.Result.ALREADY_BLOCKED, gate.consider(Cidr.host(ipv4(5)), T0));
        clock.addAndGet(3600L * 1_000_000_000L);
        assertEquals(0, gate.blockedSources(), "expired with its timeout, as in the kernel");
        assertEquals(BlockStats.Result.ADDED, gate.consider(Cidr.host(ipv4(5)), T0));
    }

    @Test
    void aPrefixGoesIntoTheIntervalSetBesideAddresses() throws Exception {
        blocker.submit(T0, Cidr.parse("t", "2001:db8:1:2::/64"), 3600, null);
        blocker.submit(T0, Cidr.parse("t", "2001:db8::7"), 3600, null);
        blocker.submit(T0, Cidr.host(ipv4(8)), 3600, null);
        blocker.start();
        blocker.close();
        assertEquals(List.of("add element inet synwatch blocked4 { 192.0.2.8 timeout 3600s }\n"
                        + "add element inet synwatch blocked6 { 2001:db8::7 timeout 3600s }\n"
                        + "add element inet synwatch blocked6net { 2001:db8:1:2::/64 timeout 3600s }\n"),
                nft.scripts().stream().filter(script -> script.startsWith("add element")).toList());
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 2001:db8:1:2::/64 for 1h", "2021-04-28 15:28:05: Blocked 2001:db8::7 for 1h",
                "2021-04-28 15:28:05: Blocked 192.0.2.8 for 1h"), lines());
        assertEquals(1, gate.blocked().count(NftFirewall.SET_IPV6_NETWORKS));
        assertEquals(3, gate.blockedSources());
    }

    @Test
    void aSourceQueuedTwiceIsOneElementOneLine() throws Exception {
        blocker.submit(T0, Cidr.host(ipv4(8)), 3600, null);
        blocker.submit(T0, Cidr.host(ipv4(8)), 3600, null);
        blocker.submit(T0, Cidr.host(ipv4(9)), 3600, null);
        blocker.start();
        blocker.close();
        assertEquals(List.of("add element inet synwatch blocked4 { 192.0.2.8 timeout 3600s, 192.0.2.9 timeout 3600s }\n"),
                nft.scripts().stream().filter(script -> script.startsWith("add element")).toList());
        assertEquals(List.of("2021-04-28 15:28:05: Blocked 192.0.2.8 for 1h", "2021-04-28 15:28:05: Blocked 192.0.2.9 for 1h"),
                lines());
        assertEquals(2, gate.blocks(BlockStats.Result.ADDED));
        assertEquals(1, gate.blocks(BlockStats.Result.ALREADY_BLOCKED));
    }

    @Test
    void adoptsTheElementsAlreadyInTheSetsAndCountsThemDownAsTheyExpire() throws Exception {
        nft.preset = "{\"elem\": {\"val\": \"10.0.0.1\", \"timeout\": 60, \"expires\": 30}},"
                + " {\"elem\": {\"val\": \"10.0.0.2\", \"timeout\": 3600, \"expires\": 3599}}, \"10.0.0.3\"";
        blocker.start();
        for (int i = 0; i < 1000 && gate.blockedSources() < 3; i++) {
            Thread.sleep(5);
        }
        blocker.close();
        assertEquals(3, gate.blockedSources());
        clock.addAndGet(31L * 1_000_000_000L);
        assertEquals(2, gate.blockedSources());
        clock.addAndGet(3600L * 1_000_000_000L);
        assertEquals(1, gate.blockedSources(), "an element without a timeout stays");
    }

    /** The detector's writer flushes at the end of its batch; a scan it hands on goes out before the blocker's line. */
    @Test
    void theScanLineGoesOutBeforeTheBlockedLine() throws Exception {
        EventWriter detectorLines = new EventWriter(new EventOutput(out), ZoneOffset.UTC, OutputFormat.TEXT,
                Observer.local(Optional.empty()));
        ScanResponder responder = new ScanResponder(detectorLines,
                new BlockSettings(BlockSettings.Mode.ENFORCE, 3600, List.of()), gate, blocker, 128);
        blocker.start();
        int before = nft.scripts().size();
        responder.portScan(Syns.syn(T0, "192.0.2.77", 40000, "10.0.0.5", 83), 32, new int[] {80, 81, 82, 83}, 4);
        for (int i = 0; i < 500 && nft.scripts().size() == before; i++) {
            Thread.sleep(2);
        }
        blocker.close();
        assertEquals(List.of("2021-04-28 15:28:05: Port scan detected: 192.0.2.77 -> 10.0.0.5 on ports 80,81,82,83",
                "2021-04-28 15:28:05: Blocked 192.0.2.77 for 1h"), lines());
    }
}
