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
    public void portScan(SynHeader syn, int[] ports, int count) {
        events.portScan(syn, ports, count);
        decide(syn.timestampMicros, syn.family, syn.srcHi, syn.srcLo, settings.timeoutSeconds(), null, events);
    }

    /**
     * The one path to a block, for this host's scans and the fleet's decisions alike: the safety
     * checks, then the blocker's queue. Safe on any thread that passes its own writer.
     *
     * @param origin  the fleet peer whose decision this is, or null for this host's own detection
     * @param writer  the calling thread's writer, for the lines said at once
     * @return whether the block was handed on (or, dry run, reported); false if the checks refused it
     */
    public boolean decide(long timeMicros, int family, long hi, long lo, long timeoutSeconds, String origin,
                          EventWriter writer) {
        if (settings.mode() == BlockSettings.Mode.OFF) {
            return false;
        }
        if (allowlist.allows(family, hi, lo, System.nanoTime() / 1000)) {
            decisions.get(Result.ALLOWLISTED).incrementAndGet();
            writer.notBlocked(timeMicros, family, hi, lo, "allowlisted", origin);
            return false;
        }
        if (settings.mode() == BlockSettings.Mode.DRY_RUN) {
            decisions.get(Result.DRY_RUN).incrementAndGet();
            writer.blocked(timeMicros, family, hi, lo, timeoutSeconds, true, origin);
        } else {
            blocker.submit(timeMicros, family, hi, lo, timeoutSeconds, origin);
        }
        return true;
    }

    /** A fleet-wide unblock; without a blocker (dry run, off) there is nothing to remove. */
    public void undo(long timeMicros, int family, long hi, long lo, String origin) {
        if (blocker != null) {
            blocker.submitUnblock(timeMicros, family, hi, lo, origin);
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
