//! OCF adapter: `ocf_svc_stop` (see [`rgm_agents::ocf::adapter`]).

fn main() {
    std::process::exit(rgm_agents::ocf::adapter::stop());
}
