//! The dossier workflow of regulation Art. 8 and 10 as a pure state machine.
//!
//! A [`Command`] is checked against a [`Dossier`] by [`Dossier::decide`], which yields the
//! [`Event`]s it causes or a [`WorkflowError`]; events are stored and folded into state by
//! [`Dossier::apply`]. `decide` is the one place that says what is legal; `apply` never fails on an
//! event `decide` produced. Deadlines move inside `decide` (with the [`Calendar`]) and travel in the
//! events, so replaying events needs no calendar and gives the same state.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, NotCovered, ProcessingTime, Timeliness};
use crate::codes::AgencyCode;
use crate::i18n::{Lang, Localized};
use crate::status::{Channel, NationalStatus, ReturnChannel, Step};
use crate::time::OutOfRange;

/// An instant as the workflow records it.
pub type Instant = DateTime<FixedOffset>;

/// `t` if it is an instant the system accepts from outside (see [`crate::time`]).
fn checked(t: Instant) -> Result<Instant, WorkflowError> {
    crate::time::check(t).map_err(WorkflowError::OutOfRange)
}

/// One missing or wrong document in a supplement request (Mẫu 02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingItem {
    /// The document concerned.
    pub document: String,
    /// Why it is needed or what is wrong with it.
    pub reason: String,
    /// What the applicant must do.
    pub guidance: String,
}

/// A verification appointment with the applicant (Art. 10.1c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub at: Instant,
    pub place: String,
    pub participants: Vec<String>,
    pub content: String,
}

/// An opinion asked of another agency (Art. 10.1b).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub agency: AgencyCode,
    pub subject: String,
    pub deadline: Instant,
    pub asked_at: Instant,
    pub answer: Option<String>,
    pub answered_at: Option<Instant>,
}

impl Consultation {
    /// Art. 10.1b: the opinion is late — not given by its deadline (still awaited after it, or
    /// given after it).
    pub fn late_at(&self, now: Instant) -> bool {
        match self.answered_at {
            Some(answered) => answered > self.deadline,
            None => now > self.deadline,
        }
    }
}

/// The largest amount of one fee, payment or refund, in đồng (a thousand billion).
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;

fn check_amount(a: u64) -> Result<(), WorkflowError> {
    match a {
        0 => Err(WorkflowError::AmountRequired),
        a if a > MAX_AMOUNT => Err(WorkflowError::AmountTooLarge),
        _ => Ok(()),
    }
}

/// Fees in đồng.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fees {
    /// Everything due: fees asked for, and those paid without being asked for.
    pub requested: u64,
    pub paid: u64,
    pub refunded: u64,
}

/// What a staff member asks the workflow to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Ask the applicant, once and completely, for what is missing (Art. 8.1a, Mẫu 02).
    RequestSupplement { items: Vec<MissingItem> },
    /// The applicant brought what was asked.
    Supplemented,
    /// Refuse at reception, with the reason (Mẫu 03).
    Refuse { reason: String },
    /// Accept and transfer to the competent agency (Art. 8.1b).
    AcceptAndTransfer { agency: AgencyCode },
    /// Assign (or reassign) to an officer.
    Assign { officer: String },
    /// Ask another agency's opinion by a deadline.
    Consult {
        agency: AgencyCode,
        subject: String,
        deadline: Instant,
    },
    /// Record an agency's answer.
    AnswerConsultation { agency: AgencyCode, answer: String },
    /// Schedule a verification with the applicant.
    ScheduleVerification(Verification),
    /// Submit to the agency head.
    SubmitForApproval,
    /// The head sends the dossier back for more appraisal.
    SendBack { reason: String },
    /// The head approves.
    Approve,
    /// Ineligible: reject with a written reason (Art. 10.2).
    Reject { reason: String },
    /// The result is at the one-stop desk.
    MarkResultReady,
    /// Hand the result (or the rejection) to the applicant.
    Return { channel: ReturnChannel },
    /// Ask for fees or taxes; the clock pauses until they are paid.
    RequestFee { amount: u64, description: String },
    /// Record a payment.
    RecordFeePaid { amount: u64 },
    /// Refund fees for a service that was not performed (Art. 10.4).
    RefundFee { amount: u64, reason: String },
    /// The applicant withdraws the dossier.
    Withdraw { reason: String },
    /// Stop processing; the clock pauses.
    Stop { reason: String },
    /// Resume after a stop.
    Resume,
    /// Apologise for a delay and set a new appointment (Mẫu 04).
    Apologize { reason: String, new_due: Instant },
    /// Art. 8.1c: a dossier submitted online is found valid by the desk; it is received then
    /// (the next working instant when outside working hours), and its time runs from there.
    AcceptOnline,
    /// Art. 8.2: a procedure whose result is given at once — the desk receives, settles and
    /// hands the result back in one go, recorded, without a receipt and appointment unless the
    /// applicant asks for one. Whether the procedure is one of those is the catalogue's to say.
    ResolveAtOnce,
}

/// The longest reason, answer, content or guidance a command carries (characters).
pub const MAX_TEXT: usize = 2000;
/// The longest short field: a document's name, a place, a participant (characters).
pub const MAX_SHORT_TEXT: usize = 300;
/// The most items one supplement request lists.
pub const MAX_SUPPLEMENT_ITEMS: usize = 50;
/// The most participants of one verification.
pub const MAX_PARTICIPANTS: usize = 20;

/// `s` as kept: NFC, trimmed, bounded, nothing hidden; empty → `empty`.
fn text(
    s: &str,
    field: &'static str,
    max: usize,
    multiline: bool,
    empty: WorkflowError,
) -> Result<String, WorkflowError> {
    use crate::text::TextError;
    crate::text::free_text(s, max, multiline).map_err(|e| match e {
        TextError::Empty => empty,
        _ => WorkflowError::Text { field, error: e },
    })
}

