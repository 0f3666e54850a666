//! Reading process state from `/proc`.
//!
//! Used to tell live processes from zombies (a killed method's orphans stay zombies until
//! whatever adopted them reaps them, and they count for nothing), to find the members of a
//! process group, and to tell a reused pid from the process that once had it.

use std::path::Path;

/// The fields of `/proc/<pid>/stat` the launcher uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    /// One of `R S D Z T t X I ...`.
    pub state: char,
    /// Parent process id.
    pub ppid: u32,
    /// Process group id.
    pub pgrp: u32,
    /// Start time, in clock ticks after boot.
    pub start_time: u64,
}

impl Stat {
    /// Neither a zombie nor dead.
    pub(crate) fn alive(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Reads `/proc/<pid>/stat`; `None` when there is no such process.
pub(crate) fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses the text of a stat file. The command name may contain spaces and parentheses, so the
/// fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    // Field 22 of the whole line is the start time; `state` was field 3.
    let start_time = fields.nth(22 - 3 - 3)?.parse().ok()?;
    Some(Stat {
        state,
        ppid,
        pgrp,
        start_time,
    })
}

/// True when some process that is not a zombie has process group `pgid`.
pub(crate) fn group_has_live_member(pgid: u32) -> bool {
    let Ok(dir) = std::fs::read_dir(Path::new("/proc")) else {
        return false;
    };
    dir.filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .any(|s| s.pgrp == pgid && s.alive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_odd_names() {
        let line = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 \
                    1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.state, 'S');
        assert_eq!(s.ppid, 1);
        assert_eq!(s.pgrp, 4242);
        assert_eq!(s.start_time, 987654);
    }

    #[test]
    fn reads_ourselves() {
        let me = stat(std::process::id()).unwrap();
        assert!(me.alive());
        assert!(me.start_time > 0);
        assert_eq!(me.pgrp, nix::unistd::getpgrp().as_raw() as u32);
    }
}
