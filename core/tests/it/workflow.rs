//! The workflow state machine through every path of regulation Art. 8 and 10.

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use motcua_core::workflow::{
    Command, Dossier, Event, JointPart, MissingItem, Notice, Receipt, Verification, WorkflowError,
    receive,
};
use motcua_core::{
    AgencyCode, Calendar, Channel, Lang, Localized, NationalStatus, ProcessingTime, ReturnChannel,
    Step, Timeliness,
};
use proptest::prelude::*;

fn t(s: &str) -> DateTime<FixedOffset> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M").unwrap();
    FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .from_local_datetime(&naive)
        .unwrap()
}

fn agency(s: &str) -> AgencyCode {
    AgencyCode::parse(s).unwrap()
}

/// A dossier and the events that made it, driven command by command.
struct Case {
    cal: Calendar,
    events: Vec<Event>,
    d: Dossier,
}

impl Case {
    fn new(channel: Channel, at: &str, days: u32) -> Case {
        let cal = Calendar::vietnam_default();
        let e = receive(
            &cal,
            &Receipt {
                channel,
                submitted_at: t(at),
                processing_time: ProcessingTime::WorkingDays(days),
                by: "reception".into(),
            },
        )
        .unwrap();
        let d = Dossier::from_receipt(&e).unwrap();
        Case {
            cal,
            events: vec![e],
            d,
        }
    }

    fn try_do(&mut self, cmd: Command, at: &str) -> Result<(), WorkflowError> {
        let evs = self.d.decide(&self.cal, &cmd, t(at), "officer")?;
        for e in &evs {
            self.d.apply(e);
        }
        self.events.extend(evs);
        Ok(())
    }

    fn step(&mut self, cmd: Command, at: &str) -> &mut Self {
        let name = cmd.name();
        self.try_do(cmd, at)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        self
    }

    /// Art. 20.2: the officer drafts a supplement notice, the head approves it, the desk sends
    /// it — all at `at`.
    fn agency_supplement(&mut self, items: Vec<MissingItem>, at: &str) -> &mut Self {
        self.step(
            Command::DraftNotice {
                notice: Notice::Supplement { items },
            },
            at,
        );
        self.step(Command::Approve, at);
        self.step(Command::IssueNotice, at)
    }

    fn status(&self) -> u8 {
        self.d.national_status().code()
    }

    fn check_replay(&self) {
        assert_eq!(Dossier::replay(&self.events).unwrap(), self.d);
        let json = serde_json::to_string(&self.events).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, self.events);
    }
}

fn items() -> Vec<MissingItem> {
    vec![
        MissingItem {
            document: "Bản sao giấy khai sinh".into(),
            reason: "Chưa có trong hồ sơ".into(),
            guidance: "Nộp bản sao có chứng thực".into(),
        },
        MissingItem {
            document: "Tờ khai".into(),
            reason: "Thiếu chữ ký".into(),
            guidance: "Ký và ghi rõ họ tên".into(),
        },
    ]
}

#[test]
fn direct_dossier_through_consultation_verification_approval_and_return() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 5);
    assert_eq!(c.d.step, Step::ReceivedDirect);
    assert_eq!(c.status(), 2);
    assert_eq!(c.d.due, t("17/11/2025 08:00"));
    assert_eq!(c.d.transfer_due, t("11/11/2025 08:00"));

    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 09:00",
    );
    assert_eq!((c.d.step, c.status()), (Step::AcceptedTransferred, 2));
    c.step(
        Command::Assign {
            officer: "cb.tuphap".into(),
        },
        "10/11/2025 10:00",
    );
    assert_eq!(c.status(), 4);
    c.step(
        Command::Consult {
            agency: agency("000.00.13.H16"),
            subject: "Xác nhận nơi cư trú".into(),
            deadline: t("12/11/2025 17:00"),
        },
        "10/11/2025 14:00",
    );
    c.step(
        Command::Consult {
            agency: agency("000.00.14.H16"),
            subject: "Ý kiến về quy hoạch".into(),
            deadline: t("13/11/2025 17:00"),
        },
        "10/11/2025 14:05",
    );
    assert_eq!(c.d.step, Step::Consulting);
    assert_eq!(
        c.try_do(Command::SubmitForApproval, "11/11/2025 08:00"),
        Err(WorkflowError::ConsultationsPending(2))
    );
    c.step(
        Command::AnswerConsultation {
            agency: agency("000.00.13.H16"),
            answer: "Đúng".into(),
        },
        "11/11/2025 09:00",
    );
    assert_eq!(c.d.step, Step::Consulting);
    assert!(matches!(
        c.try_do(
            Command::AnswerConsultation {
                agency: agency("000.00.13.H16"),
                answer: "Lại".into()
            },
            "11/11/2025 09:30"
        ),
        Err(WorkflowError::NoSuchConsultation(_))
    ));
    c.step(
        Command::AnswerConsultation {
            agency: agency("000.00.14.H16"),
            answer: "Phù hợp".into(),
        },
        "11/11/2025 10:00",
    );
    assert_eq!(c.d.step, Step::Assigned);
    c.step(
        Command::ScheduleVerification(Verification {
            at: t("12/11/2025 09:00"),
            place: "Tại nhà người nộp".into(),
            participants: vec!["Cán bộ địa chính".into(), "Người nộp hồ sơ".into()],
            content: "Xác minh hiện trạng".into(),
        }),
        "11/11/2025 11:00",
    );
    assert_eq!((c.d.step, c.status()), (Step::VerificationScheduled, 4));
    c.step(Command::SubmitForApproval, "12/11/2025 14:00");
    c.step(
        Command::SendBack {
            reason: "Bổ sung biên bản xác minh".into(),
        },
        "12/11/2025 15:00",
    );
    assert_eq!(c.d.step, Step::Assigned);
    c.step(Command::SubmitForApproval, "12/11/2025 16:00");
    c.step(Command::Approve, "13/11/2025 08:00");
    assert_eq!((c.d.step, c.status()), (Step::Approved, 4));
    c.step(Command::MarkResultReady, "13/11/2025 10:00");
    assert_eq!(c.status(), 9);
    assert_eq!(c.d.timeliness(&c.cal), Some(Timeliness::Early));
    c.step(
        Command::Return {
            channel: ReturnChannel::Counter,
        },
        "14/11/2025 08:00",
    );
    assert_eq!(c.status(), 10);
    assert!(c.d.step.is_closed());
    c.check_replay();
}

