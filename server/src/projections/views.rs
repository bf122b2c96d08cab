//! What staff see of a dossier, and that answer kept ready in the store.
//!
//! `GET /api/v1/dossiers/{code}` is the busiest staff read. Decoding a record and encoding its
//! view took about half the CPU of an answer, so every write of a dossier also stores its view
//! (table [`DOSSIER_VIEWS`]) as JSON split where the two values that depend on the clock or the
//! calendar go (`overdue`, `timeliness`), behind a small head holding what those two values and
//! the scope check need. An answer is then one B-tree read, the scope check and two copies.
//!
//! Every answer, ready or not, is made by [`answer`] from [`prepare`]'s bytes, so a stored view
//! and one made from the record say the same. [`FORMAT`] is stored in `meta`; a store whose views
//! were made by another format has them all made again when it opens ([`rebuild`]).

use chrono::{DateTime, FixedOffset, TimeZone};
use motcua_core::workflow::{
    Consultation, Dossier, Fees, JointTask, MissingItem, PendingNotice, Verification,
};
use motcua_core::{
    Calendar, Channel, EventKind, Lang, NationalStatus, ReturnChannel, Step, Timeliness,
};
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::Serialize;

use crate::db::Error;
use crate::db::model::{Applicant, DossierRecord, SubmittedDocument, User};
use crate::db::{DOSSIERS, META, decode, get};

/// Code → the dossier's staff view, ready to answer (see the module's documentation).
pub const DOSSIER_VIEWS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossier_views_v1");

/// The layout of a ready view and of the JSON in it. Bump it when either changes: views of
/// another format are made again at open.
pub const FORMAT: u8 = 3;

/// `meta` key holding the [`FORMAT`] the stored views were made with.
const META_KEY: &str = "dossier_views_format";

/// A status with its labels.
#[derive(Debug, Serialize)]
pub struct Label {
    pub code: u8,
    pub vi: &'static str,
    pub en: &'static str,
}

impl Label {
    pub fn of(s: NationalStatus) -> Label {
        Label {
            code: s.code(),
            vi: s.label(Lang::Vi),
            en: s.label(Lang::En),
        }
    }
}

/// A workflow step with its labels.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub key: Step,
    pub vi: &'static str,
    pub en: &'static str,
}

impl StepView {
    pub fn of(s: Step) -> StepView {
        StepView {
            key: s,
            vi: s.label(Lang::Vi),
            en: s.label(Lang::En),
        }
    }
}

/// What staff see of a dossier up to its deadlines (`overdue` follows).
#[derive(Serialize)]
struct Head<'a> {
    code: &'a str,
    secret: &'a str,
    procedure_id: &'a str,
    procedure_name: &'a str,
    receiving_agency: &'a str,
    handling_agency: &'a str,
    channel: Channel,
    applicant: &'a Applicant,
    documents: &'a [SubmittedDocument],
    status: Label,
    step: StepView,
    submitted_at: DateTime<FixedOffset>,
    received_at: DateTime<FixedOffset>,
    appointment: DateTime<FixedOffset>,
    original_appointment: DateTime<FixedOffset>,
    transfer_due: DateTime<FixedOffset>,
    legal_due: DateTime<FixedOffset>,
}

/// What follows `timeliness`.
#[derive(Serialize)]
struct Tail<'a> {
    details: Details<'a>,
    timeline: Vec<TimelineEntry<'a>>,
}

/// The parts of the workflow state not already shown above.
#[derive(Serialize)]
struct Details<'a> {
    round: u32,
    assignee: &'a Option<String>,
    transferred_at: Option<DateTime<FixedOffset>>,
    supplement: &'a [MissingItem],
    paused_at: Option<DateTime<FixedOffset>>,
    consultations: &'a [Consultation],
    verification: &'a Option<Verification>,
    fees: &'a Fees,
    reason: &'a Option<String>,
    finished_at: Option<DateTime<FixedOffset>>,
    returned_at: Option<DateTime<FixedOffset>>,
    return_channel: Option<ReturnChannel>,
    apologies: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: &'a Option<PendingNotice>,
    #[serde(skip_serializing_if = "<[JointTask]>::is_empty")]
    joint: &'a [JointTask],
}

