package org.synwatch.fleet;

/**
 * A token bucket for sweep reports, on the fleet thread: a spoofed-source flood makes every SYN a
 * new source, and without a cap one flooded agent would spend the shared Redis on reports for the
 * whole fleet. What the budget holds back stays in the sweep queue, which drops (and counts) when
 * full, so a flood costs Redis at most {@link #REPORTS_PER_SECOND} reports a second per agent.
 */
final class ReportBudget {
    /** 8,000 commands a second, a few percent of one Redis core (BENCHMARKS.md, "Fleet"). */
    static final int REPORTS_PER_SECOND = 2000;

    private final int perSecond;
    private double tokens;
    private long refilledAt;

    ReportBudget(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.refilledAt = nowNanos;
    }

    /** How many reports may go now (at most one second's worth), at most {@code wanted}. */
    int available(int wanted, long nowNanos) {
        long elapsed = nowNanos - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(perSecond, tokens + elapsed * (perSecond / 1e9));
            refilledAt = nowNanos;
        }
        return (int) Math.min(wanted, Math.floor(tokens));
    }

    void spend(int reports) {
        tokens -= reports;
    }
}
