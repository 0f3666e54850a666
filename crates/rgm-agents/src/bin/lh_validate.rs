//! RGM.LogicalHostname: `lh_validate` (see [`rgm_agents::logical_hostname`]).

fn main() {
    std::process::exit(rgm_agents::logical_hostname::validate());
}
