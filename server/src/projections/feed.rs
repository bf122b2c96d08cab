//! Pages of the change feed as a kiosk reads them: what its scope may see, in commit order, as
//! the privacy projection, from a cursor; without a cursor, from the start (a full snapshot,
//! `reset: true`). The long-poll around it is the HTTP layer's. See `docs/sync.md`.

use std::collections::HashMap;

use motcua_protocol::sync::KioskSettings;
use redb::ReadTransaction;

use super::kiosk_views::{self, KIOSK_VIEWS};
use crate::db::changes::{Entry, Key, head};
use crate::db::model::{Agency, CentreInfo, DossierRecord, Kiosk, Procedure};
use crate::db::{AGENCIES, CENTRES, CHANGES, COUNTERS, DOSSIERS, KIOSKS, META, Topic, decode, get};
use crate::ops::{Error, Kind};

pub use motcua_protocol::sync::{Change, Page};

/// Changes per page unless asked otherwise, and at most.
pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 2000;
/// Entries looked at per request: a kiosk with a narrow scope pages through a long log.
const MAX_SCAN: usize = 100_000;

/// A parsed cursor: the store's feed epoch, the kiosk's scope version and a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    epoch: String,
    scope_version: u32,
    seq: u64,
}

impl Cursor {
    pub fn parse(s: &str) -> Option<Cursor> {
        let mut it = s.trim().splitn(3, '-');
        let epoch = it.next()?;
        let scope_version = it.next()?.parse().ok()?;
        let seq = it.next()?.parse().ok()?;
        (epoch.len() == 8 && epoch.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Cursor {
            epoch: epoch.to_owned(),
            scope_version,
            seq,
        })
    }

    pub fn render(&self) -> String {
        format!("{}-{}-{}", self.epoch, self.scope_version, self.seq)
    }

    /// The last change of the feed read (the feed's head minus it is how far behind).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

fn resnapshot() -> Error {
    Error::new(
        Kind::Gone,
        "sync.resnapshot",
        "Mốc đồng bộ không còn dùng được; kiosk cần tải lại toàn bộ dữ liệu.",
        "The sync cursor is no longer valid; the kiosk must reload a full snapshot.",
    )
}

pub fn bad_cursor() -> Error {
    Error::bad_request(
        "sync.bad_cursor",
        "Mốc đồng bộ (since) không đúng định dạng.",
        "The sync cursor (since) is malformed.",
    )
}

/// What a kiosk sees of one entry.
enum Seen {
    Show(Key),
    Removed(String),
}

fn visible(k: &Kiosk, e: &Entry) -> Option<Seen> {
    let in_scope = |codes: &[String]| {
        codes
            .iter()
            .any(|c| k.scope.iter().any(|s| s.as_str() == c))
    };
    match Key::decode(&e.key)? {
        Key::Dossier(code) => {
            if in_scope(&e.agencies) {
                Some(Seen::Show(Key::Dossier(code)))
            } else if in_scope(&e.left) {
                Some(Seen::Removed(code))
            } else {
                None
            }
        }
        Key::Centre(c) | Key::Queue(c) if c != k.centre.as_str() => None,
        Key::Kiosk(id) if id != k.id => None,
        key => Some(Seen::Show(key)),
    }
}

struct Projector<'a> {
    txn: &'a ReadTransaction,
    agency_names: HashMap<String, String>,
    settings: &'a ServerSettings,
}

/// What every kiosk learns of the server's configuration with its own settings.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub rating_scale: motcua_core::rating::Scale,
    /// The address visitors' phones open (a queue ticket's page).
    pub public_url: Option<String>,
}

