//! RGM.LogicalHostname: `lh_prenet_start` (see [`rgm_agents::logical_hostname`]).

fn main() {
    std::process::exit(rgm_agents::logical_hostname::prenet_start());
}
