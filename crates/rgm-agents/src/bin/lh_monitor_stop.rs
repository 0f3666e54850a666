//! RGM.LogicalHostname: `lh_monitor_stop` (see [`rgm_agents::logical_hostname`]).

fn main() {
    std::process::exit(rgm_agents::logical_hostname::monitor_stop());
}