#[test]
fn supplement_once_per_round_and_complete() {
    let mut c = Case::new(Channel::Online, "15/11/2025 21:00", 3);
    assert_eq!(c.status(), 1);
    // Received on a Saturday night: counts from Monday 07:00.
    assert_eq!(c.d.received_at, t("17/11/2025 07:00"));
    assert_eq!(c.d.due, t("19/11/2025 17:00"));

    assert_eq!(
        c.try_do(
            Command::RequestSupplement { items: vec![] },
            "17/11/2025 08:00"
        ),
        Err(WorkflowError::EmptySupplement)
    );
    let mut partial = items();
    partial[1].guidance = "  ".into();
    assert_eq!(
        c.try_do(
            Command::RequestSupplement { items: partial },
            "17/11/2025 08:00"
        ),
        Err(WorkflowError::SupplementItemIncomplete {
            index: 1,
            field: "guidance"
        })
    );
    c.step(
        Command::RequestSupplement { items: items() },
        "17/11/2025 08:00",
    );
    assert_eq!(c.status(), 5);
    assert!(c.d.national_status().pauses_clock());
    // Ask again in the same round: refused (Art. 8.1a "một lần").
    let e = c
        .try_do(
            Command::RequestSupplement { items: items() },
            "17/11/2025 09:00",
        )
        .unwrap_err();
    assert_eq!(
        e,
        WorkflowError::IllegalTransition {
            from: Step::SupplementRequested,
            command: "request_supplement"
        }
    );
    // The applicant supplements a day later, before any transfer: the dossier counts as received
    // then, with its whole three working days (Art. 8.1a–c).
    c.step(Command::Supplemented, "18/11/2025 08:00");
    assert_eq!(c.d.step, Step::ReceivedOnline, "complete: received");
    assert_eq!(c.d.round, 2);
    assert_eq!(c.d.received_at, t("18/11/2025 08:00"));
    assert_eq!(
        c.d.due,
        c.cal
            .due(t("18/11/2025 08:00"), ProcessingTime::WorkingDays(3))
            .unwrap()
    );
    // A new round may get its own complete request.
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "18/11/2025 09:00",
    );
    c.step(
        Command::Assign {
            officer: "cb".into(),
        },
        "18/11/2025 10:00",
    );
    c.agency_supplement(items(), "18/11/2025 11:00");
    assert_eq!(
        c.try_do(
            Command::RequestSupplement { items: items() },
            "18/11/2025 11:10"
        )
        .unwrap_err()
        .code(),
        "workflow.illegal_transition"
    );
    c.step(Command::Supplemented, "18/11/2025 13:30");
    assert_eq!(c.d.step, Step::Assigned);
    assert_eq!(c.d.round, 3);
    // Within one round, a second request after a supplement-free return is refused.
    c.check_replay();
}

#[test]
fn second_request_in_the_same_round_is_refused_even_after_moving_on() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 3);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Assign {
            officer: "cb".into(),
        },
        "10/11/2025 08:20",
    );
    c.step(
        Command::RequestFee {
            amount: 50_000,
            description: "Lệ phí".into(),
        },
        "10/11/2025 08:30",
    );
    c.step(
        Command::RecordFeePaid { amount: 50_000 },
        "10/11/2025 09:30",
    );
    c.agency_supplement(items(), "10/11/2025 10:00");
    c.step(Command::Supplemented, "10/11/2025 11:00");
    c.agency_supplement(items(), "10/11/2025 13:30");
    assert_eq!(c.d.round, 2);
    c.check_replay();
}

#[test]
fn refusal_needs_a_reason() {
    let mut c = Case::new(Channel::Postal, "10/11/2025 08:00", 3);
    assert_eq!(c.d.step, Step::ReceivedPostal);
    let e = c
        .try_do(Command::Refuse { reason: " ".into() }, "10/11/2025 09:00")
        .unwrap_err();
    assert_eq!(e, WorkflowError::ReasonRequired { command: "refuse" });
    assert!(e.message(Lang::Vi).contains("lý do"));
    c.step(
        Command::Refuse {
            reason: "Không thuộc thẩm quyền".into(),
        },
        "10/11/2025 09:00",
    );
    assert_eq!(c.status(), 3);
    assert_eq!(c.d.reason.as_deref(), Some("Không thuộc thẩm quyền"));
    assert!(
        c.try_do(
            Command::AcceptAndTransfer {
                agency: agency("000.00.12.H16")
            },
            "10/11/2025 10:00"
        )
        .is_err()
    );
    c.check_replay();
}

#[test]
fn rejection_after_processing_needs_a_reason_and_goes_back_by_post() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 2);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Assign {
            officer: "cb".into(),
        },
        "10/11/2025 08:20",
    );
    c.step(Command::SubmitForApproval, "11/11/2025 08:00");
    assert_eq!(
        c.try_do(Command::Reject { reason: "".into() }, "11/11/2025 09:00"),
        Err(WorkflowError::ReasonRequired { command: "reject" })
    );
    c.step(
        Command::Reject {
            reason: "Không đủ điều kiện theo Điều 5".into(),
        },
        "13/11/2025 09:00",
    );
    assert_eq!((c.d.step, c.status()), (Step::Rejected, 9));
    assert_eq!(c.d.timeliness(&c.cal), Some(Timeliness::Overdue));
    c.step(
        Command::Return {
            channel: ReturnChannel::Post,
        },
        "13/11/2025 10:00",
    );
    assert_eq!(c.status(), 10);
    assert_eq!(c.d.return_channel, Some(ReturnChannel::Post));
    c.check_replay();
}

