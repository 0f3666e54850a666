//! OCF adapter: `ocf_monitor_stop` (see [`rgm_agents::ocf::adapter`]).

fn main() {
    std::process::exit(rgm_agents::ocf::adapter::monitor_stop());
}
