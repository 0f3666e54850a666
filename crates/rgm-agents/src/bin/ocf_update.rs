//! OCF adapter: `ocf_update` (see [`rgm_agents::ocf::adapter`]).

fn main() {
    std::process::exit(rgm_agents::ocf::adapter::update());
}
