//! `CMD __complete KIND` (any cl*, scha_* command or cllog): the names shell completion offers for an operand or option, one
//! per line, from the running rgmd (`$RGM_SOCKET`, else `/run/rgm/rgmd.sock`) asked briefly.
//! KIND is `groups`, `resources`, `types` or `nodes`. It never fails and never complains:
//! without an answer it prints nothing, and the shell offers nothing. The completion scripts
//! (`cargo xtask dist`) call it; it is not part of any command's documented syntax, so it is
//! handled before the command line is parsed.

use std::ffi::OsString;
use std::io::Write;

use rgm_proto::{Query, Request, Response};

/// The hidden first argument.
pub const HIDDEN: &str = "__complete";

/// The kinds of names, as the scripts ask for them.
pub const KINDS: &[&str] = &["groups", "resources", "types", "nodes"];

/// Whether a command line is a completion question (`CMD __complete ...`).
pub fn asked(args: &[OsString]) -> bool {
    args.get(1).is_some_and(|a| a == HIDDEN)
}

/// Answers `CMD __complete KIND`; the exit status is always 0.
pub fn run(args: &[OsString], out: &mut dyn Write) -> u8 {
    let kind = args.get(2).and_then(|k| k.to_str()).unwrap_or_default();
    if !KINDS.contains(&kind) {
        return 0;
    }
    let socket = crate::client::socket_path(None);
    let Some(Response::View(view)) =
        crate::quick::ask(&socket, "completion", &Request::Query(Query::View))
    else {
        return 0;
    };
    let c = &view.config;
    let names: Vec<&String> = match kind {
        "groups" => c.groups.keys().collect(),
        "resources" => c.resources.keys().collect(),
        "types" => c.types.keys().collect(),
        _ => c.nodes.keys().collect(),
    };
    for n in names {
        if writeln!(out, "{n}").is_err() {
            break;
        }
    }
    0
}
