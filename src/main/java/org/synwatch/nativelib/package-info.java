/** Loading native libraries by soname for the generated bindings, shared by capture and blocking. */
package org.synwatch.nativelib;
