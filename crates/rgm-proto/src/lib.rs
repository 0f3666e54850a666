//! The versioned protocol between rgm commands and rgmd.
