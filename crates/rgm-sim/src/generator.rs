//! Random clusters: from a seed, a configuration built only through the checked changes an
//! administrator makes ([`ClusterConfig::apply`]). Nodes, resource types with random method
//! sets, failover and scalable groups with random Nodelists, resources with random
//! Failover_mode, retries and dependencies of all four kinds in every scope form, and
//! RG_dependencies and RG_affinities of all five kinds. A change the model refuses (a cycle,
//! a rule of RG_dependencies, a failover type in a scalable group) is simply skipped: refusing
//! it is the model's job, not the generator's.

use rgm_core::testkit::TypeBuilder;
use rgm_core::{Change, ClusterConfig, DependencyKind, NothingRunning, PropertyEdit};
use rtreg::{Method, Tunability, Value};

use crate::rng::Rng;

/// Node counts, weighted towards the small clusters where interactions are dense.
const NODE_COUNTS: [usize; 12] = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8];

const FAILOVER_MODES: [&str; 5] = ["NONE", "SOFT", "HARD", "RESTART_ONLY", "LOG_ONLY"];

const AFFINITY_PREFIXES: [&str; 5] = ["+", "++", "+++", "-", "--"];

/// Applies a change; `false` (and nothing changed) if the model refuses it.
fn try_apply(cfg: &mut ClusterConfig, change: Change) -> bool {
    cfg.apply(&change, &NothingRunning).is_ok()
}

fn edit(name: &str, value: &str) -> PropertyEdit {
    PropertyEdit::set(name, value)
}

fn add_edit(name: &str, value: &str) -> PropertyEdit {
    format!("{name}+={value}")
        .parse()
        .expect("a well-formed edit")
}

/// A random valid cluster for `rng`.
pub fn cluster(rng: &mut Rng) -> ClusterConfig {
    let mut cfg = ClusterConfig::new("sim");
    let n_nodes = *rng.pick(&NODE_COUNTS);
    let nodes: Vec<String> = (1..=n_nodes).map(|i| format!("n{i}")).collect();
    for n in &nodes {
        try_apply(&mut cfg, Change::AddNode { name: n.clone() });
    }
    let types = register_types(&mut cfg, rng);
    let groups = create_groups(&mut cfg, rng, &nodes);
    let resources = create_resources(&mut cfg, rng, &groups, &types);
    add_dependencies(&mut cfg, rng, &resources, &nodes);
    add_group_links(&mut cfg, rng, &groups);
    for g in &groups {
        if rng.percent(92) {
            try_apply(
                &mut cfg,
                Change::SetManaged {
                    group: g.clone(),
                    managed: true,
                },
            );
        }
    }
    cfg
}

/// Registers 1–3 types with random methods; returns their names.
fn register_types(cfg: &mut ClusterConfig, rng: &mut Rng) -> Vec<String> {
    let mut names = Vec::new();
    let count = rng.range(1, 3);
    for i in 1..=count {
        let spec = random_type(rng, &format!("t{i}"));
        let name = spec.name.clone();
        if try_apply(
            cfg,
            Change::RegisterType {
                spec: Box::new(spec),
                installed_nodes: None,
                rt_system: None,
            },
        ) {
            names.push(name);
        }
    }
    if rng.percent(20) {
        let spec = TypeBuilder::new("SUNW", "LogicalHostname", "4")
            .logical_hostname()
            .failover(true)
            .methods(&[Method::PrenetStart, Method::PostnetStop])
            .timeout(Method::Start, 30)
            .timeout(Method::Stop, 30)
            .build();
        let name = spec.name.clone();
        if try_apply(
            cfg,
            Change::RegisterType {
                spec: Box::new(spec),
                installed_nodes: None,
                rt_system: None,
            },
        ) {
            names.push(name);
        }
    }
    names
}

