//! The method launcher of rgm.
