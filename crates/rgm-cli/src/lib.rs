//! The commands of rgm: the administrator's `clresourcetype`, `clresourcegroup` and
//! `clresource` (with aliases `clrt`, `clrg`, `clrs`), the resource type developer's
//! `scha_*` commands, `cllog` for the cluster log, and `rtreg` for RTR files.
//!
//! Each binary in `src/bin/` is a thin `main` over a `run` function here that takes the
//! command line and output streams and returns the exit status (docs/commands.md).

pub mod cl;
pub mod client;
pub mod cllog;
pub mod complete;
pub mod failure;
pub mod format;
pub mod manual;
pub mod quick;
pub mod rtreg_cmd;
pub mod scha;
