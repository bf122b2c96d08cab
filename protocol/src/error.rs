//! The body of every refusal: `{"error": {"code": "...", "message": {"vi": "...", "en": "..."}}}`.

use motcua_core::Bilingual;
use serde::{Deserialize, Serialize};

/// What went wrong, in both languages, with a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: Bilingual,
}

/// The JSON body of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorInfo,
}
