//! `scha_control -O optag -G group -R resource` (reference §e.3) and
//! `scha_resource_setstatus -R resource -G group -s STATUS [-m message]`: each sends one
//! request to the local rgmd and exits with the code it answers (0 when accepted; a refused
//! scha_control gives what the daemon says, usually 16, SCHA_ERR_CHECKS). An unknown optag
//! is 4 and an unknown status 17, both before the daemon is asked.

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use rgm_core::ErrorCode;
use rgm_core::engine::{ControlTag, Status};
use rgm_proto::Request;

use super::{Common, unknown_tag};
use crate::failure::Failure;

/// Ask the RGM to restart, fail over or otherwise act on a resource or its group.
#[derive(Debug, Parser)]
#[command(name = "scha_control", version)]
struct ControlArgs {
    /// GIVEOVER, CHECK_GIVEOVER, RESTART, CHECK_RESTART, RESOURCE_RESTART,
    /// RESOURCE_IS_RESTARTED, IGNORE_FAILED_START, RESOURCE_DISABLE, CHANGE_STATE_ONLINE,
    /// CHANGE_STATE_OFFLINE (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    /// The resource's group.
    #[arg(short = 'G', value_name = "GROUP")]
    group: String,
    /// The resource.
    #[arg(short = 'R', value_name = "RESOURCE")]
    resource: String,
    #[command(flatten)]
    common: Common,
}

/// Set a resource's status and status message on the local node.
#[derive(Debug, Parser)]
#[command(name = "scha_resource_setstatus", version)]
struct SetStatusArgs {
    /// The resource.
    #[arg(short = 'R', value_name = "RESOURCE")]
    resource: String,
    /// The resource's group.
    #[arg(short = 'G', value_name = "GROUP")]
    group: String,
    /// OK, DEGRADED, FAULTED, UNKNOWN or OFFLINE (case-insensitive).
    #[arg(short = 's', value_name = "STATUS")]
    status: String,
    /// The status message.
    #[arg(short = 'm', value_name = "MESSAGE")]
    message: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// `scha_control`'s command line (for its man page and completions).
pub fn control_command() -> clap::Command {
    <ControlArgs as clap::CommandFactory>::command()
}

/// `scha_resource_setstatus`'s command line (for its man page and completions).
pub fn setstatus_command() -> clap::Command {
    <SetStatusArgs as clap::CommandFactory>::command()
}

/// Runs `scha_control`; returns the exit status.
pub fn run_control(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    const NAME: &str = "scha_control";
    super::run(args, NAME, out, err, |a: ControlArgs| {
        let tag = ControlTag::from_name(&a.optag).ok_or_else(|| unknown_tag(&a.optag))?;
        let request = Request::Control {
            tag,
            group: a.group,
            resource: a.resource,
        };
        a.common.connect(NAME)?.change(&request)
    })
}

/// Runs `scha_resource_setstatus`; returns the exit status.
pub fn run_setstatus(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    const NAME: &str = "scha_resource_setstatus";
    super::run(args, NAME, out, err, |a: SetStatusArgs| {
        let status = Status::from_name(&a.status).ok_or_else(|| {
            Failure::new(
                ErrorCode::RStatus,
                format!(
                    "`{}` is not a status: OK, DEGRADED, FAULTED, UNKNOWN or OFFLINE",
                    a.status
                ),
            )
        })?;
        let request = Request::SetStatus {
            resource: a.resource,
            group: a.group,
            status,
            message: a.message,
        };
        a.common.connect(NAME)?.change(&request)
    })
}
