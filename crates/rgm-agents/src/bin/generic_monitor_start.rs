//! RGM.generic: `generic_monitor_start` (see [`rgm_agents::generic`]).

fn main() {
    std::process::exit(rgm_agents::generic::monitor_start());
}
