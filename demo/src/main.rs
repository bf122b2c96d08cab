//! `motcua-demo`: the server with demo data, the printer simulator and a kiosk, in one process.

use std::process::ExitCode;

use clap::Parser;

/// Máy chủ, máy in mô phỏng và kiosk mẫu / the demo: server, printer simulator and kiosk.
#[derive(Debug, Parser)]
#[command(name = "motcua-demo", version)]
struct Cli {
    /// Landscape window (1920 × 1080) instead of portrait (1080 × 1920).
    #[arg(long)]
    landscape: bool,
    /// No window: serve until Ctrl-C.
    #[arg(long)]
    headless: bool,
    /// Walk the kiosk window through its screens (both orientations, both languages, large
    /// text), save each as a PNG in this folder, then end.
    #[arg(long, value_name = "DIR")]
    tour: Option<std::path::PathBuf>,
    /// Where the server's data, the kiosk's replica and the printed slips go.
    #[arg(long, default_value = "./demo-out")]
    out: std::path::PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    match motcua_demo::run(
        &cli.out,
        motcua_demo::DemoOptions {
            window: !cli.headless,
            landscape: cli.landscape,
            tour: cli.tour,
        },
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}
