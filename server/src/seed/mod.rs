//! Demo data: a believable Đắk Lắk centre — agencies, 30+ procedures, staff of every role, and
//! dossiers spread over every status (some overdue, some with apologies, some waiting for
//! supplements) with realistic Vietnamese names and valid CCCD numbers.
//!
//! Dossiers are built by driving the real workflow (`Dossier::decide`) with staff actions at
//! plausible working times, so every one of them is a legal history. Generation is seeded, so
//! the same `--dossiers N` and clock give the same data.

pub mod queue;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset};
use motcua_core::workflow::{Command, Dossier, Event, MissingItem, Receipt, Verification, receive};
use motcua_core::{
    AgencyCode, Calendar, Channel, CitizenId, DossierCode, ProcessingTime, ReturnChannel,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redb::ReadableTable;
use serde::Deserialize;

use crate::db::changes::{self, Key};
use crate::db::model::{
    Agency, Applicant, DossierRecord, Fee, JointStep, Procedure, RequiredDocument, Retention, Role,
    SubmittedDocument,
};
use crate::db::model::{CentreInfo, Counter};
use crate::db::{AGENCIES, CENTRES, CODE_SEQ, META, PROCEDURES, Store, encode, insert_new};
use crate::ops::Error;
use crate::ops::accounts::insert_user;
use motcua_protocol::staff::NewUser;

const CATALOGUE: &str = include_str!("../../../assets/demo/catalogue.toml");

#[derive(Debug, Deserialize)]
struct Catalogue {
    agencies: Vec<AgencyIn>,
    procedures: Vec<ProcedureIn>,
    staff: Vec<StaffIn>,
}

#[derive(Debug, Deserialize)]
struct AgencyIn {
    code: AgencyCode,
    name: String,
    #[serde(default)]
    parent: Option<AgencyCode>,
    level: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

#[derive(Debug, Deserialize)]
struct ProcedureIn {
    national_code: String,
    name: String,
    field: String,
    agency: AgencyCode,
    processing_time: ProcessingTime,
    fees: Vec<Fee>,
    documents: Vec<String>,
    /// Art. 8.2: the result is given at once.
    #[serde(default)]
    immediate: bool,
    /// Liên thông (Art. 10.1d).
    #[serde(default)]
    joint: Vec<JointStep>,
    #[serde(default)]
    retention: Option<Retention>,
}

#[derive(Debug, Deserialize)]
struct StaffIn {
    username: String,
    full_name: String,
    role: Role,
    #[serde(default)]
    agency: Option<AgencyCode>,
}

/// What a seed run made, for the console.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub agencies: usize,
    pub procedures: usize,
    /// (username, role, password) of every account created.
    pub staff: Vec<(String, Role, String)>,
    pub dossiers: usize,
    /// Queue tickets of the last working days (simulated history).
    pub queue_tickets: usize,
}

/// The `meta` key that marks a store as made by the demo seed.
const DEMO_MARK: &str = "demo_seeded";

/// Refuse to seed a store that holds anything but demo data: the demo's fake dossiers, agencies
/// and accounts must never mix with a centre's own. An empty store is marked as a demo store.
fn claim_for_demo(store: &Store) -> Result<(), Error> {
    use redb::ReadableTableMetadata;
    store.write_blocking(|txn| {
        let mut meta = txn.open_table(META)?;
        if meta.get(DEMO_MARK)?.is_some() {
            return Ok(());
        }
        let empty = txn.open_table(crate::db::USERS)?.is_empty()?
            && txn.open_table(AGENCIES)?.is_empty()?
            && txn.open_table(crate::db::DOSSIERS)?.is_empty()?;
        if !empty {
            return Err(Error::new(
                crate::ops::Kind::Conflict,
                "seed.real_data",
                "Kho dữ liệu này đã có dữ liệu thật (tài khoản, cơ quan hoặc hồ sơ): không thêm \
                 dữ liệu mẫu vào. Hãy dùng một thư mục dữ liệu mới cho bản trình diễn.",
                "This store already holds real data (accounts, agencies or dossiers): demo data \
                 is not added to it. Use a new data directory for the demo.",
            ));
        }
        meta.insert(DEMO_MARK, "1")?;
        Ok(())
    })
}

/// Up to `count` dossier codes chosen uniformly at random (reservoir sampling).
pub fn sample_codes(store: &Store, count: usize) -> Result<Vec<String>, Error> {
    let mut rng = StdRng::from_os_rng();
    store.read_now(|txn| {
        let mut out: Vec<String> = Vec::with_capacity(count);
        for (i, item) in txn.open_table(crate::db::DOSSIERS)?.iter()?.enumerate() {
            let (k, _) = item?;
            if out.len() < count {
                out.push(k.value().to_owned());
            } else {
                let j = rng.random_range(0..=i);
                if j < count {
                    out[j] = k.value().to_owned();
                }
            }
        }
        Ok(out)
    })
}

/// The codes of every agency in the store (the demo gives its kiosk all of them).
pub fn agency_codes(store: &Store) -> Result<Vec<AgencyCode>, Error> {
    store.read_now(|txn| {
        let mut v = Vec::new();
        for item in txn.open_table(AGENCIES)?.iter()? {
            let a: Agency = crate::db::decode(item?.1.value())?;
            v.push(a.code);
        }
        Ok(v)
    })
}

/// The demo centre's queue: a service per counter group, issuing 07:15–11:15 and 13:15–16:30
/// on working days (justice also on Saturday mornings), and the hall's seven counters.
pub fn demo_queue() -> motcua_core::queue::QueueConfig {
    use chrono::NaiveTime;
    use motcua_core::booking::BookingRule;
    use motcua_core::queue::{CounterDef, QueueConfig, Service, Window};
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a time of day");
    let day = vec![
        Window {
            from: hm(7, 15),
            to: hm(11, 15),
        },
        Window {
            from: hm(13, 15),
            to: hm(16, 30),
        },
    ];
    let agency = |c: &str| AgencyCode::parse(c).expect("valid");
    let service = |letter, vi: &str, en: &str, agencies: Vec<AgencyCode>, saturday| Service {
        letter,
        name_vi: vi.into(),
        name_en: en.into(),
        procedures: vec![],
        agencies,
        daily_limit: 300,
        hours: day.clone(),
        saturday: if saturday {
            vec![Window {
                from: hm(7, 30),
                to: hm(11, 0),
            }]
        } else {
            vec![]
        },
        active: true,
        booking: Some(BookingRule {
            slot_minutes: 30,
            capacity: 4,
            days_ahead: 14,
            grace_minutes: 15,
        }),
    };
    let counter = |number, name: &str, services: &[char]| CounterDef {
        number,
        name: name.into(),
        services: services.to_vec(),
    };
    QueueConfig {
        services: vec![
            service(
                'A',
                "Tư pháp – Hộ tịch",
                "Justice – Civil status",
                vec![agency("000.00.10.H16")],
                true,
            ),
            service(
                'B',
                "Đất đai – Nông nghiệp và Môi trường",
                "Land – Agriculture and Environment",
                vec![agency("000.00.13.H16")],
                false,
            ),
            service(
                'C',
                "Đầu tư – Tài chính – Doanh nghiệp",
                "Investment – Finance – Business",
                vec![agency("000.00.12.H16")],
                false,
            ),
            service(
                'D',
                "Xây dựng – Giao thông",
                "Construction – Transport",
                vec![agency("000.00.11.H16")],
                false,
            ),
            service(
                'E',
                "Nhận kết quả, nộp phí",
                "Collect results, pay fees",
                vec![],
                false,
            ),
        ],
        counters: vec![
            counter(1, "Tư pháp – Hộ tịch", &['A']),
            counter(2, "Đất đai – Tài nguyên và Môi trường", &['B']),
            counter(3, "Đầu tư – Đăng ký doanh nghiệp", &['C']),
            counter(4, "Xây dựng – Giao thông", &['D']),
            counter(5, "Lao động – Thương binh và Xã hội", &['A', 'E']),
            counter(6, "Thu phí, lệ phí", &['E']),
            counter(7, "Bưu chính công ích", &['E']),
        ],
        recalls_before_no_show: 2,
    }
}

/// Let the demo centre's services issue numbers at any hour of its working days and Saturdays
/// (the demo is tried at any hour; a real centre keeps its windows).
pub fn open_demo_queue_all_day(store: &Store) -> Result<(), Error> {
    use chrono::NaiveTime;
    store.write_blocking(|tx| {
        let found: Option<motcua_core::queue::QueueConfig> =
            crate::db::get(&tx.open_table(crate::db::QUEUES)?, DEMO_CENTRE)?;
        let Some(mut cfg) = found else {
            return Ok(());
        };
        let all_day = vec![motcua_core::queue::Window {
            from: NaiveTime::MIN,
            to: NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        }];
        for s in &mut cfg.services {
            s.hours = all_day.clone();
            s.saturday = all_day.clone();
        }
        tx.open_table(crate::db::QUEUES)?
            .insert(DEMO_CENTRE, encode(&cfg)?.as_slice())?;
        changes::record(tx, &Key::Queue(DEMO_CENTRE.into()), vec![], vec![])?;
        tx.touch(crate::db::Topic::Queue(DEMO_CENTRE.into()));
        Ok::<_, Error>(())
    })
}

/// The demo centre's code (an example code).
pub const DEMO_CENTRE: &str = "000.00.01.H16";

/// What the demo centre shows on its kiosks.
/// An example kiosk for the demonstration's fleet page: enrolled a month ago, its last day of
/// heartbeats (paper running low in the afternoon, a few events waiting at busy hours, a short
/// outage at night), silent for the last two hours — what a kiosk needing a visit looks like.
/// Once per store; none in the tests' centres.
pub fn seed_example_kiosk(store: &Store, now: DateTime<FixedOffset>) -> Result<(), Error> {
    use crate::ops::kiosks::{BEATS_KEPT_S, Beat};
    use motcua_core::devices::{PrinterStatus, ScannerState};
    use motcua_protocol::sync::Heartbeat;
    let centre = AgencyCode::parse(DEMO_CENTRE).map_err(|e| Error::internal(e.to_string()))?;
    let scope = agency_codes(store)?;
    store.write_blocking(move |tx| {
        if tx
            .open_table(crate::db::META)?
            .get("example_kiosk")?
            .is_some()
        {
            return Ok(());
        }
        let (id, _) = crate::ops::kiosks::insert(tx, "Kiosk tầng 2 (mẫu)", &centre, &scope, now)?;
        let last = now.timestamp() - 2 * 3600;
        let start = now.timestamp() - BEATS_KEPT_S;
        let beat = |t: i64| -> Heartbeat {
            let hour = (t + 7 * 3600).rem_euclid(86_400) / 3600;
            let busy = matches!(hour, 8..=10 | 14..=16);
            Heartbeat {
                app_version: env!("CARGO_PKG_VERSION").into(),
                uptime_s: u64::try_from(t - start).unwrap_or(0),
                cursor: None,
                outbox_depth: if busy {
                    [0, 1, 3, 4, 2, 1][((t / 900) % 6) as usize]
                } else {
                    0
                },
                printer: if t > last - 3 * 3600 {
                    PrinterStatus::PaperNearEnd
                } else {
                    PrinterStatus::Online
                },
                scanner: ScannerState::Connected,
                free_disk_mb: 21_000u64
                    .saturating_sub(u64::try_from((t - start) / 600).unwrap_or(0)),
                protocol: motcua_protocol::VERSION,
                help_requested_at: None,
            }
        };
        let mut beats = tx.open_table(crate::db::KIOSK_BEATS)?;
        let mut t = start - start.rem_euclid(60);
        let mut latest = None;
        while t <= last {
            // A short outage in the night.
            let hour = (t + 7 * 3600).rem_euclid(86_400) / 3600;
            if hour != 2 {
                let h = beat(t);
                beats.insert((id.as_str(), t), Beat::of(t, &h).pack().as_slice())?;
                latest = Some((t, h));
            }
            t += 60;
        }
        drop(beats);
        let mut kiosks = tx.open_table(crate::db::KIOSKS)?;
        let found: Option<crate::db::model::Kiosk> = crate::db::get(&kiosks, &id)?;
        if let Some(mut k) = found {
            k.enrolment_key = None;
            k.enrolled_at = Some(now - Duration::days(30));
            k.last_heartbeat = latest.and_then(|(t, h)| {
                chrono::DateTime::from_timestamp(t, 0)
                    .map(|at| (at.with_timezone(&now.timezone()), h))
            });
            kiosks.insert(id.as_str(), encode(&k)?.as_slice())?;
        }
        drop(kiosks);
        tx.open_table(crate::db::META)?
            .insert("example_kiosk", id.as_str())?;
        Ok::<_, Error>(())
    })
}

pub fn demo_centre() -> CentreInfo {
    CentreInfo {
        code: DEMO_CENTRE.into(),
        name: "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk".into(),
        address: "16 Lê Duẩn, phường Buôn Ma Thuột, tỉnh Đắk Lắk".into(),
        hotline: "0262 3999 888".into(),
        hours: "Sáng 7:00–11:30, chiều 13:30–17:00, thứ Hai đến thứ Sáu (trừ ngày lễ, Tết)".into(),
        postal: "Nhận hồ sơ và trả kết quả qua dịch vụ bưu chính công ích: quầy Bưu điện tại \
                 Trung tâm, hoặc gọi Bưu điện tỉnh để được nhận hồ sơ tại nhà."
            .into(),
        fees: "Nộp phí, lệ phí tại quầy thu của Trung tâm (tiền mặt, thẻ, mã QR chuyển khoản) \
               hoặc trực tuyến trên Cổng Dịch vụ công."
            .into(),
        feedback: "Phản ánh, kiến nghị gửi tại kiosk, qua đường dây nóng, hoặc gửi thư về \
                   Trung tâm; thời hạn trả lời 13 ngày làm việc."
            .into(),
        counters: [
            (1, "Tư pháp – Hộ tịch", "Nguyễn Thị Hồng Nhung"),
            (2, "Đất đai – Tài nguyên và Môi trường", "Trần Văn Phúc"),
            (3, "Đầu tư – Đăng ký doanh nghiệp", "Lê Thị Thu Hà"),
            (4, "Xây dựng – Giao thông", "Phạm Quốc Bảo"),
            (5, "Lao động – Thương binh và Xã hội", "H'Linh Niê"),
            (6, "Thu phí, lệ phí", ""),
            (7, "Bưu chính công ích", ""),
        ]
        .into_iter()
        .map(|(number, name, officer): (u16, &str, &str)| Counter {
            number,
            name: name.into(),
            officer: officer.into(),
        })
        .collect(),
        // An example account (the demo's data is marked as such wherever it shows).
        payment: Some(motcua_core::vietqr::PaymentAccount {
            bin: "970415".into(),
            account: "113000001234".into(),
            holder: "TRUNG TAM PHUC VU HCC TINH DAK LAK (VI DU)".into(),
            bank: "VietinBank".into(),
        }),
    }
}

fn load_catalogue() -> Catalogue {
    toml::from_str(CATALOGUE).expect("the bundled demo catalogue is valid")
}

/// The desk that receives a procedure: a commune's own procedures at the commune, the rest at
/// the provincial centre.
fn desk_for(p: &Procedure) -> AgencyCode {
    if p.agency.as_str().starts_with("000.00.") {
        AgencyCode::parse("000.00.01.H16").expect("valid")
    } else {
        p.agency.clone()
    }
}

/// Seed the catalogue and staff (idempotent: existing entries are kept) and `dossiers` demo
/// dossiers received before `now`, on an empty store or one seeded before (a store with real
/// data is refused: `seed.real_data`). Each new account gets a random one-time password,
/// returned in the report (and nowhere else).
pub fn seed_demo(
    store: &Store,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
    dossiers: usize,
) -> Result<SeedReport, Error> {
    claim_for_demo(store)?;
    let cat = load_catalogue();
    let mut report = SeedReport::default();
    let agencies: Vec<Agency> = cat
        .agencies
        .into_iter()
        .map(|a| Agency {
            code: a.code,
            name: a.name,
            parent: a.parent,
            level: a.level,
            address: a.address,
            phone: a.phone,
            email: a.email,
            example: true,
        })
        .collect();
    let procedures: Vec<Procedure> = cat
        .procedures
        .into_iter()
        .map(|p| Procedure {
            id: format!("{}.{}", p.national_code, p.agency),
            national_code: p.national_code,
            name: p.name,
            field: p.field,
            processing_time: p.processing_time,
            immediate: p.immediate,
            joint: p.joint,
            retention: p.retention,
            fees: p.fees,
            documents: p
                .documents
                .into_iter()
                .map(|name| RequiredDocument {
                    name,
                    originals: 1,
                    copies: 0,
                })
                .collect(),
            agency: p.agency,
            channels: vec![Channel::Direct, Channel::Postal, Channel::Online],
        })
        .collect();
    report.agencies = agencies.len();
    report.procedures = procedures.len();
    {
        let (ag, pr) = (agencies.clone(), procedures.clone());
        // Built before the writer runs the job: nothing in it can fail there.
        let queue_cfg = encode(&demo_queue())?;
        store.write_blocking(move |txn| {
            let mut t = txn.open_table(AGENCIES)?;
            for a in &ag {
                t.insert(a.code.as_str(), encode(a)?.as_slice())?;
            }
            drop(t);
            let mut t = txn.open_table(PROCEDURES)?;
            for p in &pr {
                t.insert(p.id.as_str(), encode(p)?.as_slice())?;
            }
            drop(t);
            for a in &ag {
                changes::record(txn, &Key::Agency(a.code.to_string()), vec![], vec![])?;
            }
            for p in &pr {
                changes::record(txn, &Key::Procedure(p.id.clone()), vec![], vec![])?;
            }
            let centre = demo_centre();
            txn.open_table(CENTRES)?
                .insert(centre.code.as_str(), encode(&centre)?.as_slice())?;
            changes::record(txn, &Key::Centre(centre.code.clone()), vec![], vec![])?;
            txn.open_table(crate::db::QUEUES)?
                .insert(centre.code.as_str(), queue_cfg.as_slice())?;
            changes::record(txn, &Key::Queue(centre.code.clone()), vec![], vec![])?;
            Ok::<_, Error>(())
        })?;
    }
    for s in cat.staff {
        let password = crate::ops::passwords::one_time_password();
        let n = NewUser {
            username: s.username.clone(),
            full_name: s.full_name,
            role: s.role,
            agency: s.agency,
        };
        let hash = crate::ops::passwords::hash_password(&password)?;
        let created = store.write_blocking(move |txn| {
            match insert_user(txn, &n, &n.username, &hash, true, now) {
                Ok(_) => Ok(true),
                // Seeding twice keeps the accounts already there.
                Err(e) if e.code == "user.exists" => Ok(false),
                Err(e) => Err(e),
            }
        })?;
        if created {
            report.staff.push((s.username, s.role, password));
        }
    }
    report.dossiers = seed_dossiers(store, cal, now, &procedures, dossiers)?;
    report.queue_tickets = queue::seed_history(
        store,
        cal,
        DEMO_CENTRE,
        &demo_queue(),
        cal.in_zone(now).date_naive(),
        5,
    )?;
    Ok(report)
}

const FAMILY: [&str; 20] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lương", "Mai",
];
const MIDDLE_M: [&str; 8] = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Đình"];
const MIDDLE_F: [&str; 8] = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Hồng"];
const GIVEN_M: [&str; 20] = [
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Minh", "Nam", "Phúc", "Quang",
    "Sơn", "Tài", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Vinh",
];
const GIVEN_F: [&str; 20] = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
    "Ngọc", "Nhung", "Phương", "Quỳnh", "Thảo", "Thuỷ", "Trang", "Yến",
];
/// Ê Đê and M'nông names of the Central Highlands.
const HIGHLAND: [&str; 8] = [
    "Y Bhim Niê",
    "H'Hen Êban",
    "Y Khu Mlô",
    "H'Linh Byă",
    "Y Thanh Knul",
    "H'Nga Ktla",
    "Y Dhăm Ênuôl",
    "H'Yăm Buôn Yă",
];
const PROVINCES: [u16; 10] = [66, 66, 66, 66, 67, 64, 62, 40, 38, 1];
const WARDS: [&str; 6] = [
    "phường Tân Lập",
    "phường Buôn Ma Thuột",
    "phường Tân An",
    "xã Hòa Phú",
    "xã Ea Kao",
    "phường Thành Nhất",
];

