package org.synwatch.block;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the elements of one set from nft's JSON listing ({@code nft -j list set ...},
 * libnftables-json(5)) as a stream: memory stays constant whatever the set's size, where reading
 * the listing as one string took 838 MB at 700,000 elements. Only what synwatch needs is kept: each
 * element's text and the seconds it has left. An element is either a bare value (no timeout) or
 * {@code {"elem": {"val": VALUE, "timeout": 3600, "expires": 3599}}}, where a value is an address
 * string or, in an interval set, {@code {"prefix": {"addr": "2001:db8:1:2::", "len": 64}}} (handed
 * on as {@code 2001:db8:1:2::/64}); any other (a range added by hand) is handed on by its kind's
 * name, which is no address.
 */
final class NftSetListing {
    /** Longer strings than this are not addresses: the listing is not what synwatch expects. */
    private static final int MAX_STRING = 256;

    /** Receives one set's elements. */
    interface Sink {
        /** @param expiresSeconds seconds left, or -1 for an element without a timeout */
        void element(String element, long expiresSeconds);
    }

    private final InputStream in;
    private final Sink sink;
    private final StringBuilder text = new StringBuilder();
    private int pushedBack = -2;

    private NftSetListing(InputStream in, Sink sink) {
        this.in = in;
        this.sink = sink;
    }

    /** @param in buffered: it is read one byte at a time */
    static void read(InputStream in, Sink sink) throws IOException {
        new NftSetListing(in, sink).value(null, false);
    }

    /**
     * One JSON value. {@code key} is the name it has in its object; {@code inElements} is true for
     * the items of the {@code "elem"} array.
     */
    private void value(String key, boolean inElements) throws IOException {
        int c = next();
        switch (c) {
            case '{' -> object(inElements);
            case '[' -> array("elem".equals(key));
            case '"' -> {
                String s = string();
                if (inElements) {
                    sink.element(s, -1);
                }
            }
            default -> scalar(c);
        }
    }

    /** An object; as an item of the "elem" array, {@code {"elem": {"val": ..., "expires": ...}}}. */
    private void object(boolean isElement) throws IOException {
        String[] address = {null};
        long[] expires = {-1};
        members(key -> {
            if (isElement && key.equals("elem")) {
                expect('{');
                members(field -> element(field, address, expires));
            } else if (isElement) {
                address[0] = compound(key);
            } else {
                value(key, false);
            }
        });
        if (isElement && address[0] != null) {
            sink.element(address[0], expires[0]);
        }
    }

    /** One field of an element's inner object: "val" and "expires" are kept, the rest skipped. */
    private void element(String key, String[] address, long[] expires) throws IOException {
        if (key.equals("val")) {
            int c = next();
            if (c == '"') {
                address[0] = string();
            } else if (c == '{') {
                members(kind -> address[0] = compound(kind));
            } else {
                throw malformed(c);
            }
        } else if (key.equals("expires")) {
            expires[0] = number(next());
        } else {
            value(key, false);
        }
    }

    /** The value of {@code {"prefix": {"addr": A, "len": N}}} as {@code A/N}; of any other kind, its name. */
    private String compound(String kind) throws IOException {
        if (!kind.equals("prefix")) {
            value(kind, false);
            return kind;
        }
        String[] address = {null};
        long[] length = {-1};
        expect('{');
        members(field -> {
            if (field.equals("addr")) {
                expect('"');
                address[0] = string();
            } else if (field.equals("len")) {
                length[0] = number(next());
            } else {
                value(field, false);
            }
        });
        return address[0] + "/" + length[0];
    }

    private interface MemberReader {
        void read(String key) throws IOException;
    }

    /** After an object's '{': each {@code "key":} is handed to {@code member}, which reads its value. */
    private void members(MemberReader member) throws IOException {
        int c = next();
        if (c == '}') {
            return;
        }
        pushedBack = c;
        while (true) {
            expect('"');
            String key = string();
            expect(':');
            member.read(key);
            c = next();
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw malformed(c);
            }
        }
    }

    private void array(boolean elements) throws IOException {
        int c = next();
        if (c == ']') {
            return;
        }
        pushedBack = c;
        while (true) {
            value(null, elements);
            c = next();
            if (c == ']') {
                return;
            }
            if (c != ',') {
                throw malformed(c);
            }
        }
    }

    /** After the opening quote; nft's addresses and names need no escapes beyond skipping them. */
    private String string() throws IOException {
        text.setLength(0);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("nft listing ends inside a string");
            }
            if (c == '"') {
                return text.toString();
            }
            if (c == '\\') {
                c = in.read();
            }
            if (text.length() == MAX_STRING) {
                throw new IOException("nft listing has a string longer than " + MAX_STRING);
            }
            text.append((char) c);
        }
    }

    private long number(int first) throws IOException {
        long value = 0;
        int digits = 0;
        int c = first;
        while (c >= '0' && c <= '9') {
            if (++digits > 18) {
                throw new IOException("nft listing has a number too long");
            }
            value = value * 10 + (c - '0');
            c = in.read();
        }
        if (digits == 0) {
            throw malformed(c);
        }
        pushedBack = c;
        return value;
    }

    /** Numbers, true, false, null: skipped. */
    private void scalar(int first) throws IOException {
        int c = first;
        int length = 0;
        while (c == '-' || c == '.' || c == '+' || Character.isLetterOrDigit(c)) {
            if (++length > 64) {
                throw new IOException("nft listing has a value too long");
            }
            c = in.read();
        }
        if (length == 0) {
            throw malformed(c);
        }
        pushedBack = c;
    }

    private void expect(int wanted) throws IOException {
        int c = next();
        if (c != wanted) {
            throw malformed(c);
        }
    }

    /** The next byte that is not white space. */
    private int next() throws IOException {
        int c;
        if (pushedBack != -2) {
            c = pushedBack;
            pushedBack = -2;
        } else {
            c = in.read();
        }
        while (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            c = in.read();
        }
        return c;
    }

    private static IOException malformed(int c) {
        return new IOException(c < 0 ? "nft listing ends early" : "unexpected '" + (char) c + "' in nft listing");
    }
}
