//! What the public may see of a dossier: a minimal row for anyone who knows the code, the
//! citizen ID or the full name, and a detail for whoever holds the receipt's lookup secret.
//! Neither ever carries a full name, a citizen ID, an officer's name or an address.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Timeliness};
use crate::i18n::Lang;
use crate::status::{Channel, Step};
use crate::workflow::{Dossier, Event, EventKind, MissingItem};

/// The row a search shows (the regulation's clause on applicants looking their dossier up — item 7
/// of the article on organisations and individuals, "tra cứu tình trạng xử lý hồ sơ"): masked
/// name, procedure, dates, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRow {
    pub code: String,
    pub procedure: String,
    pub masked_name: String,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub status: u8,
    pub status_vi: String,
    pub status_en: String,
}

/// What the applicant must do next, in words a citizen understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NextStep {
    /// Nothing: the dossier is being handled.
    Wait,
    /// Bring these documents (Mẫu 02).
    Supplement {
        items: Vec<MissingItem>,
    },
    /// Pay this amount (đồng).
    PayFees {
        amount: u64,
    },
    /// The result is ready at the one-stop desk.
    Collect,
    /// Done.
    Collected,
    /// Not accepted or not eligible, with the written reason (Art. 10.2).
    Refused {
        reason: String,
    },
    Withdrawn,
    Stopped {
        reason: String,
    },
}

/// An amount of đồng as Vietnamese write it: `150.000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A supplement request's items in one line: `1) document — why: what to do; 2) …`, bounded so
/// that it fits a screen and a slip.
fn listed(items: &[crate::workflow::MissingItem]) -> String {
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&format!(
            "{}) {} — {}: {}",
            i + 1,
            it.document,
            it.reason,
            it.guidance
        ));
        if out.chars().count() > 700 {
            out = out.chars().take(700).collect();
            out.push('…');
            break;
        }
    }
    out
}

impl NextStep {
    pub fn of(d: &Dossier) -> NextStep {
        let reason = || d.reason.clone().unwrap_or_default();
        match d.step {
            Step::SupplementRequested => NextStep::Supplement {
                items: d.supplement.clone(),
            },
            Step::FeeRequested => NextStep::PayFees {
                amount: d.fees.requested.saturating_sub(d.fees.paid),
            },
            Step::ResultReady => NextStep::Collect,
            Step::Returned => NextStep::Collected,
            Step::Refused | Step::Rejected => NextStep::Refused { reason: reason() },
            Step::Withdrawn => NextStep::Withdrawn,
            Step::Stopped => NextStep::Stopped { reason: reason() },
            _ => NextStep::Wait,
        }
    }

    /// One sentence for the visitor.
    pub fn sentence(&self, lang: Lang) -> String {
        match (self, lang) {
            (NextStep::Wait, Lang::Vi) => {
                "Hồ sơ đang được giải quyết; quý vị chưa cần làm gì thêm.".into()
            }
            (NextStep::Wait, Lang::En) => {
                "Your dossier is being handled; nothing is needed from you yet.".into()
            }
            // Which documents, why and what to do, as the desk wrote them: the visitor need not
            // ask at the counter.
            (NextStep::Supplement { items }, Lang::Vi) => format!(
                "Cần bổ sung {} giấy tờ, mang đến Bộ phận Một cửa: {}",
                items.len(),
                listed(items)
            ),
            (NextStep::Supplement { items }, Lang::En) => format!(
                "{} document(s) to supplement, to bring to the one-stop desk: {}",
                items.len(),
                listed(items)
            ),
            (NextStep::PayFees { amount }, Lang::Vi) => {
                format!("Cần nộp phí, lệ phí: {} đồng.", thousands(*amount))
            }
            (NextStep::PayFees { amount }, Lang::En) => {
                format!("Fees to pay: {} đồng.", thousands(*amount))
            }
            (NextStep::Collect, Lang::Vi) => {
                "Đã có kết quả: mời quý vị đến Bộ phận Một cửa nhận, mang theo giấy hẹn.".into()
            }
            (NextStep::Collect, Lang::En) => {
                "The result is ready: collect it at the one-stop desk with your receipt.".into()
            }
            (NextStep::Collected, Lang::Vi) => "Đã trả kết quả.".into(),
            (NextStep::Collected, Lang::En) => "The result has been returned.".into(),
            (NextStep::Refused { reason }, Lang::Vi) => {
                format!("Hồ sơ không được giải quyết. Lý do: {reason}")
            }
            (NextStep::Refused { reason }, Lang::En) => {
                format!("The dossier was not granted. Reason: {reason}")
            }
            (NextStep::Withdrawn, Lang::Vi) => "Hồ sơ đã được rút theo yêu cầu.".into(),
            (NextStep::Withdrawn, Lang::En) => "The dossier was withdrawn at your request.".into(),
            (NextStep::Stopped { reason }, Lang::Vi) => {
                format!("Hồ sơ tạm dừng xử lý. Lý do: {reason}")
            }
            (NextStep::Stopped { reason }, Lang::En) => {
                format!("Processing is stopped. Reason: {reason}")
            }
        }
    }
}

