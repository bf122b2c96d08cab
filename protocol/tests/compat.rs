//! A kiosk on protocol version N reads what a server on N+1 sends: pages recorded from the
//! server of each version are read with today's types, and whatever today's types write reads
//! back the same. A recorded page that no longer reads means a change that is not additive:
//! bump `VERSION` and keep reading the old form, or make the change additive.

use motcua_protocol::sync::{Change, Page};

#[test]
fn a_page_recorded_from_the_version_1_server_reads() {
    let text = include_str!("data/page-v1.json");
    let page: Page = serde_json::from_str(text).expect("a version-1 page reads with today's types");
    assert!(page.reset);
    let kinds = |k: &str| {
        page.changes
            .iter()
            .filter(|c| {
                matches!(
                    (k, c),
                    ("dossier", Change::Dossier(_))
                        | ("procedure", Change::Procedure(_))
                        | ("agency", Change::Agency(_))
                        | ("centre", Change::Centre(_))
                        | ("config", Change::Config(_))
                )
            })
            .count()
    };
    for k in ["dossier", "procedure", "agency", "centre", "config"] {
        assert!(kinds(k) > 0, "{k}");
    }
    // Written again and read back: the same page.
    let again: Page = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
    assert_eq!(again, page);
}

#[test]
fn fields_a_newer_server_adds_are_ignored() {
    let text = include_str!("data/page-v1.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["added_later"] = serde_json::json!(true);
    for c in v["changes"].as_array_mut().unwrap() {
        c["added_later"] = serde_json::json!({"nested": [1, 2]});
        if c["type"] == "dossier" {
            c["due_state"]["added_later"] = serde_json::json!(1);
        }
    }
    let page: Page = serde_json::from_value(v).expect("unknown fields are ignored");
    assert!(!page.changes.is_empty());
}
