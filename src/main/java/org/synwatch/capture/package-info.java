/** The libpcap facade over the generated bindings, and the capture loop that feeds the ring. */
package org.synwatch.capture;
