//! Statuses: the ten national codes the National Public Service Portal syncs (TrangThaiHoSo), and
//! the finer internal steps of regulation Art. 8 and 10, each mapped to exactly one national code.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A national dossier status, codes 1 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum NationalStatus {
    /// 1 Mới đăng ký: submitted online, not yet accepted.
    Submitted = 1,
    /// 2 Được tiếp nhận.
    Received = 2,
    /// 3 Không được tiếp nhận.
    NotAccepted = 3,
    /// 4 Đang xử lý.
    Processing = 4,
    /// 5 Yêu cầu bổ sung giấy tờ: clock paused.
    SupplementRequired = 5,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính: clock paused.
    FinancialObligation = 6,
    /// 7 Công dân yêu cầu rút hồ sơ.
    Withdrawn = 7,
    /// 8 Dừng xử lý: clock paused.
    Stopped = 8,
    /// 9 Đã xử lý xong.
    Done = 9,
    /// 10 Đã trả kết quả.
    Returned = 10,
}

impl NationalStatus {
    pub const ALL: [NationalStatus; 10] = [
        NationalStatus::Submitted,
        NationalStatus::Received,
        NationalStatus::NotAccepted,
        NationalStatus::Processing,
        NationalStatus::SupplementRequired,
        NationalStatus::FinancialObligation,
        NationalStatus::Withdrawn,
        NationalStatus::Stopped,
        NationalStatus::Done,
        NationalStatus::Returned,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get((code as usize).wrapping_sub(1)).copied()
    }

    /// The official label (Vietnamese) or its English translation.
    pub fn label(self, lang: Lang) -> &'static str {
        use NationalStatus::*;
        match (self, lang) {
            (Submitted, Lang::Vi) => "Mới đăng ký",
            (Received, Lang::Vi) => "Được tiếp nhận",
            (NotAccepted, Lang::Vi) => "Không được tiếp nhận",
            (Processing, Lang::Vi) => "Đang xử lý",
            (SupplementRequired, Lang::Vi) => "Yêu cầu bổ sung giấy tờ",
            (FinancialObligation, Lang::Vi) => "Yêu cầu thực hiện nghĩa vụ tài chính",
            (Withdrawn, Lang::Vi) => "Công dân yêu cầu rút hồ sơ",
            (Stopped, Lang::Vi) => "Dừng xử lý",
            (Done, Lang::Vi) => "Đã xử lý xong",
            (Returned, Lang::Vi) => "Đã trả kết quả",
            (Submitted, Lang::En) => "Newly submitted",
            (Received, Lang::En) => "Received",
            (NotAccepted, Lang::En) => "Not accepted",
            (Processing, Lang::En) => "Being processed",
            (SupplementRequired, Lang::En) => "Supplement required",
            (FinancialObligation, Lang::En) => "Fees or taxes due",
            (Withdrawn, Lang::En) => "Withdrawn by the applicant",
            (Stopped, Lang::En) => "Processing stopped",
            (Done, Lang::En) => "Processed",
            (Returned, Lang::En) => "Result returned",
        }
    }

    /// Whether the legal clock stands still in this status (waiting for the applicant).
    pub fn pauses_clock(self) -> bool {
        matches!(
            self,
            NationalStatus::SupplementRequired
                | NationalStatus::FinancialObligation
                | NationalStatus::Stopped
        )
    }
}

impl From<NationalStatus> for u8 {
    fn from(s: NationalStatus) -> u8 {
        s.code()
    }
}

impl TryFrom<u8> for NationalStatus {
    type Error = String;
    fn try_from(c: u8) -> Result<Self, String> {
        NationalStatus::from_code(c).ok_or_else(|| format!("unknown national status code {c}"))
    }
}

/// How a dossier was submitted (regulation Art. 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the one-stop desk.
    Direct,
    /// Through the public postal service.
    Postal,
    /// On the online portal.
    Online,
}

impl Channel {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Channel::Direct, Lang::Vi) => "Trực tiếp",
            (Channel::Postal, Lang::Vi) => "Qua bưu chính công ích",
            (Channel::Online, Lang::Vi) => "Trực tuyến",
            (Channel::Direct, Lang::En) => "In person",
            (Channel::Postal, Lang::En) => "By post",
            (Channel::Online, Lang::En) => "Online",
        }
    }
}

