//! Why the model refuses a change: [`ConfigError`], naming the object and property at fault,
//! and the `SCHA_ERR_*` number each kind maps to (the documented exit codes of the commands).

use std::fmt;

use serde::{Deserialize, Serialize};

use rtreg::ValueError;

/// A cluster object a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Object {
    Cluster,
    Node(String),
    ResourceType(String),
    ResourceGroup(String),
    Resource(String),
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::Cluster => f.write_str("cluster"),
            Object::Node(n) => write!(f, "node {n}"),
            Object::ResourceType(t) => write!(f, "resource type {t}"),
            Object::ResourceGroup(g) => write!(f, "resource group {g}"),
            Object::Resource(r) => write!(f, "resource {r}"),
        }
    }
}

/// The `scha_err_t` numbers (reference §g.7): the exit status of every `scha_*` command and the
/// error class of every refused request. These numbers are a documented contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    NoErr = 0,
    NoMem = 1,
    Handle = 2,
    Inval = 3,
    Tag = 4,
    Reconf = 5,
    Access = 6,
    SeqId = 7,
    Depend = 8,
    State = 9,
    Method = 10,
    Node = 11,
    Rg = 12,
    Rt = 13,
    Rsrc = 14,
    Prop = 15,
    Checks = 16,
    RStatus = 17,
    Internal = 18,
}

impl ErrorCode {
    /// The number, as a process exit status.
    pub fn number(self) -> i32 {
        self as i32
    }

    /// The `SCHA_ERR_*` symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            ErrorCode::NoErr => "SCHA_ERR_NOERR",
            ErrorCode::NoMem => "SCHA_ERR_NOMEM",
            ErrorCode::Handle => "SCHA_ERR_HANDLE",
            ErrorCode::Inval => "SCHA_ERR_INVAL",
            ErrorCode::Tag => "SCHA_ERR_TAG",
            ErrorCode::Reconf => "SCHA_ERR_RECONF",
            ErrorCode::Access => "SCHA_ERR_ACCESS",
            ErrorCode::SeqId => "SCHA_ERR_SEQID",
            ErrorCode::Depend => "SCHA_ERR_DEPEND",
            ErrorCode::State => "SCHA_ERR_STATE",
            ErrorCode::Method => "SCHA_ERR_METHOD",
            ErrorCode::Node => "SCHA_ERR_NODE",
            ErrorCode::Rg => "SCHA_ERR_RG",
            ErrorCode::Rt => "SCHA_ERR_RT",
            ErrorCode::Rsrc => "SCHA_ERR_RSRC",
            ErrorCode::Prop => "SCHA_ERR_PROP",
            ErrorCode::Checks => "SCHA_ERR_CHECKS",
            ErrorCode::RStatus => "SCHA_ERR_RSTATUS",
            ErrorCode::Internal => "SCHA_ERR_INTERNAL",
        }
    }
}

/// One reason a configuration change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    pub object: Object,
    pub property: Option<String>,
    pub kind: ErrorKind,
}

impl ConfigError {
    pub fn new(object: Object, kind: ErrorKind) -> ConfigError {
        ConfigError {
            object,
            property: None,
            kind,
        }
    }

    pub fn on_property(object: Object, property: &str, kind: ErrorKind) -> ConfigError {
        ConfigError {
            object,
            property: Some(property.to_string()),
            kind,
        }
    }

