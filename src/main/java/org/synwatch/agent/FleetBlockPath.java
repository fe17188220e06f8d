package org.synwatch.agent;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.synwatch.block.ScanResponder;
import org.synwatch.config.Cidr;
import org.synwatch.config.IpAddress;
import org.synwatch.fleet.FleetDecisions;
import org.synwatch.report.AddressText;
import org.synwatch.report.EventWriter;

/**
 * The fleet's one way into this host's blocking: every decision goes through {@link
 * ScanResponder#decide}, the same safety checks as a local scan. The fleet calls it from two
 * threads, so the writer they share is used under this object's lock; nothing inside waits.
 */
final class FleetBlockPath implements FleetDecisions {
    private static final Logger LOG = LoggerFactory.getLogger(FleetBlockPath.class);

    private final ScanResponder responder;
    private final EventWriter writer;

    FleetBlockPath(ScanResponder responder, EventWriter writer) {
        this.responder = responder;
        this.writer = writer;
    }

    @Override
    public synchronized boolean peerBlock(IpAddress source, long remainingSeconds, String origin) {
        boolean handedOn = responder.decide(nowMicros(), Cidr.host(source), remainingSeconds, origin, writer);
        writer.flush();
        return handedOn;
    }

    @Override
    public synchronized void peerUnblock(IpAddress source, String origin) {
        LOG.debug("fleet: {} lifted the block of {}", origin, AddressText.text(source));
        responder.undo(nowMicros(), Cidr.host(source), origin);
    }

    @Override
    public synchronized void portSweep(long timeMicros, IpAddress source, int port, long hostCount, List<String> hosts) {
        writer.portSweep(timeMicros, source, port, hostCount, hosts);
        responder.decide(timeMicros, Cidr.host(source), responder.timeoutSeconds(), null, writer);
        writer.flush();
    }

    /** Fleet decisions happen now, not at a packet's capture time. */
    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }
}
