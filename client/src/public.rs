//! Public routes: lookups, feedback and ratings (with a kiosk's device token when it has one).

use motcua_core::public::PublicRow;
use motcua_protocol::public::{
    ByCode, FeedbackIn, LookupQuery, PublicFeedback, RatingIn, ScaleView, SecretQuery,
};
use motcua_protocol::routes;

use crate::{Client, Result};

impl Client {
    /// A dossier by code: the minimal row, or with the right secret the detail.
    pub async fn public_dossier(&self, code: &str, secret: Option<&str>) -> Result<ByCode> {
        // A secret's check is counted by the server (wrong ones lock the code for a while): it
        // is never sent twice.
        self.get_query_with(
            &routes::public_dossier(code),
            &SecretQuery {
                secret: secret.map(str::to_owned),
            },
            secret.is_none(),
        )
        .await
    }

    /// Minimal rows by citizen ID or full name.
    pub async fn lookup(&self, q: &LookupQuery) -> Result<Vec<PublicRow>> {
        self.get_query(routes::PUBLIC_LOOKUP, q).await
    }

    pub async fn submit_feedback(&self, f: &FeedbackIn) -> Result<PublicFeedback> {
        self.post(routes::PUBLIC_FEEDBACK, f).await
    }

    /// A feedback's status and its published answer, by tracking code.
    pub async fn public_feedback(&self, code: &str) -> Result<PublicFeedback> {
        self.get(&routes::public_feedback(code)).await
    }

    pub async fn rate(&self, r: &RatingIn) -> Result<serde_json::Value> {
        self.post(routes::PUBLIC_RATINGS, r).await
    }

    pub async fn rating_scale(&self) -> Result<ScaleView> {
        self.get(routes::PUBLIC_RATING_SCALE).await
    }
}
