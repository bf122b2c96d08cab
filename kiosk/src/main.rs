//! The `motcua-kiosk` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--demo") {
        return match motcua_kiosk::demo::run(std::path::Path::new("./demo-out")) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Lỗi / error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    eprintln!(
        "motcua-kiosk {}: màn hình kiosk chưa được xây dựng; chạy bản trình diễn bằng --demo / the kiosk window is not built yet; run the demo with --demo",
        motcua_kiosk::VERSION
    );
    ExitCode::from(2)
}
