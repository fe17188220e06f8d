package org.synwatch.nativelib;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads a shared library by soname, so a host needs only the runtime package, never the -dev one.
 * The generated bindings resolve symbols through the class loader's libraries, which only
 * {@link System#load} with an absolute path feeds; the dynamic linker does the soname search (with
 * ld.so.cache and LD_LIBRARY_PATH) and /proc/self/maps then tells which file it picked.
 */
public final class SonameLoader {
    private SonameLoader() {
    }

    /** Loads the first of {@code sonames} the dynamic linker finds; returns its file, or empty if none. */
    public static synchronized Optional<Path> load(List<String> sonames) {
        for (String soname : sonames) {
            try {
                SymbolLookup.libraryLookup(soname, Arena.global());
            } catch (IllegalArgumentException notFound) {
                continue;
            }
            Optional<Path> file = mappedFile(soname);
            if (file.isPresent()) {
                System.load(file.get().toString());
                return file;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> mappedFile(String soname) {
        String stem = soname.substring(0, soname.indexOf(".so") + 3);
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(path -> path.startsWith("/"))
                    .map(Path::of)
                    .filter(path -> path.getFileName().toString().startsWith(stem))
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
