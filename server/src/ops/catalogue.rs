//! The procedure catalogue kept by a centre's administrators: one procedure saved or removed at
//! a time, or a whole file imported (CSV or JSON) — every row checked first, and when any row is
//! wrong nothing is imported and each wrong row is named with what is wrong in it. Kiosks learn
//! of every change through the change feed; every change is audited.

use motcua_core::workflow::MAX_AMOUNT;
use motcua_core::{AgencyCode, Bilingual, Channel, ProcessingTime};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{Actor, Ctx, Error, Kind};
use crate::db::changes::{self, Key};
use crate::db::model::{Fee, JointStep, Procedure, RequiredDocument, Retention};
use crate::db::{AGENCIES, PROCEDURES, decode, encode, get};

/// A procedure as an administrator writes it: in a form, a JSON file or a CSV row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureIn {
    /// The national code, e.g. `1.004199`.
    pub national_code: String,
    pub name: String,
    /// Lĩnh vực.
    #[serde(default)]
    pub field: String,
    /// The competent agency's code.
    pub agency: String,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub working_hours: Option<u32>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub immediate: bool,
    #[serde(default)]
    pub retention: Option<Retention>,
    #[serde(default)]
    pub joint: Vec<JointStep>,
}

/// The most procedures one import holds, and rows named in its refusal.
pub const MAX_IMPORT: usize = 5_000;
const MAX_NAMED_ROWS: usize = 200;
const MAX_FEES: usize = 20;
const MAX_DOCUMENTS: usize = 100;
/// The longest processing time: a year of working days, or its hours.
const MAX_DAYS: u32 = 365;

/// What is wrong with one row of an import (1 is the first row of data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub message: Bilingual,
}

fn wrong(vi: impl Into<String>, en: impl Into<String>) -> Bilingual {
    Bilingual {
        vi: vi.into(),
        en: en.into(),
    }
}

/// A text field as kept: trimmed, bounded, without control characters.
fn text(v: &str, max: usize, vi: &str, en: &str, required: bool) -> Result<String, Bilingual> {
    let v = v.trim();
    if required && v.is_empty() {
        return Err(wrong(format!("thiếu {vi}"), format!("{en} is missing")));
    }
    if v.chars().count() > max {
        return Err(wrong(
            format!("{vi} dài quá {max} ký tự"),
            format!("{en} is longer than {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(wrong(
            format!("{vi} chứa ký tự điều khiển"),
            format!("{en} holds a control character"),
        ));
    }
    Ok(v.to_owned())
}

/// A national procedure code: digits in groups separated by dots (`1.004199`), 3–20 characters.
fn national_code(v: &str) -> Result<String, Bilingual> {
    let v = v.trim();
    let ok = (3..=20).contains(&v.len())
        && v.split('.')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && v.contains('.');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(wrong(
            format!(
                "mã thủ tục “{}” không đúng dạng số và dấu chấm (vd. 1.004199)",
                clip(v)
            ),
            format!(
                "the procedure code “{}” is not digits and dots (e.g. 1.004199)",
                clip(v)
            ),
        ))
    }
}