impl Projector<'_> {
    fn agency_name(&mut self, code: &str) -> Result<String, Error> {
        if let Some(n) = self.agency_names.get(code) {
            return Ok(n.clone());
        }
        let name = get::<Agency>(&self.txn.open_table(AGENCIES)?, code)?
            .map_or_else(|| code.to_owned(), |a| a.name);
        self.agency_names.insert(code.to_owned(), name.clone());
        Ok(name)
    }

    /// Append the change `seen` to `out` as JSON; false when it has nothing to say (a thing
    /// no longer there). A dossier comes from its ready form when there is a sound one.
    fn write(&mut self, out: &mut Vec<u8>, seen: Seen) -> Result<bool, Error> {
        if let Seen::Show(Key::Dossier(code)) = &seen {
            if let Some(v) = self.txn.open_table(KIOSK_VIEWS)?.get(code.as_str())? {
                if let Some(r) = kiosk_views::Ready::parse(v.value()) {
                    let agency = self.agency_name(r.agency_code)?;
                    if r.write_change(out, &agency).is_some() {
                        return Ok(true);
                    }
                }
                tracing::warn!(
                    code,
                    "a dossier's kiosk form does not read; projecting the record"
                );
            }
        }
        Ok(match self.project(seen)? {
            Some(change) => {
                serde_json::to_writer(&mut *out, &change)?;
                true
            }
            None => false,
        })
    }

    fn project(&mut self, seen: Seen) -> Result<Option<Change>, Error> {
        let txn = self.txn;
        Ok(match seen {
            Seen::Removed(code) => Some(Change::DossierRemoved { code }),
            Seen::Show(Key::Dossier(code)) => {
                match get::<DossierRecord>(&txn.open_table(DOSSIERS)?, &code)? {
                    Some(rec) => {
                        let agency = self.agency_name(rec.handling_agency().as_str())?;
                        Some(Change::Dossier(Box::new(kiosk_views::project(
                            &rec, &agency,
                        ))))
                    }
                    None => Some(Change::DossierRemoved { code }),
                }
            }
            Seen::Show(Key::Procedure(id)) => Some(
                match get::<Procedure>(&txn.open_table(crate::db::PROCEDURES)?, &id)? {
                    Some(p) => Change::Procedure(Box::new(p)),
                    None => Change::ProcedureRemoved { id },
                },
            ),
            Seen::Show(Key::Agency(code)) => get::<Agency>(&txn.open_table(AGENCIES)?, &code)?
                .map(|a| Change::Agency(Box::new(a))),
            Seen::Show(Key::Centre(code)) => get::<CentreInfo>(&txn.open_table(CENTRES)?, &code)?
                .map(|c| Change::Centre(Box::new(c))),
            Seen::Show(Key::Kiosk(id)) => get::<Kiosk>(&txn.open_table(KIOSKS)?, &id)?.map(|k| {
                // The scale this kiosk asks on: its own setting, or the server's.
                let rating_scale = k.config.rating_levels.unwrap_or(self.settings.rating_scale);
                Change::Config(Box::new(KioskSettings {
                    kiosk_id: k.id,
                    name: k.name,
                    centre: k.centre,
                    scope: k.scope,
                    config: k.config,
                    rating_scale,
                    queue_slot: k.queue_slot,
                    public_url: self.settings.public_url.clone(),
                }))
            }),
            Seen::Show(Key::Queue(code)) => {
                get::<motcua_core::queue::QueueConfig>(&txn.open_table(crate::db::QUEUES)?, &code)?
                    .map(|q| Change::Queue(Box::new(q)))
            }
        })
    }
}

/// A page of the feed as JSON (a [`Page`]), and what the long-poll needs of it.
#[derive(Debug)]
pub struct Written {
    pub json: Vec<u8>,
    pub cursor: String,
    pub reset: bool,
    pub more: bool,
    pub changes: usize,
}

/// Read one page for `kiosk` after `since` (a sequence already checked against the head).
pub fn read_page(
    settings: &ServerSettings,
    txn: &ReadTransaction,
    kiosk: &Kiosk,
    since: Option<&Cursor>,
    limit: usize,
) -> Result<Written, Error> {
    let epoch = txn
        .open_table(META)?
        .get("feed_epoch")?
        .map(|v| v.value().to_owned())
        .unwrap_or_default();
    let head = head(&txn.open_table(COUNTERS)?)?;
    let from = match since {
        None => 0,
        Some(c) if c.epoch != epoch || c.scope_version != kiosk.scope_version || c.seq > head => {
            return Err(resnapshot());
        }
        Some(c) => c.seq,
    };
    let mut seen = Vec::new();
    let mut last = from;
    let mut scanned = 0;
    for item in txn.open_table(CHANGES)?.range(from + 1..)? {
        let (k, v) = item?;
        last = k.value();
        scanned += 1;
        let e: Entry = decode(v.value())?;
        // A snapshot starts from nothing: it has nothing to remove.
        if let Some(s) =
            visible(kiosk, &e).filter(|s| since.is_some() || matches!(s, Seen::Show(_)))
        {
            seen.push(s);
            if seen.len() == limit {
                break;
            }
        }
        if scanned == MAX_SCAN {
            break;
        }
    }
    let more = last < head;
    let mut p = Projector {
        txn,
        agency_names: HashMap::new(),
        settings,
    };
    let cursor = Cursor {
        epoch,
        scope_version: kiosk.scope_version,
        seq: if more { last } else { head },
    }
    .render();
    let reset = since.is_none();
    let mut json = Vec::with_capacity(128 + seen.len() * 1536);
    json.extend_from_slice(b"{\"cursor\":");
    serde_json::to_writer(&mut json, &cursor)?;
    json.extend_from_slice(format!(",\"reset\":{reset},\"more\":{more},\"changes\":[").as_bytes());
    let mut changes = 0;
    for s in seen {
        let before = json.len();
        if changes > 0 {
            json.push(b',');
        }
        if p.write(&mut json, s)? {
            changes += 1;
        } else {
            json.truncate(before);
        }
    }
    json.extend_from_slice(b"]}");
    Ok(Written {
        json,
        cursor,
        reset,
        more,
        changes,
    })
}

