//! RGM.generic: `generic_monitor_stop` (see [`rgm_agents::generic`]).

fn main() {
    std::process::exit(rgm_agents::generic::monitor_stop());
}
