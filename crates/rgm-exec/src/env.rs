//! The environment a method runs with.
//!
//! rt_callbacks(1HA) promises `HOME=/`, a `PATH` with the cluster commands and
//! `LD_LIBRARY_PATH`. rgm starts from an empty environment, so nothing of rgmd's own
//! environment leaks into a method, and sets:
//!
//! - `HOME=/`;
//! - `PATH=<bin_dir>:/usr/bin:/bin:/usr/sbin:/sbin`, where `bin_dir` is the directory of rgm's
//!   own programs, so a method can call `scha_resource_get` or `hatimerun` by name;
//! - `LD_LIBRARY_PATH` only where configured;
//! - `RGM_SOCKET` where configured, so `scha_*` commands reach the daemon that ran the method;
//! - any explicitly listed extra variables (meant for node event scripts, not callbacks).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;

/// The system directories on every method's `PATH`, after rgm's own.
pub const SYSTEM_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

/// What goes into a method's environment besides the fixed `HOME=/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodEnv {
    /// Directory of rgm's binaries, put first on `PATH`.
    pub bin_dir: Option<PathBuf>,
    /// `LD_LIBRARY_PATH`, set only when given.
    pub ld_library_path: Option<OsString>,
    /// Socket of the daemon, exported as `RGM_SOCKET`.
    pub rgm_socket: Option<PathBuf>,
    /// Further variables, in order, after the ones above. Empty for resource callbacks.
    pub extra: Vec<(OsString, OsString)>,
}

impl MethodEnv {
    /// The complete environment, as `(name, value)` pairs in a fixed order.
    pub fn vars(&self) -> Vec<(OsString, OsString)> {
        let mut vars = Vec::with_capacity(4 + self.extra.len());
        vars.push(("HOME".into(), "/".into()));
        vars.push(("PATH".into(), self.path()));
        if let Some(ld) = &self.ld_library_path {
            vars.push(("LD_LIBRARY_PATH".into(), ld.clone()));
        }
        if let Some(socket) = &self.rgm_socket {
            vars.push(("RGM_SOCKET".into(), socket.clone().into_os_string()));
        }
        vars.extend(self.extra.iter().cloned());
        vars
    }

    /// The value of `PATH`.
    pub fn path(&self) -> OsString {
        match &self.bin_dir {
            Some(dir) => {
                let mut path = OsString::from(dir.as_os_str());
                path.push(":");
                path.push(SYSTEM_PATH);
                path
            }
            None => OsString::from(SYSTEM_PATH),
        }
    }
}

/// True when a variable name can be put in an environment (non-empty, no `=` and no NUL).
pub(crate) fn valid_name(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty() && !bytes.contains(&b'=') && !bytes.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_environment() {
        let env = MethodEnv::default();
        assert_eq!(
            env.vars(),
            [
                ("HOME".into(), "/".into()),
                ("PATH".into(), OsString::from(SYSTEM_PATH)),
            ]
        );
    }

    #[test]
    fn full_environment() {
        let env = MethodEnv {
            bin_dir: Some("/opt/rgm/bin".into()),
            ld_library_path: Some("/opt/rgm/lib".into()),
            rgm_socket: Some("/run/rgm/rgmd.sock".into()),
            extra: vec![("CTDB_BASE".into(), "/etc/ctdb".into())],
        };
        let vars: Vec<(String, String)> = env
            .vars()
            .into_iter()
            .map(|(k, v)| (k.into_string().unwrap(), v.into_string().unwrap()))
            .collect();
        assert_eq!(
            vars,
            [
                ("HOME", "/"),
                ("PATH", "/opt/rgm/bin:/usr/bin:/bin:/usr/sbin:/sbin"),
                ("LD_LIBRARY_PATH", "/opt/rgm/lib"),
                ("RGM_SOCKET", "/run/rgm/rgmd.sock"),
                ("CTDB_BASE", "/etc/ctdb"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn names() {
        assert!(valid_name(OsStr::new("A_B")));
        assert!(!valid_name(OsStr::new("")));
        assert!(!valid_name(OsStr::new("A=B")));
    }
}
