//! `--dry-run`: what a change would do, as rgmd planned it on a copy of its engine — the
//! methods per node in waves (a wave's methods may run in parallel, each wave once the
//! previous one has finished), the states that would result, and the answer.

use rgm_core::engine::Plan;

pub fn text(plan: &Plan) -> String {
    let mut out = String::from("Dry run: nothing was run or changed.\n");
    if plan.waves.is_empty() {
        out.push_str("\nNo method would run.\n");
    } else {
        out.push_str("\nMethods, in order (the methods of one wave run in parallel):\n");
        for (i, wave) in plan.waves.iter().enumerate() {
            out.push_str(&format!("  wave {}:\n", i + 1));
            let mut runs: Vec<_> = wave.iter().collect();
            runs.sort_by(|a, b| (&a.node, &a.resource).cmp(&(&b.node, &b.resource)));
            for r in runs {
                out.push_str(&format!(
                    "    {}: {} {} (resource group {})\n",
                    r.node,
                    r.method.keyword(),
                    r.resource,
                    r.group
                ));
            }
        }
    }
    if !plan.groups.is_empty() || !plan.resources.is_empty() {
        out.push_str("\nStates that would result:\n");
        for (g, n, from, to) in &plan.groups {
            out.push_str(&format!(
                "  resource group {g} on {n}: {} -> {}\n",
                from.public_name(),
                to.public_name()
            ));
        }
        for (r, n, from, to) in &plan.resources {
            out.push_str(&format!(
                "  resource {r} on {n}: {} -> {}\n",
                from.public_name(),
                to.public_name()
            ));
        }
    }
    for n in &plan.fences {
        out.push_str(&format!("\nNode {n} would be fenced.\n"));
    }
    if !plan.settled {
        out.push_str("\nThe plan was cut short: methods kept coming.\n");
    }
    if plan.accepted {
        out.push_str("\nThe change would succeed.\n");
        for m in &plan.messages {
            out.push_str(&format!("  {m}\n"));
        }
    } else {
        out.push_str("\nThe change would fail:\n");
    }
    out
}