impl<'a> Details<'a> {
    fn of(d: &'a Dossier) -> Details<'a> {
        Details {
            round: d.round,
            assignee: &d.assignee,
            transferred_at: d.transferred_at,
            supplement: &d.supplement,
            paused_at: d.paused_at,
            consultations: &d.consultations,
            verification: &d.verification,
            fees: &d.fees,
            reason: &d.reason,
            finished_at: d.finished_at,
            returned_at: d.returned_at,
            return_channel: d.return_channel,
            apologies: d.apologies,
            notice: &d.notice,
            joint: &d.joint,
        }
    }
}

#[derive(Serialize)]
struct TimelineEntry<'a> {
    at: DateTime<FixedOffset>,
    by: &'a str,
    vi: &'static str,
    en: &'static str,
    event: &'a EventKind,
}

/// How `overdue` follows from the clock.
const NEVER: u8 = 0;
const ALWAYS: u8 = 1;
const AFTER_DUE: u8 = 2;
/// `finished_at` of a dossier not finished.
const UNFINISHED: i64 = i64::MIN;

/// What `overdue` and `timeliness` of a dossier follow from, kept beside its ready forms:
/// 17 bytes, `rule u8 | due i64 | finished_at i64` (little-endian; `UNFINISHED`: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    rule: u8,
    due: i64,
    finished: i64,
}

impl Deadline {
    pub(crate) fn of(st: &Dossier) -> Deadline {
        // `DueState::overdue_at` folded for splicing: never once finished or closed; a paused
        // clock stands.
        let rule = if !st.is_open() {
            NEVER
        } else {
            match st.paused_at {
                Some(p) if p > st.legal_due() => ALWAYS,
                Some(_) => NEVER,
                None => AFTER_DUE,
            }
        };
        Deadline {
            rule,
            due: st.legal_due().timestamp(),
            finished: st.finished_at.map_or(UNFINISHED, |f| f.timestamp()),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.rule);
        out.extend_from_slice(&self.due.to_le_bytes());
        out.extend_from_slice(&self.finished.to_le_bytes());
    }

    fn read(bytes: &[u8]) -> Option<(Deadline, &[u8])> {
        let (&rule, rest) = bytes.split_first()?;
        let (due, rest) = rest.split_first_chunk::<8>()?;
        let (finished, rest) = rest.split_first_chunk::<8>()?;
        let d = Deadline {
            rule,
            due: i64::from_le_bytes(*due),
            finished: i64::from_le_bytes(*finished),
        };
        (rule <= AFTER_DUE).then_some((d, rest))
    }

    pub(crate) fn overdue(&self, now: DateTime<FixedOffset>) -> bool {
        match self.rule {
            NEVER => false,
            ALWAYS => true,
            _ => now.timestamp() > self.due,
        }
    }

    pub(crate) fn timeliness(&self, cal: &Calendar) -> Option<Timeliness> {
        if self.finished == UNFINISHED {
            return None;
        }
        let utc = chrono::Utc;
        let finished = utc.timestamp_opt(self.finished, 0).single()?;
        let due = utc.timestamp_opt(self.due, 0).single()?;
        Some(cal.timeliness(finished.fixed_offset(), due.fixed_offset()))
    }

    /// `<overdue>,"timeliness":<timeliness>` at `now`, as JSON.
    pub(crate) fn write_values(
        &self,
        cal: &Calendar,
        now: DateTime<FixedOffset>,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(if self.overdue(now) { b"true" } else { b"false" });
        out.extend_from_slice(b",\"timeliness\":");
        out.extend_from_slice(match self.timeliness(cal) {
            None => b"null",
            Some(Timeliness::Early) => b"\"early\"",
            Some(Timeliness::OnTime) => b"\"on_time\"",
            Some(Timeliness::Overdue) => b"\"overdue\"",
        });
    }
}

/// Append `s` with a two-byte length (little-endian).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), Error> {
    let len = u16::try_from(s.len()).map_err(Error::new)?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// Read what [`write_str`] wrote.
