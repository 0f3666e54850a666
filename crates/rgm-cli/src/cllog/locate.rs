//! Where the running rgmd writes its cluster log, asked over its socket
//! (`Query::LogLocation`), so `cllog` needs no `--state-dir` for a daemon started with one.

use std::path::{Path, PathBuf};

use rgm_proto::{Query, Request, Response};

/// The JSON log the daemon at `socket` names; `None` when it does not answer in time.
pub fn ask_rgmd(socket: &Path) -> Option<PathBuf> {
    match crate::quick::ask(socket, "cllog", &Request::Query(Query::LogLocation))? {
        Response::LogLocation { json, .. } => Some(PathBuf::from(json)),
        _ => None,
    }
}