#[test]
fn fees_pause_the_clock_and_refunds_follow_article_10_4() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 2);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Assign {
            officer: "cb".into(),
        },
        "10/11/2025 08:20",
    );
    assert_eq!(c.d.due, t("12/11/2025 08:00"));
    c.step(
        Command::RequestFee {
            amount: 100_000,
            description: "Lệ phí cấp giấy".into(),
        },
        "10/11/2025 09:00",
    );
    assert_eq!((c.d.step, c.status()), (Step::FeeRequested, 6));
    // A partial payment keeps the dossier waiting.
    c.step(
        Command::RecordFeePaid { amount: 40_000 },
        "10/11/2025 10:00",
    );
    assert_eq!(c.d.step, Step::FeeRequested);
    c.step(
        Command::RecordFeePaid { amount: 60_000 },
        "11/11/2025 09:00",
    );
    assert_eq!(c.d.step, Step::Assigned);
    assert_eq!(c.d.due, t("13/11/2025 08:00"));
    assert_eq!(c.d.fees.paid, 100_000);
    // The service was performed: no refund, even if the applicant never collects.
    c.step(Command::SubmitForApproval, "11/11/2025 10:00");
    c.step(Command::Approve, "11/11/2025 11:00");
    c.step(Command::MarkResultReady, "11/11/2025 14:00");
    assert_eq!(
        c.try_do(
            Command::RefundFee {
                amount: 100_000,
                reason: "Không đến nhận".into()
            },
            "20/11/2025 09:00"
        ),
        Err(WorkflowError::RefundNotOwed)
    );
    c.step(
        Command::Return {
            channel: ReturnChannel::Counter,
        },
        "20/11/2025 09:00",
    );
    assert_eq!(
        c.try_do(
            Command::RefundFee {
                amount: 1,
                reason: "x".into()
            },
            "20/11/2025 09:10"
        ),
        Err(WorkflowError::RefundNotOwed)
    );
    c.check_replay();
}

#[test]
fn stopped_dossier_is_refunded_and_cannot_resume() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 2);
    c.step(
        Command::RecordFeePaid { amount: 30_000 },
        "10/11/2025 08:05",
    );
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Stop {
            reason: "Chờ kết quả giải quyết tranh chấp".into(),
        },
        "10/11/2025 09:00",
    );
    assert_eq!(c.status(), 8);
    c.step(Command::Resume, "11/11/2025 09:00");
    assert_eq!(c.d.step, Step::AcceptedTransferred);
    assert_eq!(c.d.due, t("13/11/2025 08:00"));
    c.step(
        Command::Stop {
            reason: "Không thể giải quyết".into(),
        },
        "11/11/2025 10:00",
    );
    assert_eq!(
        c.try_do(
            Command::RefundFee {
                amount: 30_001,
                reason: "Không thực hiện được".into()
            },
            "11/11/2025 11:00"
        ),
        Err(WorkflowError::RefundTooLarge { refundable: 30_000 })
    );
    c.step(
        Command::RefundFee {
            amount: 30_000,
            reason: "Không thực hiện được".into(),
        },
        "11/11/2025 11:00",
    );
    assert_eq!(c.d.fees.refunded, 30_000);
    assert_eq!(
        c.try_do(Command::Resume, "12/11/2025 08:00"),
        Err(WorkflowError::ResumeAfterRefund)
    );
    assert_eq!(
        c.try_do(
            Command::RefundFee {
                amount: 1,
                reason: "lại".into()
            },
            "12/11/2025 08:00"
        ),
        Err(WorkflowError::RefundTooLarge { refundable: 0 })
    );
    c.check_replay();
}

#[test]
fn withdrawal_closes_and_allows_a_refund() {
    let mut c = Case::new(Channel::Online, "10/11/2025 08:00", 2);
    c.step(
        Command::RecordFeePaid { amount: 20_000 },
        "10/11/2025 08:05",
    );
    c.step(
        Command::RequestSupplement { items: items() },
        "10/11/2025 09:00",
    );
    assert_eq!(
        c.try_do(Command::Withdraw { reason: "".into() }, "10/11/2025 10:00"),
        Err(WorkflowError::ReasonRequired {
            command: "withdraw"
        })
    );
    c.step(
        Command::Withdraw {
            reason: "Không có nhu cầu".into(),
        },
        "10/11/2025 10:00",
    );
    assert_eq!(c.status(), 7);
    c.step(
        Command::RefundFee {
            amount: 20_000,
            reason: "Rút hồ sơ".into(),
        },
        "10/11/2025 10:05",
    );
    assert!(c.try_do(Command::Supplemented, "10/11/2025 11:00").is_err());
    c.check_replay();
}

#[test]
fn apology_moves_the_appointment_later_only_and_lateness_stays() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 1);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Assign {
            officer: "cb".into(),
        },
        "10/11/2025 08:20",
    );
    assert!(c.d.is_overdue(t("11/11/2025 09:00")));
    assert_eq!(
        c.try_do(
            Command::Apologize {
                reason: "Chờ xác minh".into(),
                new_due: t("11/11/2025 07:00")
            },
            "11/11/2025 09:00"
        ),
        Err(WorkflowError::NewDueNotLater)
    );
    c.step(
        Command::Apologize {
            reason: "Chờ xác minh".into(),
            new_due: t("14/11/2025 16:00"),
        },
        "11/11/2025 09:00",
    );
    assert_eq!(c.d.due, t("14/11/2025 16:00"));
    assert_eq!(c.d.original_due, t("11/11/2025 08:00"));
    assert_eq!(c.d.apologies, 1);
    // Art. 14.4 counts against the legal due instant: the apology (Mẫu 04) tells the applicant a
    // new appointment, it does not make a late dossier on time.
    assert_eq!(c.d.legal_due(), t("11/11/2025 08:00"));
    assert!(c.d.is_overdue(t("11/11/2025 09:00")));
    assert!(c.d.due_state().overdue_at(t("12/11/2025 09:00")));
    // A pause after the apology moves both by the paused working time.
    c.step(
        Command::Stop {
            reason: "Chờ kết quả xác minh của cơ quan khác".into(),
        },
        "11/11/2025 10:00",
    );
    c.step(Command::Resume, "12/11/2025 10:00");
    assert_eq!(c.d.due, t("17/11/2025 16:00"), "one working day later");
    assert_eq!(
        c.d.legal_due(),
        t("12/11/2025 08:00"),
        "one working day later too"
    );
    // Finished before the new appointment, after the legal due: late all the same.
    c.step(Command::SubmitForApproval, "13/11/2025 09:00");
    c.step(Command::Approve, "13/11/2025 10:00");
    c.step(Command::MarkResultReady, "13/11/2025 11:00");
    assert_eq!(
        c.d.timeliness(&c.cal),
        Some(motcua_core::Timeliness::Overdue)
    );
    c.check_replay();
}

