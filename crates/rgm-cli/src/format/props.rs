//! `list-props`: the property names of a type's resources (or of given resources), one per
//! line; with `-v` a table of name, class, type, tunability and default.

use std::borrow::Cow;

use serde_json::{Value as Json, json};

use rtreg::{PropertySpec, ResourceTypeSpec};

use super::show_value;

/// Every property a resource of this type has, type properties first.
pub fn schema(spec: &ResourceTypeSpec) -> Vec<Cow<'_, PropertySpec>> {
    rgm_core::schema::resource_schema(spec)
}

/// The listing of one schema: names, or with `verbose` a table.
pub fn listing(props: &[Cow<'_, PropertySpec>], verbose: bool) -> String {
    if !verbose {
        return props.iter().map(|p| format!("{}\n", p.name)).collect();
    }
    let rows: Vec<Vec<String>> = props
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                if p.extension { "extension" } else { "standard" }.to_string(),
                p.ty.keyword().to_ascii_lowercase(),
                p.tunable.keyword().to_string(),
                show_value(p.default.as_ref()),
            ]
        })
        .collect();
    let headers = ["Property Name", "Class", "Type", "Tunable", "Default"];
    super::list::table(&headers, &rows)
}

/// The JSON of one schema: [{`name`, `extension`, `type`, `per_node`, `tunable`, `default`}].
pub fn json(props: &[Cow<'_, PropertySpec>]) -> Json {
    props
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "extension": p.extension,
                "type": p.ty.keyword(),
                "per_node": p.per_node,
                "tunable": p.tunable.keyword(),
                "default": p.default,
            })
        })
        .collect()
}
