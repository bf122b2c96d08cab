//! `motcua-scanner-sim`: a virtual serial QR scanner. It opens a pseudo-terminal, prints the path
//! to give the kiosk, and types payloads into it — from the arguments, then one per line of
//! standard input — with the chosen suffix and prefix.

use std::io::BufRead;
use std::process::ExitCode;

use motcua_drivers::scanner::Suffix;
use motcua_drivers::sim::SimScanner;

const USAGE: &str = "\
motcua-scanner-sim — máy quét mô phỏng / virtual serial scanner

  motcua-scanner-sim [--suffix cr|lf|crlf|tab|none] [--prefix ']Q1'] [--link PATH] [PAYLOAD ...]

Prints the terminal's path (and links PATH to it), types each PAYLOAD, then each line read from
standard input; exits at the end of standard input.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut suffix, mut prefix, mut link, mut payloads) =
        (Suffix::Cr, String::new(), None, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--suffix" => {
                suffix = match args.next().as_deref() {
                    Some("cr") => Suffix::Cr,
                    Some("lf") => Suffix::Lf,
                    Some("crlf") => Suffix::CrLf,
                    Some("tab") => Suffix::Tab,
                    Some("none") => Suffix::None,
                    _ => {
                        eprintln!("{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--prefix" => prefix = args.next().unwrap_or_default(),
            "--link" => link = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => payloads.push(a),
        }
    }
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