impl Command {
    /// This command with every text as it is kept (NFC, trimmed, bounded, without control,
    /// direction-changing or zero-width characters) and every list bounded; [`Dossier::decide`]
    /// works on it, so nothing unbounded or hidden is ever stored.
    pub fn checked(&self) -> Result<Command, WorkflowError> {
        use Command::*;
        let name = self.name();
        let reason_ = |r: &str| {
            text(
                r,
                "reason",
                MAX_TEXT,
                true,
                WorkflowError::ReasonRequired { command: name },
            )
        };
        let long = |v: &str, field: &'static str| {
            text(
                v,
                field,
                MAX_TEXT,
                true,
                WorkflowError::FieldRequired(field),
            )
        };
        let short = |v: &str, field: &'static str| {
            text(
                v,
                field,
                MAX_SHORT_TEXT,
                false,
                WorkflowError::FieldRequired(field),
            )
        };
        Ok(match self {
            RequestSupplement { items } => {
                if items.len() > MAX_SUPPLEMENT_ITEMS {
                    return Err(WorkflowError::TooMany {
                        field: "items",
                        max: MAX_SUPPLEMENT_ITEMS,
                    });
                }
                let mut out = Vec::with_capacity(items.len());
                for (index, it) in items.iter().enumerate() {
                    let incomplete =
                        |field| WorkflowError::SupplementItemIncomplete { index, field };
                    out.push(MissingItem {
                        document: text(
                            &it.document,
                            "document",
                            MAX_SHORT_TEXT,
                            false,
                            incomplete("document"),
                        )?,
                        reason: text(&it.reason, "reason", MAX_TEXT, true, incomplete("reason"))?,
                        guidance: text(
                            &it.guidance,
                            "guidance",
                            MAX_TEXT,
                            true,
                            incomplete("guidance"),
                        )?,
                    });
                }
                RequestSupplement { items: out }
            }
            Refuse { reason } => Refuse {
                reason: reason_(reason)?,
            },
            Assign { officer } => Assign {
                officer: text(
                    officer,
                    "officer",
                    64,
                    false,
                    WorkflowError::FieldRequired("officer"),
                )?,
            },
            Consult {
                agency,
                subject,
                deadline,
            } => Consult {
                agency: agency.clone(),
                subject: long(subject, "subject")?,
                deadline: *deadline,
            },
            AnswerConsultation { agency, answer } => AnswerConsultation {
                agency: agency.clone(),
                answer: long(answer, "answer")?,
            },
            ScheduleVerification(v) => {
                if v.participants.len() > MAX_PARTICIPANTS {
                    return Err(WorkflowError::TooMany {
                        field: "participants",
                        max: MAX_PARTICIPANTS,
                    });
                }
                ScheduleVerification(Verification {
                    at: v.at,
                    place: short(&v.place, "place")?,
                    participants: v
                        .participants
                        .iter()
                        .map(|p| short(p, "participants"))
                        .collect::<Result<_, _>>()?,
                    content: long(&v.content, "content")?,
                })
            }
            SendBack { reason } => SendBack {
                reason: reason_(reason)?,
            },
            Reject { reason } => Reject {
                reason: reason_(reason)?,
            },
            RequestFee {
                amount,
                description,
            } => RequestFee {
                amount: *amount,
                description: short(description, "description")?,
            },
            RefundFee { amount, reason } => RefundFee {
                amount: *amount,
                reason: reason_(reason)?,
            },
            Withdraw { reason } => Withdraw {
                reason: reason_(reason)?,
            },
            Stop { reason } => Stop {
                reason: reason_(reason)?,
            },
            Apologize { reason, new_due } => Apologize {
                reason: reason_(reason)?,
                new_due: *new_due,
            },
            other => other.clone(),
        })
    }

    /// A stable name, as used in the API.
    pub fn name(&self) -> &'static str {
        match self {
            Command::RequestSupplement { .. } => "request_supplement",
            Command::Supplemented => "supplemented",
            Command::Refuse { .. } => "refuse",
            Command::AcceptAndTransfer { .. } => "accept_and_transfer",
            Command::Assign { .. } => "assign",
            Command::Consult { .. } => "consult",
            Command::AnswerConsultation { .. } => "answer_consultation",
            Command::ScheduleVerification(_) => "schedule_verification",
            Command::SubmitForApproval => "submit_for_approval",
            Command::SendBack { .. } => "send_back",
            Command::Approve => "approve",
            Command::Reject { .. } => "reject",
            Command::MarkResultReady => "mark_result_ready",
            Command::Return { .. } => "return",
            Command::RequestFee { .. } => "request_fee",
            Command::RecordFeePaid { .. } => "record_fee_paid",
            Command::RefundFee { .. } => "refund_fee",
            Command::Withdraw { .. } => "withdraw",
            Command::Stop { .. } => "stop",
            Command::Resume => "resume",
            Command::Apologize { .. } => "apologize",
            Command::ResolveAtOnce => "resolve_at_once",
            Command::AcceptOnline => "accept_online",
        }
    }
}

/// What happened to a dossier. Stored in order; folding them gives the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Instant,
    /// Who did it (a staff account, "applicant", "system").
    pub by: String,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Received {
        channel: Channel,
        /// When it arrived; `received_at` is when it starts to count (Art. 8.1c).
        submitted_at: Instant,
        received_at: Instant,
        due: Instant,
        transfer_due: Instant,
    },
    SupplementRequested {
        items: Vec<MissingItem>,
    },
    /// Art. 8.1c: an online submission found valid; received at `received_at`.
    AcceptedOnline {
        received_at: Instant,
        due: Instant,
        transfer_due: Instant,
    },
    Supplemented {
        due: Instant,
        /// The legal due instant after the pause, when an apology set the appointment apart
        /// from it (none: the same as `due`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_due: Option<Instant>,
        /// Completed at the desk, before any transfer: the dossier counts as received now, with
        /// its whole processing time and a new transfer deadline (Art. 8.1a–c).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received_again: Option<ReceivedAgain>,
    },
    Refused {
        reason: String,
    },
    AcceptedTransferred {
        agency: AgencyCode,
    },
    Assigned {
        officer: String,
    },
    ConsultationRequested {
        agency: AgencyCode,
        subject: String,
        deadline: Instant,
    },
    ConsultationAnswered {
        agency: AgencyCode,
        answer: String,
    },
    VerificationScheduled(Verification),
    SubmittedForApproval,
    SentBack {
        reason: String,
    },
    Approved,
    Rejected {
        reason: String,
    },
    ResultReady,
    Returned {
        channel: ReturnChannel,
    },
    FeeRequested {
        amount: u64,
        description: String,
    },
    FeePaid {
        amount: u64,
        /// The new due instant when the payment ended a pause.
        due: Option<Instant>,
        /// The legal due instant after the pause, when an apology set the appointment apart.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_due: Option<Instant>,
    },
    FeeRefunded {
        amount: u64,
        reason: String,
    },
    Withdrawn {
        reason: String,
    },
    Stopped {
        reason: String,
    },
    Resumed {
        due: Instant,
        /// The legal due instant after the pause, when an apology set the appointment apart.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_due: Option<Instant>,
    },
    Apologized {
        reason: String,
        previous_due: Instant,
        new_due: Instant,
    },
}

