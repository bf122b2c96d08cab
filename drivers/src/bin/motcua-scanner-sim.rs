//! `motcua-scanner-sim`: a virtual serial QR scanner. It opens a pseudo-terminal, prints the path
//! to give the kiosk, and types payloads into it — from the arguments, then one per line of
//! standard input — with the chosen suffix and prefix.

use std::io::BufRead;
use std::process::ExitCode;

use clap::Parser;

use motcua_drivers::scanner::Suffix;
use motcua_drivers::sim::SimScanner;

/// Máy quét mô phỏng / a virtual serial scanner: prints the terminal's path (and links `--link`
/// to it), types each PAYLOAD, then each line read from standard input; exits at its end.
#[derive(Debug, Parser)]
#[command(name = "motcua-scanner-sim", version)]
struct Cli {
    /// What ends each scan.
    #[arg(long, value_parser = parse_suffix, default_value = "cr")]
    suffix: Suffix,
    /// What starts each scan (some scanners send an AIM identifier such as `]Q1`).
    #[arg(long, default_value = "")]
    prefix: String,
    /// A path to link to the terminal (removed at the end).
    #[arg(long)]
    link: Option<String>,
    /// Payloads to type first.
    payloads: Vec<String>,
}

fn parse_suffix(s: &str) -> Result<Suffix, String> {
    match s {
        "cr" => Ok(Suffix::Cr),
        "lf" => Ok(Suffix::Lf),
        "crlf" => Ok(Suffix::CrLf),
        "tab" => Ok(Suffix::Tab),
        "none" => Ok(Suffix::None),
        other => Err(format!("{other:?}: cr, lf, crlf, tab or none")),
    }
}

fn main() -> ExitCode {
    let Cli {
        suffix,
        prefix,
        link,
        payloads,
    } = Cli::parse();
    let mut sim = match SimScanner::open(suffix, &prefix) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Không mở được cổng ảo / cannot open a pseudo-terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(l) = &link {
        let _ = std::fs::remove_file(l);
        if let Err(e) = std::os::unix::fs::symlink(sim.path(), l) {
            eprintln!("Không tạo được liên kết / cannot link {l}: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("{}", sim.path());
    for p in payloads
        .iter()
        .map(String::as_str)
        .map(str::to_owned)
        .chain(std::io::stdin().lock().lines().map_while(Result::ok))
    {
        if let Err(e) = sim.scan(p.trim_end()) {
            eprintln!("Lỗi gửi / send error: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(l) = &link {
        let _ = std::fs::remove_file(l);
    }
    ExitCode::SUCCESS
}
