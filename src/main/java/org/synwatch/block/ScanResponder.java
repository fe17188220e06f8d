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
        IpAddress address = syn.source();
        Cidr source = address.family() == IpAddress.IPV6 ? new Cidr(address, ipv6PrefixLength) : Cidr.host(address);
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