impl EventKind {
    /// A short description for timelines.
    pub fn label(&self, lang: Lang) -> &'static str {
        use EventKind::*;
        let (vi, en) = match self {
            Received { .. } => ("Tiếp nhận hồ sơ", "Dossier received"),
            AcceptedOnline { .. } => (
                "Hồ sơ trực tuyến hợp lệ, tiếp nhận",
                "Online dossier found valid, received",
            ),
            SupplementRequested { .. } => ("Yêu cầu bổ sung hồ sơ", "Supplement requested"),
            Supplemented { .. } => ("Đã bổ sung hồ sơ", "Supplement provided"),
            Refused { .. } => ("Từ chối tiếp nhận", "Refused at reception"),
            AcceptedTransferred { .. } => ("Chuyển cơ quan giải quyết", "Sent to the agency"),
            Assigned { .. } => ("Phân công xử lý", "Assigned"),
            ConsultationRequested { .. } => ("Lấy ý kiến cơ quan liên quan", "Opinion requested"),
            ConsultationAnswered { .. } => ("Cơ quan liên quan trả lời", "Opinion received"),
            VerificationScheduled(_) => ("Hẹn thẩm tra, xác minh", "Verification scheduled"),
            SubmittedForApproval => ("Trình phê duyệt", "Submitted for approval"),
            SentBack { .. } => ("Trả lại để xử lý tiếp", "Sent back for appraisal"),
            Approved => ("Phê duyệt", "Approved"),
            Rejected { .. } => ("Không đủ điều kiện giải quyết", "Rejected"),
            ResultReady => ("Kết quả đã chuyển Bộ phận Một cửa", "Result at the desk"),
            Returned { .. } => ("Trả kết quả", "Result returned"),
            FeeRequested { .. } => ("Yêu cầu nộp phí, lệ phí", "Fees requested"),
            FeePaid { .. } => ("Đã nộp phí, lệ phí", "Fees paid"),
            FeeRefunded { .. } => ("Hoàn trả phí, lệ phí", "Fees refunded"),
            Withdrawn { .. } => ("Rút hồ sơ", "Withdrawn"),
            Stopped { .. } => ("Dừng xử lý", "Processing stopped"),
            Resumed { .. } => ("Tiếp tục xử lý", "Processing resumed"),
            Apologized { .. } => ("Xin lỗi và hẹn lại ngày trả kết quả", "Apology, new date"),
        };
        match lang {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    #[error("{command} is not allowed while the dossier is {from:?}")]
    IllegalTransition { from: Step, command: &'static str },
    #[error("{command} needs a reason")]
    ReasonRequired { command: &'static str },
    #[error("{0} must not be empty")]
    FieldRequired(&'static str),
    #[error("a supplement request must list every missing item")]
    EmptySupplement,
    #[error("supplement item {} has no {field}", .index + 1)]
    SupplementItemIncomplete { index: usize, field: &'static str },
    #[error("a supplement was already requested in this round: ask once, completely")]
    SupplementAlreadyRequested,
    #[error("{0} consultation(s) are still unanswered")]
    ConsultationsPending(usize),
    #[error("no open consultation with agency {0}")]
    NoSuchConsultation(AgencyCode),
    #[error("agency {0} is already being consulted")]
    ConsultationAlreadyOpen(AgencyCode),
    #[error("the deadline must be after the time of the action")]
    DeadlineNotAfter,
    #[error("the new appointment must be later than the current one and than now")]
    NewDueNotLater,
    #[error("the amount must be more than zero")]
    AmountRequired,
    #[error("the amount must not exceed {MAX_AMOUNT} đồng")]
    AmountTooLarge,
    #[error("only {refundable} đồng can be refunded")]
    RefundTooLarge { refundable: u64 },
    #[error("no refund is owed: the service was performed (Art. 10.4)")]
    RefundNotOwed,
    #[error("nothing is owed: record a payment against fees asked for, or at reception")]
    NothingOwed,
    #[error("only {owed} đồng is owed")]
    PaymentTooLarge { owed: u64 },
    #[error("a dossier whose fees were refunded cannot be resumed")]
    ResumeAfterRefund,
    #[error(transparent)]
    Calendar(#[from] NotCovered),
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    #[error("{field}: {error}")]
    Text {
        field: &'static str,
        error: crate::text::TextError,
    },
    #[error("{field} lists more than {max} entries")]
    TooMany { field: &'static str, max: usize },
}

impl Localized for WorkflowError {
    fn code(&self) -> &'static str {
        use WorkflowError::*;
        match self {
            IllegalTransition { .. } => "workflow.illegal_transition",
            ReasonRequired { .. } => "workflow.reason_required",
            FieldRequired(_) => "workflow.field_required",
            EmptySupplement => "workflow.supplement_empty",
            SupplementItemIncomplete { .. } => "workflow.supplement_item_incomplete",
            SupplementAlreadyRequested => "workflow.supplement_once",
            ConsultationsPending(_) => "workflow.consultations_pending",
            NoSuchConsultation(_) => "workflow.no_such_consultation",
            ConsultationAlreadyOpen(_) => "workflow.consultation_open",
            DeadlineNotAfter => "workflow.deadline",
            NewDueNotLater => "workflow.new_due",
            AmountRequired => "workflow.amount",
            AmountTooLarge => "workflow.amount_too_large",
            RefundTooLarge { .. } => "workflow.refund_too_large",
            RefundNotOwed => "workflow.refund_not_owed",
            NothingOwed => "workflow.nothing_owed",
            PaymentTooLarge { .. } => "workflow.payment_too_large",
            ResumeAfterRefund => "workflow.resume_after_refund",
            Calendar(e) => e.code(),
            OutOfRange(e) => e.code(),
            Text { error, .. } => match error {
                crate::text::TextError::TooLong { .. } => "text.too_long",
                _ => "text.hidden_characters",
            },
            TooMany { .. } => "workflow.too_many_entries",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use WorkflowError::*;
        match self {
            Calendar(e) => return e.message(lang),
            OutOfRange(e) => return e.message(lang),
            _ => {}
        }
        if lang == Lang::En {
            if let IllegalTransition { from, command } = self {
                return format!(
                    "The action “{command}” is not allowed while the dossier is at the step “{}”.",
                    from.label(Lang::En)
                );
            }
            let mut s = self.to_string();
            if let Some(first) = s.get(0..1) {
                let up = first.to_uppercase();
                s.replace_range(0..1, &up);
            }
            s.push('.');
            return s;
        }
        match self {
            IllegalTransition { from, command } => format!(
                "Không thể thực hiện thao tác “{}” khi hồ sơ đang ở bước “{}”.",
                command_label_vi(command),
                from.label(Lang::Vi)
            ),
            ReasonRequired { command } => {
                format!("Thao tác “{}” cần ghi rõ lý do.", command_label_vi(command))
            }
            FieldRequired(f) => format!("Trường “{f}” không được để trống."),
            EmptySupplement => {
                "Phiếu yêu cầu bổ sung phải liệt kê đầy đủ các giấy tờ còn thiếu.".into()
            }
            SupplementItemIncomplete { index, field } => {
                let f = match *field {
                    "document" => "tên giấy tờ",
                    "reason" => "lý do",
                    _ => "hướng dẫn",
                };
                format!("Mục {} của phiếu yêu cầu bổ sung thiếu {f}.", index + 1)
            }
            SupplementAlreadyRequested => "Đã yêu cầu bổ sung trong lần nộp này: chỉ được yêu cầu một lần, đầy đủ (Điều 8.1a).".into(),
            ConsultationsPending(n) => format!("Còn {n} cơ quan chưa trả lời ý kiến."),
            NoSuchConsultation(a) => format!("Không có yêu cầu lấy ý kiến đang mở với cơ quan {a}."),
            ConsultationAlreadyOpen(a) => format!("Đang lấy ý kiến cơ quan {a}."),
            DeadlineNotAfter => "Thời hạn phải sau thời điểm thực hiện thao tác.".into(),
            NewDueNotLater => "Ngày hẹn trả mới phải sau ngày hẹn hiện tại và sau thời điểm này.".into(),
            AmountRequired => "Số tiền phải lớn hơn 0.".into(),
            AmountTooLarge => format!("Số tiền không được vượt quá {MAX_AMOUNT} đồng."),
            RefundTooLarge { refundable } => {
                format!("Chỉ có thể hoàn trả tối đa {refundable} đồng.")
            }
            RefundNotOwed => "Không hoàn trả phí, lệ phí: cơ quan đã giải quyết hồ sơ (Điều 10.4).".into(),
            NothingOwed => "Hồ sơ không có khoản phí, lệ phí nào đang chờ nộp: chỉ ghi nhận khoản đã yêu cầu, hoặc khi tiếp nhận.".into(),
            PaymentTooLarge { owed } => format!("Chỉ còn phải nộp {owed} đồng."),
            ResumeAfterRefund => "Hồ sơ đã hoàn trả phí, lệ phí nên không thể tiếp tục xử lý.".into(),
            Calendar(e) => e.message(lang),
            OutOfRange(e) => e.message(lang),
            Text { field, error } => match error {
                crate::text::TextError::TooLong { max } => {
                    format!("Trường “{field}” dài quá {max} ký tự.")
                }
                _ => format!(
                    "Trường “{field}” chứa ký tự điều khiển hoặc ký tự ẩn; hãy nhập lại bằng bàn phím."
                ),
            },
            TooMany { field, max } => format!("“{field}” có quá {max} mục."),
        }
    }
}

fn command_label_vi(name: &str) -> &'static str {
    match name {
        "request_supplement" => "yêu cầu bổ sung",
        "supplemented" => "ghi nhận bổ sung",
        "refuse" => "từ chối tiếp nhận",
        "accept_and_transfer" => "tiếp nhận và chuyển xử lý",
        "assign" => "phân công",
        "consult" => "lấy ý kiến",
        "answer_consultation" => "ghi nhận ý kiến",
        "schedule_verification" => "hẹn thẩm tra, xác minh",
        "submit_for_approval" => "trình phê duyệt",
        "send_back" => "trả lại xử lý",
        "approve" => "phê duyệt",
        "reject" => "từ chối giải quyết",
        "mark_result_ready" => "chuyển kết quả",
        "return" => "trả kết quả",
        "request_fee" => "yêu cầu nộp phí",
        "record_fee_paid" => "ghi nhận nộp phí",
        "refund_fee" => "hoàn trả phí",
        "withdraw" => "rút hồ sơ",
        "stop" => "dừng xử lý",
        "resume" => "tiếp tục xử lý",
        "apologize" => "xin lỗi, hẹn lại",
        _ => "thao tác",
    }
}

/// What a dossier looks like after its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub step: Step,
    pub channel: Channel,
    pub submitted_at: Instant,
    pub received_at: Instant,
    /// The current appointment told to the applicant, moved by pauses and apologies.
    pub due: Instant,
    /// The legal due instant, moved only by legal pauses (Art. 8 and 10: waiting for a
    /// supplement, for fees, a stop): lateness is measured against it, so an apology — a new
    /// appointment — never makes a late dossier on time. None in records written before it was
    /// kept: see [`Dossier::legal_due`].
    #[serde(default)]
    pub legal_due: Option<Instant>,
    /// The appointment on the receipt.
    pub original_due: Instant,
    pub transfer_due: Instant,
    pub transferred_at: Option<Instant>,
    /// Submission round: goes up each time the applicant supplements.
    pub round: u32,
    pub supplement_requested_this_round: bool,
    /// The open supplement request, if any.
    pub supplement: Vec<MissingItem>,
    /// The step a pause (5, 6, 8) returns to, and since when the clock stands.
    pub resume_to: Option<Step>,
    pub paused_at: Option<Instant>,
    pub agency: Option<AgencyCode>,
    pub assignee: Option<String>,
    pub consultations: Vec<Consultation>,
    pub verification: Option<Verification>,
    pub fees: Fees,
    /// The written reason of a refusal, rejection, stop or withdrawal.
    pub reason: Option<String>,
    /// When the result (or the rejection) was ready: what timeliness is judged on.
    pub finished_at: Option<Instant>,
    pub returned_at: Option<Instant>,
    pub return_channel: Option<ReturnChannel>,
    pub apologies: u32,
}

/// A dossier completed at the desk counts as received when complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedAgain {
    pub received_at: Instant,
    pub transfer_due: Instant,
}

/// What the overdue rule needs of a dossier. Kiosks receive it as it is and judge with the same
/// function as the server, so a paused dossier never shows overdue on one and not on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueState {
    /// Still running: no result yet and not closed.
    pub open: bool,
    /// The due instant lateness is measured against.
    pub due: Instant,
    /// Since when the clock stands (statuses 5, 6, 8), if it does.
    #[serde(default)]
    pub paused_at: Option<Instant>,
}

impl DueState {
    /// Overdue at `now`: open and past due, a paused clock counting as standing at its pause
    /// (a dossier that waits for the applicant does not grow later while it waits).
    pub fn overdue_at(&self, now: Instant) -> bool {
        self.open && self.paused_at.unwrap_or(now) > self.due
    }
}

/// What [`receive`] needs.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub channel: Channel,
    pub submitted_at: Instant,
    pub processing_time: ProcessingTime,
    pub by: String,
}

/// The first event of a dossier: received, with its clock started at the next working instant
/// (Art. 8.1c), its appointment and its transfer deadline. Refused when the submission instant is
/// outside the accepted years or a deadline would reach a year the calendar does not hold.
pub fn receive(cal: &Calendar, r: &Receipt) -> Result<Event, WorkflowError> {
    let submitted_at = checked(r.submitted_at)?;
    let received_at = cal.next_working_instant(submitted_at)?;
    Ok(Event {
        at: cal.in_zone(submitted_at),
        by: r.by.clone(),
        kind: EventKind::Received {
            channel: r.channel,
            submitted_at: cal.in_zone(submitted_at),
            received_at,
            due: cal.due(received_at, r.processing_time)?,
            transfer_due: cal.transfer_deadline(received_at)?,
        },
    })
}

fn required(s: &str, field: &'static str) -> Result<(), WorkflowError> {
    if s.trim().is_empty() {
        Err(WorkflowError::FieldRequired(field))
    } else {
        Ok(())
    }
}

fn reason(s: &str, command: &'static str) -> Result<(), WorkflowError> {
    if s.trim().is_empty() {
        Err(WorkflowError::ReasonRequired { command })
    } else {
        Ok(())
    }
}

impl Dossier {
    /// Rebuild a dossier from its events; `None` when the first is not a receipt.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Dossier> {
        let mut it = events.into_iter();
        let mut d = Dossier::from_receipt(it.next()?)?;
        it.for_each(|e| d.apply(e));
        Some(d)
    }

    /// The state right after a `Received` event.
    pub fn from_receipt(e: &Event) -> Option<Dossier> {
        let EventKind::Received {
            channel,
            submitted_at,
            received_at,
            due,
            transfer_due,
        } = &e.kind
        else {
            return None;
        };
        Some(Dossier {
            step: match channel {
                Channel::Direct => Step::ReceivedDirect,
                Channel::Postal => Step::ReceivedPostal,
                Channel::Online => Step::SubmittedOnline,
            },
            channel: *channel,
            submitted_at: *submitted_at,
            received_at: *received_at,
            due: *due,
            legal_due: Some(*due),
            original_due: *due,
            transfer_due: *transfer_due,
            transferred_at: None,
            round: 1,
            supplement_requested_this_round: false,
            supplement: Vec::new(),
            resume_to: None,
            paused_at: None,
            agency: None,
            assignee: None,
            consultations: Vec::new(),
            verification: None,
            fees: Fees::default(),
            reason: None,
            finished_at: None,
            returned_at: None,
            return_channel: None,
            apologies: 0,
        })
    }

    pub fn national_status(&self) -> NationalStatus {
        self.step.national()
    }

    /// Still running: no result (or rejection) yet and not closed.
    pub fn is_open(&self) -> bool {
        self.finished_at.is_none() && !self.step.is_closed()
    }

    /// What the overdue rule needs of this dossier.
    /// The legal due instant (lateness is measured against it; an apology does not move it).
    /// A record kept before it was stored reads as the appointment when no apology was made,
    /// else as the receipt's appointment (the pauses since then are not known to it).
    pub fn legal_due(&self) -> Instant {
        self.legal_due.unwrap_or(if self.apologies == 0 {
            self.due
        } else {
            self.original_due
        })
    }

    /// Whether an apology set the appointment later than the legal due instant.
    pub fn apologized(&self) -> bool {
        self.apologies > 0
    }

    pub fn due_state(&self) -> DueState {
        DueState {
            open: self.is_open(),
            due: self.legal_due(),
            paused_at: self.paused_at,
        }
    }

    /// Still at the desk past the transfer deadline at `now` (Art. 8.1b: a dossier received is
    /// transferred to the competent agency within 8 working hours), its clock running.
    pub fn transfer_overdue_at(&self, now: Instant) -> bool {
        self.agency.is_none()
            && self.is_open()
            && self.paused_at.is_none()
            && now > self.transfer_due
    }

    /// Transferred after its transfer deadline.
    pub fn transferred_late(&self) -> bool {
        self.transferred_at.is_some_and(|t| t > self.transfer_due)
    }

    /// Overdue at `now` (see [`DueState::overdue_at`]).
    pub fn is_overdue(&self, now: Instant) -> bool {
        self.due_state().overdue_at(now)
    }

    /// Early / on time / overdue once the result (or rejection) is ready.
    pub fn timeliness(&self, cal: &Calendar) -> Option<Timeliness> {
        self.finished_at
            .map(|f| cal.timeliness(f, self.legal_due()))
    }

    fn illegal(&self, cmd: &Command) -> WorkflowError {
        WorkflowError::IllegalTransition {
            from: self.step,
            command: cmd.name(),
        }
    }

    /// Check `cmd`, done by `by` at `at`, against this dossier; the events it causes.
    pub fn decide(
        &self,
        cal: &Calendar,
        cmd: &Command,
        at: Instant,
        by: &str,
    ) -> Result<Vec<Event>, WorkflowError> {
        use Step::*;
        let cmd = &cmd.checked()?;
        let at = cal.in_zone(at);
        let step = self.step;
        let reception = matches!(
            step,
            SubmittedOnline | ReceivedDirect | ReceivedPostal | ReceivedOnline
        );
        let processing = matches!(
            step,
            AcceptedTransferred | Assigned | Consulting | VerificationScheduled | AwaitingApproval
        );
        let resumed_due = || -> Result<Instant, WorkflowError> {
            let paused = self.paused_at.unwrap_or(at);
            Ok(cal.resume(self.due, paused, at)?)
        };
        // The legal due instant moves by the same pause, kept apart only after an apology.
        let resumed_legal_due = || -> Result<Option<Instant>, WorkflowError> {
            if !self.apologized() {
                return Ok(None);
            }
            let paused = self.paused_at.unwrap_or(at);
            Ok(Some(cal.resume(self.legal_due(), paused, at)?))
        };
        let kind = match cmd {
            Command::AcceptOnline => {
                if step != SubmittedOnline {
                    return Err(self.illegal(cmd));
                }
                // Received when found valid; the whole processing time from then (Art. 8.1c).
                let received_at = cal.next_working_instant(at)?;
                let time = cal.working_between(self.received_at, self.original_due)?;
                EventKind::AcceptedOnline {
                    received_at,
                    due: cal.add_working(received_at, time)?,
                    transfer_due: cal.transfer_deadline(received_at)?,
                }
            }
            // Art. 8.2: ready at once; handed over in the same instant (below).
            Command::ResolveAtOnce => {
                if !reception {
                    return Err(self.illegal(cmd));
                }
                EventKind::ResultReady
            }
            Command::RequestSupplement { items } => {
                if !(reception
                    || matches!(
                        step,
                        AcceptedTransferred | Assigned | Consulting | VerificationScheduled
                    ))
                {
                    return Err(self.illegal(cmd));
                }
                if self.supplement_requested_this_round {
                    return Err(WorkflowError::SupplementAlreadyRequested);
                }
                if items.is_empty() {
                    return Err(WorkflowError::EmptySupplement);
                }
                for (index, it) in items.iter().enumerate() {
                    for (value, field) in [
                        (&it.document, "document"),
                        (&it.reason, "reason"),
                        (&it.guidance, "guidance"),
                    ] {
                        if value.trim().is_empty() {
                            return Err(WorkflowError::SupplementItemIncomplete { index, field });
                        }
                    }
                }
                EventKind::SupplementRequested {
                    items: items.clone(),
                }
            }
            Command::Supplemented => {
                if step != SupplementRequested {
                    return Err(self.illegal(cmd));
                }
                if self.agency.is_none() {
                    // Still at the desk: the processing time runs from the complete receipt,
                    // whole, not from what was left (Art. 8.1a–c).
                    let received_at = cal.next_working_instant(at)?;
                    let time = cal.working_between(self.received_at, self.original_due)?;
                    EventKind::Supplemented {
                        due: cal.add_working(received_at, time)?,
                        legal_due: None,
                        received_again: Some(ReceivedAgain {
                            received_at,
                            transfer_due: cal.transfer_deadline(received_at)?,
                        }),
                    }
                } else {
                    EventKind::Supplemented {
                        due: resumed_due()?,
                        legal_due: resumed_legal_due()?,
                        received_again: None,
                    }
                }
            }
            Command::Refuse { reason: r } => {
                if !(reception || step == SupplementRequested) {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                EventKind::Refused { reason: r.clone() }
            }
            Command::AcceptAndTransfer { agency } => {
                // An online submission is checked and found valid first (Art. 8.1a, 8.1c).
                if !reception || step == SubmittedOnline {
                    return Err(self.illegal(cmd));
                }
                EventKind::AcceptedTransferred {
                    agency: agency.clone(),
                }
            }
            Command::Assign { officer } => {
                if !matches!(step, AcceptedTransferred | Assigned) {
                    return Err(self.illegal(cmd));
                }
                required(officer, "officer")?;
                EventKind::Assigned {
                    officer: officer.clone(),
                }
            }
            Command::Consult {
                agency,
                subject,
                deadline,
            } => {
                if !matches!(step, Assigned | Consulting | VerificationScheduled) {
                    return Err(self.illegal(cmd));
                }
                required(subject, "subject")?;
                let deadline = &checked(*deadline)?;
                if *deadline <= at {
                    return Err(WorkflowError::DeadlineNotAfter);
                }
                if self
                    .consultations
                    .iter()
                    .any(|c| &c.agency == agency && c.answer.is_none())
                {
                    return Err(WorkflowError::ConsultationAlreadyOpen(agency.clone()));
                }
                EventKind::ConsultationRequested {
                    agency: agency.clone(),
                    subject: subject.clone(),
                    deadline: cal.in_zone(*deadline),
                }
            }
            Command::AnswerConsultation { agency, answer } => {
                if step != Consulting {
                    return Err(self.illegal(cmd));
                }
                required(answer, "answer")?;
                if !self
                    .consultations
                    .iter()
                    .any(|c| &c.agency == agency && c.answer.is_none())
                {
                    return Err(WorkflowError::NoSuchConsultation(agency.clone()));
                }
                EventKind::ConsultationAnswered {
                    agency: agency.clone(),
                    answer: answer.clone(),
                }
            }
            Command::ScheduleVerification(v) => {
                if !matches!(step, Assigned | Consulting | VerificationScheduled) {
                    return Err(self.illegal(cmd));
                }
                required(&v.place, "place")?;
                required(&v.content, "content")?;
                if v.participants.iter().all(|p| p.trim().is_empty()) {
                    return Err(WorkflowError::FieldRequired("participants"));
                }
                if checked(v.at)? <= at {
                    return Err(WorkflowError::DeadlineNotAfter);
                }
                EventKind::VerificationScheduled(Verification {
                    at: cal.in_zone(v.at),
                    ..v.clone()
                })
            }
            Command::SubmitForApproval => {
                if !matches!(step, Assigned | Consulting | VerificationScheduled) {
                    return Err(self.illegal(cmd));
                }
                let open = self
                    .consultations
                    .iter()
                    .filter(|c| c.answer.is_none())
                    .count();
                if open > 0 {
                    return Err(WorkflowError::ConsultationsPending(open));
                }
                EventKind::SubmittedForApproval
            }
            Command::SendBack { reason: r } => {
                if step != AwaitingApproval {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                EventKind::SentBack { reason: r.clone() }
            }
            Command::Approve => {
                if step != AwaitingApproval {
                    return Err(self.illegal(cmd));
                }
                EventKind::Approved
            }
            Command::Reject { reason: r } => {
                if !matches!(
                    step,
                    Assigned | Consulting | VerificationScheduled | AwaitingApproval
                ) {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                EventKind::Rejected { reason: r.clone() }
            }
            Command::MarkResultReady => {
                if step != Approved {
                    return Err(self.illegal(cmd));
                }
                EventKind::ResultReady
            }
            Command::Return { channel } => {
                if !matches!(step, ResultReady | Rejected) {
                    return Err(self.illegal(cmd));
                }
                EventKind::Returned { channel: *channel }
            }
            Command::RequestFee {
                amount,
                description,
            } => {
                if !(reception || processing || matches!(step, Approved | ResultReady)) {
                    return Err(self.illegal(cmd));
                }
                check_amount(*amount)?;
                required(description, "description")?;
                EventKind::FeeRequested {
                    amount: *amount,
                    description: description.clone(),
                }
            }
            Command::RecordFeePaid { amount } => {
                if step.is_closed() || matches!(step, Stopped | SupplementRequested) {
                    return Err(self.illegal(cmd));
                }
                check_amount(*amount)?;
                // Paid at reception (the catalogue's fees), or against fees asked for and not
                // yet paid, never more than is owed.
                let owed = self.fees.requested.saturating_sub(self.fees.paid);
                if owed == 0 && !reception {
                    return Err(WorkflowError::NothingOwed);
                }
                if owed > 0 && *amount > owed {
                    return Err(WorkflowError::PaymentTooLarge { owed });
                }
                let settles = step == FeeRequested
                    && self.fees.paid.saturating_add(*amount) >= self.fees.requested;
                EventKind::FeePaid {
                    amount: *amount,
                    due: if settles { Some(resumed_due()?) } else { None },
                    legal_due: if settles { resumed_legal_due()? } else { None },
                }
            }
            Command::RefundFee { amount, reason: r } => {
                check_amount(*amount)?;
                reason(r, cmd.name())?;
                // Art. 10.4: owed when the agency could not perform the service; not when it
                // decided (approved or rejected) and the applicant did not collect.
                if !matches!(step, Refused | Withdrawn | Stopped) {
                    return Err(WorkflowError::RefundNotOwed);
                }
                let refundable = self.fees.paid.saturating_sub(self.fees.refunded);
                if *amount > refundable {
                    return Err(WorkflowError::RefundTooLarge { refundable });
                }
                EventKind::FeeRefunded {
                    amount: *amount,
                    reason: r.clone(),
                }
            }
            Command::Withdraw { reason: r } => {
                if step.is_closed() || matches!(step, Approved | Rejected | ResultReady) {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                EventKind::Withdrawn { reason: r.clone() }
            }
            Command::Stop { reason: r } => {
                if !processing {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                EventKind::Stopped { reason: r.clone() }
            }
            Command::Resume => {
                if step != Stopped {
                    return Err(self.illegal(cmd));
                }
                if self.fees.refunded > 0 {
                    return Err(WorkflowError::ResumeAfterRefund);
                }
                EventKind::Resumed {
                    due: resumed_due()?,
                    legal_due: resumed_legal_due()?,
                }
            }
            Command::Apologize { reason: r, new_due } => {
                if step.is_closed() || matches!(step, Rejected | ResultReady) {
                    return Err(self.illegal(cmd));
                }
                reason(r, cmd.name())?;
                let new_due = &checked(*new_due)?;
                if *new_due <= self.due || *new_due <= at {
                    // Later than the appointment it replaces, and not already past.
                    return Err(WorkflowError::NewDueNotLater);
                }
                EventKind::Apologized {
                    reason: r.clone(),
                    previous_due: self.due,
                    new_due: cal.in_zone(*new_due),
                }
            }
        };
        let mut events = vec![Event {
            at,
            by: by.to_owned(),
            kind,
        }];
        if let Command::ResolveAtOnce = cmd {
            events.push(Event {
                at,
                by: by.to_owned(),
                kind: EventKind::Returned {
                    channel: ReturnChannel::Counter,
                },
            });
        }
        Ok(events)
    }

    fn pause(&mut self, to: Step, at: Instant) {
        self.resume_to = Some(self.step);
        self.paused_at = Some(at);
        self.step = to;
    }

    /// End a pause: the appointment becomes `due`; the legal due instant becomes `legal_due`,
    /// or `due` when no apology set them apart (an event kept before the legal due was recorded
    /// moves it by as much as the appointment moved).
    fn unpause(&mut self, due: Instant, legal_due: Option<Instant>) {
        self.step = self.resume_to.take().unwrap_or(Step::Assigned);
        self.paused_at = None;
        let legal = match legal_due {
            Some(l) => l,
            None if !self.apologized() => due,
            None => self
                .legal_due()
                .checked_add_signed(due - self.due)
                .unwrap_or(due),
        };
        self.due = due;
        self.legal_due = Some(legal);
    }

    /// Fold one event into the state.
    pub fn apply(&mut self, e: &Event) {
        use EventKind::*;
        match &e.kind {
            Received { .. } => {}
            AcceptedOnline {
                received_at,
                due,
                transfer_due,
            } => {
                self.received_at = *received_at;
                self.due = *due;
                self.legal_due = Some(*due);
                self.original_due = *due;
                self.transfer_due = *transfer_due;
                self.step = Step::ReceivedOnline;
            }
            SupplementRequested { items } => {
                self.supplement = items.clone();
                self.supplement_requested_this_round = true;
                self.pause(Step::SupplementRequested, e.at);
            }
            Supplemented {
                due,
                legal_due,
                received_again,
            } => {
                self.supplement.clear();
                self.round += 1;
                self.supplement_requested_this_round = false;
                match received_again {
                    Some(r) => {
                        // Complete now: received now — an online submission too (Art. 8.1a–c).
                        let back = self.resume_to.take().unwrap_or(self.step);
                        self.step = if back == Step::SubmittedOnline {
                            Step::ReceivedOnline
                        } else {
                            back
                        };
                        self.paused_at = None;
                        self.received_at = r.received_at;
                        self.transfer_due = r.transfer_due;
                        self.due = *due;
                        self.original_due = *due;
                        self.legal_due = Some(*due);
                    }
                    None => self.unpause(*due, *legal_due),
                }
            }
            Refused { reason } => {
                self.reason = Some(reason.clone());
                self.resume_to = None;
                self.paused_at = None;
                self.step = Step::Refused;
            }
            AcceptedTransferred { agency } => {
                self.agency = Some(agency.clone());
                self.transferred_at = Some(e.at);
                self.step = Step::AcceptedTransferred;
            }
            Assigned { officer } => {
                self.assignee = Some(officer.clone());
                self.step = Step::Assigned;
            }
            ConsultationRequested {
                agency,
                subject,
                deadline,
            } => {
                self.consultations.push(Consultation {
                    agency: agency.clone(),
                    subject: subject.clone(),
                    deadline: *deadline,
                    asked_at: e.at,
                    answer: None,
                    answered_at: None,
                });
                self.step = Step::Consulting;
            }
            ConsultationAnswered { agency, answer } => {
                if let Some(c) = self
                    .consultations
                    .iter_mut()
                    .find(|c| &c.agency == agency && c.answer.is_none())
                {
                    c.answer = Some(answer.clone());
                    c.answered_at = Some(e.at);
                }
                if self.consultations.iter().all(|c| c.answer.is_some()) {
                    self.step = if self.verification.is_some() {
                        Step::VerificationScheduled
                    } else {
                        Step::Assigned
                    };
                }
            }
            VerificationScheduled(v) => {
                self.verification = Some(v.clone());
                if self.step != Step::Consulting {
                    self.step = Step::VerificationScheduled;
                }
            }
            SubmittedForApproval => self.step = Step::AwaitingApproval,
            SentBack { .. } => self.step = Step::Assigned,
            Approved => self.step = Step::Approved,
            Rejected { reason } => {
                self.reason = Some(reason.clone());
                self.finished_at = Some(e.at);
                self.step = Step::Rejected;
            }
            ResultReady => {
                self.finished_at = Some(e.at);
                self.step = Step::ResultReady;
            }
            Returned { channel } => {
                self.returned_at = Some(e.at);
                self.return_channel = Some(*channel);
                self.step = Step::Returned;
            }
            FeeRequested { amount, .. } => {
                self.fees.requested = self.fees.requested.saturating_add(*amount);
                self.pause(Step::FeeRequested, e.at);
            }
            FeePaid {
                amount,
                due,
                legal_due,
            } => {
                self.fees.paid = self.fees.paid.saturating_add(*amount);
                // A fee paid without being asked for (at reception, the procedure's own) was
                // due and is paid: it does not count against fees asked for later.
                self.fees.requested = self.fees.requested.max(self.fees.paid);
                if let Some(due) = due {
                    self.unpause(*due, *legal_due);
                }
            }
            FeeRefunded { amount, .. } => {
                self.fees.refunded = self.fees.refunded.saturating_add(*amount)
            }
            Withdrawn { reason } => {
                self.reason = Some(reason.clone());
                self.resume_to = None;
                self.paused_at = None;
                self.step = Step::Withdrawn;
            }
            Stopped { reason } => {
                self.reason = Some(reason.clone());
                self.pause(Step::Stopped, e.at);
            }
            Resumed { due, legal_due } => {
                self.reason = None;
                self.unpause(*due, *legal_due);
            }
            Apologized {
                new_due,
                previous_due,
                ..
            } => {
                // The first apology fixes the legal due instant where the appointment stood.
                if self.apologies == 0 && self.legal_due.is_none() {
                    self.legal_due = Some(*previous_due);
                }
                self.apologies += 1;
                self.due = *new_due;
            }
        }
    }
}
