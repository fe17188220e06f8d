/** Blocking detected scanners in synwatch's own nftables table, off the detector thread. */
package org.synwatch.block;