pub(crate) fn read_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_le_bytes(*len));
    if len > rest.len() {
        return None;
    }
    let (s, rest) = rest.split_at(len);
    Some((std::str::from_utf8(s).ok()?, rest))
}

/// The start of every ready form: its format byte, then the dossier's [`Deadline`].
pub(crate) fn start_form(format: u8, st: &Dossier, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.push(format);
    Deadline::of(st).write(&mut out);
    out
}

/// Read what [`start_form`] wrote; `None` for another format.
pub(crate) fn read_start(bytes: &[u8], format: u8) -> Option<(Deadline, &[u8])> {
    let (&found, rest) = bytes.split_first()?;
    if found != format {
        return None;
    }
    Deadline::read(rest)
}

/// The end of every ready form: the JSON's size (u32), then the JSON compressed against `dict`.
pub(crate) fn end_form(out: &mut Vec<u8>, json: &[u8], dict: &[u8]) -> Result<(), Error> {
    let size = u32::try_from(json.len()).map_err(Error::new)?;
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&lz4_flex::block::compress_with_dict(json, dict));
    Ok(())
}

/// A `u32` written little-endian, as a size.
pub(crate) fn read_size(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let (n, rest) = bytes.split_first_chunk::<4>()?;
    Some((usize::try_from(u32::from_le_bytes(*n)).ok()?, rest))
}

/// Decompress `block` (JSON of `size` bytes, LZ4 against `dict`) onto the end of `out`.
pub(crate) fn unpack_into(out: &mut Vec<u8>, size: usize, block: &[u8], dict: &[u8]) -> Option<()> {
    if size > MAX_JSON {
        return None;
    }
    let start = out.len();
    out.resize(start + size, 0);
    match lz4_flex::block::decompress_into_with_dict(block, &mut out[start..], dict) {
        Ok(n) if n == size => Some(()),
        _ => {
            out.truncate(start);
            None
        }
    }
}

/// The LZ4 dictionary of ready views: a few demo views, concatenated (field names, labels and
/// common values; any bytes work, better ones compress more). Views compress about 4:1 with it
/// and 1.8:1 without. Changing it changes [`FORMAT`].
const DICT: &[u8] = include_bytes!("view-dict.json");

/// Largest JSON a ready view may hold (a damaged length must not make a huge buffer).
const MAX_JSON: usize = 16 << 20;

/// The bytes of a ready view:
///
/// ```text
/// FORMAT u8 | overdue rule u8 | due i64 | finished_at i64 (UNFINISHED: none)   (little-endian)
/// | receiving agency: len u16, bytes | handling agency: len u16, bytes
/// | split u32 | JSON size u32 | JSON without the values of `overdue` and `timeliness`, LZ4
/// ```
///
/// `split` is where those values go: just after `"overdue":`. The JSON is compressed with
/// [`DICT`]: 2.5 KB become about 600 bytes, several views to a page of the store.
pub fn prepare(rec: &DossierRecord) -> Result<Vec<u8>, Error> {
    let st = &rec.state;
    let head = Head {
        code: &rec.code,
        secret: &rec.secret,
        procedure_id: &rec.procedure_id,
        procedure_name: &rec.procedure_name,
        receiving_agency: rec.receiving_agency.as_str(),
        handling_agency: rec.handling_agency().as_str(),
        channel: st.channel,
        applicant: &rec.applicant,
        documents: &rec.documents,
        status: Label::of(st.national_status()),
        step: StepView::of(st.step),
        submitted_at: st.submitted_at,
        received_at: st.received_at,
        appointment: st.due,
        original_appointment: st.original_due,
        transfer_due: st.transfer_due,
        legal_due: st.legal_due(),
    };
    let tail = Tail {
        details: Details::of(st),
        timeline: rec
            .history
            .iter()
            .map(|e| TimelineEntry {
                at: e.at,
                by: &e.by,
                vi: e.kind.label(Lang::Vi),
                en: e.kind.label(Lang::En),
                event: &e.kind,
            })
            .collect(),
    };
    let mut json = Vec::with_capacity(2048);
    serde_json::to_writer(&mut json, &head)?;
    // `{…}` → `{…,"overdue":`
    json.pop();
    json.extend_from_slice(b",\"overdue\":");
    let split = u32::try_from(json.len()).map_err(Error::new)?;
    // `{"details":…}` → `,"details":…}`
    let tail_at = json.len();
    serde_json::to_writer(&mut json, &tail)?;
    json[tail_at] = b',';

    let mut out = start_form(FORMAT, st, 64 + json.len() / 2);
    write_str(&mut out, head.receiving_agency)?;
    write_str(&mut out, head.handling_agency)?;
    out.extend_from_slice(&split.to_le_bytes());
    end_form(&mut out, &json, DICT)?;
    Ok(out)
}

