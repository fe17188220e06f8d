/** Event lines, formatted into a reusable byte buffer and written to stdout once per batch. */
package org.synwatch.report;
