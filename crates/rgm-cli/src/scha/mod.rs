//! The resource type developer's `scha_*` commands (reference §g.6): queries that print one
//! value per line, and `scha_control` / `scha_resource_setstatus`, which send a request.
//!
//! Optags are case-insensitive. Exit statuses are strictly the `SCHA_ERR_*` numbers of
//! reference §g.7: 0, 3 (bad arguments), 4 (unknown optag), 11 (node), 12 (group),
//! 13 (type), 14 (resource), 15 (property), 17 (status), 18 (rgmd unreachable), or the code
//! the daemon refused a request with (docs/commands.md).

pub mod cluster;
pub mod control;
pub mod group;
pub mod resource;
pub mod rtype;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use rgm_core::ErrorCode;
use rgm_proto::ClusterView;
use rtreg::Value;

use crate::client::{Client, socket_path};
use crate::failure::Failure;

/// `-Z` and `--socket`, which every scha_* command takes (flattened into its arguments).
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Zone (accepted for compatibility; rgm has only the global zone).
    #[arg(short = 'Z', value_name = "ZONE")]
    zone: Option<String>,
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
}

impl Common {
    /// A connection to the daemon at `--socket`, `$RGM_SOCKET` or the default path.
    pub fn connect(&self, client: &str) -> Result<Client, Failure> {
        Client::connect(&socket_path(self.socket.as_deref()), client)
    }

    /// The cluster view from that daemon.
    pub fn view(&self, client: &str) -> Result<ClusterView, Failure> {
        self.connect(client)?.view()
    }

    /// The view of the objects `scope` names (`None`: the whole view).
    pub fn view_for(
        &self,
        client: &str,
        scope: Option<rgm_proto::ViewScope>,
    ) -> Result<ClusterView, Failure> {
        let mut c = self.connect(client)?;
        match scope {
            Some(s) => c.view_scoped(s),
            None => c.view(),
        }
    }
}

/// Runs a scha_* command named `name`: parses its line into `P`, works out the answer from
/// it and prints that answer or the failure; returns the exit status.
pub fn run<P: Parser>(
    args: impl IntoIterator<Item = OsString>,
    name: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    answer: impl FnOnce(P) -> Result<Vec<String>, Failure>,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    if crate::complete::asked(&args) {
        return crate::complete::run(&args, out);
    }
    let (program, p) = match parse::<P>(args, name, err, out) {
        Ok(x) => x,
        Err(code) => return code,
    };
    finish(&program, answer(p), out, err)
}

/// Parses a scha_* command line; on a usage error prints one line and gives the status.
fn parse<P: Parser>(
    args: Vec<OsString>,
    name: &str,
    err: &mut dyn Write,
    out: &mut dyn Write,
) -> Result<(String, P), u8> {
    let program = crate::failure::program_name(args.first().map(OsString::as_os_str), name);
    match P::try_parse_from(&args) {
        Ok(p) => Ok((program, p)),
        Err(e) => Err(crate::cl::clap_error(&program, &e, out, err)),
    }
}

/// Prints the answer's lines, or reports the failure; returns the exit status.
fn finish(
    program: &str,
    answer: Result<Vec<String>, Failure>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match answer {
        Ok(lines) => {
            for l in lines {
                if writeln!(out, "{l}").is_err() {
                    return ErrorCode::Internal as u8;
                }
            }
            0
        }
        Err(f) => {
            f.report(program, err);
            f.exit_status()
        }
    }
}

/// The lines of a value: one per array element, booleans TRUE/FALSE, an absent value none.
pub fn lines(v: Option<Value>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(other) => vec![other.to_string()],
    }
}

/// One line.
pub fn line(s: impl Into<String>) -> Vec<String> {
    vec![s.into()]
}

/// A boolean as scha prints it.
pub fn bool_line(b: bool) -> Vec<String> {
    line(if b { "TRUE" } else { "FALSE" })
}

/// The unknown-optag failure (`SCHA_ERR_TAG`).
pub fn unknown_tag(optag: &str) -> Failure {
    Failure::new(ErrorCode::Tag, format!("unknown optag {optag}"))
}

/// Checks the number of arguments after the optag (`SCHA_ERR_INVAL` otherwise).
pub fn arity<'a>(optag: &str, args: &'a [String], names: &[&str]) -> Result<&'a [String], Failure> {
    if args.len() == names.len() {
        return Ok(args);
    }
    let wanted = if names.is_empty() {
        "no argument".to_string()
    } else {
        names.join(" ")
    };
    Err(Failure::usage(format!(
        "optag {optag} takes {wanted}, not {} argument(s)",
        args.len()
    )))
}

/// A node argument that must be a cluster node (`SCHA_ERR_NODE`).
pub fn node<'v>(view: &'v ClusterView, name: &str) -> Result<&'v str, Failure> {
    view.config
        .nodes
        .get_key_value(name)
        .map(|(k, _)| k.as_str())
        .ok_or_else(|| {
            Failure::new(
                ErrorCode::Node,
                format!("node {name}: is not a cluster node"),
            )
        })
}

/// Whether `optag` ends in `_NODE`; the base optag and whether it did.
pub fn split_node(optag: &str) -> (&str, bool) {
    match optag.strip_suffix("_NODE") {
        Some(base) => (base, true),
        None => (optag, false),
    }
}
