//! OCF exit codes (the OCF resource agent API, and Pacemaker's OCF 1.1 additions) and what rgm
//! makes of each.

/// `ocf-exit-reason:` lines: an agent's reason for its exit code, for the Status message.
pub const EXIT_REASON_PREFIX: &str = "ocf-exit-reason:";

/// An action's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rc {
    /// 0 OCF_SUCCESS.
    Success,
    /// 1 OCF_ERR_GENERIC: a soft error.
    Generic,
    /// 2 OCF_ERR_ARGS: wrong arguments for this node.
    Args,
    /// 3 OCF_ERR_UNIMPLEMENTED.
    Unimplemented,
    /// 4 OCF_ERR_PERM.
    Perm,
    /// 5 OCF_ERR_INSTALLED: something missing on this node.
    Installed,
    /// 6 OCF_ERR_CONFIGURED: the configuration is wrong everywhere.
    Configured,
    /// 7 OCF_NOT_RUNNING.
    NotRunning,
    /// 8 OCF_RUNNING_PROMOTED.
    RunningPromoted,
    /// 9 OCF_FAILED_PROMOTED.
    FailedPromoted,
    /// 190 OCF_DEGRADED.
    Degraded,
    /// 191 OCF_DEGRADED_PROMOTED.
    DegradedPromoted,
    /// Any other exit code.
    Other(i32),
    /// Timed out, killed, or could not be run.
    NoResult,
}

impl Rc {
    pub fn of(code: Option<i32>) -> Rc {
        match code {
            Some(0) => Rc::Success,
            Some(1) => Rc::Generic,
            Some(2) => Rc::Args,
            Some(3) => Rc::Unimplemented,
            Some(4) => Rc::Perm,
            Some(5) => Rc::Installed,
            Some(6) => Rc::Configured,
            Some(7) => Rc::NotRunning,
            Some(8) => Rc::RunningPromoted,
            Some(9) => Rc::FailedPromoted,
            Some(190) => Rc::Degraded,
            Some(191) => Rc::DegradedPromoted,
            Some(n) => Rc::Other(n),
            None => Rc::NoResult,
        }
    }

    /// The OCF name (`OCF_ERR_PERM`).
    pub fn name(self) -> String {
        match self {
            Rc::Success => "OCF_SUCCESS".into(),
            Rc::Generic => "OCF_ERR_GENERIC".into(),
            Rc::Args => "OCF_ERR_ARGS".into(),
            Rc::Unimplemented => "OCF_ERR_UNIMPLEMENTED".into(),
            Rc::Perm => "OCF_ERR_PERM".into(),
            Rc::Installed => "OCF_ERR_INSTALLED".into(),
            Rc::Configured => "OCF_ERR_CONFIGURED".into(),
            Rc::NotRunning => "OCF_NOT_RUNNING".into(),
            Rc::RunningPromoted => "OCF_RUNNING_PROMOTED".into(),
            Rc::FailedPromoted => "OCF_FAILED_PROMOTED".into(),
            Rc::Degraded => "OCF_DEGRADED".into(),
            Rc::DegradedPromoted => "OCF_DEGRADED_PROMOTED".into(),
            Rc::Other(n) => format!("exit code {n}"),
            Rc::NoResult => "no result".into(),
        }
    }

    /// A hard error on this node: the agent cannot work here whatever is retried (2, 3, 4, 5).
    pub fn is_hard(self) -> bool {
        matches!(
            self,
            Rc::Args | Rc::Unimplemented | Rc::Perm | Rc::Installed
        )
    }
}

/// The agent's last `ocf-exit-reason:` in its output.
pub fn exit_reason(output: &str) -> Option<String> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix(EXIT_REASON_PREFIX))
        .map(|r| r.trim().to_string())
        .rfind(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_reasons() {
        assert_eq!(Rc::of(Some(7)), Rc::NotRunning);
        assert_eq!(Rc::of(Some(190)), Rc::Degraded);
        assert_eq!(Rc::of(Some(42)), Rc::Other(42));
        assert_eq!(Rc::of(None), Rc::NoResult);
        assert!(Rc::Perm.is_hard() && !Rc::Generic.is_hard() && !Rc::Configured.is_hard());
        assert_eq!(
            exit_reason("x\nocf-exit-reason:first\nocf-exit-reason: hyperdrive quota reached\n"),
            Some("hyperdrive quota reached".into())
        );
        assert_eq!(exit_reason("nothing"), None);
    }
}
