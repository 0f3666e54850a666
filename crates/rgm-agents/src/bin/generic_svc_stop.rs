//! RGM.generic: `generic_svc_stop` (see [`rgm_agents::generic`]).

fn main() {
    std::process::exit(rgm_agents::generic::stop());
}
