//! The route paths of the HTTP API. Paths with a parameter have a builder beside the pattern the
//! server's router uses (`{code}` in the pattern).

/// Health and metrics.
pub const HEALTHZ: &str = "/healthz";
pub const METRICS: &str = "/metrics";

// Staff sign-in.
pub const LOGIN: &str = "/api/v1/auth/login";
pub const LOGOUT: &str = "/api/v1/auth/logout";
pub const PASSWORD: &str = "/api/v1/auth/password";
pub const ME: &str = "/api/v1/auth/me";

// The workflow.
pub const DOSSIERS: &str = "/api/v1/dossiers";
pub const DOSSIER: &str = "/api/v1/dossiers/{code}";
pub const DOSSIER_ACTIONS: &str = "/api/v1/dossiers/{code}/actions";

pub fn dossier(code: &str) -> String {
    format!("/api/v1/dossiers/{code}")
}

pub fn dossier_actions(code: &str) -> String {
    format!("/api/v1/dossiers/{code}/actions")
}

// The catalogue and the calendar.
pub const AGENCIES: &str = "/api/v1/agencies";
pub const PROCEDURES: &str = "/api/v1/procedures";
pub const CALENDAR_DUE: &str = "/api/v1/calendar/due";
pub const CALENDAR_YEARS: &str = "/api/v1/calendar/years";
pub const CALENDAR_YEAR: &str = "/api/v1/calendar/years/{year}";
pub const ADMIN_CALENDAR_YEAR: &str = "/api/v1/admin/calendar/years/{year}";
pub const ADMIN_CALENDAR_CONFIRM: &str = "/api/v1/admin/calendar/years/{year}/confirm";

pub fn admin_calendar_year(year: i32) -> String {
    format!("/api/v1/admin/calendar/years/{year}")
}

// Administration.
pub const ADMIN_USERS: &str = "/api/v1/admin/users";
pub const ADMIN_USER: &str = "/api/v1/admin/users/{username}";
pub const ADMIN_USER_RESET: &str = "/api/v1/admin/users/{username}/reset-password";
pub const ADMIN_AUDIT: &str = "/api/v1/admin/audit";
pub const ADMIN_SIGN_IN_LOCKS: &str = "/api/v1/admin/sign-in-locks";
pub const ADMIN_SIGN_IN_UNLOCK: &str = "/api/v1/admin/sign-in-locks/unlock";
pub const ADMIN_KIOSKS: &str = "/api/v1/admin/kiosks";
pub const ADMIN_KIOSK: &str = "/api/v1/admin/kiosks/{id}";
pub const ADMIN_KIOSK_REVOKE: &str = "/api/v1/admin/kiosks/{id}/revoke";
pub const ADMIN_CENTRE: &str = "/api/v1/admin/centres/{code}";

pub fn admin_user_reset(username: &str) -> String {
    format!("/api/v1/admin/users/{username}/reset-password")
}

pub fn admin_kiosk(id: &str) -> String {
    format!("/api/v1/admin/kiosks/{id}")
}

pub fn admin_kiosk_revoke(id: &str) -> String {
    format!("/api/v1/admin/kiosks/{id}/revoke")
}

pub fn admin_centre(code: &str) -> String {
    format!("/api/v1/admin/centres/{code}")
}

// Reports, feedback and ratings for staff.
pub const REPORTS_DOSSIERS: &str = "/api/v1/reports/dossiers";
pub const FEEDBACK: &str = "/api/v1/feedback";
pub const FEEDBACK_ONE: &str = "/api/v1/feedback/{code}";
pub const FEEDBACK_ACTIONS: &str = "/api/v1/feedback/{code}/actions";
pub const RATINGS_SUMMARY: &str = "/api/v1/ratings/summary";

pub fn feedback(code: &str) -> String {
    format!("/api/v1/feedback/{code}")
}

pub fn feedback_actions(code: &str) -> String {
    format!("/api/v1/feedback/{code}/actions")
}

// The public (kiosks and the web).
pub const PUBLIC_DOSSIER: &str = "/api/v1/public/dossiers/{code}";
pub const PUBLIC_LOOKUP: &str = "/api/v1/public/lookup";
pub const PUBLIC_FEEDBACK: &str = "/api/v1/public/feedback";
pub const PUBLIC_FEEDBACK_ONE: &str = "/api/v1/public/feedback/{code}";
pub const PUBLIC_RATINGS: &str = "/api/v1/public/ratings";
pub const PUBLIC_RATING_SCALE: &str = "/api/v1/public/ratings/scale";
pub const PUBLIC_CENTRE: &str = "/api/v1/public/centres/{code}";

