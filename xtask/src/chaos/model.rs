//! What the chaos harness knows of the configuration: every fact an acknowledged command
//! established (it must be there after any crash), untouched by refused commands (a refused
//! change must never show), and unknown after a command whose answer was lost with rgmd (either
//! outcome is right; what rgmd shows then is learnt).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// A fact: known, or unknown since a command whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<T> {
    Known(T),
    Unknown,
}

impl<T: PartialEq + fmt::Debug + Clone> Fact<T> {
    /// Compares with what rgmd shows: a known fact must match; an unknown one is learnt.
    fn check(&mut self, actual: &T, what: impl Fn() -> String, violations: &mut Vec<String>) {
        if let Fact::Known(expected) = self
            && expected != actual
        {
            violations.push(format!(
                "{}: expected {expected:?}, rgmd has {actual:?}",
                what()
            ));
        }
        *self = Fact::Known(actual.clone());
    }
}

/// An administrator's command of the harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Online(String),
    Offline(String),
    Switch(String),
    Restart(String),
    CreateGroup(String),
    DeleteGroup(String),
    CreateResource { name: String, group: String },
    DeleteResource(String),
    SetLabel { resource: String, label: String },
    Disable(String),
    Enable(String),
}

impl Op {
    /// The command and its arguments.
    pub fn argv(&self) -> (&'static str, Vec<String>) {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        match self {
            Op::Online(g) => ("clresourcegroup", s(&["online", "-M", g])),
            Op::Offline(g) => ("clresourcegroup", s(&["offline", g])),
            Op::Switch(g) => ("clresourcegroup", s(&["switch", "-M", "-n", "node1", g])),
            Op::Restart(g) => ("clresourcegroup", s(&["restart", g])),
            Op::CreateGroup(g) => ("clresourcegroup", s(&["create", g])),
            Op::DeleteGroup(g) => ("clresourcegroup", s(&["delete", g])),
            Op::CreateResource { name, group } => (
                "clresource",
                s(&["create", "-g", group, "-t", "CHAOS.lock", name]),
            ),
            Op::DeleteResource(r) => ("clresource", s(&["delete", r])),
            Op::SetLabel { resource, label } => (
                "clresource",
                s(&["set", "-p", &format!("Label={label}"), resource]),
            ),
            Op::Disable(r) => ("clresource", s(&["disable", r])),
            Op::Enable(r) => ("clresource", s(&["enable", r])),
        }
    }
}

impl Op {
    /// Whether a refusal of the command may still have changed something: the commands that
    /// change the configuration and then run methods (online -M manages the group, then
    /// brings it online; disable stops the resource) fail when the methods' part does, with
    /// the configuration changed. The others are all or nothing.
    fn partial(&self) -> bool {
        matches!(
            self,
            Op::Online(_) | Op::Switch(_) | Op::Offline(_) | Op::Disable(_) | Op::Enable(_)
        )
    }

