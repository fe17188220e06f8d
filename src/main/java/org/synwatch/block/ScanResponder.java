package org.synwatch.block;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.synwatch.config.BlockSettings;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;

/**
 * Reports the detector's verdicts and decides, on the detector thread, what happens to a scanner:
 * allowlisted and dry-run decisions are printed at once, right after the scan line, so a replay's
 * output is deterministic; real blocks go to the {@link Blocker}'s queue.
 */
public final class ScanResponder implements ScanListener, BlockStats {
    private final EventWriter events;
    private final BlockSettings settings;
    private final Allowlist allowlist;
    private final Blocker blocker;
    private final Map<Result, AtomicLong> decisions = new EnumMap<>(Result.class);

    /** @param blocker null unless the mode is {@link BlockSettings.Mode#ENFORCE} */
    public ScanResponder(EventWriter events, BlockSettings settings, Allowlist allowlist, Blocker blocker) {
        this.events = events;
        this.settings = settings;
        this.allowlist = allowlist;
        this.blocker = blocker;
        decisions.put(Result.ALLOWLISTED, new AtomicLong());
        decisions.put(Result.DRY_RUN, new AtomicLong());
    }

    @Override
    public void newConnection(SynHeader syn) {
        events.newConnection(syn);
    }

    @Override
    public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
        events.portScan(syn, sourceBits, ports, count);
        if (settings.mode() == BlockSettings.Mode.OFF) {
            return;
        }
        if (allowlist.allows(syn.family, syn.srcHi, syn.srcLo, sourceBits, System.nanoTime() / 1000)) {
            decisions.get(Result.ALLOWLISTED).incrementAndGet();
            events.notBlocked(syn.timestampMicros, syn.family, syn.srcHi, syn.srcLo, sourceBits, "allowlisted");
        } else if (settings.mode() == BlockSettings.Mode.DRY_RUN) {
            decisions.get(Result.DRY_RUN).incrementAndGet();
            events.blocked(syn.timestampMicros, syn.family, syn.srcHi, syn.srcLo, sourceBits, settings.timeoutSeconds(), true);
        } else {
            blocker.submit(syn.timestampMicros, syn.family, syn.srcHi, syn.srcLo, sourceBits);
        }
    }

    @Override
    public long blocks(Result result) {
        AtomicLong decided = decisions.get(result);
        return decided != null ? decided.get() : blocker == null ? 0 : blocker.blocks(result);
    }

    @Override
    public long blockedSources() {
        return blocker == null ? 0 : blocker.blockedSources();
    }
}
