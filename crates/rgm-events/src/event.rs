//! The events of the seed and their arguments. ctdb-eventd itself runs any word as an event
//! (ctdbd checks the arguments); rgm checks both where the request comes in, so a typo is an
//! error instead of every script being run with a meaningless `$1`.

/// Every event, with the names of its arguments.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("init", &[]),
    ("setup", &[]),
    ("startup", &[]),
    ("shutdown", &[]),
    ("monitor", &[]),
    ("startrecovery", &[]),
    ("recovered", &[]),
    ("takeip", &["IFACE", "IP", "MASKBITS"]),
    ("releaseip", &["IFACE", "IP", "MASKBITS"]),
    ("updateip", &["OLD-IFACE", "NEW-IFACE", "IP", "MASKBITS"]),
    ("ipreallocated", &[]),
];

/// `monitor`: the event a new event cancels.
pub const MONITOR: &str = "monitor";

/// Checks an event's name and arguments; the error names what is wrong and what is expected.
pub fn check(event: &str, args: &[String]) -> Result<(), String> {
    let Some((_, names)) = EVENTS.iter().find(|(e, _)| *e == event) else {
        let known: Vec<&str> = EVENTS.iter().map(|(e, _)| *e).collect();
        return Err(format!(
            "unknown event {event:?}: the events are {}",
            known.join(", ")
        ));
    };
    if args.len() != names.len() {
        return Err(if names.is_empty() {
            format!(
                "event {event} takes no arguments, not {} ({})",
                args.len(),
                args.join(" ")
            )
        } else {
            format!(
                "event {event} takes {} arguments ({}), not {}",
                names.len(),
                names.join(" "),
                args.len()
            )
        });
    }
    if let Some(bad) = args.iter().find(|a| a.is_empty() || a.contains('\0')) {
        return Err(format!(
            "event {event}: argument {bad:?} is empty or holds a NUL"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn events_and_their_arguments() {
        assert!(check("monitor", &[]).is_ok());
        assert!(check("takeip", &args(&["eth0", "10.0.0.5", "24"])).is_ok());
        assert!(check("updateip", &args(&["eth0", "eth1", "10.0.0.5", "24"])).is_ok());
        let e = check("takeip", &args(&["eth0"])).unwrap_err();
        assert_eq!(
            e,
            "event takeip takes 3 arguments (IFACE IP MASKBITS), not 1"
        );
        let e = check("monitor", &args(&["x"])).unwrap_err();
        assert!(e.contains("takes no arguments"), "{e}");
        let e = check("bogus", &[]).unwrap_err();
        assert!(
            e.starts_with("unknown event \"bogus\": the events are init, setup"),
            "{e}"
        );
        assert!(check("takeip", &args(&["eth0", "", "24"])).is_err());
    }
}
