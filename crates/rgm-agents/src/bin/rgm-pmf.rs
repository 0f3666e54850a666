//! `rgm-pmf`, the process monitor (see [`rgm_agents::pmf`]).

fn main() {
    std::process::exit(rgm_agents::pmf::main());
}
