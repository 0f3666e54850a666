//! RGM.generic's VALIDATE and MONITOR_CHECK.

use std::time::Duration;

use crate::args::MethodArgs;
use crate::pmf::parse_signal;
use crate::props::Pending;
use crate::run::{Command, resolve, run};

/// VALIDATE: every command can be found, Stop_signal is a signal, Child_mon_level is -1 or
/// more, Port_list entries are `port/protocol`; then `Validate_command`, if set, must exit 0.
pub fn validate(args: &MethodArgs) -> Result<String, String> {
    let p = Pending::load("generic_validate", args)?;
    let mut problems = Vec::new();
    for name in [
        "Start_command",
        "Stop_command",
        "Probe_command",
        "Validate_command",
    ] {
        let argv = p.array(name)?;
        match argv.first() {
            None if name == "Start_command" => problems.push("Start_command is empty".to_string()),
            None => {}
            Some(program) => {
                if let Err(e) = resolve(program) {
                    problems.push(format!("{name}: {e}"));
                }
            }
        }
    }
    if let Some(v) = p.value("Stop_signal")?
        && let Some(text) = v.as_str()
        && parse_signal(text).is_none()
    {
        problems.push(format!(
            "Stop_signal: {text} is not a signal name or number"
        ));
    }
    if let Some(level) = p.int("Child_mon_level")?
        && level < -1
    {
        problems.push(format!("Child_mon_level: {level} is below -1"));
    }
    for entry in p.array("Port_list")? {
        let ok = entry.split_once('/').is_some_and(|(port, proto)| {
            port.parse::<u16>().is_ok() && matches!(proto, "tcp" | "tcp6" | "udp" | "udp6")
        });
        if !ok {
            problems.push(format!(
                "Port_list: {entry} is not PORT/tcp, tcp6, udp or udp6"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    run_validate_command(&p)
}

/// MONITOR_CHECK: the node is fit when `Validate_command` (if any) exits 0 here.
pub fn monitor_check(args: &MethodArgs) -> Result<String, String> {
    let p = Pending::load("generic_monitor_check", args)?;
    run_validate_command(&p)
}

fn run_validate_command(p: &Pending) -> Result<String, String> {
    let argv = p.array("Validate_command")?;
    if argv.is_empty() {
        return Ok(String::new());
    }
    let secs = p.int("Validate_timeout")?.unwrap_or(300).max(1) as u64;
    let f = run(&Command::new(
        "Validate_command",
        argv,
        Duration::from_secs(secs),
    ));
    let out = f.output.trim_end().to_string();
    if f.ok() {
        Ok(out)
    } else if out.is_empty() {
        Err(format!("Validate_command {}", f.how))
    } else {
        Err(format!("{out}\nValidate_command {}", f.how))
    }
}
