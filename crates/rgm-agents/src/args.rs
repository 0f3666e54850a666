//! A method's command line, as rt_callbacks(1HA) gives it: `-R resource -T type -G group
//! [-Z zone]`, and for VALIDATE also `-c | -u` and the `-r`, `-x`, `-g` and `-X` values.

use std::collections::BTreeMap;

/// What a method was called for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodArgs {
    pub resource: String,
    pub rtype: String,
    pub group: String,
    /// VALIDATE only: `Some(true)` for `-c` (create), `Some(false)` for `-u` (update).
    pub creating: Option<bool>,
    /// `-r name=value`: system properties (VALIDATE).
    pub system: BTreeMap<String, String>,
    /// `-x name=value`: extension properties (VALIDATE).
    pub extension: BTreeMap<String, String>,
    /// `-g name=value`: group properties (VALIDATE).
    pub group_props: BTreeMap<String, String>,
}

impl MethodArgs {
    /// Parses argv\[1..\]. Unknown options are an error, so a wrong call is seen at once.
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<MethodArgs, String> {
        let mut out = MethodArgs::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            match flag.as_str() {
                "-c" => out.creating = Some(true),
                "-u" => out.creating = Some(false),
                "-R" | "-T" | "-G" | "-Z" | "-r" | "-x" | "-g" | "-X" => {
                    let value = args
                        .next()
                        .ok_or_else(|| format!("option {flag} needs a value"))?;
                    match flag.as_str() {
                        "-R" => out.resource = value,
                        "-T" => out.rtype = value,
                        "-G" => out.group = value,
                        "-Z" => {}
                        "-X" => {}
                        _ => {
                            let (k, v) = value
                                .split_once('=')
                                .ok_or_else(|| format!("{flag} {value}: not NAME=VALUE"))?;
                            let map = match flag.as_str() {
                                "-r" => &mut out.system,
                                "-x" => &mut out.extension,
                                _ => &mut out.group_props,
                            };
                            map.insert(k.to_string(), v.to_string());
                        }
                    }
                }
                other => return Err(format!("unexpected argument {other}")),
            }
        }
        if out.resource.is_empty() || out.rtype.is_empty() || out.group.is_empty() {
            return Err("usage: METHOD -R resource -T type -G group".to_string());
        }
        Ok(out)
    }

    /// Whether this is a VALIDATE call.
    pub fn is_validate(&self) -> bool {
        self.creating.is_some()
    }

    /// The arguments that name the resource again (`-R r -T t -G g`), for the programs a
    /// method starts.
    pub fn standard(&self) -> Vec<String> {
        rgm_exec::standard_args(&self.resource, &self.rtype, &self.group, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[&str]) -> Result<MethodArgs, String> {
        MethodArgs::parse(s.iter().map(|s| s.to_string()))
    }

    #[test]
    fn standard_and_validate_forms() {
        let a = parse(&["-R", "r", "-T", "T.t:1", "-G", "g"]).unwrap();
        assert_eq!((a.resource.as_str(), a.group.as_str()), ("r", "g"));
        assert!(!a.is_validate());
        let v = parse(&[
            "-c",
            "-R",
            "r",
            "-T",
            "t",
            "-G",
            "g",
            "-r",
            "Retry_count=2",
            "-x",
            "Start_command=a,b",
            "-g",
            "Nodelist=n1",
            "-X",
            "P{1}=v",
        ])
        .unwrap();
        assert_eq!(v.creating, Some(true));
        assert_eq!(v.system["Retry_count"], "2");
        assert_eq!(v.extension["Start_command"], "a,b");
        assert_eq!(v.group_props["Nodelist"], "n1");
    }

    #[test]
    fn wrong_calls_say_why() {
        assert!(parse(&["-R", "r"]).unwrap_err().contains("usage"));
        assert!(parse(&["-R"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["-R", "r", "-T", "t", "-G", "g", "-x", "novalue"]).is_err());
        assert!(parse(&["-R", "r", "-T", "t", "-G", "g", "extra"]).is_err());
    }
}