/// A ready view, read.
#[derive(Debug, PartialEq, Eq)]
pub struct Ready<'a> {
    deadline: Deadline,
    pub receiving_agency: &'a str,
    pub handling_agency: &'a str,
    split: usize,
    size: usize,
    block: &'a [u8],
}

impl<'a> Ready<'a> {
    /// Read the head of the bytes [`prepare`] made; `None` for bytes of another format or
    /// damaged ones.
    pub fn parse(bytes: &'a [u8]) -> Option<Ready<'a>> {
        let (deadline, rest) = read_start(bytes, FORMAT)?;
        let (receiving_agency, rest) = read_str(rest)?;
        let (handling_agency, rest) = read_str(rest)?;
        let (split, rest) = read_size(rest)?;
        let (size, block) = read_size(rest)?;
        (split <= size).then_some(Ready {
            deadline,
            receiving_agency,
            handling_agency,
            split,
            size,
            block,
        })
    }

    /// Whether `user` may see it (as [`crate::ops::access::may_see`] rules for the record).
    pub fn visible_to(&self, user: &User) -> bool {
        crate::ops::access::may_see_agencies(user, self.receiving_agency, self.handling_agency)
    }

    /// The JSON answer at `now`; `None` if the compressed JSON is damaged.
    pub fn answer(&self, cal: &Calendar, now: DateTime<FixedOffset>) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(self.size + 40);
        unpack_into(&mut out, self.size, self.block, DICT)?;
        let mut values = Vec::with_capacity(40);
        self.deadline.write_values(cal, now, &mut values);
        out.splice(self.split..self.split, values);
        Some(out)
    }
}

/// What [`read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    Json(Vec<u8>),
    OutOfScope,
    Missing,
}

/// The answer for dossier `code` as `user` sees it at `now`: from its ready view, or made from
/// the record when the view is missing or damaged.
pub fn read(
    txn: &ReadTransaction,
    code: &str,
    user: &User,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<Seen, Error> {
    if let Some(v) = txn.open_table(DOSSIER_VIEWS)?.get(code)? {
        if let Some(r) = Ready::parse(v.value()) {
            // A joint dossier's participating agencies see it too (Art. 10.1d): the view's head
            // names only the receiving and handling agencies, so their staff are checked on the
            // record.
            if !r.visible_to(user) && !joint_participant(txn, code, user)? {
                return Ok(Seen::OutOfScope);
            }
            if let Some(json) = r.answer(cal, now) {
                return Ok(Seen::Json(json));
            }
        }
        tracing::warn!(
            code,
            "a dossier view does not read; answering from the record"
        );
    }
    let Some(rec) = get::<DossierRecord>(&txn.open_table(DOSSIERS)?, code)? else {
        return Ok(Seen::Missing);
    };
    if !crate::ops::access::may_see(user, &rec) {
        return Ok(Seen::OutOfScope);
    }
    answer_of(&rec, cal, now).map(Seen::Json)
}

/// Whether `user`'s agency takes part in joint dossier `code` (staff of agencies only).
fn joint_participant(txn: &ReadTransaction, code: &str, user: &User) -> Result<bool, Error> {
    use crate::db::model::Role;
    if !matches!(user.role, Role::Officer | Role::Head) {
        return Ok(false);
    }
    Ok(get::<DossierRecord>(&txn.open_table(DOSSIERS)?, code)?
        .is_some_and(|rec| crate::ops::access::joint_participant(user, &rec)))
}

/// The JSON answer for `rec` at `now`, made the way a stored view answers.
pub fn answer_of(
    rec: &DossierRecord,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<Vec<u8>, Error> {
    let bytes = prepare(rec)?;
    Ready::parse(&bytes)
        .and_then(|r| r.answer(cal, now))
        .ok_or_else(|| Error::new("a dossier view does not read back"))
}

/// A ready form of every dossier: its table, its format (stored in `meta` under `meta_key`) and
/// how it is made.
pub struct Form {
    pub table: TableDefinition<'static, &'static str, &'static [u8]>,
    meta_key: &'static str,
    format: u8,
    pub prepare: fn(&DossierRecord) -> Result<Vec<u8>, Error>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.meta_key)
    }
}

