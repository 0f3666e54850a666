//! The keywords of an RTR file: resource-type (RT) property names (reference §a.4, §b.1) and
//! the attributes of a paramtable block (§a.6), matched case-insensitively.

use crate::spec::{Method, PropertyType};

/// A resource-type property keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RtKeyword {
    ResourceType,
    VendorId,
    RtDescription,
    RtVersion,
    ApiVersion,
    Failover,
    SingleInstance,
    InitNodes,
    InstalledNodes,
    RtBasedir,
    Pkglist,
    RtSystem,
    GlobalZone,
    Proxy,
    SysdefinedType,
    /// `Is_logical_hostname`, `Is_shared_address`, `Resource_list`: maintained by the RGM.
    QueryOnly(&'static str),
    Method(Method),
}

/// The RT properties other than methods, spelt as in rt_properties(5).
const RT_PROPERTIES: [(&str, RtKeyword); 18] = [
    ("Resource_type", RtKeyword::ResourceType),
    ("Vendor_id", RtKeyword::VendorId),
    ("RT_description", RtKeyword::RtDescription),
    ("RT_version", RtKeyword::RtVersion),
    ("API_version", RtKeyword::ApiVersion),
    ("Failover", RtKeyword::Failover),
    ("Single_instance", RtKeyword::SingleInstance),
    ("Init_nodes", RtKeyword::InitNodes),
    ("Installed_nodes", RtKeyword::InstalledNodes),
    ("RT_basedir", RtKeyword::RtBasedir),
    ("Pkglist", RtKeyword::Pkglist),
    ("RT_system", RtKeyword::RtSystem),
    ("Global_zone", RtKeyword::GlobalZone),
    ("Proxy", RtKeyword::Proxy),
    ("Sysdefined_type", RtKeyword::SysdefinedType),
    (
        "Is_logical_hostname",
        RtKeyword::QueryOnly("Is_logical_hostname"),
    ),
    (
        "Is_shared_address",
        RtKeyword::QueryOnly("Is_shared_address"),
    ),
    ("Resource_list", RtKeyword::QueryOnly("Resource_list")),
];

impl RtKeyword {
    pub fn lookup(word: &str) -> Option<RtKeyword> {
        RT_PROPERTIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|&(_, k)| k)
            .or_else(|| Method::from_keyword(word).map(RtKeyword::Method))
    }

    /// The keyword as rt_properties(5) spells it (methods in upper case).
    pub fn name(self) -> &'static str {
        match self {
            RtKeyword::Method(m) => m.keyword(),
            k => RT_PROPERTIES
                .iter()
                .find(|&&(_, other)| other == k)
                .map_or("", |&(name, _)| name),
        }
    }

    /// Every keyword a file may use in its RT section, for suggestions.
    pub fn declarable_names() -> impl Iterator<Item = &'static str> {
        RT_PROPERTIES
            .iter()
            .filter(|(_, k)| !matches!(k, RtKeyword::QueryOnly(_) | RtKeyword::InstalledNodes))
            .map(|&(name, _)| name)
            .chain(Method::ALL.iter().map(|m| m.keyword()))
    }
}

/// A paramtable block attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    Property,
    Extension,
    PerNode,
    Type(PropertyType),
    Default,
    Min,
    Max,
    MinLength,
    MaxLength,
    ArrayMinsize,
    ArrayMaxsize,
    Tunable,
    Description,
}

/// What an attribute is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `EXTENSION;`
    Flag,
    /// `DEFAULT = value;`
    Value,
    /// `ENUM { a, b };`
    Members,
}

/// The attributes, spelt as in rt_reg(4). `INTEGER` is accepted for INT (the documentation's
/// prose calls the type "integer").
const ATTRIBUTES: [(&str, Attr); 18] = [
    ("PROPERTY", Attr::Property),
    ("EXTENSION", Attr::Extension),
    ("PER_NODE", Attr::PerNode),
    ("INT", Attr::Type(PropertyType::Int)),
    ("INTEGER", Attr::Type(PropertyType::Int)),
    ("BOOLEAN", Attr::Type(PropertyType::Boolean)),
    ("STRING", Attr::Type(PropertyType::String)),
    ("STRINGARRAY", Attr::Type(PropertyType::StringArray)),
    ("ENUM", Attr::Type(PropertyType::Enum)),
    ("DEFAULT", Attr::Default),
    ("MIN", Attr::Min),
    ("MAX", Attr::Max),
    ("MINLENGTH", Attr::MinLength),
    ("MAXLENGTH", Attr::MaxLength),
    ("ARRAY_MINSIZE", Attr::ArrayMinsize),
    ("ARRAY_MAXSIZE", Attr::ArrayMaxsize),
    ("TUNABLE", Attr::Tunable),
    ("DESCRIPTION", Attr::Description),
];

impl Attr {
    pub fn lookup(word: &str) -> Option<Attr> {
        ATTRIBUTES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|&(_, a)| a)
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        ATTRIBUTES.iter().map(|&(name, _)| name)
    }

    /// The upper-case keyword (`INT` for either spelling of the type).
    pub fn name(self) -> &'static str {
        match self {
            Attr::Type(t) => t.keyword(),
            a => ATTRIBUTES
                .iter()
                .find(|&&(_, other)| other == a)
                .map_or("", |&(name, _)| name),
        }
    }

    pub fn form(self) -> Form {
        match self {
            Attr::Extension | Attr::PerNode => Form::Flag,
            Attr::Type(PropertyType::Enum) => Form::Members,
            Attr::Type(_) => Form::Flag,
            _ => Form::Value,
        }
    }

    /// Which slot of a block the attribute fills: every type keyword fills the same one, so
    /// a second type is caught as a duplicate.
    pub fn slot(self) -> usize {
        match self {
            Attr::Property => 0,
            Attr::Extension => 1,
            Attr::PerNode => 2,
            Attr::Type(_) => 3,
            Attr::Default => 4,
            Attr::Min => 5,
            Attr::Max => 6,
            Attr::MinLength => 7,
            Attr::MaxLength => 8,
            Attr::ArrayMinsize => 9,
            Attr::ArrayMaxsize => 10,
            Attr::Tunable => 11,
            Attr::Description => 12,
        }
    }

    pub const SLOTS: usize = 13;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_names_are_canonical() {
        assert_eq!(RtKeyword::lookup("rt_BASEDIR"), Some(RtKeyword::RtBasedir));
        assert_eq!(
            RtKeyword::lookup("monitor_check"),
            Some(RtKeyword::Method(Method::MonitorCheck))
        );
        assert_eq!(RtKeyword::RtBasedir.name(), "RT_basedir");
        assert_eq!(
            RtKeyword::Method(Method::PrenetStart).name(),
            "PRENET_START"
        );
        assert_eq!(Attr::lookup("integer"), Some(Attr::Type(PropertyType::Int)));
        assert_eq!(
            Attr::lookup("Array_Maxsize").unwrap().name(),
            "ARRAY_MAXSIZE"
        );
        assert_eq!(RtKeyword::declarable_names().count(), 14 + 12);
    }
}