/// Whether a commit's topic is news for `kiosk`: a dossier of its scope (or leaving it), the
/// catalogue, its centre, itself.
pub fn concerns(kiosk: &Kiosk, t: &Topic) -> bool {
    let in_scope = |codes: &[String]| {
        codes
            .iter()
            .any(|c| kiosk.scope.iter().any(|s| s.as_str() == c))
    };
    match t {
        Topic::Dossier { agencies, left, .. } => in_scope(agencies) || in_scope(left),
        Topic::Catalogue => true,
        Topic::Centre(c) => c == kiosk.centre.as_str(),
        Topic::Kiosk(id) => *id == kiosk.id,
        // Kiosks read the queue when a visitor opens it; boards follow it live.
        Topic::Queue(_) => false,
        // The fleet console's; a kiosk learns of its own settings through `Topic::Kiosk`.
        Topic::Fleet => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{ReadableDatabase, ReadableTable};

    /// Every demo dossier, fed from its ready form and projected from its record, says the
    /// same; so does one whose ready form is damaged or missing. What the kiosk judges from it
    /// (overdue, paused) is there.
    #[test]
    fn ready_kiosk_forms_say_what_the_projection_says() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::db::Store::open(
            dir.path(),
            64 << 20,
            std::sync::Arc::new(super::super::Projections),
        )
        .unwrap();
        let cal = motcua_core::Calendar::vietnam_default();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T09:30:00+07:00").unwrap();
        crate::seed::seed_demo(&store, &cal, now, 300).unwrap();
        let db = store.database();
        let codes: Vec<String> = {
            let txn = db.begin_read().unwrap();
            let t = txn.open_table(DOSSIERS).unwrap();
            t.iter()
                .unwrap()
                .map(|i| i.unwrap().0.value().to_owned())
                .collect()
        };
        // Damage one ready form and drop another: both are projected from their records.
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(KIOSK_VIEWS).unwrap();
            let mut bad = t.get(codes[0].as_str()).unwrap().unwrap().value().to_vec();
            let end = bad.len() - 2;
            bad.truncate(end);
            t.insert(codes[0].as_str(), bad.as_slice()).unwrap();
            t.remove(codes[1].as_str()).unwrap();
        }
        txn.commit().unwrap();

        let txn = db.begin_read().unwrap();
        let (mut overdue, mut paused, mut closed) = (0, 0, 0);
        let mut p = Projector {
            txn: &txn,
            agency_names: HashMap::new(),
            settings: &ServerSettings {
                rating_scale: motcua_core::rating::Scale::Five,
                public_url: None,
            },
        };
        let dossiers = txn.open_table(DOSSIERS).unwrap();
        for code in &codes {
            let seen = || Seen::Show(Key::Dossier(code.clone()));
            let mut out = Vec::new();
            assert!(p.write(&mut out, seen()).unwrap());
            let fed: Change = serde_json::from_slice(&out).unwrap();
            let projected = p.project(seen()).unwrap().unwrap();
            assert_eq!(fed, projected, "{code}");
            let Change::Dossier(d) = fed else {
                panic!("{code} is not a dossier change")
            };
            // The kiosk's verdict is the server's, paused dossiers included.
            let rec: DossierRecord =
                decode(dossiers.get(code.as_str()).unwrap().unwrap().value()).unwrap();
            assert_eq!(
                d.due_state.overdue_at(now),
                rec.state.is_overdue(now),
                "{code}"
            );
            overdue += usize::from(d.due_state.overdue_at(now));
            paused += usize::from(d.due_state.paused_at.is_some());
            closed += usize::from(!d.due_state.open);
            // Nothing that names the applicant beyond the masked name travels.
            let text = String::from_utf8(out).unwrap();
            assert!(!text.contains(&rec.applicant.name), "{text}");
            assert!(
                !text.contains(&rec.applicant.citizen_id.canonical()),
                "{text}"
            );
            assert!(!text.contains("hash"), "{text}");
        }
        assert!(
            overdue > 0 && paused > 0 && closed > 0,
            "{overdue} {paused} {closed}"
        );
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let c = Cursor {
            epoch: "0a1b2c3d".into(),
            scope_version: 2,
            seq: 12345,
        };
        assert_eq!(Cursor::parse(&c.render()), Some(c));
        for bad in [
            "",
            "x",
            "0a1b2c3d-2",
            "0a1b2c3d-x-1",
            "zzzzzzzz-0-1",
            "0a1b-0-1",
            "0a1b2c3d-0--1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
