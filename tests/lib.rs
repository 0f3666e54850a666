//! End-to-end tests of rgm.