/// A value as an error message quotes it: at most 40 characters.
fn clip(v: &str) -> String {
    let mut s: String = v.chars().take(40).collect();
    if v.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// `p` checked against the agencies `known`: the procedure as stored, or what is wrong.
pub fn check(p: &ProcedureIn, known: &dyn Fn(&AgencyCode) -> bool) -> Result<Procedure, Bilingual> {
    let national = national_code(&p.national_code)?;
    let name = text(&p.name, 500, "tên thủ tục", "the name", true)?;
    let field = text(&p.field, 200, "lĩnh vực", "the field", false)?;
    let agency = AgencyCode::parse(p.agency.trim()).map_err(|_| {
        wrong(
            format!("mã cơ quan “{}” không hợp lệ", clip(&p.agency)),
            format!("the agency code “{}” is not valid", clip(&p.agency)),
        )
    })?;
    if !known(&agency) {
        return Err(wrong(
            format!("không có cơ quan mã {agency}"),
            format!("no agency with code {agency}"),
        ));
    }
    let processing_time = match (p.working_days, p.working_hours) {
        (Some(d), None) if (1..=MAX_DAYS).contains(&d) => ProcessingTime::WorkingDays(d),
        (None, Some(h)) if (1..=MAX_DAYS * 8).contains(&h) => ProcessingTime::WorkingHours(h),
        _ => {
            return Err(wrong(
                format!(
                    "thời hạn giải quyết: ghi số ngày làm việc (1–{MAX_DAYS}) hoặc số giờ làm việc, không cả hai"
                ),
                format!(
                    "processing time: give working days (1–{MAX_DAYS}) or working hours, not both"
                ),
            ));
        }
    };
    if p.fees.len() > MAX_FEES {
        return Err(wrong(
            format!("quá {MAX_FEES} khoản phí"),
            format!("more than {MAX_FEES} fees"),
        ));
    }
    let mut fees = Vec::with_capacity(p.fees.len());
    for f in &p.fees {
        if f.amount > MAX_AMOUNT {
            return Err(wrong(
                format!("khoản phí vượt {MAX_AMOUNT} đồng"),
                format!("a fee above {MAX_AMOUNT} đồng"),
            ));
        }
        fees.push(Fee {
            name: text(&f.name, 200, "tên khoản phí", "a fee's name", true)?,
            amount: f.amount,
        });
    }
    if p.documents.len() > MAX_DOCUMENTS {
        return Err(wrong(
            format!("quá {MAX_DOCUMENTS} giấy tờ"),
            format!("more than {MAX_DOCUMENTS} documents"),
        ));
    }
    let mut documents = Vec::with_capacity(p.documents.len());
    for d in &p.documents {
        documents.push(RequiredDocument {
            name: text(d, 300, "tên giấy tờ", "a document's name", true)?,
            originals: 1,
            copies: 0,
        });
    }
    if let Some(Retention::Years(n)) = p.retention
        && !(1..=Retention::MAX_YEARS).contains(&n)
    {
        return Err(wrong(
            format!(
                "thời hạn bảo quản từ 1 đến {} năm, hoặc vĩnh viễn",
                Retention::MAX_YEARS
            ),
            format!(
                "a retention of 1 to {} years, or permanent",
                Retention::MAX_YEARS
            ),
        ));
    }
    if p.joint.len() > motcua_core::workflow::MAX_JOINT_PARTS {
        return Err(wrong(
            "quá nhiều cơ quan phối hợp liên thông",
            "too many joint agencies",
        ));
    }
    let mut joint = Vec::with_capacity(p.joint.len());
    for j in &p.joint {
        if j.agency == agency
            || !known(&j.agency)
            || joint.iter().any(|x: &JointStep| x.agency == j.agency)
        {
            return Err(wrong(
                format!(
                    "cơ quan phối hợp {} không có, trùng, hoặc là cơ quan chủ trì",
                    j.agency
                ),
                format!(
                    "joint agency {} is unknown, named twice, or the lead",
                    j.agency
                ),
            ));
        }
        if !(1..=MAX_DAYS).contains(&j.working_days) {
            return Err(wrong(
                format!(
                    "thời hạn của cơ quan phối hợp {} từ 1 đến {MAX_DAYS} ngày làm việc",
                    j.agency
                ),
                format!(
                    "joint agency {}'s time is 1 to {MAX_DAYS} working days",
                    j.agency
                ),
            ));
        }
        joint.push(JointStep {
            agency: j.agency.clone(),
            task: text(&j.task, 2000, "phần việc liên thông", "a joint task", true)?,
            working_days: j.working_days,
            hand_to: j.hand_to.clone(),
        });
    }
    Ok(Procedure {
        id: format!("{national}.{agency}"),
        national_code: national,
        name,
        field,
        processing_time,
        fees,
        documents,
        agency,
        channels: vec![Channel::Direct, Channel::Postal, Channel::Online],
        immediate: p.immediate,
        joint,
        retention: p.retention,
    })
}

/// A CSV file of procedures, one a row, with a header naming its columns: `national_code`,
/// `name`, `field`, `agency`, `working_days` or `working_hours`, `fees` (`name: amount` pairs
/// separated by `;`), `documents` (separated by `;`), `immediate` (`1`/`0`), `retention`
/// (`permanent` or a number of years). Each row read, or what is wrong with it.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Result<ProcedureIn, Bilingual>>, Error> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = r
        .headers()
        .map_err(|_| unreadable_file())?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect::<Vec<_>>();
    for needed in ["national_code", "name", "agency"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(Error::invalid(
                "catalogue.columns",
                format!("Tệp CSV thiếu cột “{needed}” ở dòng tiêu đề."),
                format!("The CSV file has no “{needed}” column in its header."),
            ));
        }
    }
    let mut out = Vec::new();
    for record in r.records().take(MAX_IMPORT + 1) {
        let row = match record {
            Ok(rec) => {
                let col = |name: &str| {
                    headers
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| rec.get(i))
                        .unwrap_or("")
                        .to_owned()
                };
                csv_row(&col)
            }
            Err(_) => Err(wrong(
                "dòng không đọc được (dấu ngoặc kép, mã hoá UTF-8)",
                "the row does not read (quotes, UTF-8 encoding)",
            )),
        };
        out.push(row);
    }
    Ok(out)
}

