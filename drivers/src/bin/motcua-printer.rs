//! `motcua-printer`: the printer simulator, a test slip for technicians, and a status probe.

use std::path::PathBuf;
use std::process::ExitCode;

use motcua_core::slip::{Align, Slip, TextLine, TextSize};
use motcua_core::{Lang, Localized};
use motcua_drivers::profile::Profile;
use motcua_drivers::sim::SimPrinter;
use motcua_drivers::status::PrinterStatus;
use motcua_drivers::transport::{Printer, Target};

const USAGE: &str = "\
motcua-printer — máy in mô phỏng và công cụ kiểm tra / printer simulator and test tool

  motcua-printer sim [--listen 127.0.0.1:9100] [--out DIR] [--dots 576]
                     [--paper ok|near-end|out] [--cover open]
  motcua-printer test --printer tcp://HOST:9100|serial:///dev/ttyUSB0?baud=9600|file:///dev/usb/lp0
                      [--profile generic-80]
  motcua-printer status --printer URI [--profile generic-80]
  motcua-printer profiles";

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The slip a technician prints when installing a kiosk.
pub fn test_slip(profile: &Profile) -> Slip {
    Slip::new()
        .title("IN THỬ / TEST PRINT")
        .line(format!(
            "Cấu hình / profile: {} ({} mm, {} chấm)",
            profile.name, profile.paper_mm, profile.dots
        ))
        .separator()
        .line("Tiếng Việt: à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ đ è é ẻ ẽ ẹ ê ề ế ể ễ ệ")
        .line("ì í ỉ ĩ ị ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ư ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ")
        .line("ĐÃ TRẢ KẾT QUẢ — Nguyễn Thị Hồng Nhung")
        .text(TextLine {
            text: "Chữ nhỏ / small".into(),
            size: TextSize::Small,
            bold: false,
            align: Align::Left,
        })
        .text(TextLine {
            text: "Chữ đậm / bold".into(),
            size: TextSize::Normal,
            bold: true,
            align: Align::Left,
        })
        .text(TextLine {
            text: "Chữ lớn / large".into(),
            size: TextSize::Large,
            bold: false,
            align: Align::Center,
        })
        .text(TextLine {
            text: "A001".into(),
            size: TextSize::Huge,
            bold: true,
            align: Align::Center,
        })
        .qr(motcua_drivers::qr::own_payload(
            &motcua_core::DossierCode::parse("000.00.01.H16-251110-0001").expect("valid"),
            Some("1234"),
        ))
        .line("Quét mã trên để kiểm tra QR / scan to check the QR")
        .cut()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile_name = arg(&args, "--profile").unwrap_or_else(|| "generic-80".into());
    match args.first().map(String::as_str) {
        Some("sim") => {
            let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:9100".into());
            let out = PathBuf::from(arg(&args, "--out").unwrap_or_else(|| "./printer-out".into()));
            let dots: usize = arg(&args, "--dots")
                .and_then(|d| d.parse().ok())
                .unwrap_or(576);
            let sim = match SimPrinter::new(&out, dots) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!(
                        "Không tạo được thư mục / cannot create {}: {e}",
                        out.display()
                    );
                    return ExitCode::FAILURE;
                }
            };
            let status = match (
                arg(&args, "--paper").as_deref(),
                arg(&args, "--cover").as_deref(),
            ) {
                (_, Some("open")) => PrinterStatus::CoverOpen,
                (Some("out"), _) => PrinterStatus::PaperOut,
                (Some("near-end"), _) => PrinterStatus::PaperNearEnd,
                _ => PrinterStatus::Online,
            };
            sim.set_status(status);
            match sim.listen(&listen) {
                Ok(l) => {
                    println!(
                        "printer simulator listening on tcp://{}, slips in {} ({})",
                        l.addr,
                        out.display(),
                        status.label(Lang::En)
                    );
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    eprintln!("Không mở được cổng / cannot listen on {listen}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(cmd @ ("test" | "status")) => {
            let Some(uri) = arg(&args, "--printer") else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            let run = || -> Result<String, Box<dyn Localized>> {
                let target = Target::parse(&uri).map_err(|e| Box::new(e) as Box<dyn Localized>)?;
                let profile = Profile::bundled(&profile_name)
                    .map_err(|e| Box::new(e) as Box<dyn Localized>)?;
                let mut p = Printer::new(target, profile.clone());
                if cmd == "status" {
                    let s = p.status().map_err(|e| Box::new(e) as Box<dyn Localized>)?;
                    Ok(format!("{} / {}", s.label(Lang::Vi), s.label(Lang::En)))
                } else {
                    let s = p
                        .print(&test_slip(&profile))
                        .map_err(|e| Box::new(e) as Box<dyn Localized>)?;
                    Ok(format!(
                        "Đã in trang thử / test slip printed ({})",
                        s.label(Lang::En)
                    ))
                }
            };
            match run() {
                Ok(msg) => {
                    println!("{msg}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}\n{}", e.message(Lang::Vi), e.message(Lang::En));
                    ExitCode::FAILURE
                }
            }
        }
        Some("profiles") => {
            for p in Profile::all() {
                println!("{:<18} {}", p.name, p.description);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
