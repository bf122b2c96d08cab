//! What a centre shows on its kiosks (regulation Art. 5.3, 5.7–5.9).

use serde::{Deserialize, Serialize};

/// Information a centre shows on its kiosks. (Kiosks read it from the feed, so it accepts fields
/// it does not know: a newer server may add some.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreInfo {
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// Đường dây nóng.
    #[serde(default)]
    pub hotline: String,
    /// Office hours as shown to visitors.
    #[serde(default)]
    pub hours: String,
    /// How results can be sent by post (dịch vụ bưu chính công ích).
    #[serde(default)]
    pub postal: String,
    /// How fees are paid (counter, transfer, online).
    #[serde(default)]
    pub fees: String,
    /// Where feedback can also be sent (address, email).
    #[serde(default)]
    pub feedback: String,
    /// The counters of the centre's hall, for visitors to rate the one that served them.
    #[serde(default)]
    pub counters: Vec<Counter>,
    /// The account fees may be transferred to: when set, a kiosk shows a dossier's fees due with
    /// a VietQR code (on the screen and the slip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<motcua_core::vietqr::PaymentAccount>,
}

/// A counter of the hall as visitors see it: its number, what it handles and the officer's name
/// on the badge (no account name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    pub number: u16,
    /// What the counter handles, e.g. "Tư pháp – Hộ tịch".
    pub name: String,
    /// The officer's name as on the badge; empty when the counter is shared.
    #[serde(default)]
    pub officer: String,
}
