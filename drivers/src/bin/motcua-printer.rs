//! `motcua-printer`: the printer simulator, a test slip for technicians, and a status probe.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use motcua_core::slip::{Align, Slip, TextLine, TextSize};
use motcua_core::{Lang, Localized};
use motcua_drivers::profile::Profile;
use motcua_drivers::sim::SimPrinter;
use motcua_drivers::status::PrinterStatus;
use motcua_drivers::transport::{Printer, Target};

/// Máy in mô phỏng và công cụ kiểm tra / printer simulator and test tool.
#[derive(Debug, Parser)]
#[command(name = "motcua-printer", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// A virtual ESC/POS printer on TCP: each slip is written as a PNG and a transcript.
    Sim {
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: String,
        /// Where the slips go.
        #[arg(long, default_value = "./printer-out")]
        out: PathBuf,
        /// Dots per line: 576 for 80 mm paper, 384 for 58 mm.
        #[arg(long, default_value_t = 576)]
        dots: usize,
        /// The paper state it reports.
        #[arg(long, value_enum, default_value_t = Paper::Ok)]
        paper: Paper,
        /// The cover state it reports.
        #[arg(long, value_enum, default_value_t = Cover::Closed)]
        cover: Cover,
    },
    /// Print the technician's test slip.
    Test {
        /// tcp://HOST:9100, serial:///dev/ttyUSB0?baud=9600 or file:///dev/usb/lp0
        #[arg(long)]
        printer: String,
        #[arg(long, default_value = "generic-80")]
        profile: String,
    },
    /// Ask a printer its state (online, paper near end, …).
    Status {
        #[arg(long)]
        printer: String,
        #[arg(long, default_value = "generic-80")]
        profile: String,
    },
    /// List the bundled printer profiles.
    Profiles,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Paper {
    Ok,
    NearEnd,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Cover {
    Closed,
    Open,
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
        .qr(
            match motcua_core::DossierCode::parse("000.00.01.H16-251110-0001") {
                Ok(code) => motcua_drivers::qr::own_payload(&code, Some("1234")),
                Err(_) => "MC1".into(),
            },
        )
        .line("Quét mã trên để kiểm tra QR / scan to check the QR")
        .cut()
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Sim {
            listen,
            out,
            dots,
            paper,
            cover,
        } => {
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
            let status = match (paper, cover) {
                (_, Cover::Open) => PrinterStatus::CoverOpen,
                (Paper::Out, _) => PrinterStatus::PaperOut,
                (Paper::NearEnd, _) => PrinterStatus::PaperNearEnd,
                (Paper::Ok, Cover::Closed) => PrinterStatus::Online,
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
        Cmd::Test { printer, profile } => probe(&printer, &profile, false),
        Cmd::Status { printer, profile } => probe(&printer, &profile, true),
        Cmd::Profiles => {
            for p in Profile::all() {
                println!("{:<18} {}", p.name, p.description);
            }
            ExitCode::SUCCESS
        }
    }
}

/// Ask the printer at `uri` its state, or print the test slip on it.
fn probe(uri: &str, profile_name: &str, status_only: bool) -> ExitCode {
    let run = || -> Result<String, Box<dyn Localized>> {
        let target = Target::parse(uri).map_err(|e| Box::new(e) as Box<dyn Localized>)?;
        let profile =
            Profile::bundled(profile_name).map_err(|e| Box::new(e) as Box<dyn Localized>)?;
        let mut p = Printer::new(target, profile.clone());
        if status_only {
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
