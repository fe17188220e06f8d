/** Wiring of capture, ring, detection and reporting, with ordered start and shutdown. */
package org.synwatch.agent;
