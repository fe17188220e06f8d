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
        if (settings.mode() == BlockSettings.Mode.OFF) {
            return;
        }
        IpAddress source = syn.source();
        BlockStats.Result decision = gate.consider(source, syn.timestampMicros);
        if (decision.reason() != null) {
            events.notBlocked(syn.timestampMicros, source, decision.reason());
        } else if (decision != BlockStats.Result.ADDED) {
            return;  // already blocked: the earlier line said so
        } else if (settings.mode() == BlockSettings.Mode.DRY_RUN) {
            gate.count(BlockStats.Result.DRY_RUN);
            events.blocked(syn.timestampMicros, source, settings.timeoutSeconds(), true);
        } else {
            blocker.submit(syn.timestampMicros, source);
        }
    }
}
