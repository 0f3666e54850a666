//! OCF adapter: `ocf_svc_start` (see [`rgm_agents::ocf::adapter`]).

fn main() {
    std::process::exit(rgm_agents::ocf::adapter::start());
}
