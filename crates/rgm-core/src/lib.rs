//! The pure cluster model of rgm.
