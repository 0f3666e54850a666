//! The formatting of read subcommands from views of a real engine (rgm_core's test harness):
//! the `status` tables exactly as reference §g.5 lays them out, `show`, `list-props` and JSON.

mod common;

use rgm_cli::cl::select;
use rgm_cli::format::{json, props, show, status};
use rgm_proto::ClusterView;

fn groups(view: &ClusterView) -> Vec<&rgm_core::ResourceGroup> {
    select::groups(view, &[]).unwrap()
}

fn resources(view: &ClusterView) -> Vec<&rgm_core::Resource> {
    select::resources(view, &[], &[], &[]).unwrap()
}

#[test]
fn clrg_status_is_the_reference_sample() {
    let v = common::sample_view();
    let expected = "\
=== Cluster Resource Groups ===

Group Name      Node Name         Suspended      Status
----------      ---------         ---------      ------
nfs-rg          vincent           No             Offline
                theo              No             Online
";
    assert_eq!(status::groups(&v, &groups(&v), &[]), expected);
}

#[test]
fn clrs_status_is_the_reference_sample() {
    let v = common::sample_view();
    let expected = "\
=== Cluster Resources ===

Resource Name   Node Name   State         Status Message
-------------   ---------   -----         --------------
nfs-stor        vincent     Offline       Offline
                theo        Online        Online

orangecat-nfs   vincent     Offline       Offline
                theo        Online        Online - LogicalHostname online.
";
    assert_eq!(status::resources(&v, &resources(&v), &[]), expected);
}

#[test]
fn status_columns_widen_for_long_values_and_keep_group_order() {
    let v = common::rich_view();
    let expected = "\
=== Cluster Resources ===

Resource Name   Node Name   State                 Status Message
-------------   ---------   -----                 --------------
db              n1          Online                Unknown
                n2          Offline               Offline

lh              n1          Online_not_monitored  Unknown
                n2          Offline               Offline

app             n1          Online_not_monitored  Unknown
                n2          Offline               Offline
";
    assert_eq!(status::resources(&v, &resources(&v), &[]), expected);
    let only_n2 = ["n2".to_string()];
    let expected = "\
=== Cluster Resource Groups ===

Group Name      Node Name         Suspended      Status
----------      ---------         ---------      ------
rg1             n2                No             Offline

rg2             n2                No             Unmanaged
";
    assert_eq!(status::groups(&v, &groups(&v), &only_n2), expected);
    assert_eq!(status::groups(&v, &[], &[]), "", "no groups, no table");
}

#[test]
fn show_groups_lists_properties_then_resources() {
    let v = common::rich_view();
    let rg2 = select::groups(&v, &["rg2".to_string()]).unwrap();
    let expected = "\
=== Resource Groups and Resources ===

Resource Group:                                 rg2
  RG_description:                                  <NULL>
  RG_mode:                                         Failover
  RG_state:                                        Unmanaged
  Failback:                                        False
  Nodelist:                                        n2 n3
";
    assert_eq!(show::groups(&v, &rg2, &show::Detail::default()), expected);
    let text = show::groups(&v, &groups(&v), &show::Detail::default());
    assert!(text.contains("\n  --- Resources for Group rg1 ---\n\n  Resource:                                     db\n    Type:                                          TEST.app:1\n"));
    assert!(text.contains("    Enabled{n2}:                                   True\n"));
    assert!(!text.contains("Pingpong_interval"));
    let verbose = show::Detail {
        verbose: true,
        only: vec![],
    };
    let text = show::groups(&v, &rg2, &verbose);
    assert!(text.contains("  Pingpong_interval:                               3600\n"));
    assert!(text.contains("  Suspend_automatic_recovery:                      False\n"));
}