/// An apology for a delay (Mẫu 04) and the new appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Apology {
    pub reason: String,
    pub new_appointment: DateTime<FixedOffset>,
}

/// One step of the public timeline: when and what, never who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicStep {
    pub at: DateTime<FixedOffset>,
    pub vi: String,
    pub en: String,
}

/// The detail behind the lookup secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicDetail {
    #[serde(flatten)]
    pub row: PublicRow,
    pub channel: Channel,
    pub agency: String,
    pub step_vi: String,
    pub step_en: String,
    pub timeliness: Option<Timeliness>,
    pub overdue: bool,
    pub next: NextStep,
    pub next_vi: String,
    pub next_en: String,
    pub apology: Option<Apology>,
    pub timeline: Vec<PublicStep>,
}

/// The public row of a dossier.
pub fn row(code: &str, procedure: &str, full_name: &str, d: &Dossier) -> PublicRow {
    let s = d.national_status();
    PublicRow {
        code: code.to_owned(),
        procedure: procedure.to_owned(),
        masked_name: crate::text::mask_name(full_name),
        received_at: d.received_at,
        appointment: d.due,
        status: s.code(),
        status_vi: s.label(Lang::Vi).to_owned(),
        status_en: s.label(Lang::En).to_owned(),
    }
}

/// The public detail of a dossier at `now`.
pub fn detail(
    row: PublicRow,
    agency: &str,
    d: &Dossier,
    events: &[Event],
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> PublicDetail {
    PublicDetail {
        timeliness: d.timeliness(cal),
        overdue: d.is_overdue(now),
        ..detail_at_rest(row, agency, d, events)
    }
}

/// The public detail without what depends on the clock or the calendar (`timeliness` is `None`,
/// `overdue` false): what can be made once per change of the dossier.
pub fn detail_at_rest(row: PublicRow, agency: &str, d: &Dossier, events: &[Event]) -> PublicDetail {
    let next = NextStep::of(d);
    let apology = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Apologized {
            reason, new_due, ..
        } => Some(Apology {
            reason: reason.clone(),
            new_appointment: *new_due,
        }),
        _ => None,
    });
    PublicDetail {
        row,
        channel: d.channel,
        agency: agency.to_owned(),
        step_vi: d.step.label(Lang::Vi).to_owned(),
        step_en: d.step.label(Lang::En).to_owned(),
        timeliness: None,
        overdue: false,
        next_vi: next.sentence(Lang::Vi),
        next_en: next.sentence(Lang::En),
        next,
        apology,
        timeline: events
            .iter()
            .map(|e| PublicStep {
                at: e.at,
                vi: e.kind.label(Lang::Vi).to_owned(),
                en: e.kind.label(Lang::En).to_owned(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod next_step_tests {
    use super::*;
    use crate::workflow::MissingItem;

    #[test]
    fn a_supplement_says_which_documents_why_and_what_to_do() {
        let n = NextStep::Supplement {
            items: vec![
                MissingItem {
                    document: "Tờ khai".into(),
                    reason: "Thiếu chữ ký".into(),
                    guidance: "Ký và ghi rõ họ tên".into(),
                },
                MissingItem {
                    document: "Bản sao CCCD".into(),
                    reason: "Bản chụp mờ".into(),
                    guidance: "Nộp bản chụp rõ nét".into(),
                },
            ],
        };
        assert_eq!(
            n.sentence(Lang::Vi),
            "Cần bổ sung 2 giấy tờ, mang đến Bộ phận Một cửa: 1) Tờ khai — Thiếu chữ ký: Ký và ghi rõ họ tên; 2) Bản sao CCCD — Bản chụp mờ: Nộp bản chụp rõ nét"
        );
        assert!(
            n.sentence(Lang::En)
                .starts_with("2 document(s) to supplement")
        );
        let long = NextStep::Supplement {
            items: vec![
                MissingItem {
                    document: "x".repeat(300),
                    reason: "y".repeat(300),
                    guidance: "z".repeat(300),
                };
                50
            ],
        };
        assert!(long.sentence(Lang::Vi).chars().count() < 800, "bounded");
    }

    #[test]
    fn fees_are_written_with_thousands_separators() {
        assert_eq!(
            NextStep::PayFees { amount: 150_000 }.sentence(Lang::Vi),
            "Cần nộp phí, lệ phí: 150.000 đồng."
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000_000_000_000), "1.000.000.000.000");
    }
}
