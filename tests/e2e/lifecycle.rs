//! Registering a type, creating a group and resources, online and offline, through the real
//! commands against a real rgmd.

use rgm_e2e::Cluster;

#[test]
fn rgmd_answers_the_commands() {
    let c = Cluster::start();
    assert_eq!(c.ok("scha_cluster_get", &["-O", "NODENAME_LOCAL"]).trim(), "node1");
    assert_eq!(c.ok("scha_cluster_get", &["-O", "CLUSTERNAME"]).trim(), "e2e");
}
