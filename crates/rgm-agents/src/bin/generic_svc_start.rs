//! RGM.generic: `generic_svc_start` (see [`rgm_agents::generic`]).

fn main() {
    std::process::exit(rgm_agents::generic::start());
}
