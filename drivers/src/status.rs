//! Printer status: the three DLE EOT requests and what their one-byte answers mean.

use crate::render::{DLE, EOT};

pub use motcua_core::devices::PrinterStatus;

/// DLE EOT n: exactly three bytes each (printer status, offline cause, paper sensor).
pub const REQUESTS: [[u8; 3]; 3] = [[DLE, EOT, 1], [DLE, EOT, 2], [DLE, EOT, 4]];

/// Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
pub fn is_answer(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Interpret the answers to the three requests (None where none came).
pub fn interpret(printer: Option<u8>, offline: Option<u8>, paper: Option<u8>) -> PrinterStatus {
    let (Some(p), Some(o), Some(s)) = (printer, offline, paper) else {
        return PrinterStatus::Unknown;
    };
    if !(is_answer(p) && is_answer(o) && is_answer(s)) {
        return PrinterStatus::Unknown;
    }
    if s & 0x60 != 0 || o & 0x20 != 0 {
        PrinterStatus::PaperOut
    } else if o & 0x04 != 0 {
        PrinterStatus::CoverOpen
    } else if p & 0x08 != 0 {
        PrinterStatus::Offline
    } else if s & 0x0c != 0 {
        PrinterStatus::PaperNearEnd
    } else {
        PrinterStatus::Online
    }
}

/// The answers a printer in `status` gives to the three requests (what the simulator sends).
pub fn answers(status: PrinterStatus) -> [u8; 3] {
    let base = 0x12;
    match status {
        PrinterStatus::Online | PrinterStatus::Unknown => [base, base, base],
        PrinterStatus::PaperNearEnd => [base, base, base | 0x0c],
        PrinterStatus::PaperOut => [base | 0x08, base | 0x20, base | 0x6c],
        PrinterStatus::CoverOpen => [base | 0x08, base | 0x04, base],
        PrinterStatus::Offline => [base | 0x08, base, base],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip() {
        for s in [
            PrinterStatus::Online,
            PrinterStatus::PaperNearEnd,
            PrinterStatus::PaperOut,
            PrinterStatus::CoverOpen,
            PrinterStatus::Offline,
        ] {
            let [a, b, c] = answers(s);
            assert_eq!(interpret(Some(a), Some(b), Some(c)), s);
        }
    }

    #[test]
    fn silence_or_noise_is_unknown() {
        assert_eq!(
            interpret(None, Some(0x12), Some(0x12)),
            PrinterStatus::Unknown
        );
        assert_eq!(
            interpret(Some(0xff), Some(0x12), Some(0x12)),
            PrinterStatus::Unknown
        );
        assert_eq!(REQUESTS[2], [0x10, 0x04, 0x04]);
    }
}
