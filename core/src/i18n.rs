//! Bilingual messages: every error a visitor or officer can see speaks Vietnamese first and
//! English second.

use serde::{Deserialize, Serialize};

/// A display language. Vietnamese is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub vi: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// An error that can explain itself to a person in either language, with a stable machine code.
pub trait Localized {
    /// A stable, machine-readable code such as `dossier_code.date`.
    fn code(&self) -> &'static str;
    /// The message in the given language.
    fn message(&self, lang: Lang) -> String;
    /// Both messages.
    fn bilingual(&self) -> Bilingual {
        Bilingual {
            vi: self.message(Lang::Vi),
            en: self.message(Lang::En),
        }
    }
}
