//! The tables of the store, named with a version (`dossiers_v1`). The projections above keep
//! tables of their own (ready forms, report counters), created through [`super::Hooks`].

use redb::TableDefinition;

/// Bumped when a table's layout changes; checked at open.
pub const SCHEMA_VERSION: &str = "1";

pub const META: TableDefinition<&str, &str> = TableDefinition::new("meta_v1");
pub const AGENCIES: TableDefinition<&str, &[u8]> = TableDefinition::new("agencies_v1");
pub const PROCEDURES: TableDefinition<&str, &[u8]> = TableDefinition::new("procedures_v1");
pub const DOSSIERS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers_v1");
/// (receiving agency, yyyymmdd) → last sequence used that day.
pub const CODE_SEQ: TableDefinition<(&str, u32), u32> = TableDefinition::new("code_seq_v1");
pub const IDX_STATUS: TableDefinition<(u8, &str), ()> = TableDefinition::new("idx_status_v1");
/// Receiving and handling agency → dossier.
pub const IDX_AGENCY: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_agency_v1");
pub const IDX_CITIZEN: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_citizen_v1");
/// Folded full name → dossier.
pub const IDX_NAME: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_name_v1");
/// Due instant (unix seconds) → open, unfinished dossier.
pub const IDX_DUE: TableDefinition<(i64, &str), ()> = TableDefinition::new("idx_due_v1");
pub const STATUS_COUNTS: TableDefinition<u8, u64> = TableDefinition::new("status_counts_v1");
pub const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users_v1");
/// SHA-256 of a session token (hex) → session.
pub const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions_v1");
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_v1");
/// Tracking code → feedback (phản ánh, kiến nghị).
pub const FEEDBACK: TableDefinition<&str, &[u8]> = TableDefinition::new("feedback_v1");
/// Rating number → rating.
pub const RATINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("ratings_v1");
/// Dossier code → the id of its one rating.
pub const RATED_DOSSIERS: TableDefinition<&str, u64> = TableDefinition::new("rated_dossiers_v1");
/// Kiosk id → kiosk.
pub const KIOSKS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosks_v1");
/// SHA-256 of a device token (hex) → kiosk id.
pub const KIOSK_TOKENS: TableDefinition<&str, &str> = TableDefinition::new("kiosk_tokens_v1");
/// (kiosk id, event UUID) → the event as received (and why it was rejected, if it was).
pub const KIOSK_EVENTS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("kiosk_events_v1");
/// (kiosk id, kiosk sequence number) → event UUID.
pub const KIOSK_SEQS: TableDefinition<(&str, u64), &str> = TableDefinition::new("kiosk_seqs_v1");
/// (kiosk id, minute (Unix seconds)) → its last heartbeat in that minute, packed (see
/// `ops::kiosks::Beat`); the last 24 hours are kept, for the fleet console's history.
pub const KIOSK_BEATS: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("kiosk_beats_v1");
/// Kiosk id → highest contiguous sequence number held.
pub const KIOSK_ACK: TableDefinition<&str, u64> = TableDefinition::new("kiosk_ack_v1");
/// The change feed, compacted by key: commit sequence → what changed (see `changes`).
pub const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes_v1");
/// Key of a changed thing → its latest sequence in `CHANGES`.
pub const CHANGE_KEYS: TableDefinition<&str, u64> = TableDefinition::new("change_keys_v1");
/// Named counters (the change feed's head).
pub const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters_v1");
/// Centre information shown on kiosks (hotline, postal service, fees), by centre code.
pub const CENTRES: TableDefinition<&str, &[u8]> = TableDefinition::new("centres_v1");
/// Year → the working-time calendar's year as an administrator loaded it.
pub const CALENDAR_YEARS: TableDefinition<i32, &[u8]> = TableDefinition::new("calendar_years_v1");
/// Centre code → its queue's configuration (services, counters).
pub const QUEUES: TableDefinition<&str, &[u8]> = TableDefinition::new("queues_v1");
/// (centre, day yyyymmdd, number "A012") → the ticket.
pub const TICKETS: TableDefinition<(&str, u32, &str), &[u8]> = TableDefinition::new("tickets_v1");
/// (centre, day, service letter) → the last number the server issued.
pub const TICKET_SEQ: TableDefinition<(&str, u32, &str), u32> =
    TableDefinition::new("ticket_seq_v1");
