package org.synwatch.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the committed captures in test-fixtures/ and makes trivial ones on the fly. */
final class FixtureFiles {
    static final Path DIRECTORY = Path.of(System.getProperty("synwatch.fixtures", "test-fixtures"));

    private FixtureFiles() {
    }

    /** Every capture in test-fixtures/ and its damaged corpus bad/ that has an expected-output file beside it. */
    static List<Path> capturesWithExpectations() throws IOException {
        try (Stream<Path> good = Files.list(DIRECTORY); Stream<Path> bad = Files.list(DIRECTORY.resolve("bad"))) {
            return Stream.concat(good, bad)
                    .filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".pcapng"))
                    .filter(f -> Files.exists(expectedFor(f)))
                    .sorted()
                    .toList();
        }
    }

    static Path expectedFor(Path capture) {
        return sibling(capture, ".expected");
    }

    static Path errorFor(Path capture) {
        return sibling(capture, ".error");
    }

    /** Options a capture is replayed with (NAME.args, words on one line), none if there is no such file. */
    static List<String> argsFor(Path capture) throws IOException {
        Path args = sibling(capture, ".args");
        return Files.exists(args) ? List.of(Files.readString(args).trim().split("\\s+")) : List.of();
    }

    private static Path sibling(Path capture, String extension) {
        String name = capture.getFileName().toString();
        return capture.resolveSibling(name.substring(0, name.lastIndexOf('.')) + extension);
    }

    /** A valid pcap file (Ethernet) with no packets. */
    static Path syntheticEmptyCapture() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        Path file = Files.createTempFile("synwatch-empty", ".pcap");
        file.toFile().deleteOnExit();
        return Files.write(file, header.array());
    }
}