fn random_type(rng: &mut Rng, name: &str) -> rtreg::ResourceTypeSpec {
    let mut b = TypeBuilder::new("SIM", name, "1");
    let mut methods = Vec::new();
    if rng.percent(30) {
        methods.extend([Method::PrenetStart, Method::PostnetStop]);
    }
    if rng.percent(60) {
        methods.extend([Method::MonitorStart, Method::MonitorStop]);
    }
    for (m, p) in [
        (Method::MonitorCheck, 35),
        (Method::Validate, 25),
        (Method::Update, 20),
        (Method::Init, 20),
        (Method::Fini, 20),
        (Method::Boot, 20),
    ] {
        if rng.percent(p) {
            methods.push(m);
        }
    }
    b = b.methods(&methods);
    // Short timeouts, so that lost results and slow methods reach their deadlines.
    for m in [
        Method::Start,
        Method::Stop,
        Method::MonitorStop,
        Method::PrenetStart,
    ] {
        b = b.timeout(m, *rng.pick(&[10, 30, 60, 300, 3600]));
    }
    b = b.failover(rng.percent(40));
    if rng.percent(60) {
        b = b
            .system(
                "Retry_count",
                Some(Value::Int(rng.range(0, 3) as i64)),
                Some(Tunability::Anytime),
            )
            .with(|p| p.max = Some(10))
            .system(
                "Retry_interval",
                Some(Value::Int(*rng.pick(&[30, 300, 3600]))),
                Some(Tunability::Anytime),
            );
    }
    let mut spec = b.build();
    // Rarer shapes an RTR file allows: PRENET_START without START, POSTNET_STOP without STOP.
    let roll = rng.below(10);
    if roll == 0 {
        spec.methods.remove(&Method::Start);
        spec.methods
            .entry(Method::PrenetStart)
            .or_insert_with(|| format!("/opt/SIM/bin/{name}_prenet_start"));
    } else if roll == 1 {
        spec.methods.remove(&Method::Stop);
        spec.methods
            .entry(Method::PostnetStop)
            .or_insert_with(|| format!("/opt/SIM/bin/{name}_postnet_stop"));
    }
    spec
}

/// Creates 1–6 failover or scalable groups; returns their names.
fn create_groups(cfg: &mut ClusterConfig, rng: &mut Rng, nodes: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    let count = rng.range(1, 6);
    for i in 0..count {
        let name = format!("g{}", (b'a' + i as u8) as char);
        let scalable = rng.percent(25);
        let nodelist = rng.subset(nodes, nodes.len());
        let mut edits = vec![edit("Nodelist", &nodelist.join(","))];
        if rng.percent(15) {
            edits.push(edit("Auto_start_on_new_cluster", "FALSE"));
        }
        if rng.percent(20) {
            edits.push(edit("Failback", "TRUE"));
        }
        let pingpong = *rng.pick(&["0", "30", "600", "3600"]);
        edits.push(edit("Pingpong_interval", pingpong));
        if scalable {
            let max = rng.range(1, nodelist.len() as u64);
            let desired = if rng.percent(15) {
                0
            } else {
                rng.range(1, max)
            };
            edits.push(edit("Maximum_primaries", &max.to_string()));
            edits.push(edit("Desired_primaries", &desired.to_string()));
        }
        if try_apply(
            cfg,
            Change::CreateGroup {
                name: name.clone(),
                scalable,
                edits,
            },
        ) {
            names.push(name);
        }
    }
    names
}

/// Creates 1–4 resources per group; returns their names.
fn create_resources(
    cfg: &mut ClusterConfig,
    rng: &mut Rng,
    groups: &[String],
    types: &[String],
) -> Vec<String> {
    let mut names = Vec::new();
    if types.is_empty() {
        return names;
    }
    let mut next = 1;
    for g in groups {
        for _ in 0..rng.range(1, 4) {
            let name = format!("r{next}");
            next += 1;
            let type_name = rng.pick(types).clone();
            let mut edits = vec![edit("Failover_mode", rng.pick_str(&FAILOVER_MODES))];
            let declares_retry = cfg
                .types
                .get(&type_name)
                .is_some_and(|t| t.spec.property("Retry_count").is_some());
            if declares_retry && rng.percent(40) {
                edits.push(edit("Retry_count", &rng.range(0, 3).to_string()));
            }
            if try_apply(
                cfg,
                Change::CreateResource {
                    name: name.clone(),
                    group: g.clone(),
                    type_name,
                    edits,
                    enabled: rng.percent(92),
                },
            ) {
                names.push(name);
            }
        }
    }
    names
}