fn applicant(rng: &mut StdRng, year: i32) -> Applicant {
    let female = rng.random_bool(0.5);
    let name = if rng.random_bool(0.08) {
        HIGHLAND[rng.random_range(0..HIGHLAND.len())].to_owned()
    } else {
        let (mid, given) = if female {
            (MIDDLE_F, GIVEN_F)
        } else {
            (MIDDLE_M, GIVEN_M)
        };
        format!(
            "{} {} {}",
            FAMILY[rng.random_range(0..FAMILY.len())],
            mid[rng.random_range(0..mid.len())],
            given[rng.random_range(0..given.len())]
        )
    };
    let birth = rng.random_range(1950..=(year - 18));
    let century = if birth >= 2000 { 2 } else { 0 } + u8::from(female);
    let id = format!(
        "{:03}{}{:02}{:06}",
        PROVINCES[rng.random_range(0..PROVINCES.len())],
        century,
        birth % 100,
        rng.random_range(0..1_000_000)
    );
    Applicant {
        name,
        citizen_id: CitizenId::parse(&id).expect("generated CCCD is valid"),
        phone: format!("09{:08}", rng.random_range(0..100_000_000)),
        email: String::new(),
        address: format!(
            "{} {}, {}, tỉnh Đắk Lắk",
            rng.random_range(1..300),
            [
                "Lê Duẩn",
                "Nguyễn Tất Thành",
                "Phan Bội Châu",
                "Y Jút",
                "Hùng Vương"
            ][rng.random_range(0..5)],
            WARDS[rng.random_range(0..WARDS.len())]
        ),
    }
}