pub fn public_dossier(code: &str) -> String {
    format!("/api/v1/public/dossiers/{code}")
}

pub fn public_feedback(code: &str) -> String {
    format!("/api/v1/public/feedback/{code}")
}

pub fn public_centre(code: &str) -> String {
    format!("/api/v1/public/centres/{code}")
}

// The hall's queue.
pub const QUEUE_CONFIG: &str = "/api/v1/centres/{code}/queue";
pub const QUEUE_TICKETS: &str = "/api/v1/centres/{code}/queue/tickets";
pub const QUEUE_SEAT: &str = "/api/v1/centres/{code}/queue/seat";
pub const QUEUE_STATS: &str = "/api/v1/centres/{code}/queue/stats";
pub const QUEUE_COUNTER: &str = "/api/v1/centres/{code}/queue/counters/{counter}";
pub const QUEUE_CALL_NEXT: &str = "/api/v1/centres/{code}/queue/counters/{counter}/call-next";
pub const QUEUE_TICKET_ACTIONS: &str =
    "/api/v1/centres/{code}/queue/counters/{counter}/tickets/{number}/actions";
pub const PUBLIC_QUEUE: &str = "/api/v1/public/centres/{code}/queue";
pub const PUBLIC_TICKET: &str = "/api/v1/public/tickets/{id}";
pub const PUBLIC_BOOKING_SLOTS: &str = "/api/v1/public/centres/{code}/queue/slots";
pub const PUBLIC_BOOKINGS: &str = "/api/v1/public/centres/{code}/bookings";
pub const PUBLIC_BOOKING: &str = "/api/v1/public/bookings/{code}";
pub const PUBLIC_BOOKING_CANCEL: &str = "/api/v1/public/bookings/{code}/cancel";
pub const QUEUE_CHECK_IN: &str = "/api/v1/centres/{code}/queue/check-in";
pub const PUBLIC_QUEUE_EVENTS: &str = "/api/v1/public/centres/{code}/queue/events";
pub const PUBLIC_QUEUE_ANNOUNCE: &str = "/api/v1/public/centres/{code}/queue/announce";

pub fn queue_config(code: &str) -> String {
    format!("/api/v1/centres/{code}/queue")
}

pub fn queue_tickets(code: &str) -> String {
    format!("/api/v1/centres/{code}/queue/tickets")
}

pub fn queue_seat(code: &str) -> String {
    format!("/api/v1/centres/{code}/queue/seat")
}

pub fn queue_counter(code: &str, counter: u16) -> String {
    format!("/api/v1/centres/{code}/queue/counters/{counter}")
}

pub fn queue_call_next(code: &str, counter: u16) -> String {
    format!("/api/v1/centres/{code}/queue/counters/{counter}/call-next")
}

pub fn queue_ticket_actions(code: &str, counter: u16, number: &str) -> String {
    format!("/api/v1/centres/{code}/queue/counters/{counter}/tickets/{number}/actions")
}

pub fn public_queue(code: &str) -> String {
    format!("/api/v1/public/centres/{code}/queue")
}

pub fn public_ticket(id: &str) -> String {
    format!("/api/v1/public/tickets/{id}")
}

pub fn public_booking_slots(code: &str) -> String {
    format!("/api/v1/public/centres/{code}/queue/slots")
}

pub fn public_bookings(code: &str) -> String {
    format!("/api/v1/public/centres/{code}/bookings")
}

pub fn public_booking(code: &str) -> String {
    format!("/api/v1/public/bookings/{code}")
}

pub fn public_booking_cancel(code: &str) -> String {
    format!("/api/v1/public/bookings/{code}/cancel")
}

pub fn queue_check_in(code: &str) -> String {
    format!("/api/v1/centres/{code}/queue/check-in")
}

// Kiosk sync.
pub const SYNC_ENROL: &str = "/api/v1/sync/enrol";
pub const SYNC_HEARTBEAT: &str = "/api/v1/sync/heartbeat";
pub const SYNC_EVENTS: &str = "/api/v1/sync/events";
pub const SYNC_CHANGES: &str = "/api/v1/sync/changes";
/// A kiosk online asks for a queue number of its centre.
pub const SYNC_TICKETS: &str = "/api/v1/sync/tickets";
pub const SYNC_CHECK_IN: &str = "/api/v1/sync/check-in";

/// Dossiers submitted online, pushed by a portal with its own token.
pub const PORTAL_DOSSIERS: &str = "/api/v1/portal/dossiers";

/// A backup of the whole store while the server runs.
pub const ADMIN_BACKUP: &str = "/api/v1/admin/backup";
