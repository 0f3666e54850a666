//! The commands of rgm.
