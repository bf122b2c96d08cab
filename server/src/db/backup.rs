//! A copy of the whole store taken while the server runs: every table read in one read
//! transaction — a consistent snapshot holding every commit acknowledged before it began — and
//! written into a new file, committed durably. Restoring puts such a file in place of the
//! store's, the server stopped.
//!
//! Every table the store holds must be one this module copies: a table it does not know makes
//! the backup fail rather than leave something out.

use std::path::{Path, PathBuf};

use redb::{Database, Key, ReadableDatabase, ReadableTable, TableDefinition, TableHandle, Value};

use super::tables::*;
use super::{Error, Hooks};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub tables: usize,
    pub entries: u64,
    pub bytes: u64,
}

/// Copy one table from the snapshot `from` into `to`, its name added to `names`; how many
/// entries. A table the store never made is nothing to copy.
pub fn copy<K: Key + 'static, V: Value + 'static>(
    from: &redb::ReadTransaction,
    to: &redb::WriteTransaction,
    def: TableDefinition<K, V>,
    names: &mut Vec<String>,
) -> Result<u64, Error> {
    names.push(def.name().to_owned());
    let src = match from.open_table(def) {
        Ok(t) => t,
        // A table the store never made (an old store): nothing to copy.
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut dst = to.open_table(def)?;
    let mut n = 0;
    for item in src.iter()? {
        let (k, v) = item?;
        dst.insert(k.value(), v.value())?;
        n += 1;
    }
    Ok(n)
}

/// Copy every table of `db` — the store's and the hooks' — as one snapshot, into a new file at
/// `to` (which must not exist).
pub fn snapshot(db: &Database, hooks: &dyn Hooks, to: &Path) -> Result<BackupReport, Error> {
    if to.exists() {
        return Err(Error::new(format!("{} exists already", to.display())));
    }
    let from = db.begin_read()?;
    let out = Database::create(to)?;
    let txn = out.begin_write()?;
    let mut names = Vec::new();
    let mut entries = 0u64;
    {
        let n = &mut names;
        let t = &txn;
        let f = &from;
        entries += copy(f, t, META, n)?;
        entries += copy(f, t, AGENCIES, n)?;
        entries += copy(f, t, PROCEDURES, n)?;
        entries += copy(f, t, DOSSIERS, n)?;
        entries += copy(f, t, CODE_SEQ, n)?;
        entries += copy(f, t, IDX_STATUS, n)?;
        entries += copy(f, t, IDX_AGENCY, n)?;
        entries += copy(f, t, IDX_CITIZEN, n)?;
        entries += copy(f, t, IDX_NAME, n)?;
        entries += copy(f, t, IDX_DUE, n)?;
        entries += copy(f, t, STATUS_COUNTS, n)?;
        entries += copy(f, t, USERS, n)?;
        entries += copy(f, t, SESSIONS, n)?;
        entries += copy(f, t, AUDIT, n)?;
        entries += copy(f, t, FEEDBACK, n)?;
        entries += copy(f, t, RATINGS, n)?;
        entries += copy(f, t, RATED_DOSSIERS, n)?;
        entries += copy(f, t, KIOSKS, n)?;
        entries += copy(f, t, KIOSK_TOKENS, n)?;
        entries += copy(f, t, KIOSK_EVENTS, n)?;
        entries += copy(f, t, KIOSK_SEQS, n)?;
        entries += copy(f, t, KIOSK_ACK, n)?;
        entries += copy(f, t, KIOSK_BEATS, n)?;
        entries += copy(f, t, CHANGES, n)?;
        entries += copy(f, t, CHANGE_KEYS, n)?;
        entries += copy(f, t, COUNTERS, n)?;
        entries += copy(f, t, CENTRES, n)?;
        entries += copy(f, t, CALENDAR_YEARS, n)?;
        entries += copy(f, t, QUEUES, n)?;
        entries += copy(f, t, TICKETS, n)?;
        entries += copy(f, t, TICKET_SEQ, n)?;
        entries += copy(f, t, QUEUE_WAITING, n)?;
        entries += copy(f, t, QUEUE_AT_COUNTER, n)?;
        entries += copy(f, t, QUEUE_RECENT, n)?;
        entries += copy(f, t, QUEUE_CALLS, n)?;
        entries += copy(f, t, QUEUE_SEATS, n)?;
        entries += copy(f, t, QUEUE_STATS, n)?;
        entries += copy(f, t, BOOKINGS, n)?;
        entries += copy(f, t, BOOKING_SLOTS, n)?;
        entries += hooks.backup(f, t, n)?;
    }
    // Nothing left behind: every table of the store is one copied above.
    for handle in from.list_tables()? {
        if !names.iter().any(|n| n == handle.name()) {
            drop(txn);
            drop(out);
            let _ = std::fs::remove_file(to);
            return Err(Error::new(format!(
                "the store holds a table the backup does not know: {}",
                handle.name()
            )));
        }
    }
    txn.commit()?;
    drop(out);
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport {
        path: to.to_owned(),
        tables: names.len(),
        entries,
        bytes,
    })
}

/// Put the backup at `from` in place of the store file `store` (the server stopped): the backup
/// must open as a store with dossiers; the file it replaces is kept beside it, renamed.
pub fn restore(from: &Path, store: &Path) -> Result<Option<PathBuf>, Error> {
    {
        let db = Database::open(from)?;
        let txn = db.begin_read()?;
        txn.open_table(DOSSIERS)?;
        txn.open_table(META)?;
    }
    let kept = if store.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let kept = store.with_extension(format!("redb.before-restore-{stamp}"));
        std::fs::rename(store, &kept)
            .map_err(|e| Error::new(format!("{}: {e}", store.display())))?;
        Some(kept)
    } else {
        None
    };
    std::fs::copy(from, store).map_err(|e| Error::new(format!("{}: {e}", from.display())))?;
    Ok(kept)
}
