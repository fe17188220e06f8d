package org.synwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReportBudgetTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void allowsOneSecondsWorthThenRefillsWithTime() {
        ReportBudget budget = new ReportBudget(2000, 0);
        assertEquals(512, budget.available(512, 0));
        assertEquals(2000, budget.available(Integer.MAX_VALUE, 0));
        budget.spend(2000);
        assertEquals(0, budget.available(512, 0));
        assertEquals(10, budget.available(512, 5_000_000), "5 ms later: 10 reports");
        budget.spend(10);
        assertEquals(0, budget.available(512, 5_000_000));
        assertEquals(2000, budget.available(Integer.MAX_VALUE, 10 * SECOND), "never more than one second's worth");
    }

    @Test
    void aFloodGetsTheRateAndNoMore() {
        ReportBudget budget = new ReportBudget(2000, 0);
        long sent = 0;
        // Ten seconds of 5 ms rounds, each wanting a full batch.
        for (long now = 0; now <= 10 * SECOND; now += 5_000_000) {
            int n = budget.available(512, now);
            budget.spend(n);
            sent += n;
        }
        assertEquals(2000 + 10 * 2000, sent, 1);
    }

    @Test
    void aClockThatDoesNotAdvanceGivesNothingNew() {
        ReportBudget budget = new ReportBudget(2000, 100);
        budget.spend(budget.available(Integer.MAX_VALUE, 100));
        assertEquals(0, budget.available(512, 50));
        assertEquals(0, budget.available(512, 100));
    }
}