/// How a result reaches the applicant (regulation Art. 10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnChannel {
    Counter,
    Post,
    Online,
}

impl ReturnChannel {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReturnChannel::Counter, Lang::Vi) => "Tại quầy",
            (ReturnChannel::Post, Lang::Vi) => "Qua bưu chính công ích",
            (ReturnChannel::Online, Lang::Vi) => "Trực tuyến",
            (ReturnChannel::Counter, Lang::En) => "At the counter",
            (ReturnChannel::Post, Lang::En) => "By post",
            (ReturnChannel::Online, Lang::En) => "Online",
        }
    }
}

/// Where a dossier stands in the workflow. Each step maps to one national status.
///
/// Fee payments and refunds are not steps: a payment ends a fee request (the dossier goes back to
/// the step it paused in) and a refund is recorded on a closed dossier without moving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Submitted online, waiting for the one-stop desk to check it (Art. 8.1a).
    SubmittedOnline,
    /// Received in person at the desk.
    ReceivedDirect,
    /// Received through the postal service.
    ReceivedPostal,
    /// Waiting for the applicant to supplement (Mẫu 02).
    SupplementRequested,
    /// Refused at reception, with a reason (Mẫu 03).
    Refused,
    /// Accepted and transferred to the competent agency (Art. 8.1b).
    AcceptedTransferred,
    /// Assigned to an officer for appraisal (Art. 10.1a).
    Assigned,
    /// Waiting for other agencies' opinions (Art. 10.1b).
    Consulting,
    /// A verification with the applicant is scheduled (Art. 10.1c).
    VerificationScheduled,
    /// Submitted to the agency head for decision.
    AwaitingApproval,
    /// Approved; the result is being issued.
    Approved,
    /// Ineligible: rejected with a written reason (Art. 10.2).
    Rejected,
    /// The result is at the one-stop desk (Art. 10.1e).
    ResultReady,
    /// The result reached the applicant (Art. 10.3).
    Returned,
    /// Waiting for fees or taxes.
    FeeRequested,
    /// Withdrawn at the applicant's request.
    Withdrawn,
    /// Processing stopped.
    Stopped,
    /// Submitted online and found valid by the desk: received at that instant (Art. 8.1c).
    /// (Last, so that the steps stored before it keep their places.)
    ReceivedOnline,
    /// Art. 20.2: the agency head approved a supplement notice drafted by the officer; the
    /// one-stop desk is to send it to the applicant (the clock runs until it does).
    NoticeApproved,
}

impl Step {
    pub const ALL: [Step; 19] = [
        Step::SubmittedOnline,
        Step::ReceivedDirect,
        Step::ReceivedPostal,
        Step::SupplementRequested,
        Step::Refused,
        Step::AcceptedTransferred,
        Step::Assigned,
        Step::Consulting,
        Step::VerificationScheduled,
        Step::AwaitingApproval,
        Step::Approved,
        Step::Rejected,
        Step::ResultReady,
        Step::Returned,
        Step::FeeRequested,
        Step::Withdrawn,
        Step::Stopped,
        Step::ReceivedOnline,
        Step::NoticeApproved,
    ];

    /// The national status this step is reported as.
    pub fn national(self) -> NationalStatus {
        use NationalStatus as N;
        match self {
            Step::SubmittedOnline => N::Submitted,
            Step::ReceivedDirect
            | Step::ReceivedPostal
            | Step::ReceivedOnline
            | Step::AcceptedTransferred => N::Received,
            Step::SupplementRequested => N::SupplementRequired,
            Step::Refused => N::NotAccepted,
            Step::Assigned
            | Step::Consulting
            | Step::VerificationScheduled
            | Step::AwaitingApproval
            | Step::Approved
            | Step::NoticeApproved => N::Processing,
            Step::Rejected | Step::ResultReady => N::Done,
            Step::Returned => N::Returned,
            Step::FeeRequested => N::FinancialObligation,
            Step::Withdrawn => N::Withdrawn,
            Step::Stopped => N::Stopped,
        }
    }

