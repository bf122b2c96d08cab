//! # Projections (layer 3 of the server)
//!
//! What is derived from the records for reading fast, kept in step by every write through the
//! store's [`Hooks`](crate::db::Hooks), and read by the HTTP layer:
//!
//! - [`views`]: what staff see of a dossier, kept ready (`GET /api/v1/dossiers/{code}`).
//! - [`kiosk_views`]: a dossier as kiosks receive it, kept ready for the change feed.
//! - [`feed`]: pages of the change feed as a kiosk reads them (scope, projection, cursors).
//! - [`reports`]: counters kept by every write, and the reports built from them.
//! - [`desk`]: each desk's piles (to transfer, supplements and fees awaited, results to return)
//!   and each agency's (to assign, each officer's by due, paused, to approve).
//!
//! Both ready forms are made again when the store opens if they were made by another format
//! ([`views::rebuild`]).

pub mod desk;
pub mod feed;
pub mod kiosk_views;
pub mod reports;
pub mod views;

use redb::{Database, WriteTransaction};

use crate::db::model::{DossierRecord, Rating};
use crate::db::{Error, Hooks};

/// The projections kept beside every dossier and rating.
#[derive(Debug, Clone, Copy, Default)]
pub struct Projections;

impl Hooks for Projections {
    fn create_tables(&self, txn: &WriteTransaction) -> Result<(), Error> {
        for form in &views::FORMS {
            txn.open_table(form.table)?;
        }
        txn.open_table(desk::DESK_PILES)?;
        txn.open_table(desk::AGENCY_PILES)?;
        txn.open_table(desk::PILE_COUNTS)?;
        reports::create_tables(txn)
    }

    fn on_put(
        &self,
        txn: &WriteTransaction,
        old: Option<&DossierRecord>,
        new: &DossierRecord,
    ) -> Result<(), Error> {
        views::put(txn, new)?;
        desk::put(txn, old, new)?;
        reports::update(
            txn,
            &new.code,
            old.map(reports::ReportKeys::of).as_ref(),
            &reports::ReportKeys::of(new),
        )
    }

    fn on_bulk(&self, txn: &WriteTransaction, new: &[DossierRecord]) -> Result<(), Error> {
        // Each table filled once, in key order: B-tree writes stay local.
        let mut sorted: Vec<&DossierRecord> = new.iter().collect();
        sorted.sort_by(|a, b| a.code.cmp(&b.code));
        let forms = crate::db::on_every_core(&sorted, |r| {
            views::FORMS
                .iter()
                .map(|f| (f.prepare)(r))
                .collect::<Result<Vec<_>, _>>()
        })?;
        for (i, form) in views::FORMS.iter().enumerate() {
            let mut t = txn.open_table(form.table)?;
            for (r, made) in sorted.iter().zip(&forms) {
                t.insert(r.code.as_str(), made[i].as_slice())?;
            }
        }
        desk::add_new(txn, &sorted)?;
        let keys: Vec<(&str, reports::ReportKeys)> = new
            .iter()
            .map(|r| (r.code.as_str(), reports::ReportKeys::of(r)))
            .collect();
        reports::add_new(txn, &keys)
    }

    fn on_rating(&self, txn: &WriteTransaction, r: &Rating, agency: &str) -> Result<(), Error> {
        reports::add_rating(
            txn,
            r.at,
            agency,
            r.officer.as_deref().unwrap_or(""),
            r.scale.levels(),
            r.level,
        )
    }

    fn backup(
        &self,
        from: &redb::ReadTransaction,
        to: &WriteTransaction,
        names: &mut Vec<String>,
    ) -> Result<u64, Error> {
        use crate::db::backup::copy;
        Ok(copy(from, to, desk::DESK_PILES, names)?
            + copy(from, to, desk::AGENCY_PILES, names)?
            + copy(from, to, desk::PILE_COUNTS, names)?
            + copy(from, to, kiosk_views::KIOSK_VIEWS, names)?
            + copy(from, to, views::DOSSIER_VIEWS, names)?
            + copy(from, to, reports::REPORT_DAYS, names)?
            + copy(from, to, reports::REPORT_OPEN, names)?
            + copy(from, to, reports::REPORT_DUE, names)?
            + copy(from, to, reports::RATING_DAYS, names)?)
    }

    fn rebuild(&self, db: &Database) -> Result<(), Error> {
        views::rebuild(db)?;
        desk::rebuild(db).map(drop)
    }
}
