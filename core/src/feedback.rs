//! Feedback (phản ánh, kiến nghị, Art. 21) as the public drafts it: the one check the kiosk and
//! the server both apply, so that a kiosk never takes what the server would refuse.

use crate::i18n::{Lang, Localized};
use crate::text::free_text;

/// Longest category, in characters.
pub const MAX_CATEGORY: usize = 100;
/// Longest content, in characters.
pub const MAX_CONTENT: usize = 2000;
/// Longest name, in characters.
pub const MAX_NAME: usize = crate::contact::MAX_NAME;

/// A feedback as the visitor wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draft<'a> {
    pub category: &'a str,
    pub content: &'a str,
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The visitor agreed that the centre may use the name and phone to answer.
    pub consent: bool,
}

/// A draft as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub category: String,
    pub content: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Why a feedback was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedbackError {
    #[error("choose a category (up to {MAX_CATEGORY} characters)")]
    Category,
    #[error("the content is required, up to {MAX_CONTENT} characters, without hidden characters")]
    Content,
    #[error("consent is needed to use the name and phone to answer")]
    Consent,
    #[error("a phone number has 9 to 11 digits")]
    Phone,
    #[error("a name has up to {MAX_NAME} characters, without hidden characters")]
    Name,
}

impl Localized for FeedbackError {
    fn code(&self) -> &'static str {
        match self {
            FeedbackError::Category => "feedback.category",
            FeedbackError::Content => "feedback.content",
            FeedbackError::Consent => "feedback.consent",
            FeedbackError::Phone => "feedback.phone",
            FeedbackError::Name => "feedback.name",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => match self {
                FeedbackError::Category => {
                    format!("Vui lòng chọn lĩnh vực phản ánh (tối đa {MAX_CATEGORY} ký tự).")
                }
                FeedbackError::Content => format!(
                    "Vui lòng nhập nội dung phản ánh, kiến nghị (tối đa {} ký tự).",
                    group(MAX_CONTENT)
                ),
                FeedbackError::Consent => {
                    "Vui lòng xác nhận đồng ý để Trung tâm dùng họ tên và số điện thoại để trả lời."
                        .into()
                }
                FeedbackError::Phone => {
                    "Số điện thoại gồm 9 đến 11 chữ số (có thể để trống).".into()
                }
                FeedbackError::Name => format!("Họ tên dài tối đa {MAX_NAME} ký tự."),
            },
            Lang::En => match self {
                FeedbackError::Category => {
                    format!("Please choose a category ({MAX_CATEGORY} characters at most).")
                }
                FeedbackError::Content => format!(
                    "Please write your feedback ({} characters at most).",
                    group(MAX_CONTENT)
                ),
                FeedbackError::Consent => {
                    "Please confirm that the centre may use your name and phone to answer.".into()
                }
                FeedbackError::Phone => {
                    "A phone number has 9 to 11 digits (or leave it empty).".into()
                }
                FeedbackError::Name => format!("A name has {MAX_NAME} characters at most."),
            },
        }
    }
}

fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Check a draft; what is kept of it.
pub fn check(d: &Draft<'_>) -> Result<Checked, FeedbackError> {
    let category =
        free_text(d.category, MAX_CATEGORY, false).map_err(|_| FeedbackError::Category)?;
    let content = free_text(d.content, MAX_CONTENT, true).map_err(|_| FeedbackError::Content)?;
    let name = match d.name.filter(|n| !n.trim().is_empty()) {
        None => None,
        Some(n) => Some(crate::contact::name(n).map_err(|_| FeedbackError::Name)?),
    };
    let phone = crate::contact::phone(d.phone.unwrap_or("")).map_err(|_| FeedbackError::Phone)?;
    if (name.is_some() || phone.is_some()) && !d.consent {
        return Err(FeedbackError::Consent);
    }
    Ok(Checked {
        category,
        content,
        name,
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>(content: &'a str) -> Draft<'a> {
        Draft {
            category: "Cơ sở vật chất",
            content,
            name: None,
            phone: None,
            consent: false,
        }
    }

    #[test]
    fn what_is_kept_and_what_is_refused() {
        let c = check(&draft("  Ghế  chờ\r\nkhông   đủ.  ")).unwrap();
        assert_eq!(c.content, "Ghế chờ\nkhông đủ.");
        assert_eq!(check(&draft("   ")), Err(FeedbackError::Content));
        assert_eq!(
            check(&draft(&"x".repeat(2001))),
            Err(FeedbackError::Content)
        );
        assert!(check(&draft(&"x".repeat(2000))).is_ok());
        assert_eq!(check(&draft("a\u{202E}b")), Err(FeedbackError::Content));
        assert_eq!(
            check(&draft("\u{200B}\u{200B}")),
            Err(FeedbackError::Content)
        );
        assert_eq!(check(&draft("a\u{0}b")), Err(FeedbackError::Content));
        let named = Draft {
            name: Some("Lê Văn Tám"),
            phone: Some("0905 123 456"),
            ..draft("Tốt.")
        };
        assert_eq!(check(&named), Err(FeedbackError::Consent));
        let c = check(&Draft {
            consent: true,
            ..named
        })
        .unwrap();
        assert_eq!(c.name.as_deref(), Some("Lê Văn Tám"));
        for bad in ["12345", "0905123456789", "090512345x", &"0".repeat(1000)] {
            let d = Draft {
                phone: Some(bad),
                consent: true,
                ..draft("Tốt.")
            };
            assert_eq!(check(&d), Err(FeedbackError::Phone), "{bad}");
        }
        let d = Draft {
            name: Some("\u{202E}Nam"),
            consent: true,
            ..draft("Tốt.")
        };
        assert_eq!(check(&d), Err(FeedbackError::Name));
        assert!(FeedbackError::Content.message(Lang::Vi).contains("2.000"));
    }
}