/// Adds random dependencies of every kind and scope form, within and across groups.
fn add_dependencies(
    cfg: &mut ClusterConfig,
    rng: &mut Rng,
    resources: &[String],
    nodes: &[String],
) {
    if resources.len() < 2 {
        return;
    }
    for r in resources {
        let count = *rng.pick(&[0, 0, 1, 1, 1, 2, 3]);
        for _ in 0..count {
            let target = rng.pick(resources).clone();
            if &target == r {
                continue;
            }
            let kind = *rng.pick(&DependencyKind::ALL);
            let entry = match rng.below(5) {
                0 => target,
                1 => format!("{target}{{LOCAL_NODE}}"),
                2 => format!("{target}{{ANY_NODE}}"),
                3 => format!("{target}{{FROM_RG_AFFINITIES}}"),
                _ => format!("{target}@{}", rng.pick(nodes)),
            };
            try_apply(
                cfg,
                Change::UpdateResource {
                    name: r.clone(),
                    edits: vec![add_edit(kind.property(), &entry)],
                },
            );
        }
    }
}

/// Adds RG_dependencies and RG_affinities of all five kinds.
fn add_group_links(cfg: &mut ClusterConfig, rng: &mut Rng, groups: &[String]) {
    if groups.len() < 2 {
        return;
    }
    for g in groups {
        if rng.percent(30) {
            let other = rng.pick(groups).clone();
            try_apply(
                cfg,
                Change::UpdateGroup {
                    name: g.clone(),
                    edits: vec![add_edit("RG_dependencies", &other)],
                },
            );
        }
        for _ in 0..*rng.pick(&[0, 0, 1, 1, 2]) {
            let other = rng.pick(groups).clone();
            let prefix = rng.pick(&AFFINITY_PREFIXES);
            try_apply(
                cfg,
                Change::UpdateGroup {
                    name: g.clone(),
                    edits: vec![add_edit("RG_affinities", &format!("{prefix}{other}"))],
                },
            );
        }
    }
}

/// A few lines describing a configuration, for reports.
pub fn describe(cfg: &ClusterConfig) -> Vec<String> {
    let mut out = vec![format!("nodes: {}", cfg.node_names().join(" "))];
    for t in cfg.types.values() {
        let methods: Vec<&str> = t.spec.methods.keys().map(|m| m.keyword()).collect();
        out.push(format!(
            "type {}{}: {}",
            t.name(),
            if t.spec.failover { " (failover)" } else { "" },
            methods.join(" ")
        ));
    }
    for g in cfg.groups.values() {
        let mut props = vec![
            format!("Nodelist={}", g.nodelist().join(",")),
            if g.is_scalable() {
                format!(
                    "scalable max={} desired={}",
                    g.maximum_primaries(),
                    g.desired_primaries()
                )
            } else {
                "failover".to_string()
            },
        ];
        for name in [
            "RG_dependencies",
            "RG_affinities",
            "Auto_start_on_new_cluster",
            "Failback",
            "Pingpong_interval",
        ] {
            if let Some(v) = g.properties.get(name) {
                props.push(format!("{name}={}", show(v)));
            }
        }
        if !g.managed {
            props.push("UNMANAGED".into());
        }
        out.push(format!("group {}: {}", g.name, props.join(" ")));
        for r in &g.resources {
            let res = &cfg.resources[r];
            let mut props = vec![format!("type={}", res.type_name)];
            for (k, v) in &res.properties {
                props.push(format!("{k}={}", show(v)));
            }
            if !res.enabled.all {
                props.push("DISABLED".into());
            }
            out.push(format!("  resource {r}: {}", props.join(" ")));
        }
    }
    out
}

fn show(v: &Value) -> String {
    match v {
        Value::Array(a) => a.join(","),
        Value::Str(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_are_deterministic_and_varied() {
        let a = cluster(&mut Rng::new(3));
        let b = cluster(&mut Rng::new(3));
        assert_eq!(a, b);
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let cfg = cluster(&mut Rng::new(seed));
            assert!(!cfg.nodes.is_empty());
            for r in cfg.resources.values() {
                for k in DependencyKind::ALL {
                    if !r.dependencies(k).is_empty() {
                        kinds.insert(k);
                    }
                }
            }
        }
        assert_eq!(kinds.len(), 4, "every dependency kind appears");
    }
}