/// (centre, day, service letter, 0 = priority / 1 = other, issued at (Unix seconds), number) → ():
/// the tickets waiting, in the order a counter calls them.
pub const QUEUE_WAITING: TableDefinition<(&str, u32, &str, u8, i64, &str), ()> =
    TableDefinition::new("queue_waiting_v1");
/// (centre, day, counter, number) → (): the tickets called, in service or held at a counter.
pub const QUEUE_AT_COUNTER: TableDefinition<(&str, u32, u16, &str), ()> =
    TableDefinition::new("queue_at_counter_v1");
/// (centre, day, service letter) → the service times in seconds of its latest finished tickets
/// (packed, at most 20).
pub const QUEUE_RECENT: TableDefinition<(&str, u32, &str), &[u8]> =
    TableDefinition::new("queue_recent_v1");
/// (centre, day, called at (Unix seconds), number) → (): every call, recall and return, for the
/// boards' recent calls.
pub const QUEUE_CALLS: TableDefinition<(&str, u32, i64, &str), ()> =
    TableDefinition::new("queue_calls_v1");
/// Staff account → the counter it sits at.
pub const QUEUE_SEATS: TableDefinition<&str, &[u8]> = TableDefinition::new("queue_seats_v1");
/// (centre, service letter, weekday 0 = Monday, hour) → (tickets served, seconds of service).
pub const QUEUE_STATS: TableDefinition<(&str, &str, u8, u8), (u64, u64)> =
    TableDefinition::new("queue_stats_v1");
/// Booking code (ten digits) → the booking.
pub const BOOKINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("bookings_v1");
/// (centre, day yyyymmdd, service letter, slot start in minutes of the day, booking code) → ():
/// the bookings of a slot not cancelled, to count its places.
pub const BOOKING_SLOTS: TableDefinition<(&str, u32, &str, u16, &str), ()> =
    TableDefinition::new("booking_slots_v1");

/// Create every table of the store (in the first write transaction).
pub fn create(txn: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(AGENCIES)?;
    txn.open_table(PROCEDURES)?;
    txn.open_table(DOSSIERS)?;
    txn.open_table(CODE_SEQ)?;
    txn.open_table(IDX_STATUS)?;
    txn.open_table(IDX_AGENCY)?;
    txn.open_table(IDX_CITIZEN)?;
    txn.open_table(IDX_NAME)?;
    txn.open_table(IDX_DUE)?;
    txn.open_table(STATUS_COUNTS)?;
    txn.open_table(USERS)?;
    txn.open_table(SESSIONS)?;
    txn.open_table(AUDIT)?;
    txn.open_table(FEEDBACK)?;
    txn.open_table(RATINGS)?;
    txn.open_table(RATED_DOSSIERS)?;
    txn.open_table(KIOSKS)?;
    txn.open_table(KIOSK_TOKENS)?;
    txn.open_table(KIOSK_EVENTS)?;
    txn.open_table(KIOSK_SEQS)?;
    txn.open_table(KIOSK_ACK)?;
    txn.open_table(KIOSK_BEATS)?;
    txn.open_table(CHANGES)?;
    txn.open_table(CHANGE_KEYS)?;
    txn.open_table(COUNTERS)?;
    txn.open_table(CENTRES)?;
    txn.open_table(CALENDAR_YEARS)?;
    txn.open_table(QUEUES)?;
    txn.open_table(TICKETS)?;
    txn.open_table(TICKET_SEQ)?;
    txn.open_table(QUEUE_SEATS)?;
    txn.open_table(QUEUE_STATS)?;
    txn.open_table(QUEUE_WAITING)?;
    txn.open_table(QUEUE_AT_COUNTER)?;
    txn.open_table(QUEUE_RECENT)?;
    txn.open_table(QUEUE_CALLS)?;
    txn.open_table(BOOKINGS)?;
    txn.open_table(BOOKING_SLOTS)?;
    Ok(())
}
