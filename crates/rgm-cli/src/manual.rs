//! What the man pages and shell completions are made from (`cargo xtask dist`): every
//! command's clap definition — the very one its binary parses with — its aliases, and the
//! exit statuses with what each means for each family of commands.

use rgm_core::ErrorCode;

/// The families of commands, which share exit statuses and conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// clresourcetype, clresourcegroup, clresource, clnode.
    Cl,
    /// The scha_* commands.
    Scha,
    /// cllog.
    Cllog,
    /// rtreg (its own exit statuses: 0, 1 invalid, 2 usage).
    Rtreg,
}

/// One command.
#[derive(Debug, Clone, Copy)]
pub struct CommandDoc {
    pub name: &'static str,
    /// Other names of the same binary (`clrg` for `clresourcegroup`).
    pub aliases: &'static [&'static str],
    pub family: Family,
    /// The command line it parses.
    pub command: fn() -> clap::Command,
}

/// Every command of this crate, in the order of docs/commands.md.
pub fn commands() -> Vec<CommandDoc> {
    use crate::cl::{clnode::Clnode, clrg::Clrg, clrs::Clrs, clrt::Clrt};
    use crate::scha;
    use clap::CommandFactory;
    let doc = |name, aliases, family, command| CommandDoc {
        name,
        aliases,
        family,
        command,
    };
    vec![
        doc("clresourcetype", &["clrt"], Family::Cl, Clrt::command),
        doc("clresourcegroup", &["clrg"], Family::Cl, Clrg::command),
        doc("clresource", &["clrs"], Family::Cl, Clrs::command),
        doc("clnode", &[], Family::Cl, Clnode::command),
        doc(
            "scha_resource_get",
            &[],
            Family::Scha,
            scha::resource::command,
        ),
        doc(
            "scha_resourcegroup_get",
            &[],
            Family::Scha,
            scha::group::command,
        ),
        doc(
            "scha_resourcetype_get",
            &[],
            Family::Scha,
            scha::rtype::command,
        ),
        doc(
            "scha_cluster_get",
            &[],
            Family::Scha,
            scha::cluster::command,
        ),
        doc(
            "scha_resource_setstatus",
            &[],
            Family::Scha,
            scha::control::setstatus_command,
        ),
        doc(
            "scha_control",
            &[],
            Family::Scha,
            scha::control::control_command,
        ),
        doc("cllog", &[], Family::Cllog, crate::cllog::command),
        doc("rtreg", &[], Family::Rtreg, crate::rtreg_cmd::Cli::command),
    ]
}

/// One exit status and what it means for each family (`None`: never).
#[derive(Debug, Clone, Copy)]
pub struct ExitStatus {
    pub code: ErrorCode,
    pub cl: Option<&'static str>,
    pub scha: Option<&'static str>,
    pub cllog: Option<&'static str>,
}

/// Every `scha_err_t` number (reference §g.7), as the cl*, scha_* and cllog commands use
/// them. docs/commands.md has the same table (a test holds them together).
pub const EXIT_STATUSES: &[ExitStatus] = &[
    st(ErrorCode::NoErr, Some("done"), Some("done"), Some("done")),
    st(ErrorCode::NoMem, None, None, None),
    st(ErrorCode::Handle, None, None, None),
    st(
        ErrorCode::Inval,
        Some(
            "usage error (bad option, operand or -p form; an invalid RTR file); a refused change with an invalid name or value combination, unsafe method files, or one that would make the configuration too large to send",
        ),
        Some("bad arguments (missing -O, wrong number of optag arguments)"),
        Some("usage error"),
    ),
    st(ErrorCode::Tag, None, Some("unknown optag"), None),
    st(
        ErrorCode::Reconf,
        Some(
            "refused: the cluster is reconfiguring, or rgmd is shutting down; or rgmd restarted before the change was done (what it set in motion goes on under the next rgmd); clnode event: another event cancelled it",
        ),
        Some("same"),
        None,
    ),
    st(
        ErrorCode::Access,
        Some("refused: not an administrator; or the socket is out of the user's reach"),
        Some("same (scha_control, scha_resource_setstatus)"),
        None,
    ),
    st(ErrorCode::SeqId, None, None, None),
    st(
        ErrorCode::Depend,
        Some("refused: dependency problem (cycle, unknown or depended-on resource)"),
        None,
        None,
    ),
    st(
        ErrorCode::State,
        Some(
            "refused: object in the wrong state (type in use, group not empty, ...); or the groups did not reach the requested state (a method failed or timed out); clnode event status: the event never completed",
        ),
        Some("same"),
        None,
    ),
    st(
        ErrorCode::Method,
        Some(
            "VALIDATE refused the change (its output is printed); nothing was changed; clnode event: the event failed or timed out",
        ),
        None,
        None,
    ),
    st(
        ErrorCode::Node,
        Some("unknown node"),
        Some("unknown node"),
        None,
    ),
    st(
        ErrorCode::Rg,
        Some("unknown resource group"),
        Some("unknown resource group"),
        None,
    ),
    st(
        ErrorCode::Rt,
        Some("unknown resource type; no RTR file found for clrt register"),
        Some("unknown resource type"),
        None,
    ),
    st(
        ErrorCode::Rsrc,
        Some("unknown resource; -g/-t match nothing"),
        Some("unknown resource, or not in -G"),
        None,
    ),
    st(
        ErrorCode::Prop,
        Some("unknown property, wrong type, out of range, not tunable now"),
        Some("the resource's type has no such property"),
        None,
    ),
    st(
        ErrorCode::Checks,
        None,
        Some("scha_control refused (no node can take over, Failover_mode, ...)"),
        None,
    ),
    st(
        ErrorCode::RStatus,
        None,
        Some("scha_resource_setstatus -s is not a status"),
        None,
    ),
    st(
        ErrorCode::Internal,
        Some(
            "rgmd unreachable, busy (too many connections, no room for a large request), or it broke the protocol",
        ),
        Some("same"),
        Some("the log cannot be read"),
    ),
];

const fn st(
    code: ErrorCode,
    cl: Option<&'static str>,
    scha: Option<&'static str>,
    cllog: Option<&'static str>,
) -> ExitStatus {
    ExitStatus {
        code,
        cl,
        scha,
        cllog,
    }
}

impl ExitStatus {
    /// What the status means for a family; `None` when that family never exits with it.
    pub fn meaning(&self, family: Family) -> Option<&'static str> {
        match family {
            Family::Cl => self.cl,
            Family::Scha => self.scha,
            Family::Cllog => self.cllog,
            Family::Rtreg => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scha_err_number_is_in_the_table_once_in_order() {
        let codes: Vec<i32> = EXIT_STATUSES.iter().map(|s| s.code.number()).collect();
        assert_eq!(codes, (0..=18).collect::<Vec<_>>());
    }

    /// docs/commands.md's exit-status table lists the same statuses as the man pages.
    #[test]
    fn the_docs_list_every_exit_status() {
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/commands.md"),
        )
        .unwrap();
        for s in EXIT_STATUSES {
            let row = format!("| {} | {} |", s.code.number(), s.code.symbol());
            assert!(docs.contains(&row), "docs/commands.md lacks the row {row}");
        }
    }

    #[test]
    fn every_command_parses_its_own_name() {
        for c in commands() {
            let cmd = (c.command)();
            assert_eq!(cmd.get_name(), c.name);
            cmd.debug_assert();
        }
    }
}
