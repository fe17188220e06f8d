package org.synwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetSettingsTest {
    @TempDir
    Path dir;

    private static FleetSettings parse(String uri) throws ConfigException {
        return FleetSettings.parse(uri, null, null, null, null, "host-1");
    }

    @Test
    void readsHostPortDatabaseAndTls() throws ConfigException {
        assertEquals(new FleetSettings("redis.example", 6380, 2, false, Optional.empty(), "host-1", 10),
                parse("redis://redis.example:6380/2"));
        assertEquals(new FleetSettings("10.0.0.9", 6379, 0, true, Optional.empty(), "host-1", 10), parse("rediss://10.0.0.9"));
        assertEquals(new FleetSettings("::1", 6379, 0, false, Optional.empty(), "host-1", 10), parse("redis://[::1]:6379/"));
        assertEquals("redis://[::1]:6379", parse("redis://[::1]").uri());
        assertEquals("rediss://r:1/3", parse("rediss://r:1/3").uri());
    }

    @Test
    void rejectsWhatIsNotARedisAddress() {
        for (String uri : new String[] {"http://r:6379", "r:6379", "redis://", "redis://r:6379/16", "redis://r:6379/x",
                "redis://r:6379/0?x=1", "redis://r:99999", "redis:///0", "redis://r r"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(uri), uri);
            assertTrue(e.getMessage().startsWith("--fleet"), e.getMessage());
        }
    }

    @Test
    void refusesPasswordsOnTheCommandLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("redis://:secret@r:6379"));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertTrue(e.hint().contains(FleetSettings.PASSWORD_ENV));
    }

    @Test
    void passwordFromTheEnvironmentOrAFileNeverBoth() throws Exception {
        assertEquals(Optional.of("s3cret"),
                FleetSettings.parse("redis://r", null, "s3cret", null, null, "h").password());
        Path file = dir.resolve("password");
        Files.writeString(file, "from file\nsecond line\n");
        assertEquals(Optional.of("from file"),
                FleetSettings.parse("redis://r", file.toString(), "", null, null, "h").password());
        assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", file.toString(), "x", null, null, "h"));
        assertThrows(ConfigException.class,
                () -> FleetSettings.parse("redis://r", dir.resolve("missing").toString(), null, null, null, "h"));
        Files.writeString(file, "\n");
        assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", file.toString(), null, null, null, "h"));
        FleetSettings withPassword = FleetSettings.parse("redis://r", null, "s3cret", null, null, "h");
        assertFalse(withPassword.toString().contains("s3cret"), withPassword.toString());
    }

    @Test
    void nodeNameDefaultsToTheHostNameAndIsChecked() throws ConfigException {
        assertEquals("host-1", parse("redis://r").nodeName());
        assertEquals("node-a", FleetSettings.parse("redis://r", null, null, "node-a", null, "h").nodeName());
        for (String name : new String[] {"", "-a", "a b", "a;b", "a".repeat(64), "ü"}) {
            assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", null, null, name, null, "h"), name);
        }
        assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", null, null, null, null, "bad host"));
    }

    @Test
    void sweepHostsHasARange() throws ConfigException {
        assertEquals(2, FleetSettings.parse("redis://r", null, null, null, "2", "h").sweepHosts());
        assertEquals(FleetSettings.MAX_SWEEP_HOSTS,
                FleetSettings.parse("redis://r", null, null, null, "10000", "h").sweepHosts());
        assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", null, null, null, "0", "h"));
        assertThrows(ConfigException.class, () -> FleetSettings.parse("redis://r", null, null, null, "10001", "h"));
    }
}
