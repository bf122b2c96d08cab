//! What the centre tells visitors, from the replica: its name, hotline, hours, address, postal
//! service, how fees are paid, and its agencies' contacts.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{CentreState, ContactData, Shell, Ui};

/// Refill the centre's texts and contacts from the replica.
pub(super) fn refresh(ui: &Ui<'_>) {
    let g = ui.w.global::<CentreState>();
    if let Ok(Some(c)) = ui.logic().store.centre() {
        ui.w.global::<Shell>()
            .set_centre_name(c.name.as_str().into());
        g.set_hotline(c.hotline.as_str().into());
        g.set_hours(c.hours.as_str().into());
        g.set_address(c.address.as_str().into());
        g.set_postal(c.postal.as_str().into());
        g.set_fees_info(c.fees.as_str().into());
    }
    let contacts: Vec<ContactData> = ui
        .logic()
        .store
        .agencies()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !a.phone.is_empty())
        .map(|a| ContactData {
            name: a.name.into(),
            phone: a.phone.into(),
            address: a.address.into(),
        })
        .collect();
    g.set_contacts(ModelRc::new(VecModel::from(contacts)));
}
