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

/// A notice the handling agency sends the applicant through the one-stop desk (Art. 20.2): the
/// officer drafts it, the agency head approves it, the desk sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Ask for what is missing, once and completely (Mẫu 02).
    Supplement { items: Vec<MissingItem> },
    /// The dossier does not meet the conditions: the written reason (Art. 10.2).
    Ineligible { reason: String },
}

/// A drafted notice on its way (Art. 20.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingNotice {
    pub notice: Notice,
    pub drafted_at: Instant,
    pub drafted_by: String,
    /// The step the dossier goes back to when the head sends the draft back, or after the
    /// supplement it asks for.
    pub back_to: Step,
    pub approved_at: Option<Instant>,
}

/// A participating agency's part of a joint dossier (liên thông, Art. 10.1d): its task, its
/// deadline, and the agency its result goes to for the next steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointTask {
    pub agency: AgencyCode,
    pub task: String,
    pub deadline: Instant,
    pub hand_to: AgencyCode,
    pub result: Option<String>,
    pub done_at: Option<Instant>,
}

impl JointTask {
    /// Not done by its deadline (still awaited after it, or done after it).
    pub fn late_at(&self, now: Instant) -> bool {
        match self.done_at {
            Some(done) => done > self.deadline,
            None => now > self.deadline,
        }
    }
}

/// One participating agency as the desk names it when it sends a joint dossier (Art. 10.1d);
/// its result goes to `hand_to`, or to the lead agency when none is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointPart {
    pub agency: AgencyCode,
    pub task: String,
    pub deadline: Instant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_to: Option<AgencyCode>,
}

/// The most participating agencies of one joint dossier.
pub const MAX_JOINT_PARTS: usize = 20;

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
    /// Art. 20.2: the officer drafts a supplement or ineligibility notice for the head.
    DraftNotice { notice: Notice },
    /// Art. 20.2: the desk sends the supplement notice the head approved.
    IssueNotice,
    /// Art. 10.1d: accept and send a joint (liên thông) dossier to its lead agency and to every
    /// participating agency, each with its task and deadline.
    TransferJoint {
        lead: AgencyCode,
        parts: Vec<JointPart>,
    },
    /// A participating agency records its result, handed on to the agency that needs it.
    CompleteJointTask { agency: AgencyCode, result: String },
}

/// The longest reason, answer, content or guidance a command carries (characters).
pub const MAX_TEXT: usize = 2000;
/// The longest short field: a document's name, a place, a participant (characters).
pub const MAX_SHORT_TEXT: usize = 300;
/// The most items one supplement request lists.
pub const MAX_SUPPLEMENT_ITEMS: usize = 50;
/// The most participants of one verification.
pub const MAX_PARTICIPANTS: usize = 20;

