package org.synwatch.block;

import org.synwatch.config.BlockSettings;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.detect.ScanListener;
import org.synwatch.packet.SynHeader;
import org.synwatch.report.EventWriter;

/**
 * Reports the detector's verdicts and decides, on the detector thread, what happens to a scanner
 * through the {@link BlockGate}: refusals and dry-run decisions are printed at once, right after
 * the scan line, so a replay's output is deterministic; real blocks go to the {@link Blocker}'s
 * queue, which prints them once nft has them.
 *
 * <p>With {@code --ipv6-prefix} shorter than 128, an IPv6 scanner is blocked as its prefix, also
 * when the scan line names one address: the detector reports a prefix's scan once per episode, so
 * blocking only the address that crossed the threshold would let its neighbours carry on unseen.
 */
public final class ScanResponder implements ScanListener {
    private final EventWriter events;
    private final BlockSettings settings;
    private final BlockGate gate;
    private final Blocker blocker;
    private final int ipv6PrefixLength;

    /**
     * @param gate null when the mode is {@link BlockSettings.Mode#OFF}
     * @param blocker null unless the mode is {@link BlockSettings.Mode#ENFORCE}
     * @param ipv6PrefixLength {@code --ipv6-prefix}: how much of an IPv6 scanner's address is blocked
     */
    public ScanResponder(EventWriter events, BlockSettings settings, BlockGate gate, Blocker blocker, int ipv6PrefixLength) {
        this.events = events;
        this.settings = settings;
        this.gate = gate;
        this.blocker = blocker;
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /** {@code --block-timeout}: how long this host's own blocks last. */
    public long timeoutSeconds() {
        return settings.timeoutSeconds();
    }

    @Override
    public void newConnection(SynHeader syn) {
        events.newConnection(syn);
    }

    @Override
    public void portScan(SynHeader syn, int sourceBits, int[] ports, int count) {
        events.portScan(syn, sourceBits, ports, count);
        IpAddress address = syn.source();
        Cidr source = address.family() == IpAddress.IPV6 ? new Cidr(address, ipv6PrefixLength) : Cidr.host(address);
        decide(syn.timestampMicros, source, settings.timeoutSeconds(), null, events);
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
    public boolean decide(long timeMicros, Cidr source, long timeoutSeconds, String origin, EventWriter writer) {
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
            // The blocker thread prints "Blocked" as soon as nft is done: what this thread has
            // formatted (the scan line) goes out first, once per source blocked.
            writer.flush();
            blocker.submit(timeMicros, source, timeoutSeconds, origin);
        }
        return true;
    }

    /** A fleet-wide unblock; without a blocker (dry run, off) there is nothing to remove. */
    public void undo(long timeMicros, Cidr source, String origin) {
        if (blocker != null) {
            blocker.submitUnblock(timeMicros, source, origin);
        }
    }
}
