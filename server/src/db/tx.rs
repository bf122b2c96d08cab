//! [`Tx`]: what a writer job works in — the write transaction (through `Deref`), the topics its
//! changes publish, and audit lines.

use std::cell::RefCell;
use std::ops::Deref;

use redb::{ReadableTable, WriteTransaction};

use super::model::{AuditEntry, DossierRecord};
use super::tables::AUDIT;
use super::{Error, Hooks, Topic, encode};

/// A writer job's transaction (perhaps shared with other jobs of its batch). A job that returns
/// an error is rolled back whole — its writes, its topics, its ordinary audit lines — except the
/// lines given to [`Tx::audit_kept`], which record a refusal and are kept whatever happens.
pub struct Tx<'a> {
    txn: &'a WriteTransaction,
    hooks: &'a dyn Hooks,
    topics: RefCell<Vec<Topic>>,
    kept: RefCell<Vec<AuditEntry>>,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

impl Deref for Tx<'_> {
    type Target = WriteTransaction;

    fn deref(&self) -> &WriteTransaction {
        self.txn
    }
}

impl<'a> Tx<'a> {
    pub(super) fn new(txn: &'a WriteTransaction, hooks: &'a dyn Hooks) -> Tx<'a> {
        Tx {
            txn,
            hooks,
            topics: RefCell::new(Vec::new()),
            kept: RefCell::new(Vec::new()),
        }
    }

    /// Publish `topic` once the commit is durable.
    pub fn touch(&self, topic: Topic) {
        self.topics.borrow_mut().push(topic);
    }

    /// Append an audit line with the job's other writes.
    pub fn audit(&self, entry: AuditEntry) -> Result<u64, Error> {
        append_audit(self.txn, entry)
    }

    /// An audit line kept even when the job then fails (a refusal is part of the record).
    pub fn audit_kept(&self, entry: AuditEntry) {
        self.kept.borrow_mut().push(entry);
    }

    /// Write a dossier and keep every index, counter, ready form and the change feed in step.
    /// `old` is the record it replaces.
    pub fn put_dossier(
        &self,
        old: Option<&DossierRecord>,
        new: &DossierRecord,
    ) -> Result<(), Error> {
        super::dossiers::put(self, old, new)?;
        self.hooks.on_put(self.txn, old, new)
    }

    /// A rating was written: let the projections count it.
    pub fn rated(&self, rating: &super::model::Rating, agency: &str) -> Result<(), Error> {
        self.hooks.on_rating(self.txn, rating, agency)
    }

    pub(super) fn into_parts(self) -> (Vec<Topic>, Vec<AuditEntry>) {
        (self.topics.into_inner(), self.kept.into_inner())
    }
}

/// Append a line to the audit log.
pub fn append_audit(txn: &WriteTransaction, mut entry: AuditEntry) -> Result<u64, Error> {
    let mut t = txn.open_table(AUDIT)?;
    let seq = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
    entry.seq = seq;
    t.insert(seq, encode(&entry)?.as_slice())?;
    Ok(seq)
}
