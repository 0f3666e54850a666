//! rgm's built-in resource types, written against the same callback contract as any other
//! type (rt_callbacks(1HA)): each type is a module here and a set of method binaries in
//! `src/bin/`, registered from its RTR file in the repository's `rt_reg/` (or, for OCF agents,
//! from the agent's own meta-data).
//!
//! - [`generic`]: `RGM.generic`, a command run as a highly available service (after Solaris's
//!   `SUNW.gds`).
//! - [`ocf`]: OCF resource agents run unmodified (`clrt register ocf:PROVIDER:AGENT`).
//! - [`logical_hostname`]: `RGM.LogicalHostname`, network addresses that move with their
//!   group (after Solaris's `SUNW.LogicalHostname`).
//! - [`pmf`]: `rgm-pmf`, the process monitor both use to keep a program running; [`probe`],
//!   the fault monitor loop they share.
//!
//! The pieces every type uses: [`args`] (the method's command line), [`client`] (rgmd, through
//! `RGM_SOCKET`), [`props`] (a resource's properties), [`run`] (commands through rgm-exec),
//! [`statedir`] (pid files and logs beside rgmd's socket).

pub mod args;
pub mod client;
pub mod generic;
pub mod logical_hostname;
pub mod method;
pub mod ocf;
pub mod pmf;
pub mod probe;
pub mod props;
pub mod run;
pub mod statedir;
