//! Public lookup (the applicants' article, just before Art. 13: look up by dossier code,
//! citizen ID or applicant name), for the kiosks' online path and the web: by code a minimal row,
//! with the receipt's lookup secret the detail; by citizen ID or full name minimal rows only.
//! Rate-limited per client; wrong secrets are counted per dossier and per client and lock the
//! secret check for a while.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use motcua_core::CitizenId;
use motcua_core::public::{PublicRow, detail, row};
use motcua_protocol::public::{ByCode, LookupQuery, SecretQuery};
use motcua_protocol::routes;

use super::{ApiError, ClientAddr, KioskAuth, Params};
use crate::AppState;
use crate::db::model::DossierRecord;
use crate::db::{DOSSIERS, IDX_CITIZEN, IDX_NAME};
use crate::ops::dossiers::{load, parse_code};
use crate::ops::{Error, Kind};

/// Most rows a search returns.
pub const MAX_ROWS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::PUBLIC_DOSSIER, get(by_code))
        .route(routes::PUBLIC_LOOKUP, get(lookup))
}

/// Who calls a public route: an enrolled kiosk (its device token, for its online path) or an
/// address. Each has its own allowance; a token that is not a kiosk's counts as the address.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: String,
    pub kiosk: bool,
    /// An enrolled kiosk's centre.
    pub centre: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
            && let Ok(k) = KioskAuth::from_request_parts(parts, st).await
        {
            return Ok(Caller {
                key: format!("kiosk:{}", k.kiosk.id),
                kiosk: true,
                centre: Some(k.kiosk.centre.to_string()),
            });
        }
        let Ok(ClientAddr(addr)) = ClientAddr::from_request_parts(parts, st).await;
        Ok(Caller {
            key: addr,
            kiosk: false,
            centre: None,
        })
    }
}

/// Count a public request: every public route shares one allowance per caller.
pub fn limit(st: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if st
        .throttle
        .allow_request(&caller.key, caller.kiosk, st.clock.now())
    {
        Ok(())
    } else {
        Err(ApiError(Error::new(
            Kind::TooMany,
            "public.rate_limited",
            "Quý vị gửi yêu cầu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút.",
            "Too many requests in a short time. Please try again in a few minutes.",
        )))
    }
}

async fn by_code(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Params(q): Params<SecretQuery>,
) -> Result<Json<ByCode>, ApiError> {
    limit(&st, &caller)?;
    let code = parse_code(&code)?.to_string();
    let rec: DossierRecord = st
        .store
        .read_now(|txn| load(txn, &code))?
        .ok_or_else(|| Error::not_found("hồ sơ có mã này", "Dossier"))?;
    let public_row = row(
        &rec.code,
        &rec.procedure_name,
        &rec.applicant.name,
        &rec.state,
    );
    let Some(secret) = q.secret else {
        return Ok(Json(ByCode::Row(public_row)));
    };
    // A kiosk serves a whole lobby: its visitors' mistakes count per dossier, not against it.
    let client = (!caller.kiosk).then_some(caller.key.as_str());
    crate::ops::secrets::check(&st.ctx, &code, &rec.secret, &secret, client)?;
    let now_vn = st.clock.now_vn();
    // The handling agency by name, as a visitor knows it (its code when the catalogue lacks it).
    let agency_code = rec.handling_agency().as_str().to_owned();
    let agency = st
        .store
        .read_now(|txn| {
            let a: Option<crate::db::model::Agency> =
                crate::db::get(&txn.open_table(crate::db::AGENCIES)?, &agency_code)?;
            Ok::<_, Error>(a.map(|a| a.name))
        })?
        .unwrap_or_else(|| rec.handling_agency().as_str().to_owned());
    let d = detail(
        public_row,
        &agency,
        &rec.state,
        &rec.history,
        &st.cal.get(),
        now_vn,
    );
    Ok(Json(ByCode::Detail(Box::new(d))))
}

async fn lookup(
    State(st): State<AppState>,
    caller: Caller,
    Params(q): Params<LookupQuery>,
) -> Result<Json<Vec<PublicRow>>, ApiError> {
    limit(&st, &caller)?;
    enum Key {
        Citizen(String),
        Name(String),
    }
    let key = match (q.citizen_id, q.name) {
        (Some(id), None) => {
            let id = if id.bytes().any(|b| b.is_ascii_alphabetic()) {
                CitizenId::passport(&id)
            } else {
                CitizenId::parse(&id)
            }
            .map_err(|e| Error::domain(Kind::BadRequest, &e))?;
            Key::Citizen(id.canonical())
        }
        (None, Some(name)) => {
            let folded = motcua_core::text::fold(&name);
            // A full name: at least two words, so that a search cannot sweep a family name.
            if folded.split(' ').filter(|w| !w.is_empty()).count() < 2 {
                return Err(ApiError(Error::new(
                    Kind::BadRequest,
                    "public.full_name",
                    "Vui lòng nhập đầy đủ họ và tên người nộp hồ sơ.",
                    "Please enter the applicant's full name.",
                )));
            }
            Key::Name(folded)
        }
        _ => {
            return Err(ApiError(Error::bad_request(
                "public.lookup_key",
                "Tra cứu theo đúng một trong hai: số CCCD/CMND (citizen_id) hoặc họ tên (name).",
                "Look up by exactly one of citizen_id or name.",
            )));
        }
    };
    let rows = st
        .store
        .read(move |txn| {
            let dossiers = txn.open_table(DOSSIERS)?;
            let mut codes = Vec::new();
            match &key {
                Key::Citizen(id) => {
                    for item in txn.open_table(IDX_CITIZEN)?.range((id.as_str(), "")..)? {
                        let (k, _) = item?;
                        let (i, c) = k.value();
                        if i != id || codes.len() == MAX_ROWS {
                            break;
                        }
                        codes.push(c.to_owned());
                    }
                }
                Key::Name(n) => {
                    for item in txn.open_table(IDX_NAME)?.range((n.as_str(), "")..)? {
                        let (k, _) = item?;
                        let (name, c) = k.value();
                        // The whole name, not a prefix of it.
                        if name != n || codes.len() == MAX_ROWS {
                            break;
                        }
                        codes.push(c.to_owned());
                    }
                }
            }
            let mut rows = Vec::with_capacity(codes.len());
            for c in codes.iter().rev() {
                if let Some(rec) = crate::db::get::<DossierRecord>(&dossiers, c)? {
                    rows.push(row(
                        &rec.code,
                        &rec.procedure_name,
                        &rec.applicant.name,
                        &rec.state,
                    ));
                }
            }
            Ok::<_, Error>(rows)
        })
        .await?;
    Ok(Json(rows))
}
