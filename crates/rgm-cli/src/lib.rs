//! The commands of rgm.

pub mod rtreg_cmd;