/// Where a demo dossier's story ends.
#[derive(Debug, Clone, Copy)]
enum Fate {
    AtReception,
    WaitingSupplement,
    Refused,
    Transferred,
    Assigned,
    Consulting,
    Verification,
    AwaitingApproval,
    FeeDue,
    Stopped,
    Withdrawn,
    ResultReady,
    RejectedReturned,
    Returned,
}

fn fate(rng: &mut StdRng) -> Fate {
    let r = rng.random_range(0..100);
    match r {
        0..5 => Fate::AtReception,
        5..10 => Fate::WaitingSupplement,
        10..13 => Fate::Refused,
        13..17 => Fate::Transferred,
        17..25 => Fate::Assigned,
        25..29 => Fate::Consulting,
        29..32 => Fate::Verification,
        32..36 => Fate::AwaitingApproval,
        36..38 => Fate::FeeDue,
        38..40 => Fate::Stopped,
        40..42 => Fate::Withdrawn,
        42..52 => Fate::ResultReady,
        52..56 => Fate::RejectedReturned,
        _ => Fate::Returned,
    }
}

struct Story<'a> {
    cal: &'a Calendar,
    d: Dossier,
    events: Vec<Event>,
    t: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
}

impl Story<'_> {
    /// Do `cmd` after `hours` more working hours, if that is still in the past.
    fn act(&mut self, hours: i64, by: &str, cmd: Command) -> bool {
        let Ok(at) = self
            .cal
            .add_working(self.t, Duration::minutes(hours.max(1) * 60 - 17))
        else {
            return false;
        };
        if at >= self.now {
            return false;
        }
        match self.d.decide(self.cal, &cmd, at, by) {
            Ok(evs) => {
                for e in &evs {
                    self.d.apply(e);
                }
                self.events.extend(evs);
                self.t = at;
                true
            }
            Err(_) => false,
        }
    }
}

