/** Zero-copy parsing of link, IP and TCP headers straight from captured packet memory. */
package org.synwatch.packet;
