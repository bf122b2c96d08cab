//! Satisfaction ratings: the scale (3 levels at counters and kiosks, 5 in surveys) and the
//! per-dossier criteria of the national index. The scale is configuration.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A rating scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "u8", into = "u8")]
pub enum Scale {
    /// Rất hài lòng / Hài lòng / Không hài lòng.
    #[default]
    Three,
    /// Adds Bình thường and Rất không hài lòng.
    Five,
}

impl From<Scale> for u8 {
    fn from(s: Scale) -> u8 {
        match s {
            Scale::Three => 3,
            Scale::Five => 5,
        }
    }
}

impl TryFrom<u8> for Scale {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            3 => Ok(Scale::Three),
            5 => Ok(Scale::Five),
            _ => Err(format!("a rating scale has 3 or 5 levels, not {n}")),
        }
    }
}

impl Scale {
    pub fn levels(self) -> u8 {
        self.into()
    }

    /// The label of `level` (1 = worst).
    pub fn label(self, level: u8, lang: Lang) -> Option<&'static str> {
        let (vi, en): (&[&str], &[&str]) = match self {
            Scale::Three => (
                &["Không hài lòng", "Hài lòng", "Rất hài lòng"],
                &["Not satisfied", "Satisfied", "Very satisfied"],
            ),
            Scale::Five => (
                &[
                    "Rất không hài lòng",
                    "Không hài lòng",
                    "Bình thường",
                    "Hài lòng",
                    "Rất hài lòng",
                ],
                &[
                    "Very dissatisfied",
                    "Dissatisfied",
                    "Neutral",
                    "Satisfied",
                    "Very satisfied",
                ],
            ),
        };
        let list = if lang == Lang::Vi { vi } else { en };
        list.get((level as usize).checked_sub(1)?).copied()
    }
}

/// The per-dossier criteria (key, Vietnamese, English).
pub const CRITERIA: [(&str, &str, &str); 12] = [
    ("overall", "Mức độ hài lòng chung", "Overall satisfaction"),
    ("convenience", "Sự thuận tiện", "Convenience"),
    ("on_time", "Đúng hẹn", "On time"),
    ("attitude", "Thái độ của cán bộ", "Staff attitude"),
    (
        "total_time",
        "Tổng thời gian so với quy định",
        "Total time against the rule",
    ),
    (
        "time_vs_rule",
        "Thời gian giải quyết so với quy định",
        "Processing time against the rule",
    ),
    (
        "contacts",
        "Số lần phải liên hệ",
        "Number of contacts needed",
    ),
    (
        "agencies",
        "Số cơ quan phải liên hệ",
        "Number of agencies contacted",
    ),
    ("one_stop", "Thực hiện một cửa", "One-stop handling"),
    ("disclosure", "Công khai, minh bạch", "Public disclosure"),
    (
        "feedback_handling",
        "Tiếp nhận, xử lý phản ánh",
        "Feedback handling",
    ),
    (
        "online_quality",
        "Chất lượng dịch vụ trực tuyến",
        "Online service quality",
    ),
];

pub fn is_criterion(key: &str) -> bool {
    CRITERIA.iter().any(|(k, _, _)| *k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_labels() {
        assert_eq!(Scale::Three.label(3, Lang::Vi), Some("Rất hài lòng"));
        assert_eq!(Scale::Three.label(1, Lang::Vi), Some("Không hài lòng"));
        assert_eq!(Scale::Three.label(4, Lang::Vi), None);
        assert_eq!(Scale::Three.label(0, Lang::Vi), None);
        assert_eq!(Scale::Five.label(3, Lang::Vi), Some("Bình thường"));
        assert_eq!(
            Scale::try_from(4),
            Err("a rating scale has 3 or 5 levels, not 4".into())
        );
        assert!(is_criterion("attitude") && !is_criterion("price"));
    }
}

/// Why a rating was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatingError {
    #[error("the level must be 1 to {0}")]
    Level(u8),
    #[error("unknown criterion {0:?} or a level outside the scale")]
    Criterion(String),
}

impl crate::i18n::Localized for RatingError {
    fn code(&self) -> &'static str {
        match self {
            RatingError::Level(_) => "rating.level",
            RatingError::Criterion(_) => "rating.criterion",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RatingError::Level(n), Lang::Vi) => format!("Mức đánh giá phải từ 1 đến {n}."),
            (RatingError::Level(n), Lang::En) => format!("The level must be 1 to {n}."),
            (RatingError::Criterion(k), Lang::Vi) => {
                format!("Tiêu chí “{k}” hoặc mức đánh giá của tiêu chí không hợp lệ.")
            }
            (RatingError::Criterion(k), Lang::En) => {
                format!("Unknown criterion “{k}” or a level outside the scale.")
            }
        }
    }
}

/// The one check of a rating, on the kiosk and on the server: a level of the scale, and known
/// criteria answered on the same scale.
pub fn check<'a>(
    scale: Scale,
    level: u8,
    criteria: impl IntoIterator<Item = (&'a str, u8)>,
) -> Result<(), RatingError> {
    let n = scale.levels();
    if !(1..=n).contains(&level) {
        return Err(RatingError::Level(n));
    }
    for (k, v) in criteria {
        if !is_criterion(k) || !(1..=n).contains(&v) {
            return Err(RatingError::Criterion(k.chars().take(40).collect()));
        }
    }
    Ok(())
}
