//! A dossier as kiosks receive it ([`KioskDossier`]), kept ready by every write of the dossier
//! in [`KIOSK_VIEWS`], so that a page of the change feed is reads and copies rather than a
//! projection per dossier (a kiosk's snapshot of 500,000 dossiers was bound by that projection).
//!
//! Only the handling agency's name is written when the page is (agencies can be renamed); the
//! rest is JSON, LZ4-compressed against [`DICT`]. A missing or damaged ready form is projected
//! from the record ([`project`]), and both say the same (tested).

use motcua_core::public::row;
use motcua_protocol::sync::KioskDossier;
use redb::TableDefinition;
use serde::Serialize;

use super::views::{end_form, read_size, read_start, read_str, start_form, unpack_into, write_str};
use crate::db::Error;
use crate::db::model::DossierRecord;

/// Code → the dossier as kiosks receive it, less its agency's name.
pub const KIOSK_VIEWS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_views_v1");

/// The layout of a ready kiosk form and of the JSON in it; bump it when either changes.
pub const FORMAT: u8 = 3;

/// The LZ4 dictionary: a few demo dossiers as kiosks receive them (see `views::DICT`).
/// Changing it changes [`FORMAT`].
const DICT: &[u8] = include_bytes!("kiosk-dict.json");

/// What a kiosk holds of `rec`, its handling agency named `agency`.
pub fn project(rec: &DossierRecord, agency: &str) -> KioskDossier {
    let st = &rec.state;
    KioskDossier {
        row: row(&rec.code, &rec.procedure_name, &rec.applicant.name, st),
        procedure_id: rec.procedure_id.clone(),
        step: st.step,
        agency_code: rec.handling_agency().as_str().to_owned(),
        agency: agency.to_owned(),
        receiving_agency: rec.receiving_agency.as_str().to_owned(),
        due_state: st.due_state(),
    }
}

/// Every field of [`KioskDossier`] but `agency`, in its order.
#[derive(Serialize)]
struct Fixed<'a> {
    #[serde(flatten)]
    row: &'a motcua_core::public::PublicRow,
    procedure_id: &'a str,
    step: motcua_core::Step,
    agency_code: &'a str,
    receiving_agency: &'a str,
    due_state: motcua_core::workflow::DueState,
}

/// The bytes of a ready kiosk form:
///
/// ```text
/// FORMAT u8 | Deadline (17 bytes) | handling agency code (len u16, bytes) | JSON size u32
/// | JSON from its first field to `}`, LZ4
/// ```
pub fn prepare(rec: &DossierRecord) -> Result<Vec<u8>, Error> {
    let d = project(rec, "");
    let fixed = Fixed {
        row: &d.row,
        procedure_id: &d.procedure_id,
        step: d.step,
        agency_code: &d.agency_code,
        receiving_agency: &d.receiving_agency,
        due_state: d.due_state,
    };
    let mut json = Vec::with_capacity(512);
    serde_json::to_writer(&mut json, &fixed)?;
    // `{"code":…}` → `"code":…}`
    json.remove(0);
    let mut out = start_form(FORMAT, &rec.state, 64 + json.len() / 3);
    write_str(&mut out, &d.agency_code)?;
    end_form(&mut out, &json, DICT)?;
    Ok(out)
}

/// A ready kiosk form, read.
#[derive(Debug)]
pub struct Ready<'a> {
    /// The code of the handling agency (its name is written per page).
    pub agency_code: &'a str,
    size: usize,
    block: &'a [u8],
}

impl<'a> Ready<'a> {
    /// `None` for bytes of another format or damaged ones.
    pub fn parse(bytes: &'a [u8]) -> Option<Ready<'a>> {
        let (_, rest) = read_start(bytes, FORMAT)?;
        let (agency_code, rest) = read_str(rest)?;
        let (size, block) = read_size(rest)?;
        Some(Ready {
            agency_code,
            size,
            block,
        })
    }

    /// Append the change `{"type":"dossier",…}` with its handling agency named `agency`.
    /// `None` (and `out` as it was) when the compressed JSON is damaged.
    pub fn write_change(&self, out: &mut Vec<u8>, agency: &str) -> Option<()> {
        let start = out.len();
        out.extend_from_slice(b"{\"type\":\"dossier\",\"agency\":");
        // A string: writing it cannot fail.
        serde_json::to_writer(&mut *out, agency).ok()?;
        out.push(b',');
        if unpack_into(out, self.size, self.block, DICT).is_none() {
            out.truncate(start);
            return None;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_read_as_a_kiosk_form_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            cut in 0usize..400,
        ) {
            let mut forged = vec![FORMAT, 2];
            forged.extend_from_slice(&bytes);
            for b in [&bytes[..], &forged[..cut.min(forged.len())]] {
                if let Some(r) = Ready::parse(b) {
                    let mut out = b"[".to_vec();
                    if r.write_change(&mut out, "a").is_none() {
                        prop_assert_eq!(out, b"[".to_vec());
                    }
                }
            }
        }
    }
}
