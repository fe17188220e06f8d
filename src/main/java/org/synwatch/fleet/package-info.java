/**
 * Fleet mode: agents share block decisions and detect port sweeps across hosts through one Redis
 * (or Valkey). The rest of synwatch sees three seams: {@link org.synwatch.fleet.FleetDecisions},
 * which the agent implements with its own safety-checked block path; {@link
 * org.synwatch.fleet.Fleet#announce}, called for each local block; and {@link
 * org.synwatch.fleet.Fleet#listening}, which passes the detector's new connections on as sweep
 * reports. Nothing here runs on the capture or detector thread except that offer, which never waits.
 */
package org.synwatch.fleet;
