//! Shared helpers for the test and benchmark suites.
