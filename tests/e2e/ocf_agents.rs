//! OCF resource agents through the real commands.
