//! Device states a kiosk reports to the server (heartbeats) and shows to staff: shared by the
//! drivers, which read them from the hardware, and the server, which stores them.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// What the kiosk reports upward (heartbeat) and tells the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterStatus {
    Online,
    PaperNearEnd,
    PaperOut,
    CoverOpen,
    Offline,
    /// No (valid) answer within the timeout.
    Unknown,
}

impl PrinterStatus {
    /// Whether a slip can be printed (near end still prints; unknown is tried).
    pub fn can_print(self) -> bool {
        matches!(
            self,
            PrinterStatus::Online | PrinterStatus::PaperNearEnd | PrinterStatus::Unknown
        )
    }

    pub fn label(self, lang: Lang) -> &'static str {
        use PrinterStatus::*;
        match (self, lang) {
            (Online, Lang::Vi) => "Sẵn sàng",
            (PaperNearEnd, Lang::Vi) => "Sắp hết giấy",
            (PaperOut, Lang::Vi) => "Hết giấy",
            (CoverOpen, Lang::Vi) => "Nắp máy in đang mở",
            (Offline, Lang::Vi) => "Máy in ngoại tuyến",
            (Unknown, Lang::Vi) => "Không rõ trạng thái",
            (Online, Lang::En) => "Ready",
            (PaperNearEnd, Lang::En) => "Paper near end",
            (PaperOut, Lang::En) => "Out of paper",
            (CoverOpen, Lang::En) => "Cover open",
            (Offline, Lang::En) => "Offline",
            (Unknown, Lang::En) => "Status unknown",
        }
    }
}

/// A scanner's state, as a kiosk reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScannerState {
    Connected,
    Disconnected,
    /// The kiosk has no serial scanner configured.
    None,
}
