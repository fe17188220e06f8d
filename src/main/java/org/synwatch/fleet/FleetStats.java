package org.synwatch.fleet;

/** The fleet's counters, readable from any thread, for the metrics. */
public interface FleetStats {
    /** {@code direction} label of synwatch_fleet_messages_total. */
    enum Direction { OUT, IN }

    /**
     * {@code result} label of synwatch_fleet_messages_total. Out: SENT (Redis acknowledged it),
     * DROPPED (queue full, or stale after an outage), FAILED (lost with a connection). In:
     * RECEIVED (a valid peer message), INVALID (not one synwatch writes).
     */
    enum MessageResult { SENT, DROPPED, FAILED, RECEIVED, INVALID }

    /**
     * {@code result} label of synwatch_fleet_blocks_total. ANNOUNCED: a local block shared with the
     * fleet; APPLIED: a peer's decision passed this host's checks; REFUSED: it did not (allowlisted,
     * own address, ...); UNBLOCKED: a fleet-wide unblock applied here.
     */
    enum BlockResult { ANNOUNCED, APPLIED, REFUSED, UNBLOCKED }

    /** Both connections (commands and subscription) are up. */
    boolean connected();

    long messages(Direction direction, MessageResult result);

    long blocks(BlockResult result);
}