/// Records kept before the legal due instant was stored read it from what they hold.
#[test]
fn a_stored_state_without_a_legal_due_reads_it_from_the_receipt() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 1);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:10",
    );
    c.step(
        Command::Apologize {
            reason: "Chờ xác minh".into(),
            new_due: t("14/11/2025 16:00"),
        },
        "11/11/2025 09:00",
    );
    let mut old = c.d.clone();
    old.legal_due = None;
    assert_eq!(old.legal_due(), old.original_due);
    assert!(old.is_overdue(t("11/11/2025 09:00")));
    // Events written before the legal due was kept replay to the same state.
    let json = serde_json::to_string(&c.events).unwrap();
    assert!(!json.contains("legal_due"), "kept apart only after a pause");
    assert_eq!(
        Dossier::replay(&c.events).unwrap().legal_due(),
        t("11/11/2025 08:00")
    );
}

#[test]
fn illegal_transitions_say_what_and_where() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 1);
    for cmd in [
        Command::Approve,
        Command::MarkResultReady,
        Command::Resume,
        Command::Supplemented,
        Command::SubmitForApproval,
    ] {
        let e = c.try_do(cmd.clone(), "10/11/2025 09:00").unwrap_err();
        assert_eq!(
            e,
            WorkflowError::IllegalTransition {
                from: Step::ReceivedDirect,
                command: cmd.name()
            }
        );
        assert!(e.message(Lang::Vi).contains("Đã tiếp nhận trực tiếp"));
        assert!(e.message(Lang::En).contains(cmd.name()));
    }
    assert_eq!(c.events.len(), 1, "a refused command writes nothing");
}

fn any_command() -> impl Strategy<Value = Command> {
    let a = prop_oneof![Just("000.00.12.H16"), Just("000.00.13.H16")].prop_map(agency);
    let text = prop_oneof![Just(String::new()), Just("lý do".to_owned())];
    prop_oneof![
        Just(Command::RequestSupplement { items: items() }),
        Just(Command::Supplemented),
        text.clone().prop_map(|reason| Command::Refuse { reason }),
        a.clone()
            .prop_map(|agency| Command::AcceptAndTransfer { agency }),
        Just(Command::Assign {
            officer: "cb".into()
        }),
        a.clone().prop_map(|agency| Command::Consult {
            agency,
            subject: "s".into(),
            deadline: t("31/12/2030 17:00")
        }),
        a.prop_map(|agency| Command::AnswerConsultation {
            agency,
            answer: "ok".into()
        }),
        Just(Command::ScheduleVerification(Verification {
            at: t("31/12/2030 09:00"),
            place: "p".into(),
            participants: vec!["a".into()],
            content: "c".into(),
        })),
        Just(Command::SubmitForApproval),
        text.clone().prop_map(|reason| Command::SendBack { reason }),
        Just(Command::Approve),
        text.clone().prop_map(|reason| Command::Reject { reason }),
        Just(Command::MarkResultReady),
        Just(Command::Return {
            channel: ReturnChannel::Online
        }),
        (0u64..3).prop_map(|k| Command::RequestFee {
            amount: k * 10_000,
            description: "phí".into()
        }),
        (0u64..3).prop_map(|k| Command::RecordFeePaid { amount: k * 10_000 }),
        (0u64..3).prop_map(|k| Command::RefundFee {
            amount: k * 10_000,
            reason: "r".into()
        }),
        text.clone().prop_map(|reason| Command::Withdraw { reason }),
        text.clone().prop_map(|reason| Command::Stop { reason }),
        Just(Command::Resume),
        Just(Command::ResolveAtOnce),
        Just(Command::DraftNotice {
            notice: Notice::Supplement { items: items() }
        }),
        text.prop_map(|reason| Command::DraftNotice {
            notice: Notice::Ineligible { reason }
        }),
        Just(Command::IssueNotice),
        Just(Command::TransferJoint {
            lead: agency("000.00.12.H16"),
            parts: vec![JointPart {
                agency: agency("000.00.13.H16"),
                task: "Xác nhận".into(),
                deadline: t("11/11/2025 17:00"),
                hand_to: None,
            }],
        }),
        Just(Command::CompleteJointTask {
            agency: agency("000.00.13.H16"),
            result: "Đã xác nhận".into(),
        }),
        (1i64..100).prop_map(|h| Command::Apologize {
            reason: "trễ".into(),
            new_due: t("01/01/2026 08:00") + Duration::hours(h)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever staff try, in any order: the state stays consistent with its events, closed
    /// dossiers stay closed, paused statuses keep a pause instant, and fees never go negative.
    #[test]
    fn any_command_sequence_keeps_the_invariants(
        channel in prop_oneof![Just(Channel::Direct), Just(Channel::Postal), Just(Channel::Online)],
        cmds in proptest::collection::vec(any_command(), 0..40),
    ) {
        let mut c = Case::new(channel, "10/11/2025 08:00", 3);
        let mut now = t("10/11/2025 08:00");
        for cmd in cmds {
            now += Duration::minutes(37);
            let before = c.d.step;
            let res = c.try_do(cmd.clone(), &now.format("%d/%m/%Y %H:%M").to_string());
            if before.is_closed() {
                let is_refund = matches!(cmd, Command::RefundFee { .. });
                prop_assert!(res.is_err() || is_refund);
                prop_assert_eq!(c.d.step, before);
            }
            let paused = c.d.national_status().pauses_clock();
            prop_assert_eq!(paused, c.d.paused_at.is_some(), "{:?}", c.d.step);
            prop_assert!(c.d.fees.refunded <= c.d.fees.paid);
            prop_assert!(NationalStatus::from_code(c.d.national_status().code()).is_some());
        }
        c.check_replay();
    }
}

#[test]
fn texts_are_kept_bounded_and_without_hidden_characters() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 3);
    // 243 KB reasons made one dossier 9.7 MB: now a reason is at most 2,000 characters.
    let long = "Chờ ý kiến. ".repeat(300);
    let e = c
        .try_do(Command::Refuse { reason: long }, "10/11/2025 09:00")
        .unwrap_err();
    assert_eq!(e.code(), "text.too_long");
    assert!(e.message(Lang::Vi).contains("2000"));
    // A right-to-left override, a NUL, a zero-width space: refused, with a reason.
    for hidden in ["Lý do \u{202E}ngược", "Lý do\0", "\u{200B}\u{200B}"] {
        let e = c
            .try_do(
                Command::Refuse {
                    reason: hidden.into(),
                },
                "10/11/2025 09:00",
            )
            .unwrap_err();
        assert_eq!(e.code(), "text.hidden_characters", "{hidden:?}");
    }
    // Fifty-one supplement items, or a participant list of 21, are too many.
    let e = c
        .try_do(
            Command::RequestSupplement {
                items: vec![items()[0].clone(); 51],
            },
            "10/11/2025 09:00",
        )
        .unwrap_err();
    assert_eq!(e.code(), "workflow.too_many_entries");
    // What is kept is NFC and trimmed (decomposed "ý" composed; runs of spaces folded).
    c.step(
        Command::Refuse {
            reason: "  Ly\u{301}   do  \n  thứ hai ".into(),
        },
        "10/11/2025 09:00",
    );
    assert_eq!(c.d.reason.as_deref(), Some("Lý do\nthứ hai"));
    c.check_replay();
}

proptest! {
    /// Whatever text a command carries, what it keeps is bounded and holds no control,
    /// direction-changing or zero-width character; `checked` never panics.
    #[test]
    fn checked_commands_keep_only_bounded_visible_text(reason in ".{0,2100}") {
        if let Ok(Command::Stop { reason: kept }) = (Command::Stop { reason }).checked() {
            prop_assert!(kept.chars().count() <= motcua_core::workflow::MAX_TEXT);
            prop_assert!(!kept.is_empty());
            let hidden = |c: char| {
                (c.is_control() && c != '\n' && c != '\t')
                    || ('\u{202A}'..='\u{202E}').contains(&c)
                    || ('\u{200B}'..='\u{200F}').contains(&c)
            };
            prop_assert!(!kept.chars().any(hidden));
        }
    }
}

/// Art. 8.1b: transferred within 8 working hours of the receipt; late at the desk while the clock
/// runs, and late for good once transferred after it.
#[test]
fn the_transfer_deadline_is_watched() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 1);
    let due = c.d.transfer_due;
    assert_eq!(due, t("11/11/2025 08:00"), "eight working hours later");
    assert!(!c.d.transfer_overdue_at(t("11/11/2025 08:00")));
    assert!(c.d.transfer_overdue_at(t("11/11/2025 08:01")));
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "11/11/2025 09:00",
    );
    assert!(!c.d.transfer_overdue_at(t("12/11/2025 09:00")));
    assert!(c.d.transferred_late());
}