    /// No command moves a dossier out of a closed step (a refund may still be recorded).
    pub fn is_closed(self) -> bool {
        matches!(self, Step::Refused | Step::Returned | Step::Withdrawn)
    }

    /// Words a citizen understands.
    pub fn label(self, lang: Lang) -> &'static str {
        use Step::*;
        match (self, lang) {
            (SubmittedOnline, Lang::Vi) => "Đã nộp trực tuyến, chờ kiểm tra",
            (ReceivedDirect, Lang::Vi) => "Đã tiếp nhận trực tiếp",
            (ReceivedPostal, Lang::Vi) => "Đã tiếp nhận qua bưu chính",
            (ReceivedOnline, Lang::Vi) => "Đã tiếp nhận trực tuyến",
            (SupplementRequested, Lang::Vi) => "Cần bổ sung giấy tờ",
            (Refused, Lang::Vi) => "Không được tiếp nhận",
            (AcceptedTransferred, Lang::Vi) => "Đã chuyển cơ quan giải quyết",
            (Assigned, Lang::Vi) => "Đang thẩm định",
            (Consulting, Lang::Vi) => "Đang lấy ý kiến cơ quan liên quan",
            (VerificationScheduled, Lang::Vi) => "Có lịch thẩm tra, xác minh",
            (AwaitingApproval, Lang::Vi) => "Đang trình lãnh đạo phê duyệt",
            (Approved, Lang::Vi) => "Đã phê duyệt, đang ban hành kết quả",
            (Rejected, Lang::Vi) => "Không đủ điều kiện giải quyết",
            (ResultReady, Lang::Vi) => "Đã có kết quả, mời nhận",
            (Returned, Lang::Vi) => "Đã trả kết quả",
            (FeeRequested, Lang::Vi) => "Chờ nộp phí, lệ phí",
            (Withdrawn, Lang::Vi) => "Đã rút hồ sơ",
            (Stopped, Lang::Vi) => "Dừng xử lý",
            (NoticeApproved, Lang::Vi) => "Đang thông báo bổ sung hồ sơ",
            (SubmittedOnline, Lang::En) => "Submitted online, awaiting check",
            (ReceivedDirect, Lang::En) => "Received in person",
            (ReceivedPostal, Lang::En) => "Received by post",
            (ReceivedOnline, Lang::En) => "Received online",
            (SupplementRequested, Lang::En) => "Documents to supplement",
            (Refused, Lang::En) => "Not accepted",
            (AcceptedTransferred, Lang::En) => "Sent to the competent agency",
            (Assigned, Lang::En) => "Being appraised",
            (Consulting, Lang::En) => "Consulting other agencies",
            (VerificationScheduled, Lang::En) => "Verification scheduled",
            (AwaitingApproval, Lang::En) => "Awaiting approval",
            (Approved, Lang::En) => "Approved, result being issued",
            (Rejected, Lang::En) => "Not eligible",
            (ResultReady, Lang::En) => "Result ready for collection",
            (Returned, Lang::En) => "Result returned",
            (FeeRequested, Lang::En) => "Fees due",
            (Withdrawn, Lang::En) => "Withdrawn",
            (Stopped, Lang::En) => "Processing stopped",
            (NoticeApproved, Lang::En) => "Supplement notice being sent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in NationalStatus::ALL {
            assert_eq!(NationalStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(NationalStatus::from_code(0), None);
        assert_eq!(NationalStatus::from_code(11), None);
        assert_eq!(serde_json::to_string(&NationalStatus::Done).unwrap(), "9");
    }

    #[test]
    fn paused_statuses_are_5_6_8() {
        let paused: Vec<u8> = NationalStatus::ALL
            .iter()
            .filter(|s| s.pauses_clock())
            .map(|s| s.code())
            .collect();
        assert_eq!(paused, [5, 6, 8]);
    }

    #[test]
    fn every_national_code_has_a_step() {
        for s in NationalStatus::ALL {
            assert!(Step::ALL.iter().any(|st| st.national() == s), "{s:?}");
        }
    }
}