fn officer_of(a: &AgencyCode) -> (&'static str, &'static str) {
    match a.as_str() {
        "000.00.10.H16" => ("cv.tuphap", "ld.tuphap"),
        "000.00.11.H16" => ("cv.xaydung", "ld.xaydung"),
        "000.00.12.H16" => ("cv.taichinh", "ld.taichinh"),
        "000.30.31.H16" => ("cv.tanlap", "ld.tanlap"),
        "000.00.13.H16" => ("cv.nnmt", "ld.nnmt"),
        "000.00.19.H16" => ("cv.thue", "cv.thue"),
        _ => ("chuyenvien", "lanhdao"),
    }
}

fn build_dossier(
    rng: &mut StdRng,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
    p: &Procedure,
    code: String,
    submitted_at: DateTime<FixedOffset>,
) -> Result<DossierRecord, Error> {
    let channel = match rng.random_range(0..10) {
        0..6 => Channel::Direct,
        6..9 => Channel::Online,
        _ => Channel::Postal,
    };
    let desk = desk_for(p);
    let reception = if desk.as_str() == "000.30.31.H16" {
        "tiepnhan.tanlap"
    } else {
        "tiepnhan1"
    };
    let first = receive(
        cal,
        &Receipt {
            channel,
            submitted_at,
            processing_time: p.processing_time,
            by: reception.into(),
        },
    )
    .map_err(|e| Error::domain(crate::ops::Kind::Invalid, &e))?;
    let d = Dossier::from_receipt(&first)
        .ok_or_else(|| Error::internal("a receipt did not start a dossier"))?;
    let mut s = Story {
        cal,
        t: d.received_at,
        d,
        events: vec![first],
        now,
    };
    let (officer, head) = officer_of(&p.agency);
    let total_hours = match p.processing_time {
        ProcessingTime::WorkingDays(d) => d as i64 * 8,
        ProcessingTime::WorkingHours(h) => h as i64,
    };
    // How fast this one goes: most on time, some late.
    let pace = rng.random_range(0.3..1.35);
    let step = |frac: f64| ((total_hours as f64 * pace * frac).round() as i64).max(1);
    let f = fate(rng);
    let fee: u64 = p.fees.iter().map(|f| f.amount).sum();
    let items = vec![MissingItem {
        document: p
            .documents
            .first()
            .map(|d| d.name.clone())
            .unwrap_or_else(|| "Tờ khai".into()),
        reason: "Thiếu chữ ký của người yêu cầu".into(),
        guidance: "Ký, ghi rõ họ tên vào tờ khai và nộp lại tại quầy".into(),
    }];
    let r = |rng: &mut StdRng| rng.random_range(1..4);
    // Accept and transfer: to the lead and every participating agency of a joint procedure.
    let transfer = |s: &Story| -> Command {
        let plain = Command::AcceptAndTransfer {
            agency: p.agency.clone(),
        };
        if p.joint.is_empty() {
            return plain;
        }
        crate::ops::dossiers::joint_transfer(cal, p, &p.agency, s.d.legal_due(), s.t)
            .unwrap_or(plain)
    };
    let h = r(rng);
    if fee > 0 && rng.random_bool(0.7) {
        s.act(0, reception, Command::RecordFeePaid { amount: fee });
    }
    match f {
        Fate::AtReception => {}
        Fate::WaitingSupplement => {
            s.act(
                h,
                reception,
                Command::RequestSupplement {
                    items: items.clone(),
                },
            );
        }
        Fate::Refused => {
            s.act(h, reception, Command::Refuse {
                reason: "Hồ sơ không thuộc thẩm quyền giải quyết; đề nghị nộp tại UBND cấp xã nơi cư trú".into(),
            });
        }
        _ => {
            let ok = if rng.random_bool(0.15) {
                s.act(
                    h,
                    reception,
                    Command::RequestSupplement {
                        items: items.clone(),
                    },
                ) && s.act(r(rng) * 8, "applicant", Command::Supplemented)
                    && (channel != Channel::Online || s.act(1, reception, Command::AcceptOnline))
                    && s.act(1, reception, transfer(&s))
            } else {
                // An online submission is found valid first (Art. 8.1c).
                (channel != Channel::Online || s.act(1, reception, Command::AcceptOnline))
                    && s.act(h, reception, transfer(&s))
            };
            // Liên thông: most participating agencies have done their part by now (Art. 10.1d).
            let parts: Vec<AgencyCode> = s.d.joint.iter().map(|j| j.agency.clone()).collect();
            for a in parts {
                // Done before the lead goes on; some still awaited among the newest.
                let done = !matches!(f, Fate::Transferred | Fate::Assigned) || rng.random_bool(0.6);
                if ok && done {
                    s.act(
                        step(0.2),
                        officer_of(&a).0,
                        Command::CompleteJointTask {
                            agency: a,
                            result: "Đã xác định nghĩa vụ tài chính và ra thông báo nộp thuế"
                                .into(),
                        },
                    );
                }
            }
            if !ok || matches!(f, Fate::Transferred) {
                return Ok(finish(rng, s, p, code, desk));
            }
            if !s.act(
                1,
                head,
                Command::Assign {
                    officer: officer.into(),
                },
            ) || matches!(f, Fate::Assigned)
            {
                return Ok(finish(rng, s, p, code, desk));
            }
            if matches!(f, Fate::Withdrawn) {
                s.act(
                    step(0.2),
                    reception,
                    Command::Withdraw {
                        reason: "Người nộp không còn nhu cầu giải quyết".into(),
                    },
                );
                return Ok(finish(rng, s, p, code, desk));
            }
            if matches!(f, Fate::Stopped) {
                s.act(
                    step(0.2),
                    head,
                    Command::Stop {
                        reason: "Chờ kết quả giải quyết tranh chấp đất đai".into(),
                    },
                );
                return Ok(finish(rng, s, p, code, desk));
            }
            if matches!(f, Fate::FeeDue) {
                s.act(
                    step(0.2),
                    officer,
                    Command::RequestFee {
                        amount: fee.max(50_000),
                        description: "Lệ phí giải quyết thủ tục".into(),
                    },
                );
                return Ok(finish(rng, s, p, code, desk));
            }
            if matches!(f, Fate::Consulting) || rng.random_bool(0.2) {
                let other = if p.agency.as_str() == "000.00.13.H16" {
                    "000.00.11.H16"
                } else {
                    "000.00.13.H16"
                };
                let Ok(deadline) = cal.add_working_hours(s.t, 24) else {
                    return Ok(finish(rng, s, p, code, desk));
                };
                let ok = s.act(
                    step(0.1),
                    officer,
                    Command::Consult {
                        agency: AgencyCode::parse(other).expect("valid"),
                        subject: "Đề nghị cho ý kiến về hồ sơ".into(),
                        deadline: deadline + Duration::hours(step(0.1)),
                    },
                );
                if !ok || matches!(f, Fate::Consulting) {
                    return Ok(finish(rng, s, p, code, desk));
                }
                s.act(
                    step(0.2),
                    officer,
                    Command::AnswerConsultation {
                        agency: AgencyCode::parse(other).expect("valid"),
                        answer: "Thống nhất với đề xuất".into(),
                    },
                );
            }
            if matches!(f, Fate::Verification) {
                let Ok(at) = cal.add_working_hours(s.t, 16) else {
                    return Ok(finish(rng, s, p, code, desk));
                };
                s.act(
                    step(0.1),
                    officer,
                    Command::ScheduleVerification(Verification {
                        at: at + Duration::hours(step(0.05)),
                        place: "Tại địa chỉ thửa đất đề nghị".into(),
                        participants: vec!["Chuyên viên thụ lý".into(), "Người nộp hồ sơ".into()],
                        content: "Kiểm tra hiện trạng".into(),
                    }),
                );
                return Ok(finish(rng, s, p, code, desk));
            }
            if !s.act(step(0.5), officer, Command::SubmitForApproval)
                || matches!(f, Fate::AwaitingApproval)
            {
                return Ok(finish(rng, s, p, code, desk));
            }
            // Late ones apologise before the appointment (Mẫu 04).
            let decision_at = cal
                .add_working(s.t, Duration::hours(step(0.3)))
                .unwrap_or(s.t);
            if decision_at > s.d.due && rng.random_bool(0.6) {
                let new_due = cal
                    .add_working_hours(decision_at, 16)
                    .unwrap_or(decision_at + Duration::days(2));
                let before = s.d.due;
                let at_before = before - Duration::hours(2);
                if at_before > s.t && at_before < now {
                    let at = at_before;
                    if let Ok(evs) = s.d.decide(
                        cal,
                        &Command::Apologize {
                            reason: "Hồ sơ cần lấy thêm ý kiến của cơ quan liên quan".into(),
                            new_due,
                        },
                        at,
                        head,
                    ) {
                        for e in &evs {
                            s.d.apply(e);
                        }
                        s.events.extend(evs);
                        s.t = at;
                    }
                }
            }
            if matches!(f, Fate::RejectedReturned) {
                if s.act(
                    step(0.3),
                    head,
                    Command::Reject {
                        reason: "Không đủ điều kiện theo quy định".into(),
                    },
                ) {
                    s.act(
                        step(0.1) + 4,
                        reception,
                        Command::Return {
                            channel: ReturnChannel::Counter,
                        },
                    );
                }
                return Ok(finish(rng, s, p, code, desk));
            }
            if s.act(step(0.3), head, Command::Approve)
                && s.act(2, officer, Command::MarkResultReady)
                && matches!(f, Fate::Returned)
            {
                let ch = if rng.random_bool(0.15) {
                    ReturnChannel::Post
                } else {
                    ReturnChannel::Counter
                };
                s.act(
                    rng.random_range(1..24),
                    reception,
                    Command::Return { channel: ch },
                );
            }
        }
    }
    Ok(finish(rng, s, p, code, desk))
}

