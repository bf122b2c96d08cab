//! The change feed that kiosks pull: every committed change to a dossier, the catalogue, an
//! agency, a centre's information or a kiosk's configuration appends an entry to `changes_v1`
//! under the next sequence number. The log is compacted by key: a thing changed again moves to
//! the tail and its older entry is deleted, so the log holds exactly one entry per thing, in the
//! order of their last change. Reading it from the start is therefore a full snapshot, and a
//! snapshot read in pages while commits go on still ends consistent (a thing changed meanwhile
//! is met again further on).
//!
//! Entries name what changed, not its value: the value is read when the feed is served, so a
//! kiosk always receives the latest state, projected for privacy. Every entry appended also
//! publishes its [`Topic`] when the commit is durable.

use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::tables::{CHANGE_KEYS, CHANGES, COUNTERS};
use super::{Error, Topic, Tx, decode, encode};

/// The counter holding the feed's head.
const HEAD: &str = "changes";

/// What a feed entry points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Dossier(String),
    Procedure(String),
    Agency(String),
    Centre(String),
    Kiosk(String),
    /// A centre's queue configuration.
    Queue(String),
}

impl Key {
    pub fn encode(&self) -> String {
        match self {
            Key::Dossier(c) => format!("d:{c}"),
            Key::Procedure(id) => format!("p:{id}"),
            Key::Agency(c) => format!("a:{c}"),
            Key::Centre(c) => format!("c:{c}"),
            Key::Kiosk(id) => format!("k:{id}"),
            Key::Queue(c) => format!("q:{c}"),
        }
    }

    pub fn decode(s: &str) -> Option<Key> {
        let (kind, rest) = s.split_once(':')?;
        let rest = rest.to_owned();
        Some(match kind {
            "d" => Key::Dossier(rest),
            "p" => Key::Procedure(rest),
            "a" => Key::Agency(rest),
            "c" => Key::Centre(rest),
            "k" => Key::Kiosk(rest),
            "q" => Key::Queue(rest),
            _ => return None,
        })
    }

    fn topic(&self, agencies: &[String], left: &[String]) -> Topic {
        match self {
            Key::Dossier(code) => Topic::Dossier {
                code: code.clone(),
                agencies: agencies.to_vec(),
                left: left.to_vec(),
            },
            Key::Procedure(_) | Key::Agency(_) => Topic::Catalogue,
            // The centre's kiosks receive the queue's configuration with its information.
            Key::Centre(c) | Key::Queue(c) => Topic::Centre(c.clone()),
            Key::Kiosk(id) => Topic::Kiosk(id.clone()),
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    /// For a dossier: the agencies whose kiosks show it (receiving and handling).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<String>,
    /// For a dossier: agencies that showed it before and no longer do; their kiosks drop it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
}

/// The feed's head: the sequence of the last change committed (0 when empty).
pub fn head(table: &impl ReadableTable<&'static str, u64>) -> Result<u64, Error> {
    Ok(table.get(HEAD)?.map(|v| v.value()).unwrap_or(0))
}

/// Append a change of `key` to the feed, removing its older entry, and publish its topic.
pub fn record(
    tx: &Tx,
    key: &Key,
    agencies: Vec<String>,
    mut left: Vec<String>,
) -> Result<u64, Error> {
    let encoded = key.encode();
    let mut keys = tx.open_table(CHANGE_KEYS)?;
    let mut changes = tx.open_table(CHANGES)?;
    let mut counters = tx.open_table(COUNTERS)?;
    let old = keys.get(encoded.as_str())?.map(|v| v.value());
    if let Some(old) = old {
        let prior: Option<Entry> = match changes.remove(old)? {
            Some(v) => Some(decode(v.value())?),
            None => None,
        };
        // A kiosk that has not read the older entry must still learn that it left.
        for a in prior.into_iter().flat_map(|p| p.left) {
            if !agencies.contains(&a) && !left.contains(&a) {
                left.push(a);
            }
        }
    }
    let seq = head(&counters)? + 1;
    counters.insert(HEAD, seq)?;
    tx.touch(key.topic(&agencies, &left));
    let entry = Entry {
        key: encoded.clone(),
        agencies,
        left,
    };
    changes.insert(seq, encode(&entry)?.as_slice())?;
    keys.insert(encoded.as_str(), seq)?;
    Ok(seq)
}

/// Append many changes of things never seen before (bulk loading, outside the writer), in the
/// given order.
pub fn record_new(
    txn: &WriteTransaction,
    items: impl IntoIterator<Item = (Key, Vec<String>)>,
) -> Result<(), Error> {
    let mut keys = txn.open_table(CHANGE_KEYS)?;
    let mut changes = txn.open_table(CHANGES)?;
    let mut counters = txn.open_table(COUNTERS)?;
    let mut seq = head(&counters)?;
    for (key, agencies) in items {
        seq += 1;
        let key = key.encode();
        let entry = Entry {
            key: key.clone(),
            agencies,
            left: Vec::new(),
        };
        changes.insert(seq, encode(&entry)?.as_slice())?;
        keys.insert(key.as_str(), seq)?;
    }
    counters.insert(HEAD, seq)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in [
            Key::Dossier("000.00.10.H16-251110-0001".into()),
            Key::Procedure("1.001193.000.00.10.H16".into()),
            Key::Agency("000.00.10.H16".into()),
            Key::Centre("000.00.01.H16".into()),
            Key::Kiosk("k-1".into()),
        ] {
            assert_eq!(Key::decode(&k.encode()), Some(k));
        }
        assert_eq!(Key::decode("x:1"), None);
        assert_eq!(Key::decode("nothing"), None);
    }
}
