//! An OCF resource agent's meta-data (`AGENT meta-data`, the OCF resource agent API §5): its
//! parameters and its actions with their advised timeouts and intervals.

/// One `<parameter>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub required: bool,
    pub unique: bool,
    /// Changing it needs no restart (`reloadable="1"`, OCF 1.1).
    pub reloadable: bool,
    /// `<content type="...">`: string, integer, boolean, select, ... (as written).
    pub ty: String,
    pub default: Option<String>,
    /// The `<option value>`s of a `select`.
    pub options: Vec<String>,
    pub shortdesc: String,
    pub longdesc: String,
}

/// One `<action>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub name: String,
    /// `timeout`, in seconds.
    pub timeout: Option<u64>,
    /// `interval`, in seconds.
    pub interval: Option<u64>,
    /// `depth` (OCF_CHECK_LEVEL of a monitor).
    pub depth: Option<u64>,
    /// `role` (for promotable resources).
    pub role: Option<String>,
}

/// The whole meta-data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaData {
    pub name: String,
    /// The agent's own version (`<resource-agent version>`), if given.
    pub version: Option<String>,
    pub shortdesc: String,
    pub longdesc: String,
    pub parameters: Vec<Parameter>,
    pub actions: Vec<Action>,
}

impl MetaData {
    /// Parses meta-data XML; the error says what is wrong.
    pub fn parse(xml: &str) -> Result<MetaData, String> {
        let doc = roxmltree::Document::parse_with_options(
            xml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .map_err(|e| format!("the meta-data is not XML: {e}"))?;
        let root = doc.root_element();
        if root.tag_name().name() != "resource-agent" {
            return Err(format!(
                "the meta-data's root element is <{}>, not <resource-agent>",
                root.tag_name().name()
            ));
        }
        let name = root.attribute("name").unwrap_or_default().to_string();
        let text = |n: Option<roxmltree::Node<'_, '_>>| {
            n.and_then(|n| n.text())
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        let mut parameters = Vec::new();
        if let Some(params) = child(root, "parameters") {
            for p in params
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "parameter")
            {
                let content = child(p, "content");
                let options = content
                    .map(|c| {
                        c.children()
                            .filter(|o| o.is_element() && o.tag_name().name() == "option")
                            .filter_map(|o| o.attribute("value").map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                parameters.push(Parameter {
                    name: p
                        .attribute("name")
                        .ok_or("a <parameter> has no name")?
                        .to_string(),
                    required: flag(p.attribute("required")),
                    unique: flag(p.attribute("unique")) || p.attribute("unique-group").is_some(),
                    reloadable: flag(p.attribute("reloadable")),
                    ty: content
                        .and_then(|c| c.attribute("type"))
                        .unwrap_or("string")
                        .to_string(),
                    default: content
                        .and_then(|c| c.attribute("default"))
                        .map(str::to_string),
                    options,
                    shortdesc: text(child(p, "shortdesc")),
                    longdesc: text(child(p, "longdesc")),
                });
            }
        }
        let mut actions = Vec::new();
        if let Some(list) = child(root, "actions") {
            for a in list
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "action")
            {
                let Some(name) = a.attribute("name") else {
                    continue;
                };
                actions.push(Action {
                    name: name.to_string(),
                    timeout: a.attribute("timeout").and_then(seconds),
                    interval: a.attribute("interval").and_then(seconds),
                    depth: a.attribute("depth").and_then(|d| d.trim().parse().ok()),
                    role: a.attribute("role").map(str::to_string),
                });
            }
        }
        Ok(MetaData {
            name,
            version: root.attribute("version").map(str::to_string),
            shortdesc: text(child(root, "shortdesc")),
            longdesc: text(child(root, "longdesc")),
            parameters,
            actions,
        })
    }

    /// The action named `name` (for `monitor`, the one without a role, else the first).
    pub fn action(&self, name: &str) -> Option<&Action> {
        let mut all = self.actions.iter().filter(|a| a.name == name);
        let first = all.clone().next();
        all.find(|a| a.role.is_none()).or(first)
    }

    pub fn has(&self, name: &str) -> bool {
        self.actions.iter().any(|a| a.name == name)
    }
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == tag)
}

fn flag(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("1" | "true" | "yes"))
}

/// A Pacemaker duration (`20s`, `20`, `2m`, `2min`, `1h`, `500ms`) in whole seconds, rounded
/// up.
pub fn seconds(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().ok()?;
    let ms = match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => n * 1000,
        "ms" | "msec" | "msecs" => n,
        "m" | "min" | "mins" | "minute" | "minutes" => n * 60_000,
        "h" | "hr" | "hrs" | "hour" | "hours" => n * 3_600_000,
        _ => return None,
    };
    Some(ms.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Toy" version="1.2">
<version>1.0</version>
<longdesc lang="en">A toy
 agent.</longdesc>
<shortdesc lang="en">Toy</shortdesc>
<parameters>
<parameter name="state" unique="1" required="1">
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/run/x"/>
</parameter>
<parameter name="mode" reloadable="1">
<content type="select" default="a"><option value="a"/><option value="b"/></content>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="monitor" timeout="20" interval="9s" role="Promoted"/>
<action name="monitor" timeout="2min" interval="10s" depth="0"/>
</actions>
</resource-agent>"#;

    #[test]
    fn reads_parameters_and_actions() {
        let m = MetaData::parse(XML).unwrap();
        assert_eq!(m.name, "Toy");
        assert_eq!(m.version.as_deref(), Some("1.2"));
        assert_eq!(m.longdesc, "A toy agent.");
        assert_eq!(m.parameters.len(), 2);
        let state = &m.parameters[0];
        assert!(state.required && state.unique && !state.reloadable);
        assert_eq!(state.default.as_deref(), Some("/run/x"));
        assert_eq!(m.parameters[1].options, ["a", "b"]);
        let monitor = m.action("monitor").unwrap();
        assert_eq!((monitor.timeout, monitor.interval), (Some(120), Some(10)));
        assert_eq!(m.action("start").unwrap().timeout, Some(20));
        assert!(!m.has("stop"));
    }

    #[test]
    fn bad_meta_data_says_why() {
        assert!(MetaData::parse("not xml").unwrap_err().contains("not XML"));
        assert!(MetaData::parse("<x/>").unwrap_err().contains("<x>"));
    }

    #[test]
    fn durations() {
        assert_eq!(seconds("20s"), Some(20));
        assert_eq!(seconds("20"), Some(20));
        assert_eq!(seconds("2min"), Some(120));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("500ms"), Some(1));
        assert_eq!(seconds("x"), None);
    }
}
