//! RGM.generic: `generic_validate` (see [`rgm_agents::generic`]).

fn main() {
    std::process::exit(rgm_agents::generic::validate());
}