    /// The error class, as a `SCHA_ERR_*` number.
    pub fn code(&self) -> ErrorCode {
        use ErrorKind as K;
        match &self.kind {
            K::NotFound => match self.object {
                Object::Node(_) => ErrorCode::Node,
                Object::ResourceType(_) => ErrorCode::Rt,
                Object::ResourceGroup(_) => ErrorCode::Rg,
                Object::Resource(_) => ErrorCode::Rsrc,
                Object::Cluster => ErrorCode::Inval,
            },
            K::UnknownProperty { .. }
            | K::BadValue { .. }
            | K::NotTunable { .. }
            | K::QueryOnly
            | K::NotAnArray
            | K::NotPerNode
            | K::ElementNotPresent { .. }
            | K::MissingRequired
            | K::BadEdit { .. } => ErrorCode::Prop,
            K::NodeNotInCluster { .. } | K::NodeNotInstalled { .. } => ErrorCode::Node,
            K::UnknownReference { .. }
            | K::DependencyCycle { .. }
            | K::DependedOn { .. }
            | K::RgDependencyDesiredPrimaries { .. }
            | K::RgDependencyAutoStart { .. }
            | K::BadDependency { .. }
            | K::BadAffinity { .. }
            | K::SelfReference => ErrorCode::Depend,
            K::TypeInUse { .. }
            | K::NodeInUse { .. }
            | K::GroupNotEmpty { .. }
            | K::Protected { .. }
            | K::WrongState { .. } => ErrorCode::State,
            K::InvalidName { .. }
            | K::AlreadyExists
            | K::Ambiguous { .. }
            | K::DesiredAboveMaximum { .. }
            | K::MaximumAboveNodelist { .. }
            | K::FailoverTypeInScalableGroup { .. }
            | K::SingleInstance { .. }
            | K::Upgrade { .. } => ErrorCode::Inval,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.property {
            Some(p) => write!(f, "{}, property {p}: {}", self.object, self.kind),
            None => write!(f, "{}: {}", self.object, self.kind),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What is wrong. The texts are written to follow `<object>, property <p>: `.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ErrorKind {
    #[error("{reason}")]
    InvalidName { reason: String },
    #[error("already exists")]
    AlreadyExists,
    #[error("does not exist")]
    NotFound,
    #[error("the name is ambiguous; it could be {candidates}")]
    Ambiguous { candidates: String },
    #[error("no such property{}", suggestion.as_ref().map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
    UnknownProperty { suggestion: Option<String> },
    /// The text of an `rtreg::ValueError` (type, bounds, length or enum member).
    #[error("{message}")]
    BadValue { message: String },
    #[error("{reason}")]
    BadEdit { reason: String },
    #[error("{reason}")]
    NotTunable { reason: String },
    #[error("is maintained by the RGM and cannot be set")]
    QueryOnly,
    #[error("is not a STRINGARRAY, so += and -= do not apply")]
    NotAnArray,
    #[error("is not a per-node property, so it takes no {{node}} list")]
    NotPerNode,
    #[error("`{element}` is not in the current value")]
    ElementNotPresent { element: String },
    #[error("has no default and must be given when the resource is created")]
    MissingRequired,
    #[error("Desired_primaries ({desired}) is greater than Maximum_primaries ({maximum})")]
    DesiredAboveMaximum { desired: i64, maximum: i64 },
    #[error("Maximum_primaries ({maximum}) is greater than the {nodes} node(s) of Nodelist")]
    MaximumAboveNodelist { maximum: i64, nodes: usize },
    #[error(
        "type {rtype} is a failover type (Failover=TRUE) and cannot be in a group with Maximum_primaries {maximum}"
    )]
    FailoverTypeInScalableGroup { rtype: String, maximum: i64 },
    #[error("type {rtype} is Single_instance and already has resource {existing}")]
    SingleInstance { rtype: String, existing: String },
    #[error("node {node} is not a cluster node")]
    NodeNotInCluster { node: String },
    #[error("node {node} is not in Installed_nodes of type {rtype} (used by resource {resource})")]
    NodeNotInstalled {
        node: String,
        rtype: String,
        resource: String,
    },
    #[error("still has resources: {resources}")]
    TypeInUse { resources: String },
    #[error("still has resources: {resources} (delete them first, or use -F)")]
    GroupNotEmpty { resources: String },
    #[error("{reason}")]
    Protected { reason: String },
    #[error("{reason}")]
    WrongState { reason: String },
    #[error("{dependents} depend(s) on it")]
    DependedOn { dependents: String },
    #[error("names {what} {name}, which does not exist")]
    UnknownReference { what: String, name: String },
    #[error("cannot refer to itself")]
    SelfReference,
    #[error("`{entry}`: {reason}")]
    BadDependency { entry: String, reason: String },
    #[error("`{entry}`: {reason}")]
    BadAffinity { entry: String, reason: String },
    #[error("would make a dependency cycle: {}", cycle.join(" -> "))]
    DependencyCycle { cycle: Vec<String> },
    #[error(
        "depends on group {other}, which has Desired_primaries 0, so this group cannot have Desired_primaries above 0"
    )]
    RgDependencyDesiredPrimaries { other: String },
    #[error(
        "depends on group {other}, which has Auto_start_on_new_cluster FALSE, so this group cannot have it TRUE"
    )]
    RgDependencyAutoStart { other: String },
    #[error("{reason}")]
    Upgrade { reason: String },
    #[error("is named in {uses}; take it out of them first")]
    NodeInUse { uses: String },
}

impl From<ValueError> for ErrorKind {
    fn from(e: ValueError) -> Self {
        ErrorKind::BadValue {
            message: e.to_string(),
        }
    }
}

/// Several problems found at once, in the order they were found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn push(&mut self, e: ConfigError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when nothing was found, else all the problems.
    pub fn into_result<T>(self, v: T) -> Result<T, ConfigErrors> {
        if self.0.is_empty() { Ok(v) } else { Err(self) }
    }

    /// The class of the first problem.
    pub fn code(&self) -> ErrorCode {
        self.0
            .first()
            .map(ConfigError::code)
            .unwrap_or(ErrorCode::NoErr)
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
