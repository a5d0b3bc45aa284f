//! Tests of the shapes of real published MISP events.
