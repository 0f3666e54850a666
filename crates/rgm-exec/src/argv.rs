//! Command lines of callback methods, as the rt_callbacks(1HA) page lays them out.
//!
//! Every method but VALIDATE is called as
//! `method-path -R resource -T type -G group [-Z zonename]`; VALIDATE as
//! `validate-path -c|-u -R resource -T type -G group [-r prop=val]... [-x prop=val]...
//! [-g prop=val]... [-Z zonename] [-X prop{nodeid}=val]...`.
//!
//! Each option letter and each value is its own argv element. Nothing is quoted or escaped:
//! the launcher hands these strings to `execve` directly, so no shell ever parses a value and a
//! value with spaces, quotes, `;`, `$()` or newlines reaches the method exactly as given.

/// `-R resource -T type -G group`, plus `-Z zonename` when `zone` is given.
///
/// `type_name` is the full type name `Vendor_id.Resource_type:RT_version`. Pass a zone only
/// where the type has `Global_zone=TRUE` and the group runs in a named (non-global) zone.
pub fn standard_args(
    resource: &str,
    type_name: &str,
    group: &str,
    zone: Option<&str>,
) -> Vec<String> {
    let mut args = Vec::with_capacity(8);
    push_identity(&mut args, resource, type_name, group);
    if let Some(zone) = zone {
        args.push("-Z".to_owned());
        args.push(zone.to_owned());
    }
    args
}

fn push_identity(args: &mut Vec<String>, resource: &str, type_name: &str, group: &str) {
    for (flag, value) in [("-R", resource), ("-T", type_name), ("-G", group)] {
        args.push(flag.to_owned());
        args.push(value.to_owned());
    }
}

/// Joins the elements of an array property the way callbacks receive them: with commas,
/// nothing quoted.
pub fn join_array<S: AsRef<str>>(values: &[S]) -> String {
    let mut joined = String::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            joined.push(',');
        }
        joined.push_str(value.as_ref());
    }
    joined
}

/// The name under which a resource dependency property is passed with its qualifiers.
///
/// `Resource_dependencies` becomes `Resource_dependencies_Q`, and the `_weak`, `_restart` and
/// `_offline_restart` variants become `Resource_dependencies_Q_weak` and so on. Matching is
/// case-insensitive; any other name gives `None`.
pub fn qualified_dependency_name(name: &str) -> Option<String> {
    const BASE: &str = "resource_dependencies";
    let lower = name.to_ascii_lowercase();
    let rest = lower.strip_prefix(BASE)?;
    match rest {
        "" | "_weak" | "_restart" | "_offline_restart" => {
            let (base, suffix) = name.split_at(BASE.len());
            Some(format!("{base}_Q{suffix}"))
        }
        _ => None,
    }
}

/// Why VALIDATE is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidateMode {
    /// `-c`: the resource is being created; every property is passed.
    Create,
    /// `-u`: the resource or its group is being updated; only the changed properties are passed.
    Update,
}

/// Builds the argv of a VALIDATE call.
///
/// Properties keep the order in which they are added within each kind; the kinds come out in
/// the order of the synopsis: `-r`, `-x`, `-g`, `-Z`, `-X`.
#[derive(Debug, Clone)]
pub struct ValidateArgs {
    mode: ValidateMode,
    resource: String,
    type_name: String,
    group: String,
    system: Vec<String>,
    extension: Vec<String>,
    group_props: Vec<String>,
    zone: Option<String>,
    per_node: Vec<String>,
}

impl ValidateArgs {
    /// Starts a VALIDATE command line for `resource` of type `type_name` in `group`.
    pub fn new(mode: ValidateMode, resource: &str, type_name: &str, group: &str) -> Self {
        ValidateArgs {
            mode,
            resource: resource.to_owned(),
            type_name: type_name.to_owned(),
            group: group.to_owned(),
            system: Vec::new(),
            extension: Vec::new(),
            group_props: Vec::new(),
            zone: None,
            per_node: Vec::new(),
        }
    }

    /// `-r name=value`: a system-defined resource property.
    pub fn system(mut self, name: &str, value: &str) -> Self {
        self.system.push(assignment(name, value));
        self
    }

    /// `-r name=a,b,c`: a system-defined array property, comma-joined.
    pub fn system_array<S: AsRef<str>>(self, name: &str, values: &[S]) -> Self {
        let joined = join_array(values);
        self.system(name, &joined)
    }

    /// A resource dependency property, passed twice as the rt_callbacks page requires:
    /// `-r name=<dependencies that apply on this node, plain names>` and
    /// `-r name_Q=<the whole list with its qualifiers>`.
    ///
    /// `name` must be one of the four `Resource_dependencies*` properties; any other name is
    /// passed once, plainly, with the `local` list.
    pub fn dependency<S: AsRef<str>, T: AsRef<str>>(
        self,
        name: &str,
        local: &[S],
        qualified: &[T],
    ) -> Self {
        let with_local = self.system_array(name, local);
        match qualified_dependency_name(name) {
            Some(q_name) => with_local.system_array(&q_name, qualified),
            None => with_local,
        }
    }

    /// `-x name=value`: an extension property's value for this node.
    pub fn extension(mut self, name: &str, value: &str) -> Self {
        self.extension.push(assignment(name, value));
        self
    }

    /// `-x name=a,b,c`: an extension array property, comma-joined.
    pub fn extension_array<S: AsRef<str>>(self, name: &str, values: &[S]) -> Self {
        let joined = join_array(values);
        self.extension(name, &joined)
    }

