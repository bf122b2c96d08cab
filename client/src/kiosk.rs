//! The kiosk's routes: enrolment, heartbeats, the outbox, the change feed.

use motcua_protocol::routes;
use motcua_protocol::sync::{
    ChangesQuery, EnrolRequest, Enrolled, EventAck, EventBatch, Heartbeat, Page,
};

use crate::{Client, ClientError, Result};

impl Client {
    /// Exchange a one-time enrolment code for a device token (see [`Client::with_token`]).
    pub async fn enrol(&self, enrolment_code: &str) -> Result<Enrolled> {
        self.anonymous()
            .post(
                routes::SYNC_ENROL,
                &EnrolRequest {
                    enrolment_code: enrolment_code.to_owned(),
                },
            )
            .await
    }

    pub async fn heartbeat(&self, h: &Heartbeat) -> Result<()> {
        self.post_empty(routes::SYNC_HEARTBEAT, h).await
    }

    /// Push events from the outbox; what the server now holds.
    pub async fn push_events(&self, batch: &EventBatch) -> Result<EventAck> {
        self.post(routes::SYNC_EVENTS, batch).await
    }

    /// One page of the change feed as its JSON text (the kiosk keeps dossiers as received);
    /// `None` when the server says to start over with a snapshot (410).
    pub async fn changes_raw(&self, q: &ChangesQuery) -> Result<Option<Vec<u8>>> {
        let r = self
            .request(reqwest::Method::GET, routes::SYNC_CHANGES)
            .query(q)
            .send()
            .await?;
        if r.status() == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        Self::success(r).await.map(Some)
    }

    /// One page of the change feed; `None` when the server says to start over.
    pub async fn changes(&self, q: &ChangesQuery) -> Result<Option<Page>> {
        match self.changes_raw(q).await? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ClientError::Decode(e.to_string())),
            None => Ok(None),
        }
    }
}
