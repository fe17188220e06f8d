package org.synwatch.block;

import org.synwatch.config.BlockSettings;
import org.synwatch.config.IpAddress;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;

/**
 * Reports the detector's verdicts and decides, on the detector thread, what happens to a scanner
 * through the {@link BlockGate}: refusals and dry-run decisions are printed at once, right after
 * the scan line, so a replay's output is deterministic; real blocks go to the {@link Blocker}'s
 * queue, which prints them once nft has them.
 */
public final class ScanResponder implements ScanListener {
    private final EventWriter events;
    private final BlockSettings settings;
    private final BlockGate gate;
    private final Blocker blocker;

    /**
     * @param gate null when the mode is {@link BlockSettings.Mode#OFF}
     * @param blocker null unless the mode is {@link BlockSettings.Mode#ENFORCE}
     */
    public ScanResponder(EventWriter events, BlockSettings settings, BlockGate gate, Blocker blocker) {
        this.events = events;
        this.settings = settings;
        this.gate = gate;
        this.blocker = blocker;
    }

    @Override
    public void newConnection(SynHeader syn) {
        events.newConnection(syn);
    }

    @Override
    public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
        // The block is of the address whose SYN crossed the threshold, also when the line names a prefix.
        events.portScan(syn, sourceBits, ports, count);
        decide(syn.timestampMicros, syn.source(), settings.timeoutSeconds(), null, events);
    }

    /**
     * The one path to a block, for this host's scans and the fleet's decisions alike: the gate's
     * checks, then the blocker's queue. Safe on any thread that passes its own writer (the gate is
     * synchronized, the blocker's queue thread-safe).
     *
     * @param origin the fleet peer whose decision this is, or null for this host's own detection
     * @param writer the calling thread's writer, for the lines said at once
     * @return whether the block was handed on (or, dry run, reported); false if the gate refused it
     */
    public boolean decide(long timeMicros, IpAddress source, long timeoutSeconds, String origin, EventWriter writer) {
        if (settings.mode() == BlockSettings.Mode.OFF) {
            return false;
        }
        BlockStats.Result decision = gate.consider(source, timeMicros);
        if (decision.reason() != null) {
            writer.notBlocked(timeMicros, source, decision.reason(), origin);
            return false;
        } else if (decision != BlockStats.Result.ADDED) {
            return false;  // already blocked: the earlier line said so
        } else if (settings.mode() == BlockSettings.Mode.DRY_RUN) {
            gate.count(BlockStats.Result.DRY_RUN);
            writer.blocked(timeMicros, source, timeoutSeconds, true, origin);
        } else {
            blocker.submit(timeMicros, source, timeoutSeconds, origin);
        }
        return true;
    }

    /** A fleet-wide unblock; without a blocker (dry run, off) there is nothing to remove. */
    public void undo(long timeMicros, IpAddress source, String origin) {
        if (blocker != null) {
            blocker.submitUnblock(timeMicros, source, origin);
        }
    }
}