/// Art. 8.1a–c: a dossier found incomplete at the desk is received when complete — its whole
/// processing time and its 8-hour transfer deadline run from then, not from what was left.
#[test]
fn a_supplement_at_the_desk_restarts_the_processing_time() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 5);
    assert_eq!(c.d.due, t("17/11/2025 08:00"));
    c.step(
        Command::RequestSupplement {
            items: vec![MissingItem {
                document: "Tờ khai".into(),
                reason: "Thiếu chữ ký".into(),
                guidance: "Ký và ghi rõ họ tên".into(),
            }],
        },
        "10/11/2025 09:00",
    );
    // Completed on Thursday at 14:00: received then, five working days from then.
    c.step(Command::Supplemented, "13/11/2025 14:00");
    assert_eq!(c.d.step, motcua_core::Step::ReceivedDirect);
    assert_eq!(c.d.received_at, t("13/11/2025 14:00"));
    assert_eq!(c.d.due, t("20/11/2025 14:00"));
    assert_eq!(c.d.original_due, c.d.due, "the new receipt's appointment");
    assert_eq!(c.d.transfer_due, t("14/11/2025 14:00"));
    assert!(!c.d.is_overdue(t("19/11/2025 09:00")));
    c.check_replay();
    // After the transfer a supplement only pauses the clock.
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 5);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:30",
    );
    c.step(
        Command::Assign {
            officer: "cv".into(),
        },
        "10/11/2025 09:00",
    );
    c.agency_supplement(
        vec![MissingItem {
            document: "Bản vẽ".into(),
            reason: "Thiếu".into(),
            guidance: "Nộp bản vẽ".into(),
        }],
        "11/11/2025 08:00",
    );
    c.step(Command::Supplemented, "13/11/2025 08:00");
    assert_eq!(c.d.received_at, t("10/11/2025 08:00"));
    assert_eq!(
        c.d.due,
        t("19/11/2025 08:00"),
        "moved by the two working days paused"
    );
}

/// Art. 8.2: "Trường hợp thủ tục hành chính có quy định phải trả kết quả giải quyết ngay sau khi
/// tiếp nhận, giải quyết … không phải lập Giấy tiếp nhận hồ sơ và hẹn ngày trả kết quả, nhưng
/// phải cập nhật tình hình, kết quả giải quyết vào Hệ thống". Settled at the desk: recorded as
/// ready and returned at that instant, on time, closed; only from reception.
#[test]
fn art_8_2_an_immediate_result_is_recorded_ready_and_returned_at_once() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 09:00", 1);
    c.step(Command::ResolveAtOnce, "10/11/2025 09:10");
    assert_eq!(c.d.step, Step::Returned);
    assert_eq!(c.d.finished_at, Some(t("10/11/2025 09:10")));
    assert_eq!(c.d.returned_at, Some(t("10/11/2025 09:10")));
    assert_eq!(c.d.return_channel, Some(ReturnChannel::Counter));
    assert!(!c.d.is_overdue(t("01/12/2025 09:00")));
    assert_eq!(c.status(), NationalStatus::Returned.code());
    c.check_replay();

    let mut later = Case::new(Channel::Direct, "10/11/2025 09:00", 1);
    later.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.10.H16"),
        },
        "10/11/2025 09:30",
    );
    assert!(matches!(
        later.try_do(Command::ResolveAtOnce, "10/11/2025 10:00"),
        Err(WorkflowError::IllegalTransition { .. })
    ));
}

