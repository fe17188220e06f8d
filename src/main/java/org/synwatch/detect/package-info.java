/** Retransmission filtering and port-scan detection over bounded, allocation-free tables. */
package org.synwatch.detect;