fn csv_row(col: &dyn Fn(&str) -> String) -> Result<ProcedureIn, Bilingual> {
    let number = |name: &str, vi: &str, en: &str| -> Result<Option<u32>, Bilingual> {
        let v = col(name);
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<u32>().map(Some).map_err(|_| {
            wrong(
                format!("{vi} “{}” không phải số nguyên dương", clip(v)),
                format!("{en} “{}” is not a whole number", clip(v)),
            )
        })
    };
    let mut fees = Vec::new();
    for part in col("fees")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, amount) = part.rsplit_once(':').ok_or_else(|| {
            wrong(
                format!("khoản phí “{}” không theo dạng tên: số tiền", clip(part)),
                format!("the fee “{}” is not name: amount", clip(part)),
            )
        })?;
        let digits: String = amount.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
        let amount = digits.parse::<u64>().map_err(|_| {
            wrong(
                format!("số tiền “{}” không phải số đồng", clip(amount)),
                format!("the amount “{}” is not a number of đồng", clip(amount)),
            )
        })?;
        fees.push(Fee {
            name: name.trim().to_owned(),
            amount,
        });
    }
    let retention = match col("retention").trim().to_lowercase().as_str() {
        "" => None,
        "permanent" | "vĩnh viễn" | "vinh vien" => Some(Retention::Permanent),
        n => Some(Retention::Years(n.parse::<u16>().map_err(|_| {
            wrong(
                format!("thời hạn bảo quản “{}”: ghi số năm hoặc permanent", clip(n)),
                format!("retention “{}”: a number of years or permanent", clip(n)),
            )
        })?)),
    };
    let immediate = match col("immediate").trim() {
        "" | "0" | "false" | "không" => false,
        "1" | "true" | "có" => true,
        other => {
            return Err(wrong(
                format!("cột immediate “{}”: ghi 1 hoặc 0", clip(other)),
                format!("column immediate “{}”: write 1 or 0", clip(other)),
            ));
        }
    };
    Ok(ProcedureIn {
        national_code: col("national_code"),
        name: col("name"),
        field: col("field"),
        agency: col("agency"),
        working_days: number("working_days", "số ngày làm việc", "working days")?,
        working_hours: number("working_hours", "số giờ làm việc", "working hours")?,
        fees,
        documents: col("documents")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        immediate,
        retention,
        joint: Vec::new(),
    })
}

/// A JSON file of procedures: an array of [`ProcedureIn`]. Each row read, or what is wrong.
pub fn read_json(bytes: &[u8]) -> Result<Vec<Result<ProcedureIn, Bilingual>>, Error> {
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|_| unreadable_file())?;
    Ok(rows
        .into_iter()
        .take(MAX_IMPORT + 1)
        .map(|v| {
            serde_json::from_value::<ProcedureIn>(v).map_err(|e| {
                wrong(
                    format!("không đọc được: {}", clip(&e.to_string())),
                    format!("does not read: {}", clip(&e.to_string())),
                )
            })
        })
        .collect())
}

fn unreadable_file() -> Error {
    Error::invalid(
        "catalogue.file",
        "Tệp không đọc được: hãy dùng CSV (UTF-8, dòng đầu là tên cột) hoặc JSON (một mảng thủ tục).",
        "The file does not read: use CSV (UTF-8, the first line naming the columns) or JSON (an array of procedures).",
    )
}