    /// The group or resource the command changes.
    pub fn object(&self) -> &str {
        match self {
            Op::Online(g)
            | Op::Offline(g)
            | Op::Switch(g)
            | Op::Restart(g)
            | Op::CreateGroup(g)
            | Op::DeleteGroup(g) => g,
            Op::CreateResource { name, .. } => name,
            Op::DeleteResource(r) | Op::Disable(r) | Op::Enable(r) => r,
            Op::SetLabel { resource, .. } => resource,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cmd, args) = self.argv();
        write!(f, "{cmd} {}", args.join(" "))
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Exit 0: acknowledged, durable.
    Done,
    /// Refused by rgmd: nothing changed.
    Refused,
    /// No answer (rgmd died, exit 18): it may or may not have happened.
    Lost,
}

impl Answer {
    /// From a command's exit status: 18 (SCHA_ERR_INTERNAL) is an rgmd that could not be
    /// reached or did not answer.
    pub fn of(code: i32) -> Answer {
        match code {
            0 => Answer::Done,
            18 | -1 => Answer::Lost,
            _ => Answer::Refused,
        }
    }
}

#[derive(Debug, Clone)]
struct Group {
    exists: Fact<bool>,
    managed: Fact<bool>,
    wanted: Fact<bool>,
}

#[derive(Debug, Clone)]
struct Resource {
    exists: Fact<bool>,
    group: String,
    enabled: Fact<bool>,
    label: Fact<String>,
}

/// The facts.
#[derive(Debug, Clone, Default)]
pub struct Model {
    groups: BTreeMap<String, Group>,
    resources: BTreeMap<String, Resource>,
}

impl Model {
    /// Groups and resources that may exist (for choosing commands).
    pub fn groups(&self) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, g)| g.exists != Fact::Known(false))
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn resources(&self) -> Vec<String> {
        self.resources
            .iter()
            .filter(|(_, r)| r.exists != Fact::Known(false))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Whether group `g` is known to be wanted online (true), offline (false), or unknown.
    pub fn wanted(&self, g: &str) -> Option<bool> {
        match self.groups.get(g).map(|x| &x.wanted) {
            Some(Fact::Known(w)) => Some(*w),
            _ => None,
        }
    }

    /// What `op` answered `answer` establishes.
    pub fn apply(&mut self, op: &Op, answer: Answer) {
        let answer = match answer {
            Answer::Refused if op.partial() => Answer::Lost,
            Answer::Refused => return,
            other => other,
        };
        let fact = |v: bool| match answer {
            Answer::Done => Fact::Known(v),
            _ => Fact::Unknown,
        };
        let known = answer == Answer::Done;
        match op {
            Op::Online(g) | Op::Switch(g) => {
                let x = self.group(g);
                x.managed = fact(true);
                x.wanted = fact(true);
            }
            Op::Offline(g) => self.group(g).wanted = fact(false),
            Op::Restart(g) => {
                if known {
                    self.group(g).exists = Fact::Known(true);
                }
            }
            Op::CreateGroup(g) => {
                let x = self.group(g);
                x.exists = fact(true);
                x.managed = fact(false);
                x.wanted = fact(false);
            }
            Op::DeleteGroup(g) => self.group(g).exists = fact(false),
            Op::CreateResource { name, group } => {
                let x = self.resources.entry(name.clone()).or_insert(Resource {
                    exists: Fact::Unknown,
                    group: group.clone(),
                    enabled: Fact::Unknown,
                    label: Fact::Unknown,
                });
                x.exists = fact(true);
                x.enabled = fact(true);
                x.label = match answer {
                    Answer::Done => Fact::Known("none".into()),
                    _ => Fact::Unknown,
                };
            }
            Op::DeleteResource(r) => self.resource(r).exists = fact(false),
            Op::SetLabel { resource, label } => {
                self.resource(resource).label = match answer {
                    Answer::Done => Fact::Known(label.clone()),
                    _ => Fact::Unknown,
                }
            }
            Op::Disable(r) => self.resource(r).enabled = fact(false),
            Op::Enable(r) => self.resource(r).enabled = fact(true),
        }
    }

    fn group(&mut self, g: &str) -> &mut Group {
        self.groups.entry(g.to_string()).or_insert(Group {
            exists: Fact::Known(true),
            managed: Fact::Unknown,
            wanted: Fact::Unknown,
        })
    }

    fn resource(&mut self, r: &str) -> &mut Resource {
        self.resources.entry(r.to_string()).or_insert(Resource {
            exists: Fact::Known(true),
            group: String::new(),
            enabled: Fact::Unknown,
            label: Fact::Unknown,
        })
    }

    /// Compares every fact with what rgmd shows (`clrg show -o json`, `clrs show -o json`);
    /// returns the violations, and learns what was unknown.
    pub fn check(&mut self, groups: &Value, resources: &Value) -> Vec<String> {
        let mut v = Vec::new();
        let actual_groups: BTreeMap<String, &Value> = by_name(groups);
        let actual_resources: BTreeMap<String, &Value> = by_name(resources);
        for name in actual_groups.keys() {
            if !self.groups.contains_key(name) {
                v.push(format!("group {name} exists, but no command created it"));
            }
        }
        for name in actual_resources.keys() {
            if !self.resources.contains_key(name) {
                v.push(format!("resource {name} exists, but no command created it"));
            }
        }
        for (name, g) in &mut self.groups {
            let actual = actual_groups.get(name);
            g.exists
                .check(&actual.is_some(), || format!("group {name} exists"), &mut v);
            let Some(actual) = actual else { continue };
            let managed = actual["managed"].as_bool().unwrap_or(false);
            g.managed
                .check(&managed, || format!("group {name} managed"), &mut v);
            let wanted = actual["wanted_online"].as_bool().unwrap_or(false);
            g.wanted
                .check(&wanted, || format!("group {name} wanted online"), &mut v);
        }
        for (name, r) in &mut self.resources {
            let actual = actual_resources.get(name);
            r.exists.check(
                &actual.is_some(),
                || format!("resource {name} exists"),
                &mut v,
            );
            let Some(actual) = actual else { continue };
            let group = actual["group"].as_str().unwrap_or_default();
            if !r.group.is_empty() && r.group != group {
                v.push(format!(
                    "resource {name} is in group {group}, not {}",
                    r.group
                ));
            }
            let enabled = actual["enabled"]["node1"].as_bool().unwrap_or(false);
            r.enabled
                .check(&enabled, || format!("resource {name} enabled"), &mut v);
            let label = actual["properties"]["Label"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            r.label
                .check(&label, || format!("resource {name} Label"), &mut v);
        }
        v
    }
}

fn by_name(list: &Value) -> BTreeMap<String, &Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| Some((x["name"].as_str()?.to_string(), x)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(model: &mut Model, groups: Value, resources: Value) -> Vec<String> {
        model.check(&groups, &resources)
    }

    #[test]
    fn acknowledged_refused_and_lost_commands() {
        let mut m = Model::default();
        m.apply(&Op::CreateGroup("g1".into()), Answer::Done);
        let r1 = Op::CreateResource {
            name: "r1".into(),
            group: "g1".into(),
        };
        m.apply(&r1, Answer::Done);
        m.apply(&Op::DeleteGroup("g1".into()), Answer::Refused);
        m.apply(
            &Op::SetLabel {
                resource: "r1".into(),
                label: "x".into(),
            },
            Answer::Lost,
        );
        let g1 = json!([{"name": "g1", "managed": false, "wanted_online": false}]);
        let r1_with = |label: &str| {
            json!([{"name": "r1", "group": "g1", "enabled": {"node1": true},
                    "properties": {"Label": label}}])
        };
        assert!(shown(&mut m, g1.clone(), r1_with("x")).is_empty());
        // Learnt: from now on Label=x is known.
        let v = shown(&mut m, g1.clone(), r1_with("none"));
        assert_eq!(v, ["resource r1 Label: expected \"x\", rgmd has \"none\""]);
        // An acknowledged resource lost, and one nobody created.
        let v = shown(&mut m, g1, json!([{"name": "r9", "group": "g1"}]));
        assert!(
            v.iter().any(|l| l.contains("r9 exists, but no command")),
            "{v:?}"
        );
        assert!(
            v.iter()
                .any(|l| l.contains("resource r1 exists: expected true")),
            "{v:?}"
        );
    }

    #[test]
    fn answers() {
        assert_eq!(Answer::of(0), Answer::Done);
        assert_eq!(Answer::of(18), Answer::Lost);
        assert_eq!(Answer::of(3), Answer::Refused);
        assert_eq!(
            Op::Switch("g".into()).to_string(),
            "clresourcegroup switch -M -n node1 g"
        );
    }
}
