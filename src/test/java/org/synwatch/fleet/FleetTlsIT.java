package org.synwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.synwatch.testing.RedisServer.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.synwatch.config.Cidr;
import org.synwatch.config.FleetSettings;
import org.synwatch.config.IpAddress;
import org.synwatch.fleet.FleetRedisIT.Host;
import org.synwatch.testing.Commands;
import org.synwatch.testing.RedisServer;

/**
 * The fleet over {@code rediss://}: a private redis-server listening on TLS only, with a throwaway CA
 * and server certificates made by openssl for this run. The agents' JVM trusts the CA the way an
 * operator's would, through {@code javax.net.ssl.trustStore} (README, Fleet). The JVM reads those
 * properties once, when its default TLS context is first made: they are set before any connection
 * here, and failsafe runs no other TLS client before this class.
 */
class FleetTlsIT {
    private static final long WAIT_MILLIS = 20_000;
    private static final String TRUST_STORE_PASSWORD = "changeit";
    private static final String[] TRUST_PROPERTIES = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword",
            "javax.net.ssl.trustStoreType"};
    private static Path pki;
    private RedisServer redis;
    private final List<Fleet> fleets = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void makeCertificatesAndTrustTheCa() throws Exception {
        assumeTrue(Commands.available("redis-server") && Commands.available("redis-cli") && Commands.available("openssl"),
                "redis-server or openssl is missing; skipped (make deps installs them)");
        pki = Files.createTempDirectory("synwatch-tls-");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=synwatch test CA", "-keyout", file("ca.key"), "-out", file("ca.crt"));
        serverCertificate("right", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        serverCertificate("wrong", "subjectAltName=DNS:redis.other.example");
        Path trustStore = pki.resolve("trust.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream ca = Files.newInputStream(pki.resolve("ca.crt"))) {
            store.setCertificateEntry("synwatch-test-ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            store.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
        // What an operator writes as SYNWATCH_JAVA_OPTS=-Djavax.net.ssl.trustStore=... (README, Fleet).
        System.setProperty(TRUST_PROPERTIES[0], trustStore.toString());
        System.setProperty(TRUST_PROPERTIES[1], TRUST_STORE_PASSWORD);
        System.setProperty(TRUST_PROPERTIES[2], "PKCS12");
    }

    @AfterAll
    static void removeCertificates() {
        for (String property : TRUST_PROPERTIES) {
            System.clearProperty(property);
        }
        if (pki != null) {
            Commands.tryRun("rm", "-rf", pki.toString());
        }
    }

    /** A server key and certificate signed by the test CA, with the given subjectAltName extension. */
    private static void serverCertificate(String name, String subjectAltName) throws Exception {
        Files.writeString(pki.resolve(name + ".ext"), subjectAltName + "\n");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
                "-keyout", file(name + ".key"), "-out", file(name + ".csr"));
        openssl("x509", "-req", "-in", file(name + ".csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
                "-CAcreateserial", "-days", "1", "-extfile", file(name + ".ext"), "-out", file(name + ".crt"));
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Commands.run(command.toArray(String[]::new));
    }

    private static String file(String name) {
        return pki.resolve(name).toString();
    }

    private RedisServer startRedis(String certificate) throws Exception {
        redis = new RedisServer(new RedisServer.Tls(pki.resolve(certificate + ".crt"), pki.resolve(certificate + ".key"),
                pki.resolve("ca.crt"))).start();
        return redis;
    }

    @AfterEach
    void stopAll() throws Exception {
        ((Logger) LoggerFactory.getLogger(Fleet.class)).detachAppender(logs);
        for (Fleet fleet : fleets) {
            fleet.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private Fleet started(String name, Host host) throws Exception {
        FleetSettings settings = FleetSettings.parse("rediss://127.0.0.1:" + redis.port(), null, RedisServer.PASSWORD,
                name, null, name);
        assertTrue(settings.tls(), "rediss:// means TLS");
        Fleet fleet = new Fleet(settings, 60_000, 3600, host);
        fleets.add(fleet);
        fleet.start();
        return fleet;
    }

    @Test
    void agentsOverTlsShareABlockDecision() throws Exception {
        startRedis("right");
        assertEquals(List.of("port", "0"), redis.cli("CONFIG", "GET", "port").lines().toList(), "no plain-text port");
        Host b = new Host();
        Fleet fleetA = started("node-a", new Host());
        Fleet fleetB = started("node-b", b);
        assertTrue(await(WAIT_MILLIS, () -> fleetA.connected() && fleetB.connected()),
                "both agents connect over TLS (the trust store set before this JVM's first TLS context)");
        fleetA.announce(Cidr.host(IpAddress.ipv4(0xC0000238L)), 3600); // 192.0.2.56
        assertTrue(await(WAIT_MILLIS, () -> !b.calls.isEmpty()));
        assertEquals(List.of("block 192.0.2.56 node-a 3600"), b.calls);
        assertEquals("node-a", redis.cli("GET", "synwatch:block:192.0.2.56"));
        assertEquals(1, fleetB.blocks(FleetStats.BlockResult.APPLIED));
    }

    @Test
    void aCertificateForAnotherHostNameIsRefusedAndTheAgentRunsAlone() throws Exception {
        startRedis("wrong");
        ((Logger) LoggerFactory.getLogger(Fleet.class)).addAppender(logs);
        logs.start();
        Fleet fleet = started("node-a", new Host());
        assertTrue(await(WAIT_MILLIS, () -> logs.list.stream().anyMatch(e -> e.getLevel() == Level.WARN)));
        ILoggingEvent warning = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).findFirst().orElseThrow();
        String message = warning.getFormattedMessage();
        assertTrue(message.startsWith("fleet: cannot reach rediss://127.0.0.1:" + redis.port()), message);
        assertTrue(message.contains("running alone"), message);
        // The CA is trusted (the other test connects with its certificate): only the name can be refused.
        assertTrue(message.contains("No subject alternative names matching IP address 127.0.0.1"), message);
        fleet.announce(Cidr.host(IpAddress.ipv4(0xC0000238L)), 3600);
        assertFalse(await(1000, fleet::connected), "never connected to a server with another host's certificate");
        assertEquals("0", redis.cli("EXISTS", "synwatch:block:192.0.2.56"), "nothing was sent over the refused connection");
        assertEquals(0, fleet.messages(FleetStats.Direction.OUT, FleetStats.MessageResult.DROPPED),
                "the announcement waits in the queue for a server it can trust");
    }
}
