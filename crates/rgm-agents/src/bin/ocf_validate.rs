//! OCF adapter: `ocf_validate` (see [`rgm_agents::ocf::adapter`]).

fn main() {
    std::process::exit(rgm_agents::ocf::adapter::validate());
}
