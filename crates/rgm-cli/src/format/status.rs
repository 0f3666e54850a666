//! The `clrg status` and `clrs status` tables, laid out exactly as reference §g.5: a
//! `=== ... ===` title, a blank line, column headers over dashes, one row per node with the
//! object's name on its first row only, and a blank line between objects.
//!
//! Column widths are the sample's (16/18/15 for groups, 16/12/14 for resources) or the
//! longest value plus two blanks, whichever is larger; the last column is not padded.

use rgm_core::{Resource, ResourceGroup};
use rgm_proto::ClusterView;

use crate::cl::select::{group_nodes, resource_nodes};

/// The columns of `clrg status` and their sample widths.
const GROUP_COLUMNS: [(&str, usize); 4] = [
    ("Group Name", 16),
    ("Node Name", 18),
    ("Suspended", 15),
    ("Status", 0),
];

/// The columns of `clrs status` and their sample widths.
const RESOURCE_COLUMNS: [(&str, usize); 4] = [
    ("Resource Name", 16),
    ("Node Name", 12),
    ("State", 14),
    ("Status Message", 0),
];

/// One row of a group's status: node, `Yes`/`No`, RG_state as `clrg status` spells it.
pub fn group_rows(view: &ClusterView, g: &ResourceGroup, nodes: &[String]) -> Vec<[String; 3]> {
    let suspended = if g.suspended() { "Yes" } else { "No" };
    group_nodes(view, g, nodes)
        .into_iter()
        .map(|n| {
            let state = view.group_state(&g.name, &n).display_name();
            [n, suspended.to_string(), state]
        })
        .collect()
}

/// One row of a resource's status: node, state (`Online_not_monitored`), and the status
/// (`Online` for OK) with ` - message` when there is a message.
pub fn resource_rows(view: &ClusterView, r: &Resource, nodes: &[String]) -> Vec<[String; 3]> {
    resource_nodes(view, r, nodes)
        .into_iter()
        .map(|n| {
            let (state, status) = match view.resource_on(&r.name, &n) {
                Some(x) if x.status_msg.is_empty() => {
                    (x.state.display_name(), x.status.display_name().to_string())
                }
                Some(x) => (
                    x.state.display_name(),
                    format!("{} - {}", x.status.display_name(), x.status_msg),
                ),
                None => ("Offline".to_string(), "Offline".to_string()),
            };
            [n, state, status]
        })
        .collect()
}

/// `clrg status` for the given groups, on `nodes` (all of each Nodelist when empty).
pub fn groups(view: &ClusterView, groups: &[&ResourceGroup], nodes: &[String]) -> String {
    let blocks = groups
        .iter()
        .map(|g| (g.name.clone(), group_rows(view, g, nodes)))
        .collect();
    table("Cluster Resource Groups", &GROUP_COLUMNS, blocks)
}

/// `clrs status` for the given resources, on `nodes` (all of each group's Nodelist when
/// empty).
pub fn resources(view: &ClusterView, resources: &[&Resource], nodes: &[String]) -> String {
    let blocks = resources
        .iter()
        .map(|r| (r.name.clone(), resource_rows(view, r, nodes)))
        .collect();
    table("Cluster Resources", &RESOURCE_COLUMNS, blocks)
}

/// The table: nothing at all when there are no objects.
fn table(
    title: &str,
    columns: &[(&str, usize); 4],
    blocks: Vec<(String, Vec<[String; 3]>)>,
) -> String {
    let blocks: Vec<_> = blocks
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    if blocks.is_empty() {
        return String::new();
    }
    let mut widths = [0usize; 3];
    for (i, w) in widths.iter_mut().enumerate() {
        let longest = blocks
            .iter()
            .map(|(name, rows)| {
                let cells = rows.iter().map(|r| if i == 0 { 0 } else { r[i - 1].len() });
                let own = if i == 0 { name.len() } else { 0 };
                cells.max().unwrap_or(0).max(own)
            })
            .max()
            .unwrap_or(0)
            .max(columns[i].0.len());
        *w = columns[i].1.max(longest + 2);
    }
    let mut out = format!("=== {title} ===\n\n");
    let line = |cells: [&str; 4]| {
        format!(
            "{:<a$}{:<b$}{:<c$}{}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            a = widths[0],
            b = widths[1],
            c = widths[2]
        )
    };
    let names = columns.map(|(h, _)| h);
    out += &line(names);
    let dashes = names.map(|h| "-".repeat(h.len()));
    out += &line([&dashes[0], &dashes[1], &dashes[2], &dashes[3]]);
    for (i, (name, rows)) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, row) in rows.iter().enumerate() {
            let first = if j == 0 { name.as_str() } else { "" };
            out += &line([first, &row[0], &row[1], &row[2]]);
        }
    }
    out
}