/// Art. 10.1b: an agency asked for its opinion answers by the deadline it was given; an opinion
/// still awaited after it, or given after it, is late.
#[test]
fn art_10_1b_an_opinion_not_given_by_its_deadline_is_late() {
    let mut c = Case::new(Channel::Direct, "10/11/2025 09:00", 15);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.11.H16"),
        },
        "10/11/2025 09:30",
    )
    .step(
        Command::Assign {
            officer: "cv".into(),
        },
        "10/11/2025 10:00",
    );
    for (who, by) in [
        ("000.00.10.H16", "12/11/2025 17:00"),
        ("000.00.12.H16", "12/11/2025 17:00"),
    ] {
        c.step(
            Command::Consult {
                agency: agency(who),
                subject: "Xác nhận".into(),
                deadline: t(by),
            },
            "10/11/2025 11:00",
        );
    }
    c.step(
        Command::AnswerConsultation {
            agency: agency("000.00.10.H16"),
            answer: "Đồng ý".into(),
        },
        "12/11/2025 16:00",
    );
    let [on_time, awaited] = [&c.d.consultations[0], &c.d.consultations[1]];
    assert!(
        !on_time.late_at(t("20/11/2025 09:00")),
        "answered before its deadline"
    );
    assert!(!awaited.late_at(t("12/11/2025 16:59")));
    assert!(
        awaited.late_at(t("13/11/2025 08:00")),
        "still awaited after it"
    );
    c.step(
        Command::AnswerConsultation {
            agency: agency("000.00.12.H16"),
            answer: "Đồng ý".into(),
        },
        "13/11/2025 09:00",
    );
    assert!(
        c.d.consultations[1].late_at(t("13/11/2025 09:00")),
        "given after it: late for good"
    );
}

/// Fees (Art. 8, 10): paid at reception (the procedure's fees), or against fees asked for — in
/// part or in full, never more than is owed; a payment with nothing owed is refused.
#[test]
fn payments_are_recorded_at_reception_or_against_fees_asked_for() {
    let mut paid_at_desk = Case::new(Channel::Direct, "10/11/2025 09:00", 15);
    paid_at_desk.step(
        Command::RecordFeePaid { amount: 50_000 },
        "10/11/2025 09:05",
    );
    assert_eq!(paid_at_desk.d.fees.paid, 50_000);
    // What was paid at the desk does not count against what is asked for later.
    paid_at_desk
        .step(
            Command::AcceptAndTransfer {
                agency: agency("000.00.11.H16"),
            },
            "10/11/2025 09:30",
        )
        .step(
            Command::Assign {
                officer: "cv".into(),
            },
            "10/11/2025 10:00",
        )
        .step(
            Command::RequestFee {
                amount: 30_000,
                description: "Phí thẩm định".into(),
            },
            "10/11/2025 10:30",
        );
    assert_eq!(
        paid_at_desk.try_do(
            Command::RecordFeePaid { amount: 30_001 },
            "10/11/2025 11:00"
        ),
        Err(WorkflowError::PaymentTooLarge { owed: 30_000 })
    );
    paid_at_desk.step(Command::RecordFeePaid { amount: 1 }, "10/11/2025 11:00");
    assert_eq!(
        paid_at_desk.d.step,
        Step::FeeRequested,
        "one đồng of 30,000 does not settle the fee"
    );
    let mut c = Case::new(Channel::Direct, "10/11/2025 09:00", 15);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.11.H16"),
        },
        "10/11/2025 09:30",
    )
    .step(
        Command::Assign {
            officer: "cv".into(),
        },
        "10/11/2025 10:00",
    );
    assert_eq!(
        c.try_do(
            Command::RecordFeePaid {
                amount: 999_999_999
            },
            "10/11/2025 10:30"
        ),
        Err(WorkflowError::NothingOwed)
    );
    c.step(
        Command::RequestFee {
            amount: 100_000,
            description: "Lệ phí".into(),
        },
        "10/11/2025 11:00",
    );
    assert_eq!(
        c.try_do(
            Command::RecordFeePaid { amount: 100_001 },
            "10/11/2025 11:30"
        ),
        Err(WorkflowError::PaymentTooLarge { owed: 100_000 })
    );
    c.step(
        Command::RecordFeePaid { amount: 40_000 },
        "10/11/2025 11:30",
    );
    assert_eq!(c.d.step, Step::FeeRequested, "paid in part: still waiting");
    c.step(
        Command::RecordFeePaid { amount: 60_000 },
        "10/11/2025 14:00",
    );
    assert_eq!(
        c.d.step,
        Step::Assigned,
        "paid in full: the clock runs again"
    );
    assert_eq!(
        c.try_do(Command::RecordFeePaid { amount: 1 }, "10/11/2025 15:00"),
        Err(WorkflowError::NothingOwed)
    );
    c.check_replay();
}