/// Why an import was refused: each wrong row, and nothing imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub rows: Vec<RowError>,
    /// Wrong rows past those named.
    pub more: usize,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Imported {
    /// Every row saved: how many new, how many replaced.
    Saved {
        added: usize,
        replaced: usize,
    },
    Refused(Refused),
}

fn known_agencies(tx: &crate::db::Tx<'_>) -> Result<Vec<AgencyCode>, Error> {
    let mut out = Vec::new();
    for item in tx.open_table(AGENCIES)?.iter()? {
        out.push(decode::<crate::db::model::Agency>(item?.1.value())?.code);
    }
    Ok(out)
}

/// Import `rows` whole or not at all: when any is wrong (or two rows are the same procedure),
/// nothing is written and each wrong row is named.
pub async fn import(
    ctx: &Ctx,
    actor: &Actor,
    rows: Vec<Result<ProcedureIn, Bilingual>>,
    file: &str,
) -> Result<Imported, Error> {
    actor.require_admin()?;
    if rows.len() > MAX_IMPORT {
        return Err(Error::invalid(
            "catalogue.too_many",
            format!("Một lần nhập tối đa {MAX_IMPORT} thủ tục."),
            format!("One import holds {MAX_IMPORT} procedures at most."),
        ));
    }
    if rows.is_empty() {
        return Err(Error::invalid(
            "catalogue.empty",
            "Tệp không có thủ tục nào.",
            "The file holds no procedure.",
        ));
    }
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let file: String = file.chars().take(100).collect();
    ctx.store
        .write(move |tx| {
            let known = known_agencies(tx)?;
            let is_known = |c: &AgencyCode| known.contains(c);
            let mut good = Vec::with_capacity(rows.len());
            let mut bad = Vec::new();
            let mut seen = std::collections::HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                let n = i + 1;
                match row
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|p| check(p, &is_known))
                {
                    Ok(p) => {
                        if let Some(first) = seen.insert(p.id.clone(), n) {
                            bad.push(RowError {
                                row: n,
                                message: wrong(
                                    format!("trùng thủ tục {} ở dòng {first}", p.id),
                                    format!("the same procedure {} as row {first}", p.id),
                                ),
                            });
                        } else {
                            good.push(p);
                        }
                    }
                    Err(message) => bad.push(RowError { row: n, message }),
                }
            }
            if !bad.is_empty() {
                let more = bad.len().saturating_sub(MAX_NAMED_ROWS);
                bad.truncate(MAX_NAMED_ROWS);
                let mut line = a.entry(now, "import_catalogue", &file, "catalogue.rows");
                line.detail = format!("{} rows, {} wrong", rows.len(), bad.len() + more);
                tx.audit_kept(line);
                return Ok(Imported::Refused(Refused { rows: bad, more }));
            }
            let (mut added, mut replaced) = (0, 0);
            for p in &good {
                let mut t = tx.open_table(PROCEDURES)?;
                if t.insert(p.id.as_str(), encode(p)?.as_slice())?.is_some() {
                    replaced += 1;
                } else {
                    added += 1;
                }
                drop(t);
                changes::record(tx, &Key::Procedure(p.id.clone()), vec![], vec![])?;
            }
            let mut line = a.entry(now, "import_catalogue", &file, "ok");
            line.detail = format!("{added} added, {replaced} replaced");
            tx.audit(line)?;
            Ok(Imported::Saved { added, replaced })
        })
        .await
}

/// Save one procedure (new, or replacing the one with its code and agency).
pub async fn save(ctx: &Ctx, actor: &Actor, p: ProcedureIn) -> Result<Procedure, Error> {
    actor.require_admin()?;
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let known = known_agencies(tx)?;
            let p = check(&p, &|c| known.contains(c)).map_err(|m| Error {
                kind: Kind::Invalid,
                code: "catalogue.procedure".into(),
                message: m,
            })?;
            tx.open_table(PROCEDURES)?
                .insert(p.id.as_str(), encode(&p)?.as_slice())?;
            changes::record(tx, &Key::Procedure(p.id.clone()), vec![], vec![])?;
            tx.audit(a.entry(now, "save_procedure", &p.id, "ok"))?;
            Ok(p)
        })
        .await
}

