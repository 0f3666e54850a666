//! Upgrade directives (reference §a.5): `#$upgrade` makes the type upgrade-aware, and each
//! `#$upgrade_from "version" TUNABILITY` names an older RT_version resources may move from.
//! Both sit between the RT properties and the paramtable.

use std::collections::HashMap;

use crate::diagnostic::{Collector, quote};
use crate::rt_section::version_fault;
use crate::spec::{UpgradeFrom, UpgradeTunability};
use crate::suggest;
use crate::syntax::{Directive, RtrFile};

/// What the directives declare.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Upgrade {
    pub upgrade: bool,
    pub from: Vec<UpgradeFrom>,
}

/// Checks the directives. `first_block` is the offset of the first paramtable `{`, if any.
pub(crate) fn read(
    file: &RtrFile<'_>,
    first_block: Option<usize>,
    diag: &mut Collector,
) -> Upgrade {
    let mut out = Upgrade::default();
    let mut upgrade_at = None;
    let mut versions: HashMap<&str, usize> = HashMap::new();
    for d in &file.directives {
        if first_block.is_some_and(|b| d.at() > b) {
            let msg = "upgrade directive after the first paramtable block: upgrade directives \
                       go between the RT properties and the paramtable";
            diag.error(d.at(), msg);
        }
        match d {
            Directive::Upgrade { at } => {
                if let Some(first) = upgrade_at {
                    diag.error_with_first(*at, "`#$upgrade` is given twice", Some(first));
                } else {
                    upgrade_at = Some(*at);
                    out.upgrade = true;
                }
            }
            Directive::UpgradeFrom {
                at,
                version,
                tunability,
            } => {
                if upgrade_at.is_none() {
                    let msg = "`#$upgrade_from` without `#$upgrade`: write `#$upgrade` on a line \
                               before the `#$upgrade_from` lines";
                    diag.error(*at, msg);
                }
                let mut ok = true;
                if let Some(fault) = version_fault(version.text) {
                    let msg = format!(
                        "invalid version {} in `#$upgrade_from`: {fault}",
                        quote(version.text)
                    );
                    diag.error(version.at, msg);
                    ok = false;
                }
                let Some(t) = UpgradeTunability::from_keyword(tunability.text) else {
                    bad_tunability(tunability.text, tunability.at, diag);
                    continue;
                };
                if let Some(&first) = versions.get(version.text) {
                    let msg = format!(
                        "`#$upgrade_from` for version \"{}\" is given twice",
                        version.text
                    );
                    diag.error_with_first(*at, msg, Some(first));
                    continue;
                }
                versions.insert(version.text, *at);
                if ok {
                    out.from.push(UpgradeFrom {
                        version: version.text.to_string(),
                        tunability: t,
                    });
                }
            }
        }
    }
    out
}

fn bad_tunability(text: &str, at: usize, diag: &mut Collector) {
    let words = UpgradeTunability::ALL.map(UpgradeTunability::keyword);
    let hint = suggest::nearest(text, words)
        .map(|w| format!("; did you mean `{w}`?"))
        .unwrap_or_default();
    let msg = format!(
        "unknown upgrade tunability {}: expected one of {}{hint}",
        quote(text),
        words.join(", ")
    );
    diag.error(at, msg);
}