/// A supplement request's items as kept, each complete and bounded.
fn checked_items(items: &[MissingItem]) -> Result<Vec<MissingItem>, WorkflowError> {
    if items.len() > MAX_SUPPLEMENT_ITEMS {
        return Err(WorkflowError::TooMany {
            field: "items",
            max: MAX_SUPPLEMENT_ITEMS,
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for (index, it) in items.iter().enumerate() {
        let incomplete = |field| WorkflowError::SupplementItemIncomplete { index, field };
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
    Ok(out)
}

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
            RequestSupplement { items } => RequestSupplement {
                items: checked_items(items)?,
            },
            DraftNotice {
                notice: Notice::Supplement { items },
            } => DraftNotice {
                notice: Notice::Supplement {
                    items: checked_items(items)?,
                },
            },
            DraftNotice {
                notice: Notice::Ineligible { reason },
            } => DraftNotice {
                notice: Notice::Ineligible {
                    reason: reason_(reason)?,
                },
            },
            TransferJoint { lead, parts } => {
                if parts.len() > MAX_JOINT_PARTS {
                    return Err(WorkflowError::TooMany {
                        field: "parts",
                        max: MAX_JOINT_PARTS,
                    });
                }
                TransferJoint {
                    lead: lead.clone(),
                    parts: parts
                        .iter()
                        .map(|p| {
                            Ok(JointPart {
                                task: long(&p.task, "task")?,
                                ..p.clone()
                            })
                        })
                        .collect::<Result<_, WorkflowError>>()?,
                }
            }
            CompleteJointTask { agency, result } => CompleteJointTask {
                agency: agency.clone(),
                result: long(result, "result")?,
            },
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
            Command::DraftNotice { .. } => "draft_notice",
            Command::IssueNotice => "issue_notice",
            Command::TransferJoint { .. } => "transfer_joint",
            Command::CompleteJointTask { .. } => "complete_joint_task",
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
    /// Art. 20.2: a notice drafted for the head's approval.
    NoticeDrafted {
        notice: Notice,
    },
    /// Art. 20.2: the head approved the drafted notice (an ineligibility notice is the
    /// rejection; a supplement notice goes to the desk to send).
    NoticeApproved,
    /// Art. 10.1d: sent to the lead agency and the participating agencies.
    TransferredJoint {
        lead: AgencyCode,
        tasks: Vec<JointTask>,
    },
    /// A participating agency's result, handed on.
    JointTaskDone {
        agency: AgencyCode,
        result: String,
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
            NoticeDrafted { .. } => (
                "Dự thảo thông báo, trình lãnh đạo duyệt",
                "Notice drafted for approval",
            ),
            NoticeApproved => ("Lãnh đạo duyệt thông báo", "Notice approved"),
            TransferredJoint { .. } => (
                "Chuyển các cơ quan giải quyết liên thông",
                "Sent to the joint agencies",
            ),
            JointTaskDone { .. } => (
                "Cơ quan phối hợp hoàn thành phần việc",
                "Joint agency's part done",
            ),
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
    #[error(
        "at the handling agency a supplement or ineligibility notice is drafted by the officer, approved by the head and sent by the desk (Art. 20.2): draft it"
    )]
    NoticeNeedsApproval,
    #[error("{0} joint agency task(s) are still unfinished")]
    JointTasksPending(usize),
    #[error("no unfinished joint task of agency {0}")]
    NoSuchJointTask(AgencyCode),
    #[error("agency {0} is named twice, or is the lead agency")]
    JointAgencyTwice(AgencyCode),
    #[error("the result of agency {0} must go to the lead or to another participating agency")]
    JointHandTo(AgencyCode),
    #[error("a joint task's deadline must not be after the dossier's due date")]
    JointDeadlineAfterDue,
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
            NoticeNeedsApproval => "workflow.notice_needs_approval",
            JointTasksPending(_) => "workflow.joint_tasks_pending",
            NoSuchJointTask(_) => "workflow.no_such_joint_task",
            JointAgencyTwice(_) => "workflow.joint_agency_twice",
            JointHandTo(_) => "workflow.joint_hand_to",
            JointDeadlineAfterDue => "workflow.joint_deadline",
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
            NoticeNeedsApproval => "Tại cơ quan giải quyết, thông báo bổ sung hoặc không đủ điều kiện do cán bộ dự thảo, lãnh đạo duyệt và Bộ phận Một cửa gửi (Điều 20.2): hãy dự thảo thông báo.".into(),
            JointTasksPending(n) => format!("Còn {n} cơ quan phối hợp chưa hoàn thành phần việc liên thông."),
            NoSuchJointTask(a) => format!("Cơ quan {a} không có phần việc liên thông nào đang chờ."),
            JointAgencyTwice(a) => format!("Cơ quan {a} được ghi hai lần, hoặc trùng với cơ quan chủ trì."),
            JointHandTo(a) => format!("Kết quả của cơ quan {a} phải chuyển cho cơ quan chủ trì hoặc một cơ quan phối hợp khác."),
            JointDeadlineAfterDue => "Thời hạn của cơ quan phối hợp không được sau ngày hẹn trả kết quả của hồ sơ.".into(),
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
        "draft_notice" => "dự thảo thông báo",
        "issue_notice" => "gửi thông báo",
        "transfer_joint" => "chuyển liên thông",
        "complete_joint_task" => "hoàn thành phần việc liên thông",
        "accept_online" => "tiếp nhận hồ sơ trực tuyến",
        "resolve_at_once" => "giải quyết, trả ngay",
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
    /// A notice drafted by the officer, before the head and the desk (Art. 20.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<PendingNotice>,
    /// A joint (liên thông) dossier's participating agencies and their tasks (Art. 10.1d).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint: Vec<JointTask>,
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
            notice: None,
            joint: Vec::new(),
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
            AcceptedTransferred
                | Assigned
                | Consulting
                | VerificationScheduled
                | AwaitingApproval
                | NoticeApproved
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
            // At reception the desk asks itself (Art. 8.1a); once transferred, the agency's
            // request goes through its head and back through the desk (Art. 20.2).
            Command::RequestSupplement { items } => {
                if matches!(
                    step,
                    AcceptedTransferred | Assigned | Consulting | VerificationScheduled
                ) {
                    return Err(WorkflowError::NoticeNeedsApproval);
                }
                if !reception {
                    return Err(self.illegal(cmd));
                }
                self.check_supplement(items)?;
                EventKind::SupplementRequested {
                    items: items.clone(),
                }
            }
            Command::DraftNotice { notice } => {
                if !matches!(step, Assigned | Consulting | VerificationScheduled) {
                    return Err(self.illegal(cmd));
                }
                match notice {
                    Notice::Supplement { items } => self.check_supplement(items)?,
                    Notice::Ineligible { reason: r } => reason(r, cmd.name())?,
                }
                EventKind::NoticeDrafted {
                    notice: notice.clone(),
                }
            }
            Command::IssueNotice => {
                let Some(PendingNotice {
                    notice: Notice::Supplement { items },
                    ..
                }) = &self.notice
                else {
                    return Err(self.illegal(cmd));
                };
                if step != NoticeApproved {
                    return Err(self.illegal(cmd));
                }
                EventKind::SupplementRequested {
                    items: items.clone(),
                }
            }
            Command::TransferJoint { lead, parts } => {
                if !reception || step == SubmittedOnline {
                    return Err(self.illegal(cmd));
                }
                if parts.is_empty() {
                    return Err(WorkflowError::FieldRequired("parts"));
                }
                let mut named = vec![lead];
                for p in parts {
                    if named.contains(&&p.agency) {
                        return Err(WorkflowError::JointAgencyTwice(p.agency.clone()));
                    }
                    named.push(&p.agency);
                }
                let mut tasks = Vec::with_capacity(parts.len());
                for p in parts {
                    required(&p.task, "task")?;
                    let deadline = checked(p.deadline)?;
                    if deadline <= at {
                        return Err(WorkflowError::DeadlineNotAfter);
                    }
                    // Within the dossier's time (a dossier already late gets what it needs).
                    if deadline > self.legal_due() && self.legal_due() > at {
                        return Err(WorkflowError::JointDeadlineAfterDue);
                    }
                    let hand_to = p.hand_to.clone().unwrap_or_else(|| lead.clone());
                    if hand_to == p.agency || !named.contains(&&hand_to) {
                        return Err(WorkflowError::JointHandTo(p.agency.clone()));
                    }
                    tasks.push(JointTask {
                        agency: p.agency.clone(),
                        task: p.task.clone(),
                        deadline: cal.in_zone(deadline),
                        hand_to,
                        result: None,
                        done_at: None,
                    });
                }
                EventKind::TransferredJoint {
                    lead: lead.clone(),
                    tasks,
                }
            }
            Command::CompleteJointTask { agency, result } => {
                if self.agency.is_none() || !self.is_open() {
                    return Err(self.illegal(cmd));
                }
                required(result, "result")?;
                if !self
                    .joint
                    .iter()
                    .any(|j| &j.agency == agency && j.result.is_none())
                {
                    return Err(WorkflowError::NoSuchJointTask(agency.clone()));
                }
                EventKind::JointTaskDone {
                    agency: agency.clone(),
                    result: result.clone(),
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
                // Awaited opinions may come in while a notice is on its way or the clock stands.
                if self.agency.is_none() || !self.is_open() {
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
                let joint = self.joint.iter().filter(|j| j.result.is_none()).count();
                if joint > 0 {
                    return Err(WorkflowError::JointTasksPending(joint));
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
                if self.notice.is_some() {
                    EventKind::NoticeApproved
                } else {
                    EventKind::Approved
                }
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

    /// A supplement request is complete, and the first of its round (Art. 8.1a: once, fully).
    fn check_supplement(&self, items: &[MissingItem]) -> Result<(), WorkflowError> {
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
        Ok(())
    }

    /// Where a dossier at `Consulting` goes once every opinion is in.
    fn after_consulting(&self) -> Step {
        if self.verification.is_some() {
            Step::VerificationScheduled
        } else {
            Step::Assigned
        }
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
                // Sent by the desk for the agency (Art. 20.2): back to the officer after it.
                let back = match self.notice.take() {
                    Some(n) if self.step == Step::NoticeApproved => Some(n.back_to),
                    _ => None,
                };
                self.pause(Step::SupplementRequested, e.at);
                if back.is_some() {
                    self.resume_to = back;
                }
            }
            NoticeDrafted { notice } => {
                self.notice = Some(PendingNotice {
                    notice: notice.clone(),
                    drafted_at: e.at,
                    drafted_by: e.by.clone(),
                    back_to: self.step,
                    approved_at: None,
                });
                self.step = Step::AwaitingApproval;
            }
            NoticeApproved => {
                if let Some(n) = &mut self.notice {
                    n.approved_at = Some(e.at);
                    match &n.notice {
                        Notice::Supplement { .. } => self.step = Step::NoticeApproved,
                        Notice::Ineligible { reason } => {
                            self.reason = Some(reason.clone());
                            self.finished_at = Some(e.at);
                            self.step = Step::Rejected;
                            self.notice = None;
                        }
                    }
                }
            }
            TransferredJoint { lead, tasks } => {
                self.agency = Some(lead.clone());
                self.transferred_at = Some(e.at);
                self.joint = tasks.clone();
                self.step = Step::AcceptedTransferred;
            }
            JointTaskDone { agency, result } => {
                if let Some(j) = self
                    .joint
                    .iter_mut()
                    .find(|j| &j.agency == agency && j.result.is_none())
                {
                    j.result = Some(result.clone());
                    j.done_at = Some(e.at);
                }
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
                    // Back from waiting for opinions — now, or when a pause or a notice ends.
                    let next = self.after_consulting();
                    if self.step == Step::Consulting {
                        self.step = next;
                    }
                    if self.resume_to == Some(Step::Consulting) {
                        self.resume_to = Some(next);
                    }
                    if let Some(n) = &mut self.notice {
                        if n.back_to == Step::Consulting {
                            n.back_to = next;
                        }
                    }
                }
            }
            VerificationScheduled(v) => {
                self.verification = Some(v.clone());
                if self.step != Step::Consulting {
                    self.step = Step::VerificationScheduled;
                }
            }
            SubmittedForApproval => self.step = Step::AwaitingApproval,
            SentBack { .. } => {
                // A drafted notice sent back: the officer takes it up where it was drafted.
                self.step = match self.notice.take() {
                    Some(n) => n.back_to,
                    None => Step::Assigned,
                };
            }
            Approved => self.step = Step::Approved,
            Rejected { reason } => {
                self.notice = None;
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