/// Remove a procedure from the catalogue: kiosks drop it; dossiers already received keep its
/// name and are not touched.
pub async fn remove(ctx: &Ctx, actor: &Actor, id: &str) -> Result<(), Error> {
    actor.require_admin()?;
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let id = id.to_owned();
    ctx.store
        .write(move |tx| {
            if tx.open_table(PROCEDURES)?.remove(id.as_str())?.is_none() {
                return Err(Error::not_found("thủ tục", "Procedure"));
            }
            changes::record(tx, &Key::Procedure(id.clone()), vec![], vec![])?;
            tx.audit(a.entry(now, "remove_procedure", &id, "ok"))?;
            Ok(())
        })
        .await
}

/// Every procedure, by name.
pub async fn list(ctx: &Ctx) -> Result<Vec<Procedure>, Error> {
    ctx.store
        .read(|txn| {
            let mut out: Vec<Procedure> = Vec::new();
            for item in txn.open_table(PROCEDURES)?.iter()? {
                out.push(decode(item?.1.value())?);
            }
            out.sort_by(|a, b| a.field.cmp(&b.field).then_with(|| a.name.cmp(&b.name)));
            Ok(out)
        })
        .await
}

/// One procedure.
pub async fn one(ctx: &Ctx, id: &str) -> Result<Procedure, Error> {
    let id = id.to_owned();
    ctx.store
        .read(move |txn| {
            get::<Procedure>(&txn.open_table(PROCEDURES)?, &id)?
                .ok_or_else(|| Error::not_found("thủ tục", "Procedure"))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(c: &AgencyCode) -> bool {
        c.as_str() != "000.00.99.H16"
    }

    #[test]
    fn a_csv_row_reads_its_fees_documents_and_retention() {
        let file = "\u{feff}national_code,name,field,agency,working_days,fees,documents,immediate,retention\n\
            1.004199,\"Đăng ký biến động, chuyển nhượng\",Đất đai,000.00.13.H16,10,Lệ phí: 30.000; Phí đo đạc: 1 500 000,Đơn; Hợp đồng,0,permanent\n\
            1.000001,Sai,X,000.00.13.H16,mười,,,,\n";
        let rows = read_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let p = rows[0].as_ref().unwrap();
        assert_eq!(p.name, "Đăng ký biến động, chuyển nhượng");
        assert_eq!(p.fees[1].amount, 1_500_000);
        assert_eq!(p.documents, ["Đơn", "Hợp đồng"]);
        assert_eq!(p.retention, Some(Retention::Permanent));
        let stored = check(p, &known).unwrap();
        assert_eq!(stored.id, "1.004199.000.00.13.H16");
        assert_eq!(stored.processing_time, ProcessingTime::WorkingDays(10));
        assert!(rows[1].as_ref().unwrap_err().vi.contains("mười"));
    }

    #[test]
    fn a_wrong_procedure_says_what_is_wrong() {
        let good = ProcedureIn {
            national_code: "1.001193".into(),
            name: "Đăng ký khai sinh".into(),
            agency: "000.30.31.H16".into(),
            working_days: Some(1),
            ..Default::default()
        };
        assert!(check(&good, &known).is_ok());
        let cases: [(ProcedureIn, &str); 5] = [
            (
                ProcedureIn {
                    national_code: "1-001193".into(),
                    ..good.clone()
                },
                "mã thủ tục",
            ),
            (
                ProcedureIn {
                    agency: "000.00.99.H16".into(),
                    ..good.clone()
                },
                "không có cơ quan",
            ),
            (
                ProcedureIn {
                    working_hours: Some(4),
                    ..good.clone()
                },
                "không cả hai",
            ),
            (
                ProcedureIn {
                    name: " ".into(),
                    ..good.clone()
                },
                "thiếu tên",
            ),
            (
                ProcedureIn {
                    retention: Some(Retention::Years(0)),
                    ..good.clone()
                },
                "bảo quản",
            ),
        ];
        for (p, says) in cases {
            let e = check(&p, &known).unwrap_err();
            assert!(e.vi.contains(says), "{says}: {}", e.vi);
            assert!(!e.en.is_empty());
        }
    }
}
