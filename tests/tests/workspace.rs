//! The workspace holds together: every crate links against the same core.

#[test]
fn every_crate_links_and_agrees_on_the_version() {
    assert_eq!(motcua_server::VERSION, motcua_kiosk::VERSION);
    assert_eq!(motcua_drivers::VERSION, motcua_kiosk::VERSION);
    let slip = motcua_drivers::Slip::new()
        .title("Số thứ tự")
        .qr("A001")
        .cut();
    assert_eq!(slip.qr_payloads(), ["A001"]);
}