/// What staff see, and what kiosks receive.
pub const FORMS: [Form; 2] = [
    Form {
        table: DOSSIER_VIEWS,
        meta_key: META_KEY,
        format: FORMAT,
        prepare,
    },
    Form {
        table: super::kiosk_views::KIOSK_VIEWS,
        meta_key: "kiosk_views_format",
        format: super::kiosk_views::FORMAT,
        prepare: super::kiosk_views::prepare,
    },
];

/// Store every ready form of `rec` (every write of a dossier calls this).
pub fn put(txn: &WriteTransaction, rec: &DossierRecord) -> Result<(), Error> {
    for form in &FORMS {
        txn.open_table(form.table)?
            .insert(rec.code.as_str(), (form.prepare)(rec)?.as_slice())?;
    }
    Ok(())
}

/// Dossiers whose forms are made per write transaction by [`rebuild`].
const REBUILD_BATCH: usize = 20_000;

/// Make again every dossier's forms that were not made with their current format: once, at
/// open, before anything is served. Returns how many dossiers were gone through.
pub fn rebuild(db: &Database) -> Result<usize, Error> {
    let stale: Vec<&Form> = {
        let txn = db.begin_read()?;
        let meta = txn.open_table(META)?;
        let mut stale = Vec::new();
        for form in &FORMS {
            let format = form.format.to_string();
            if meta.get(form.meta_key)?.is_none_or(|v| v.value() != format) {
                stale.push(form);
            }
        }
        stale
    };
    if stale.is_empty() {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    let mut after: Option<String> = None;
    let mut made = 0;
    loop {
        let txn = db.begin_write()?;
        let last = {
            let dossiers = txn.open_table(DOSSIERS)?;
            let mut tables = stale
                .iter()
                .map(|f| txn.open_table(f.table))
                .collect::<Result<Vec<_>, _>>()?;
            let range = match &after {
                Some(a) => dossiers.range::<&str>((
                    std::ops::Bound::Excluded(a.as_str()),
                    std::ops::Bound::Unbounded,
                ))?,
                None => dossiers.range::<&str>(..)?,
            };
            let mut recs = Vec::with_capacity(REBUILD_BATCH);
            for item in range.take(REBUILD_BATCH) {
                recs.push(decode::<DossierRecord>(item?.1.value())?);
            }
            let made_here = crate::db::on_every_core(&recs, |r| {
                stale
                    .iter()
                    .map(|f| (f.prepare)(r))
                    .collect::<Result<Vec<_>, _>>()
            })?;
            for (rec, forms) in recs.iter().zip(&made_here) {
                for (table, form) in tables.iter_mut().zip(forms) {
                    table.insert(rec.code.as_str(), form.as_slice())?;
                }
            }
            made += recs.len();
            recs.pop().map(|r| r.code)
        };
        match last {
            Some(code) => {
                after = Some(code);
                // Durable per batch, so that redb reuses the pages the batch freed.
                txn.commit()?;
                tracing::info!(made, "dossier forms made");
            }
            None => {
                let mut meta = txn.open_table(META)?;
                for form in &stale {
                    meta.insert(form.meta_key, form.format.to_string().as_str())?;
                }
                drop(meta);
                txn.commit()?;
                break;
            }
        }
    }
    if made > 0 {
        tracing::info!(
            made,
            secs = started.elapsed().as_secs_f64(),
            "every dossier's ready forms made"
        );
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;
    use crate::db::model::Role;
    use chrono::Duration;
    use proptest::prelude::*;
    use serde_json::Value;

    fn vn(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// A store with `n` demo dossiers received before `now`, and every record in it.
    fn seeded(
        n: usize,
        now: DateTime<FixedOffset>,
    ) -> (tempfile::TempDir, Store, Vec<DossierRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            dir.path(),
            64 << 20,
            std::sync::Arc::new(super::super::Projections),
        )
        .unwrap();
        crate::seed::seed_demo(&store, &Calendar::vietnam_default(), now, n).unwrap();
        let txn = store.database().begin_read().unwrap();
        let recs = txn
            .open_table(DOSSIERS)
            .unwrap()
            .iter()
            .unwrap()
            .map(|item| decode(item.unwrap().1.value()).unwrap())
            .collect();
        drop(txn);
        (dir, store, recs)
    }

    fn user(role: Role, agency: Option<&str>) -> User {
        User {
            username: "u".into(),
            full_name: "U".into(),
            role,
            agency: agency.map(|a| motcua_core::AgencyCode::parse(a).unwrap()),
            password_hash: String::new(),
            must_change_password: false,
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            created_at: vn("2026-01-01T00:00:00+07:00"),
        }
    }

    fn stored(store: &Store, code: &str) -> Option<Vec<u8>> {
        let txn = store.database().begin_read().unwrap();
        let t = txn.open_table(DOSSIER_VIEWS).unwrap();
        t.get(code).unwrap().map(|v| v.value().to_vec())
    }

    fn seen(store: &Store, code: &str, who: &User, now: DateTime<FixedOffset>) -> Seen {
        let txn = store.database().begin_read().unwrap();
        read(&txn, code, who, &Calendar::vietnam_default(), now).unwrap()
    }

    #[test]
    fn stored_views_answer_what_the_record_says_at_any_time() {
        let now = vn("2026-11-27T09:30:00+07:00");
        let (_dir, store, recs) = seeded(400, now);
        let cal = Calendar::vietnam_default();
        let admin = user(Role::CentreAdmin, None);
        let (mut overdue, mut paused, mut finished) = (0, 0, 0);
        for rec in &recs {
            // Every write kept the dossier's view.
            assert_eq!(stored(&store, &rec.code), Some(prepare(rec).unwrap()));
            let st = &rec.state;
            let around_due = [-1, 0, 1].map(|s| st.due + Duration::seconds(s));
            for at in [now].into_iter().chain(around_due) {
                let Seen::Json(json) = seen(&store, &rec.code, &admin, at) else {
                    panic!("{} not answered", rec.code);
                };
                let v: Value = serde_json::from_slice(&json).unwrap();
                // What a client reads with the protocol's type is what the record says.
                let typed: motcua_protocol::staff::DossierView =
                    serde_json::from_slice(&json).unwrap();
                assert_eq!(typed.code, rec.code);
                assert_eq!(typed.applicant, rec.applicant);
                assert_eq!(typed.details.fees, st.fees);
                assert_eq!(typed.timeline.len(), rec.history.len());
                assert_eq!(v["code"], rec.code.as_str());
                assert_eq!(v["overdue"], st.is_overdue(at), "{} at {at}", rec.code);
                assert_eq!(
                    v["timeliness"],
                    serde_json::to_value(st.timeliness(&cal)).unwrap()
                );
                assert_eq!(v["handling_agency"], rec.handling_agency().as_str());
                assert_eq!(v["step"]["key"], serde_json::to_value(st.step).unwrap());
                assert_eq!(v["details"]["round"], st.round);
                assert_eq!(v["timeline"].as_array().unwrap().len(), rec.history.len());
                let last = rec.history.last().unwrap();
                assert_eq!(
                    v["timeline"][rec.history.len() - 1]["vi"],
                    last.kind.label(Lang::Vi)
                );
                overdue += usize::from(v["overdue"] == true);
            }
            if let Some(p) = st.paused_at {
                paused += 1;
                // Paused past the appointment: overdue whatever the clock says.
                let mut late = rec.clone();
                late.state.due = p - Duration::minutes(1);
                late.state.legal_due = Some(late.state.due);
                for at in [p - Duration::days(9), now, p + Duration::days(9)] {
                    let v: Value =
                        serde_json::from_slice(&answer_of(&late, &cal, at).unwrap()).unwrap();
                    assert_eq!(v["overdue"], late.state.is_overdue(at));
                    assert_eq!(v["overdue"], late.state.finished_at.is_none());
                }
            }
            finished += usize::from(st.finished_at.is_some());
        }
        // The demo data reaches every rule.
        assert!(
            overdue > 0 && paused > 0 && finished > 0,
            "{overdue} {paused} {finished}"
        );
    }

    #[test]
    fn views_are_small_and_keep_the_scope_of_the_record() {
        let now = vn("2026-11-27T09:30:00+07:00");
        let (_dir, store, recs) = seeded(200, now);
        let cal = Calendar::vietnam_default();
        let (mut json, mut kept) = (0, 0);
        for rec in &recs {
            json += answer_of(rec, &cal, now).unwrap().len();
            kept += prepare(rec).unwrap().len();
        }
        assert!(
            kept * 3 < json,
            "views keep {kept} bytes for {json} of JSON"
        );

        let rec = &recs[0];
        let desk = user(Role::Receptionist, Some(rec.receiving_agency.as_str()));
        let officer = user(Role::Officer, Some(rec.handling_agency().as_str()));
        let stranger = user(Role::Officer, Some("000.00.99.H16"));
        assert!(matches!(seen(&store, &rec.code, &desk, now), Seen::Json(_)));
        assert!(matches!(
            seen(&store, &rec.code, &officer, now),
            Seen::Json(_)
        ));
        assert_eq!(seen(&store, &rec.code, &stranger, now), Seen::OutOfScope);
        let missing = "000.00.01.H16-261127-9999";
        assert_eq!(seen(&store, missing, &desk, now), Seen::Missing);
    }

    #[test]
    fn missing_or_damaged_views_are_answered_from_the_record_and_made_again_at_open() {
        let now = vn("2026-11-27T09:30:00+07:00");
        let (_dir, store, recs) = seeded(50, now);
        let admin = user(Role::SystemAdmin, None);
        let expected: Vec<Seen> = recs
            .iter()
            .map(|r| seen(&store, &r.code, &admin, now))
            .collect();
        let db = store.database();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(DOSSIER_VIEWS).unwrap();
            t.remove(recs[0].code.as_str()).unwrap();
            let mut bad = prepare(&recs[1]).unwrap();
            let end = bad.len() - 1;
            bad[end] ^= 0xff;
            bad.truncate(end - 3);
            t.insert(recs[1].code.as_str(), bad.as_slice()).unwrap();
            t.insert(recs[2].code.as_str(), [FORMAT + 1, 0].as_slice())
                .unwrap();
        }
        txn.commit().unwrap();
        for (r, e) in recs.iter().zip(&expected).take(3) {
            assert_eq!(&seen(&store, &r.code, &admin, now), e, "{}", r.code);
        }
        // Views of this format are not made again...
        assert_eq!(rebuild(db).unwrap(), 0);
        // ...those of a store without them are, all of them.
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().remove(META_KEY).unwrap();
        txn.delete_table(DOSSIER_VIEWS).unwrap();
        txn.commit().unwrap();
        assert_eq!(rebuild(db).unwrap(), recs.len());
        assert_eq!(rebuild(db).unwrap(), 0);
        for r in &recs {
            assert_eq!(stored(&store, &r.code), Some(prepare(r).unwrap()));
        }
    }

    proptest! {
        #[test]
        fn any_bytes_read_as_a_view_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
            let cal = Calendar::vietnam_default();
            let now = vn("2026-11-27T09:30:00+07:00");
            if let Some(r) = Ready::parse(&bytes) {
                let _ = r.answer(&cal, now);
            }
            let mut forged = vec![FORMAT, AFTER_DUE];
            forged.extend_from_slice(&bytes);
            if let Some(r) = Ready::parse(&forged[..cut.min(forged.len())]) {
                let _ = r.answer(&cal, now);
            }
        }
    }
}
