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
        let r = crate::dispatch(
            self.request(reqwest::Method::POST, routes::SYNC_HEARTBEAT)
                .json(h),
            true,
        )
        .await?;
        Self::success(r).await.map(drop)
    }

    /// Push events from the outbox; what the server now holds.
    pub async fn push_events(&self, batch: &EventBatch) -> Result<EventAck> {
        self.post_repeatable(routes::SYNC_EVENTS, batch).await
    }

    /// One page of the change feed as its JSON text; `None` when the server says to start over
    /// with a snapshot (410). Asked for gzip-compressed (a snapshot's pages are about eight times
    /// smaller on the wire) and inflated here, to at most [`MAX_PAGE_BYTES`].
    pub async fn changes_raw(&self, q: &ChangesQuery) -> Result<Option<Vec<u8>>> {
        Ok(self.changes_measured(q).await?.map(|(json, _)| json))
    }

    /// [`Client::changes_raw`], with the bytes the page took on the wire.
    pub async fn changes_measured(&self, q: &ChangesQuery) -> Result<Option<(Vec<u8>, usize)>> {
        let r = crate::dispatch(
            self.request(reqwest::Method::GET, routes::SYNC_CHANGES)
                .header(reqwest::header::ACCEPT_ENCODING, "gzip")
                .query(q),
            true,
        )
        .await?;
        if r.status() == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        let gzip = r
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let body = Self::success(r).await?;
        let wire = body.len();
        match gzip {
            true => Ok(Some((inflate(&body)?, wire))),
            false => Ok(Some((body, wire))),
        }
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

/// The largest page a kiosk inflates (a page of the feed's largest size is a few megabytes).
pub const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// A gzip body inflated; an error when it does not inflate or grows past [`MAX_PAGE_BYTES`].
fn inflate(body: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    let room = body.len().saturating_mul(8).min(MAX_PAGE_BYTES as usize);
    let mut out = Vec::with_capacity(room);
    flate2::read::GzDecoder::new(body)
        .take(MAX_PAGE_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ClientError::Decode(format!("a compressed page does not inflate: {e}")))?;
    if out.len() as u64 > MAX_PAGE_BYTES {
        return Err(ClientError::Decode(format!(
            "a page inflates past {MAX_PAGE_BYTES} bytes"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn a_page_inflates_and_a_bomb_or_junk_is_an_error() {
        assert_eq!(inflate(&gzip(b"{\"a\":1}")).unwrap(), b"{\"a\":1}");
        assert!(inflate(b"not gzip").is_err());
        let cut = gzip(&[b'x'; 10_000]);
        assert!(inflate(&cut[..cut.len() / 2]).is_err());
        // 65 MiB of zeros packs small: refused, not inflated whole.
        let bomb = gzip(&vec![0u8; (MAX_PAGE_BYTES + 1024 * 1024) as usize]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        assert!(inflate(&bomb).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_inflate_or_are_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = inflate(&bytes);
            let mut packed = gzip(b"{}");
            packed.extend_from_slice(&bytes);
            let _ = inflate(&packed);
        }
    }
}
