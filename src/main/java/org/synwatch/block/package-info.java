/**
 * Blocking detected scanners in synwatch's own nftables table, off the detector thread, and only
 * where it is safe: {@link org.synwatch.block.BlockGate} decides for every request (protected
 * addresses, budgets, established connections) before the {@link org.synwatch.block.Blocker} acts.
 */
package org.synwatch.block;