    /// `-X name{nodeid}=value`: a per-node extension property's value on node `node_id`.
    pub fn per_node(mut self, name: &str, node_id: u32, value: &str) -> Self {
        self.per_node.push(format!("{name}{{{node_id}}}={value}"));
        self
    }

    /// `-g name=value`: a resource group property.
    pub fn group_property(mut self, name: &str, value: &str) -> Self {
        self.group_props.push(assignment(name, value));
        self
    }

    /// `-g name=a,b,c`: a resource group array property, comma-joined.
    pub fn group_property_array<S: AsRef<str>>(self, name: &str, values: &[S]) -> Self {
        let joined = join_array(values);
        self.group_property(name, &joined)
    }

    /// `-Z zonename`: only where the type has `Global_zone=TRUE` and the group runs in a zone.
    pub fn zone(mut self, zone: &str) -> Self {
        self.zone = Some(zone.to_owned());
        self
    }

    /// The argv elements after the program path.
    pub fn build(self) -> Vec<String> {
        let mut args = Vec::with_capacity(
            8 + 2
                * (self.system.len()
                    + self.extension.len()
                    + self.group_props.len()
                    + self.per_node.len()),
        );
        args.push(
            match self.mode {
                ValidateMode::Create => "-c",
                ValidateMode::Update => "-u",
            }
            .to_owned(),
        );
        push_identity(&mut args, &self.resource, &self.type_name, &self.group);
        for (flag, values) in [
            ("-r", self.system),
            ("-x", self.extension),
            ("-g", self.group_props),
        ] {
            for value in values {
                args.push(flag.to_owned());
                args.push(value);
            }
        }
        if let Some(zone) = self.zone {
            args.push("-Z".to_owned());
            args.push(zone);
        }
        for value in self.per_node {
            args.push("-X".to_owned());
            args.push(value);
        }
        args
    }
}

fn assignment(name: &str, value: &str) -> String {
    let mut s = String::with_capacity(name.len() + 1 + value.len());
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_without_zone() {
        assert_eq!(
            standard_args("web-rs", "SUNW.apache:4", "web-rg", None),
            ["-R", "web-rs", "-T", "SUNW.apache:4", "-G", "web-rg"]
        );
    }

    #[test]
    fn standard_with_zone() {
        assert_eq!(
            standard_args("r", "V.t:1", "g", Some("z1")),
            ["-R", "r", "-T", "V.t:1", "-G", "g", "-Z", "z1"]
        );
    }

    #[test]
    fn validate_in_synopsis_order() {
        let args = ValidateArgs::new(ValidateMode::Create, "r", "V.t:1", "g")
            .per_node("Port", 2, "8080")
            .group_property("Nodelist", "n1,n2")
            .extension("Confdir", "/etc/x y")
            .system("Retry_count", "2")
            .zone("z")
            .build();
        assert_eq!(
            args,
            [
                "-c",
                "-R",
                "r",
                "-T",
                "V.t:1",
                "-G",
                "g",
                "-r",
                "Retry_count=2",
                "-x",
                "Confdir=/etc/x y",
                "-g",
                "Nodelist=n1,n2",
                "-Z",
                "z",
                "-X",
                "Port{2}=8080",
            ]
        );
    }

    #[test]
    fn update_flag() {
        let args = ValidateArgs::new(ValidateMode::Update, "r", "t", "g").build();
        assert_eq!(args[0], "-u");
        assert_eq!(args.len(), 7);
    }

    #[test]
    fn dependencies_are_passed_twice() {
        let args = ValidateArgs::new(ValidateMode::Create, "r", "t", "g")
            .dependency(
                "Resource_dependencies",
                &["r1", "r3", "r4"],
                &["r1@node1", "r2@node2", "r3{local_node}", "r4"],
            )
            .dependency("Resource_dependencies_weak", &[] as &[&str], &[] as &[&str])
            .build();
        assert_eq!(
            &args[7..],
            [
                "-r",
                "Resource_dependencies=r1,r3,r4",
                "-r",
                "Resource_dependencies_Q=r1@node1,r2@node2,r3{local_node},r4",
                "-r",
                "Resource_dependencies_weak=",
                "-r",
                "Resource_dependencies_Q_weak=",
            ]
        );
    }

    #[test]
    fn qualified_names() {
        let q = |n| qualified_dependency_name(n);
        assert_eq!(
            q("Resource_dependencies").unwrap(),
            "Resource_dependencies_Q"
        );
        assert_eq!(
            q("Resource_dependencies_offline_restart").unwrap(),
            "Resource_dependencies_Q_offline_restart"
        );
        assert_eq!(
            q("RESOURCE_DEPENDENCIES_RESTART").unwrap(),
            "RESOURCE_DEPENDENCIES_Q_RESTART"
        );
        assert_eq!(q("Resource_dependencies_Q"), None);
        assert_eq!(q("Network_resources_used"), None);
    }

    #[test]
    fn hostile_values_stay_single_elements() {
        let hostile = "a b 'c' \"d\"; $(rm -rf /) `x`\nnext";
        let args = ValidateArgs::new(ValidateMode::Create, hostile, "t", "g")
            .extension("P", hostile)
            .build();
        assert_eq!(args[2], hostile);
        assert_eq!(args[8], format!("P={hostile}"));
        assert_eq!(args.len(), 9);
    }

    #[test]
    fn arrays_are_comma_joined() {
        assert_eq!(join_array(&["a", "b c", "d"]), "a,b c,d");
        assert_eq!(join_array::<&str>(&[]), "");
    }
}
