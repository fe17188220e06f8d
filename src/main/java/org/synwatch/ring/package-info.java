/** The preallocated single-producer ring that carries parsed SYN headers from capture to detection. */
package org.synwatch.ring;
