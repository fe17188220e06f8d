/** Command-line arguments, usage text and exit codes; the only place that exits the process. */
package org.synwatch.cli;