fn finish(
    rng: &mut StdRng,
    s: Story<'_>,
    p: &Procedure,
    code: String,
    desk: AgencyCode,
) -> DossierRecord {
    let year = s.now.year();
    let documents = p
        .documents
        .iter()
        .map(|d| SubmittedDocument {
            name: d.name.clone(),
            original: rng.random_bool(0.5),
            copies: 1,
            file: None,
        })
        .collect();
    DossierRecord {
        code,
        procedure_id: p.id.clone(),
        procedure_name: p.name.clone(),
        receiving_agency: desk,
        competent_agency: p.agency.clone(),
        applicant: applicant(rng, year),
        documents,
        secret: format!("{:04}", rng.random_range(0..10_000)),
        history: s.events,
        state: s.d,
    }
}

/// Dossiers per write transaction when seeding.
const CHUNK: usize = 100_000;

fn seed_dossiers(
    store: &Store,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
    procedures: &[Procedure],
    n: usize,
) -> Result<usize, Error> {
    let mut rng = StdRng::seed_from_u64(0x6d6f_7463_7561);
    let db = store.database();
    // Receipts spread over the last 120 days (recent ones more often), generated in time order
    // so that codes, and so the B-tree inserts, come in key order.
    let span_minutes = 120.0 * 24.0 * 60.0;
    let mut plan: Vec<(DateTime<FixedOffset>, usize)> = (0..n)
        .map(|_| {
            let back = (rng.random_range(0.0f64..1.0).powf(1.6) * span_minutes) as i64;
            let raw = now - Duration::minutes(back);
            let at = cal.next_working_instant(raw).unwrap_or(raw);
            (
                if at >= now { raw } else { at },
                rng.random_range(0..procedures.len()),
            )
        })
        .collect();
    plan.sort_by_key(|(at, _)| *at);
    let mut seqs: HashMap<(String, u32), u32> = HashMap::new();
    let mut made = 0;
    for chunk in plan.chunks(CHUNK) {
        let txn = db.begin_write()?;
        let mut made_here = Vec::with_capacity(chunk.len());
        for &(submitted_at, pi) in chunk {
            let p = &procedures[pi];
            let desk = desk_for(p);
            let date = submitted_at.date_naive();
            let day = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
            let key = (desk.as_str().to_owned(), day);
            let seq = match seqs.get_mut(&key) {
                Some(s) => {
                    *s += 1;
                    *s
                }
                None => {
                    let stored = txn
                        .open_table(CODE_SEQ)?
                        .get((desk.as_str(), day))?
                        .map(|v| v.value())
                        .unwrap_or(0);
                    seqs.insert(key, stored + 1);
                    stored + 1
                }
            };
            let code = DossierCode::new(desk, date, seq)
                .map_err(Error::internal)?
                .to_string();
            made_here.push(build_dossier(&mut rng, cal, now, p, code, submitted_at)?);
        }
        insert_new(&txn, store.hooks(), &made_here)?;
        {
            let mut t = txn.open_table(CODE_SEQ)?;
            for ((a, d), s) in &seqs {
                t.insert((a.as_str(), *d), *s)?;
            }
        }
        // Durable per chunk: redb reuses the pages a transaction frees only after a durable
        // commit, so non-durable chunks would grow the file several times over.
        txn.commit()?;
        made += chunk.len();
    }
    Ok(made)
}
