package org.synwatch.detect;

import java.util.Arrays;

/** The detector's tables grow by whole pages (primitive arrays), so growth never copies what they hold. */
final class Pages {
    private Pages() {
    }

    /** {@code pages} with {@code page} appended; only the small array of page references is copied. */
    static <T> T[] add(T[] pages, T page) {
        T[] grown = Arrays.copyOf(pages, pages.length + 1);
        grown[pages.length] = page;
        return grown;
    }
}
