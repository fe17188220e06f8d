package org.synwatch.fleet;

import java.util.List;
import org.synwatch.config.IpAddress;

/**
 * What the fleet asks of this host. The agent implements it with the same safety-checked path as
 * its own scans (allowlist, own addresses and the rest), so a peer can never make a host block what
 * it would not block itself. Called on the fleet's threads; implementations must not wait.
 */
public interface FleetDecisions {
    /**
     * A peer blocked this source: block it here for the remaining time, if this host's checks allow.
     *
     * @return false if this host's checks refused it
     */
    boolean peerBlock(IpAddress source, long remainingSeconds, String origin);

    /** A decision was lifted fleet-wide ({@code synwatch --unblock ADDR --fleet ...}). */
    void peerUnblock(IpAddress source, String origin);

    /**
     * This agent's report made {@code src} cross the fleet's sweep threshold on {@code port}: report
     * it and block it as a local scan (which then is announced to the fleet).
     *
     * @param hosts the destinations within the window, at most {@link Fleet#MAX_SWEEP_HOSTS_LISTED}
     */
    void portSweep(long timeMicros, IpAddress source, int port, long hostCount, List<String> hosts);
}
