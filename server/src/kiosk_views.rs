//! A dossier as kiosks receive it ([`KioskDossier`](crate::changes::KioskDossier)), kept ready
//! by every write of the dossier in [`KIOSK_VIEWS`], so that a page of the change feed is reads
//! and copies rather than a projection per dossier (a kiosk's snapshot of 500,000 dossiers was
//! bound by that projection).
//!
//! What differs per kiosk or with time is written when the page is: the three digests (keyed for
//! the kiosk), the handling agency's name (agencies can be renamed), `overdue` and `timeliness`.
//! The rest is JSON, LZ4-compressed against [`DICT`]. A missing or damaged ready form is
//! projected from the record, as before ready forms existed.

use chrono::{DateTime, FixedOffset};
use motcua_core::privacy::Hasher;
use motcua_core::public::{Apology, NextStep, PublicStep, detail_at_rest, row};
use motcua_core::{Calendar, Channel, Step};
use redb::TableDefinition;
use serde::Serialize;

use crate::error::ApiError;
use crate::model::DossierRecord;
use crate::views::{
    Deadline, end_form, read_size, read_start, read_str, start_form, unpack_into, write_str,
};

/// Code → the dossier as kiosks receive it, less what is added per kiosk and per page.
pub const KIOSK_VIEWS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_views_v1");

/// The layout of a ready kiosk form and of the JSON in it; bump it when either changes.
pub const FORMAT: u8 = 1;

/// The LZ4 dictionary: a few demo dossiers as kiosks receive them (see `views::DICT`).
/// Changing it changes [`FORMAT`].
const DICT: &[u8] = include_bytes!("kiosk-dict.json");

/// Every field of [`KioskDossier`](crate::changes::KioskDossier) but `agency`, `overdue`,
/// `timeliness` and the digests, in its order.
#[derive(Serialize)]
struct Fixed<'a> {
    code: &'a str,
    procedure: &'a str,
    masked_name: &'a str,
    received_at: DateTime<FixedOffset>,
    appointment: DateTime<FixedOffset>,
    status: u8,
    status_vi: &'a str,
    status_en: &'a str,
    channel: Channel,
    step_vi: &'a str,
    step_en: &'a str,
    next: &'a NextStep,
    next_vi: &'a str,
    next_en: &'a str,
    apology: &'a Option<Apology>,
    timeline: &'a [PublicStep],
    procedure_id: &'a str,
    step: Step,
    open: bool,
    agency_code: &'a str,
    receiving_agency: &'a str,
}

/// The bytes of a ready kiosk form:
///
/// ```text
/// FORMAT u8 | Deadline (17 bytes) | handling agency code | canonical citizen ID | folded name
/// | secret   (each: len u16, bytes) | JSON size u32 | JSON from `"code":` to `}`, LZ4
/// ```
pub fn prepare(rec: &DossierRecord) -> Result<Vec<u8>, ApiError> {
    let st = &rec.state;
    let public_row = row(
        &rec.code,
        &rec.procedure_name,
        &rec.applicant.name,
        &rec.state,
    );
    let d = detail_at_rest(public_row, "", st, &rec.history);
    let handling = rec.handling_agency().as_str();
    let fixed = Fixed {
        code: &d.row.code,
        procedure: &d.row.procedure,
        masked_name: &d.row.masked_name,
        received_at: d.row.received_at,
        appointment: d.row.appointment,
        status: d.row.status,
        status_vi: &d.row.status_vi,
        status_en: &d.row.status_en,
        channel: d.channel,
        step_vi: &d.step_vi,
        step_en: &d.step_en,
        next: &d.next,
        next_vi: &d.next_vi,
        next_en: &d.next_en,
        apology: &d.apology,
        timeline: &d.timeline,
        procedure_id: &rec.procedure_id,
        step: st.step,
        open: st.finished_at.is_none() && !st.step.is_closed(),
        agency_code: handling,
        receiving_agency: rec.receiving_agency.as_str(),
    };
    let mut json = Vec::with_capacity(1536);
    serde_json::to_writer(&mut json, &fixed)?;
    // `{"code":…}` → `"code":…}`
    json.remove(0);

    let mut out = start_form(FORMAT, st, 96 + json.len() / 3);
    write_str(&mut out, handling)?;
    write_str(&mut out, &rec.applicant.citizen_id.canonical())?;
    write_str(&mut out, &motcua_core::text::fold(&rec.applicant.name))?;
    write_str(&mut out, &rec.secret)?;
    end_form(&mut out, &json, DICT)?;
    Ok(out)
}

/// A ready kiosk form, read.
#[derive(Debug)]
pub struct Ready<'a> {
    deadline: Deadline,
    /// The code of the handling agency (its name is written per page).
    pub agency_code: &'a str,
    citizen: &'a str,
    folded_name: &'a str,
    secret: &'a str,
    size: usize,
    block: &'a [u8],
}

impl<'a> Ready<'a> {
    /// `None` for bytes of another format or damaged ones.
    pub fn parse(bytes: &'a [u8]) -> Option<Ready<'a>> {
        let (deadline, rest) = read_start(bytes, FORMAT)?;
        let (agency_code, rest) = read_str(rest)?;
        let (citizen, rest) = read_str(rest)?;
        let (folded_name, rest) = read_str(rest)?;
        let (secret, rest) = read_str(rest)?;
        let (size, block) = read_size(rest)?;
        Some(Ready {
            deadline,
            agency_code,
            citizen,
            folded_name,
            secret,
            size,
            block,
        })
    }

    /// Append the change `{"type":"dossier",…}` for dossier `code` as the kiosk of `hasher`
    /// receives it at `now`, its handling agency named `agency`. `None` (and `out` as it was)
    /// when the compressed JSON is damaged.
    pub fn write_change(
        &self,
        out: &mut Vec<u8>,
        code: &str,
        hasher: &Hasher,
        agency: &str,
        cal: &Calendar,
        now: DateTime<FixedOffset>,
    ) -> Option<()> {
        let start = out.len();
        out.extend_from_slice(b"{\"type\":\"dossier\",\"agency\":");
        // A string: writing it cannot fail.
        serde_json::to_writer(&mut *out, agency).ok()?;
        out.extend_from_slice(b",\"overdue\":");
        self.deadline.write_values(cal, now, out);
        for (field, digest) in [
            ("citizen_hash", hasher.citizen(self.citizen)),
            ("name_hash", hasher.folded_name(self.folded_name)),
            ("secret_hash", hasher.secret(code, self.secret)),
        ] {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(field.as_bytes());
            out.extend_from_slice(b"\":\"");
            out.extend_from_slice(digest.as_bytes());
            out.push(b'"');
        }
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
            let cal = Calendar::vietnam_default();
            let now = DateTime::parse_from_rfc3339("2026-11-27T09:30:00+07:00").unwrap();
            let hasher = Hasher::new(&[7; 32]);
            let mut forged = vec![FORMAT, 2];
            forged.extend_from_slice(&bytes);
            for b in [&bytes[..], &forged[..cut.min(forged.len())]] {
                if let Some(r) = Ready::parse(b) {
                    let mut out = b"[".to_vec();
                    if r.write_change(&mut out, "c", &hasher, "a", &cal, now).is_none() {
                        prop_assert_eq!(out, b"[".to_vec());
                    }
                }
            }
        }
    }
}