#[test]
fn show_resources_with_v_has_per_node_values_and_p_picks() {
    let v = common::rich_view();
    let app = select::resources(&v, &["app".to_string()], &[], &[]).unwrap();
    let verbose = show::Detail {
        verbose: true,
        only: vec![],
    };
    let text = show::resources(&v, &app, &verbose);
    assert!(
        text.starts_with(
            "=== Resources ===\n\nResource:                                       app\n"
        )
    );
    assert!(text.contains("  Port{n1}:                                        80\n"));
    assert!(text.contains("  Port{n2}:                                        8080\n"));
    assert!(
        text.contains("  Resource_dependencies:                           db{LOCAL_NODE} lh@n2\n")
    );
    assert!(text.contains("  R_description:                                   <NULL>\n"));
    let picked = show::Detail {
        verbose: false,
        only: vec!["port".into(), "Conf".into()],
    };
    let expected = "\
=== Resources ===

Resource:                                       app
  Port{n1}:                                        80
  Port{n2}:                                        8080
  Conf:                                            /etc/rec.conf
";
    assert_eq!(show::resources(&v, &app, &picked), expected);
}

#[test]
fn show_types_says_all_for_installed_nodes() {
    let v = common::rich_view();
    let types = select::types(&v, &["rec".to_string(), "ACME.lh".to_string()]).unwrap();
    let text = show::types(&types, false);
    assert!(text.starts_with("=== Registered Resource Types ===\n\nResource Type:                                  ACME.rec:1\n"));
    assert!(text.contains("  Installed_nodes:                                 <All>\n"));
    assert!(text.contains("  Installed_nodes:                                 n1 n2\n"));
    assert!(
        text.contains("  Init_nodes:                                      All potential masters\n")
    );
    assert!(!text.contains("--- Methods ---"));
    assert!(
        show::types(&types, true).contains(
            "  START:                                           /opt/ACME/bin/rec_start\n"
        )
    );
}

#[test]
fn list_props_names_and_verbose_table() {
    let v = common::rich_view();
    let rec = &v.config.types["ACME.rec:1"];
    let schema = props::schema(&rec.spec);
    let names = props::listing(&schema, false);
    let lines: Vec<&str> = names.lines().collect();
    assert_eq!(
        &lines[..4],
        ["Start_timeout", "Stop_timeout", "Port", "Conf"]
    );
    assert!(lines.contains(&"Resource_dependencies"));
    let table = props::listing(&schema, true);
    assert!(table.starts_with("Property Name   "));
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["Port", "extension", "int", "ANYTIME", "80"])
    );
    let doc = props::json(&schema);
    assert_eq!(doc[2]["name"], "Port");
    assert_eq!(doc[2]["per_node"], true);
    assert_eq!(doc[2]["type"], "INT");
}

#[test]
fn json_documents_have_the_documented_keys() {
    let v = common::rich_view();
    let app = json::resource(&v, &v.config.resources["app"]);
    assert_eq!(app["type"], "ACME.rec:1");
    assert_eq!(app["group"], "rg1");
    assert_eq!(app["enabled"]["n2"], true);
    assert_eq!(app["per_node"]["Port"]["n2"], 8080);
    assert_eq!(app["properties"]["Conf"], "/etc/rec.conf");
    assert_eq!(app["properties"]["Resource_dependencies"][1], "lh@n2");

    let rg1 = json::group(&v, &v.config.groups["rg1"]);
    assert_eq!(rg1["managed"], true);
    assert_eq!(rg1["states"]["n1"], "ONLINE");
    assert_eq!(
        rg1["properties"]["Nodelist"],
        serde_json::json!(["n1", "n2"])
    );
    assert_eq!(rg1["resources"], serde_json::json!(["db", "lh", "app"]));
    assert_eq!(rg1["primaries"], serde_json::json!(["n1"]));

    let st = json::group_status(&v, &v.config.groups["rg2"], &[]);
    assert_eq!(
        st,
        serde_json::json!({"name": "rg2", "suspended": false, "nodes": [
        {"node": "n2", "state": "UNMANAGED"}, {"node": "n3", "state": "UNMANAGED"}]})
    );
    let st = json::resource_status(&v, &v.config.resources["lh"], &["n1".to_string()]);
    assert_eq!(st["nodes"][0]["state"], "ONLINE_NOT_MONITORED");
    assert_eq!(st["nodes"][0]["status"], "UNKNOWN");

    let lh = json::rtype(&v, &v.config.types["ACME.lh:2"]);
    assert_eq!(lh["installed_nodes"], serde_json::json!(["n1", "n2"]));
    assert_eq!(lh["resources"], serde_json::json!(["lh"]));
    assert_eq!(lh["spec"]["rt_version"], "2");
}
