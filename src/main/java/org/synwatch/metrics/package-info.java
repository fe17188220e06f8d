/** Prometheus exposition of synwatch's counters, read at scrape time from the components that own them. */
package org.synwatch.metrics;
