//! From syntax tree to [`ResourceTypeSpec`]: the layout of the file (RT properties, then upgrade
//! directives, then the paramtable), then each section's checks, then the assembled type.

use std::collections::BTreeSet;

use crate::diagnostic::{Collector, quote};
use crate::spec::{Method, ResourceTypeSpec};
use crate::syntax::RtrFile;
use crate::{paramtable, rt_section, upgrade};

/// Checks a parsed file and builds its type. `end` is the offset of the end of the text.
/// Returns `None` when something the type cannot do without is missing.
pub(crate) fn register(
    file: &RtrFile<'_>,
    end: usize,
    diag: &mut Collector,
) -> Option<ResourceTypeSpec> {
    let first_block = file.blocks.first().map(|b| b.open);
    check_layout(file, first_block, diag);
    let anchor = [
        file.statements.first().map(|s| s.keyword.at),
        file.directives.first().map(|d| d.at()),
        first_block,
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(end);
    let rt = rt_section::read(file, anchor, diag);
    let upgrade = upgrade::read(file, first_block, diag);
    let declared: BTreeSet<Method> = Method::ALL
        .into_iter()
        .filter(|m| {
            file.statements
                .iter()
                .any(|s| Method::from_keyword(s.keyword.text) == Some(*m))
        })
        .collect();
    let properties = paramtable::read(file, &declared, diag);
    let resource_type = rt.resource_type?;
    let rt_version = rt.rt_version?;
    Some(ResourceTypeSpec {
        name: ResourceTypeSpec::full_name(rt.vendor_id.as_deref(), &resource_type, &rt_version),
        resource_type,
        vendor_id: rt.vendor_id,
        rt_version,
        rt_description: rt.rt_description,
        api_version: rt.api_version,
        failover: rt.failover,
        single_instance: rt.single_instance,
        init_nodes: rt.init_nodes,
        global_zone: rt.global_zone,
        proxy: rt.proxy,
        rt_system: rt.rt_system,
        sysdefined_type: rt.sysdefined_type,
        rt_basedir: rt.rt_basedir,
        pkglist: rt.pkglist,
        methods: rt.methods,
        upgrade: upgrade.upgrade,
        upgrade_from: upgrade.from,
        properties,
    })
}

/// RT properties come before the paramtable; upgrade directives between the two (a directive
/// after the first block is an upgrade error, reported by [`upgrade::read`]).
fn check_layout(file: &RtrFile<'_>, first_block: Option<usize>, diag: &mut Collector) {
    let first_directive = file.directives.first().map(|d| d.at());
    let mut warned = false;
    for st in &file.statements {
        let at = st.keyword.at;
        if first_block.is_some_and(|b| at > b) {
            let msg = format!(
                "RT property {} after the paramtable: RT properties must come before the first \
                 `{{` block",
                quote(st.keyword.text)
            );
            diag.error(at, msg);
        } else if !warned && first_directive.is_some_and(|d| at > d) {
            let msg = format!(
                "RT property {} after an upgrade directive: rt_reg(4) puts the directives \
                 between the RT properties and the paramtable",
                quote(st.keyword.text)
            );
            diag.warning(at, msg);
            warned = true;
        }
    }
}