/// Art. 8.1c: "thời điểm tiếp nhận hồ sơ trực tuyến là thời điểm hồ sơ được nhập vào hệ thống
/// và được thông báo hợp lệ" — an online dossier is received when the desk finds it valid (the
/// next working instant outside hours), its whole processing time from then; it is not
/// transferred before.
#[test]
fn art_8_1c_an_online_dossier_is_received_when_found_valid() {
    // Submitted on Saturday evening; the desk checks it on Tuesday at 10:00.
    let mut c = Case::new(Channel::Online, "08/11/2025 21:00", 3);
    assert_eq!(c.d.step, Step::SubmittedOnline);
    assert_eq!(c.status(), NationalStatus::Submitted.code());
    assert!(matches!(
        c.try_do(
            Command::AcceptAndTransfer {
                agency: agency("000.00.10.H16")
            },
            "11/11/2025 09:00"
        ),
        Err(WorkflowError::IllegalTransition { .. })
    ));
    c.step(Command::AcceptOnline, "11/11/2025 10:00");
    assert_eq!(c.d.step, Step::ReceivedOnline);
    assert_eq!(c.status(), NationalStatus::Received.code());
    assert_eq!(c.d.received_at, t("11/11/2025 10:00"));
    // Three working days from Tuesday 10:00: Friday 10:00.
    assert_eq!(c.d.due, t("14/11/2025 10:00"));
    assert_eq!(
        c.d.submitted_at,
        t("08/11/2025 21:00"),
        "the submission is kept"
    );
    assert!(matches!(
        c.try_do(Command::AcceptOnline, "11/11/2025 10:30"),
        Err(WorkflowError::IllegalTransition { .. })
    ));
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.10.H16"),
        },
        "11/11/2025 11:00",
    );
    c.check_replay();
    // Found valid outside working hours: received at the next working instant.
    let mut late = Case::new(Channel::Online, "10/11/2025 20:00", 3);
    late.step(Command::AcceptOnline, "10/11/2025 20:30");
    assert_eq!(late.d.received_at, t("11/11/2025 07:00"));
}

/// A dossier transferred and assigned, five working days, received Monday 10/11/2025 08:00.
fn assigned_case() -> Case {
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 5);
    c.step(
        Command::AcceptAndTransfer {
            agency: agency("000.00.12.H16"),
        },
        "10/11/2025 08:30",
    );
    c.step(
        Command::Assign {
            officer: "cv".into(),
        },
        "10/11/2025 09:00",
    );
    c
}

/// Art. 20.2: "Đối với hồ sơ cần bổ sung thêm hoặc không đáp ứng các điều kiện về thủ tục hành
/// chính, phải dự thảo văn bản thông báo trình lãnh đạo cơ quan duyệt và chuyển Bộ phận Tiếp nhận
/// và Trả kết quả để thông báo cho các tổ chức, cá nhân liên quan" — the officer cannot ask the
/// applicant directly; the draft goes to the head, then to the desk, and the clock stands only
/// once the desk has sent it.
#[test]
fn art_20_2_a_supplement_notice_is_drafted_approved_then_sent_by_the_desk() {
    let mut c = assigned_case();
    let e = c
        .try_do(
            Command::RequestSupplement { items: items() },
            "10/11/2025 10:00",
        )
        .unwrap_err();
    assert_eq!(e, WorkflowError::NoticeNeedsApproval);
    assert!(e.message(Lang::Vi).contains("Điều 20.2"));
    // Drafted: with the head, the clock still running.
    c.step(
        Command::DraftNotice {
            notice: Notice::Supplement { items: items() },
        },
        "10/11/2025 10:00",
    );
    assert_eq!(c.d.step, Step::AwaitingApproval);
    assert_eq!(c.status(), 4);
    assert!(c.d.paused_at.is_none());
    assert_eq!(
        c.try_do(Command::IssueNotice, "10/11/2025 10:05")
            .unwrap_err()
            .code(),
        "workflow.illegal_transition",
        "not before the head approves"
    );
    // Sent back: the officer takes it up again; a new draft, approved this time.
    c.step(
        Command::SendBack {
            reason: "Ghi rõ căn cứ".into(),
        },
        "10/11/2025 10:30",
    );
    assert_eq!(c.d.step, Step::Assigned);
    assert!(c.d.notice.is_none());
    c.step(
        Command::DraftNotice {
            notice: Notice::Supplement { items: items() },
        },
        "10/11/2025 11:00",
    );
    c.step(Command::Approve, "10/11/2025 14:00");
    assert_eq!(c.d.step, Step::NoticeApproved);
    assert_eq!(
        c.status(),
        4,
        "still processing until the applicant is told"
    );
    assert!(c.d.paused_at.is_none());
    // The desk sends it on Tuesday at 08:00: the clock stands from then.
    c.step(Command::IssueNotice, "11/11/2025 08:00");
    assert_eq!(c.status(), 5);
    assert_eq!(c.d.paused_at, Some(t("11/11/2025 08:00")));
    assert_eq!(c.d.supplement, items());
    assert!(c.d.notice.is_none());
    // Asked once in this round, through any path.
    assert_eq!(
        c.try_do(
            Command::RequestSupplement { items: items() },
            "11/11/2025 09:00"
        )
        .unwrap_err()
        .code(),
        "workflow.illegal_transition"
    );
    c.step(Command::Supplemented, "13/11/2025 08:00");
    assert_eq!(c.d.step, Step::Assigned, "back to the officer");
    assert_eq!(c.d.due, t("19/11/2025 08:00"), "two working days stood");
    assert_eq!(
        c.try_do(
            Command::DraftNotice {
                notice: Notice::Supplement { items: items() }
            },
            "13/11/2025 09:00"
        )
        .map(|_| c.d.step),
        Ok(Step::AwaitingApproval),
        "a new round may get its own request"
    );
    c.check_replay();
}

/// Art. 20.2 and 10.2: an ineligibility notice is drafted with its written reason, approved by
/// the head — then it is the decision — and handed to the applicant by the desk.
#[test]
fn art_20_2_an_ineligibility_notice_is_approved_by_the_head_and_returned_by_the_desk() {
    let mut c = assigned_case();
    assert_eq!(
        c.try_do(
            Command::DraftNotice {
                notice: Notice::Ineligible { reason: " ".into() }
            },
            "10/11/2025 10:00"
        ),
        Err(WorkflowError::ReasonRequired {
            command: "draft_notice"
        })
    );
    c.step(
        Command::DraftNotice {
            notice: Notice::Ineligible {
                reason: "Thửa đất đang có tranh chấp".into(),
            },
        },
        "10/11/2025 10:00",
    );
    assert_eq!(c.d.step, Step::AwaitingApproval);
    assert!(c.d.finished_at.is_none());
    c.step(Command::Approve, "10/11/2025 15:00");
    assert_eq!(c.d.step, Step::Rejected);
    assert_eq!(c.status(), 9);
    assert_eq!(c.d.reason.as_deref(), Some("Thửa đất đang có tranh chấp"));
    assert_eq!(c.d.finished_at, Some(t("10/11/2025 15:00")));
    assert_eq!(
        c.try_do(Command::IssueNotice, "10/11/2025 15:10")
            .unwrap_err()
            .code(),
        "workflow.illegal_transition"
    );
    c.step(
        Command::Return {
            channel: ReturnChannel::Counter,
        },
        "11/11/2025 08:00",
    );
    assert_eq!(c.status(), 10);
    c.check_replay();
}

