/** Immutable settings records and every validation of user-supplied values. */
package org.synwatch.config;
