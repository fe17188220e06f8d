package org.synwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --block-timeout in whole seconds, the budgets, and the allow file's lines. */
class BlockSettingsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "500ms  | --block-timeout: '500ms' is below 1s                          | at least 1s",
        "0s     | --block-timeout: '0s' is out of range                         | more than 0",
        "1500ms | --block-timeout: '1500ms' is not a whole number of seconds    | write e.g. 1s",
        "999ms  | --block-timeout: '999ms' is below 1s                          | at least 1s",
        "1s500ms | --block-timeout: '1s500ms' is not a whole number of seconds | write e.g. 1s",
        "8d     | --block-timeout: '8d' is out of range                         | at most 7d",
        "169h   | --block-timeout: '169h' is out of range                       | at most 7d",
        "1x     | --block-timeout: '1x' is not a duration                       | 90s",
    })
    void blockTimeoutIsWholeSecondsOfAtLeastOne(String text, String message, String hint) {
        ConfigException e = assertThrows(ConfigException.class, () -> BlockSettings.parseTimeout(text));
        assertEquals(message, e.getMessage());
        assertTrue(e.hint().contains(hint), e.hint());
    }

    @Test
    void blockTimeoutAtItsEdges() throws Exception {
        assertEquals(1, BlockSettings.parseTimeout("1s"));
        assertEquals(1, BlockSettings.parseTimeout("1000ms"));
        assertEquals(2, BlockSettings.parseTimeout("2000ms"));
        assertEquals(168 * 3600, BlockSettings.parseTimeout("7d"));
        assertEquals(5400, BlockSettings.parseTimeout("1h30m"));
    }

    @Test
    void budgetsAtTheirBounds() throws Exception {
        assertEquals(1, BlockSettings.parseMaxBlocksPerMinute("1"));
        assertEquals(BlockSettings.MAX_BLOCKED_LIMIT, BlockSettings.parseMaxBlocked("" + BlockSettings.MAX_BLOCKED_LIMIT));
        assertThrows(ConfigException.class, () -> BlockSettings.parseMaxBlocksPerMinute("0"));
        assertThrows(ConfigException.class, () -> BlockSettings.parseMaxBlocked("" + (BlockSettings.MAX_BLOCKED_LIMIT + 1)));
    }

    @Test
    void allowFileNamesTheBadLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("allow"), "# pods\n10.42.0.0/16\n\n  192.0.2.0/24 # lab\n10.0.0.1/8\n");
        ConfigException e = assertThrows(ConfigException.class, () -> AllowFile.read(file));
        assertEquals("--allow-file " + file + ": line 5: '10.0.0.1/8' has host bits set", e.getMessage());
        assertEquals("did you mean 10.0.0.0/8?", e.hint());
        Files.writeString(file, "# pods\n10.42.0.0/16\n\n  192.0.2.0/24 # lab\n");
        assertEquals(2, AllowFile.read(file).size());
    }

    @Test
    void allowFileIsBounded(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing");
        assertTrue(assertThrows(ConfigException.class, () -> AllowFile.read(missing)).getMessage().startsWith("--allow-file: cannot read"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= AllowFile.MAX_ENTRIES; i++) {
            many.append("10.").append(i >> 16 & 255).append('.').append(i >> 8 & 255).append('.').append(i & 255).append('\n');
        }
        Path big = Files.writeString(dir.resolve("big"), many);
        ConfigException e = assertThrows(ConfigException.class, () -> AllowFile.read(big));
        assertTrue(e.getMessage().endsWith("line " + (AllowFile.MAX_ENTRIES + 1) + ": more than " + AllowFile.MAX_ENTRIES + " networks"),
                e.getMessage());
        Path longLine = Files.writeString(dir.resolve("long"), "#".repeat(2000) + "\n");
        assertThrows(ConfigException.class, () -> AllowFile.read(longLine));
    }
}