/// Opinions asked before a notice was drafted may still come in while it is with the head; the
/// dossier then goes back to the officer, not to waiting for opinions.
#[test]
fn art_10_1b_an_opinion_may_arrive_while_a_notice_is_with_the_head() {
    let mut c = assigned_case();
    c.step(
        Command::Consult {
            agency: agency("000.00.13.H16"),
            subject: "Quy hoạch".into(),
            deadline: t("12/11/2025 17:00"),
        },
        "10/11/2025 09:30",
    );
    c.step(
        Command::DraftNotice {
            notice: Notice::Supplement { items: items() },
        },
        "10/11/2025 10:00",
    );
    c.step(
        Command::AnswerConsultation {
            agency: agency("000.00.13.H16"),
            answer: "Phù hợp quy hoạch".into(),
        },
        "10/11/2025 11:00",
    );
    assert_eq!(c.d.step, Step::AwaitingApproval);
    c.step(
        Command::SendBack {
            reason: "Không cần bổ sung".into(),
        },
        "10/11/2025 14:00",
    );
    assert_eq!(c.d.step, Step::Assigned);
    c.step(Command::SubmitForApproval, "10/11/2025 15:00");
    c.check_replay();
}

fn joint_parts() -> Vec<JointPart> {
    vec![
        JointPart {
            agency: agency("000.00.13.H16"),
            task: "Xác định nghĩa vụ tài chính".into(),
            deadline: t("12/11/2025 17:00"),
            hand_to: Some(agency("000.00.14.H16")),
        },
        JointPart {
            agency: agency("000.00.14.H16"),
            task: "Thông báo thuế".into(),
            deadline: t("14/11/2025 17:00"),
            hand_to: None,
        },
    ]
}

/// Art. 10.1d: "chuyển hồ sơ điện tử đến tất cả các cơ quan tham gia giải quyết, trong đó ghi
/// rõ cơ quan chủ trì, trách nhiệm, nội dung công việc, thời hạn trả kết quả của từng cơ quan" —
/// each participating agency does its part by its deadline and hands its result on to the agency
/// that needs it; the lead decides only once every part is done.
#[test]
fn art_10_1d_a_joint_dossier_names_its_lead_and_each_agency_s_task_and_deadline() {
    let lead = agency("000.00.12.H16");
    let mut c = Case::new(Channel::Direct, "10/11/2025 08:00", 10);
    // Named twice, or the lead as a participant: refused.
    let mut twice = joint_parts();
    twice[1].agency = agency("000.00.13.H16");
    assert_eq!(
        c.try_do(
            Command::TransferJoint {
                lead: lead.clone(),
                parts: twice
            },
            "10/11/2025 08:30"
        ),
        Err(WorkflowError::JointAgencyTwice(agency("000.00.13.H16")))
    );
    let mut to_self = joint_parts();
    to_self[0].hand_to = Some(agency("000.00.13.H16"));
    assert_eq!(
        c.try_do(
            Command::TransferJoint {
                lead: lead.clone(),
                parts: to_self
            },
            "10/11/2025 08:30"
        ),
        Err(WorkflowError::JointHandTo(agency("000.00.13.H16")))
    );
    let mut too_late = joint_parts();
    too_late[1].deadline = t("30/11/2025 17:00");
    assert_eq!(
        c.try_do(
            Command::TransferJoint {
                lead: lead.clone(),
                parts: too_late
            },
            "10/11/2025 08:30"
        ),
        Err(WorkflowError::JointDeadlineAfterDue)
    );
    assert_eq!(
        c.try_do(
            Command::TransferJoint {
                lead: lead.clone(),
                parts: vec![]
            },
            "10/11/2025 08:30"
        ),
        Err(WorkflowError::FieldRequired("parts"))
    );
    c.step(
        Command::TransferJoint {
            lead: lead.clone(),
            parts: joint_parts(),
        },
        "10/11/2025 08:30",
    );
    assert_eq!(c.d.agency.as_ref(), Some(&lead));
    assert_eq!(c.d.transferred_at, Some(t("10/11/2025 08:30")));
    assert_eq!(c.d.joint.len(), 2);
    assert_eq!(c.d.joint[1].hand_to, lead, "to the lead when none is named");
    c.step(
        Command::Assign {
            officer: "cv".into(),
        },
        "10/11/2025 09:00",
    );
    assert_eq!(
        c.try_do(Command::SubmitForApproval, "10/11/2025 10:00"),
        Err(WorkflowError::JointTasksPending(2))
    );
    c.step(
        Command::CompleteJointTask {
            agency: agency("000.00.13.H16"),
            result: "Số tiền sử dụng đất: 12.000.000 đồng".into(),
        },
        "12/11/2025 16:00",
    );
    assert!(!c.d.joint[0].late_at(t("20/11/2025 08:00")));
    assert!(
        c.d.joint[1].late_at(t("14/11/2025 17:01")),
        "awaited after it"
    );
    assert_eq!(
        c.try_do(
            Command::CompleteJointTask {
                agency: agency("000.00.13.H16"),
                result: "lần hai".into()
            },
            "12/11/2025 16:30"
        ),
        Err(WorkflowError::NoSuchJointTask(agency("000.00.13.H16")))
    );
    c.step(
        Command::CompleteJointTask {
            agency: agency("000.00.14.H16"),
            result: "Đã ra thông báo thuế".into(),
        },
        "17/11/2025 09:00",
    );
    assert!(c.d.joint[1].late_at(t("17/11/2025 09:00")), "done after it");
    c.step(Command::SubmitForApproval, "17/11/2025 10:00");
    c.step(Command::Approve, "17/11/2025 11:00");
    assert_eq!(c.d.step, Step::Approved);
    c.check_replay();
}
