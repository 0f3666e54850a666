//! The rgm daemon.
