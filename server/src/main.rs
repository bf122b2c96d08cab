//! `motcua-server`: parse flags, build the configuration, call into the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use motcua_server::db::model::Role;
use motcua_server::{AppState, Clock, Config};

/// mimalloc: quicker than the system allocator under many threads, and it gives freed memory
/// back, which keeps the resident size of a long-running server flat.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "motcua-server",
    version,
    about = "Máy chủ trung tâm motcua / the motcua central server"
)]
struct Cli {
    /// A TOML configuration file; `MOTCUA_*` environment variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Where the database lives (overrides the file and the environment).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Serve the API until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Fill the store with demo data.
    Seed {
        /// Build the demo centre (agencies, procedures, staff, dossiers).
        #[arg(long, required = true)]
        demo: bool,
        /// How many dossiers.
        #[arg(long, default_value_t = 2000)]
        dossiers: usize,
    },
    /// Account administration from the console.
    Admin {
        #[command(subcommand)]
        command: AdminCmd,
    },
    /// The working-time calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCmd,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarCmd {
    /// Print a provisional year file (Labour Code holidays, Tết and the Hùng Kings' day from the
    /// lunar calendar) to check, correct and load with PUT /api/v1/admin/calendar/years/{year}.
    Provisional {
        #[arg(long)]
        year: i32,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCmd {
    /// Create a staff account; its one-time password is printed once.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// receptionist, officer, head, centre_admin or system_admin.
        #[arg(long)]
        role: String,
        /// The agency code the account works for.
        #[arg(long)]
        agency: Option<String>,
    },
    /// Create a kiosk (as the fleet console's "Thêm kiosk" does): its id, one-time enrolment
    /// code and the enrolment QR's text are printed once.
    CreateKiosk {
        #[arg(long)]
        name: String,
        /// The centre (agency code) it stands in.
        #[arg(long)]
        centre: String,
        /// The agencies whose dossiers it shows, comma-separated; every agency when left out.
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// The server's address as the kiosk reaches it, for the QR's text.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Print a random sample of dossier codes, one a line (for load tests and checks).
    SampleCodes {
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
    /// Give an account a new one-time password (printed once; every session of it ends). For
    /// a forgotten password, the demo's accounts included.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Put a backup (made by `POST /api/v1/admin/backup`) in place of the store, the server
    /// stopped; the file it replaces is kept beside it.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Lỗi cấu hình / configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    match run(cli.command, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cmd: Cmd, mut config: Config) -> Result<(), String> {
    match cmd {
        Cmd::Calendar {
            command: CalendarCmd::Provisional { year },
        } => {
            let y = motcua_core::CalendarYear::provisional(year).ok_or_else(|| {
                format!("năm {year} ngoài khoảng 2000–2099 / the year {year} is outside 2000–2099")
            })?;
            println!(
                "# Lịch làm việc năm {year} TẠM TÍNH: đối chiếu với thông báo của Chính phủ trước khi dùng.\n\
                 # Provisional working-time calendar of {year}: check it against the government's notice.\n"
            );
            print!("{}", y.to_toml());
            Ok(())
        }
        Cmd::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            if let Some(pw) = state.bootstrap_admin().map_err(|e| e.to_string())? {
                println!("Tài khoản quản trị đầu tiên / first administrator account:");
                println!("  tên đăng nhập / username: admin");
                println!("  mật khẩu dùng một lần / one-time password: {pw}");
                println!(
                    "  Đổi mật khẩu ở lần đăng nhập đầu / change it at first login. Mật khẩu này không được in lại / it is not shown again."
                );
            }
            // Few blocking threads: redb reads are short, and fewer threads mean fewer wake-ups and
            // less memory.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .max_blocking_threads(8)
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let running = motcua_server::spawn(state)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(addr = %running.addr, version = motcua_server::VERSION, "serving");
                println!("motcua-server listening on http://{}", running.addr);
                shutdown_signal().await;
                tracing::info!("shutting down");
                running.stop().await;
                Ok(())
            })
        }
        Cmd::Seed { demo: _, dossiers } => {
            // Bulk loading wants a large page cache; serving does not.
            config.cache_mb = config.cache_mb.max(1024);
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            let started = std::time::Instant::now();
            let report = motcua_server::seed::seed_demo(
                &state.store,
                &state.cal.get(),
                state.clock.now_vn(),
                dossiers,
            )
            .map_err(|e| e.message.en)?;
            motcua_server::seed::seed_example_kiosk(&state.store, state.clock.now_vn())
                .map_err(|e| e.message.en)?;
            println!(
                "Đã tạo / seeded: {} cơ quan / agencies, {} thủ tục / procedures, {} hồ sơ / dossiers, {} số thứ tự / queue tickets in {:.1} s",
                report.agencies,
                report.procedures,
                report.dossiers,
                report.queue_tickets,
                started.elapsed().as_secs_f64()
            );
            if !report.staff.is_empty() {
                println!(
                    "Tài khoản cán bộ mẫu (đổi mật khẩu ở lần đăng nhập đầu) / demo staff (change the password at first login):"
                );
                for (u, role, pw) in &report.staff {
                    println!("  {u:<18} {:<20} {pw}", role.label_vi());
                }
            }
            Ok(())
        }
        Cmd::Admin {
            command:
                AdminCmd::CreateKiosk {
                    name,
                    centre,
                    scope,
                    server,
                },
        } => {
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            let parse =
                |s: &str| motcua_core::AgencyCode::parse(s.trim()).map_err(|e| format!("{s}: {e}"));
            let centre = parse(&centre)?;
            let scope = if scope.is_empty() {
                motcua_server::seed::agency_codes(&state.store).map_err(|e| e.message.en)?
            } else {
                scope
                    .iter()
                    .map(|s| parse(s))
                    .collect::<Result<Vec<_>, _>>()?
            };
            let now = state.clock.now_vn();
            let (id, code) = state
                .store
                .write_blocking(move |tx| {
                    let made = motcua_server::ops::kiosks::insert(tx, &name, &centre, &scope, now)?;
                    tx.audit(motcua_server::ops::audit_entry(
                        now,
                        "system",
                        "local",
                        "create_kiosk",
                        &made.0,
                        "ok",
                    ))?;
                    Ok::<_, motcua_server::ops::Error>(made)
                })
                .map_err(|e| e.message.en)?;
            println!("Kiosk: {id}");
            println!("Mã đăng ký dùng một lần / one-time enrolment code: {code}");
            println!(
                "Nội dung mã QR đăng ký / enrolment QR text: motcua-enrol:{}#{code}",
                server.trim_end_matches('/')
            );
            Ok(())
        }
        Cmd::Admin {
            command: AdminCmd::SampleCodes { count },
        } => {
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            for code in
                motcua_server::seed::sample_codes(&state.store, count).map_err(|e| e.message.en)?
            {
                println!("{code}");
            }
            Ok(())
        }
        Cmd::Admin {
            command: AdminCmd::Restore { from },
        } => {
            let store = config.data_dir.join("motcua.redb");
            let kept = motcua_server::db::backup::restore(&from, &store).map_err(|e| {
                format!("không khôi phục được / cannot restore (is the server stopped?): {e}")
            })?;
            println!(
                "Đã khôi phục / restored {} from {}",
                store.display(),
                from.display()
            );
            if let Some(k) = kept {
                println!(
                    "Tệp cũ giữ ở / the previous file is kept at {}",
                    k.display()
                );
            }
            Ok(())
        }
        Cmd::Admin {
            command: AdminCmd::ResetPassword { username },
        } => {
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            let made = motcua_server::ops::accounts::reset_from_console(&state.ctx, &username)
                .map_err(|e| e.message.en)?;
            println!(
                "Đã đặt lại / reset {}; mật khẩu dùng một lần / one-time password: {}",
                made.user.username, made.one_time_password
            );
            Ok(())
        }
        Cmd::Admin {
            command:
                AdminCmd::CreateUser {
                    username,
                    full_name,
                    role,
                    agency,
                },
        } => {
            let role: Role = serde_json::from_value(serde_json::Value::String(role.clone()))
                .map_err(|_| format!("vai trò không hợp lệ / unknown role {role:?}"))?;
            let agency = agency
                .map(|a| motcua_core::AgencyCode::parse(&a).map_err(|e| e.to_string()))
                .transpose()?;
            let state = AppState::open(config, Clock::system()).map_err(|e| e.to_string())?;
            let n = motcua_protocol::staff::NewUser {
                username,
                full_name,
                role,
                agency,
            };
            let made = motcua_server::ops::accounts::create_from_console(&state.ctx, n)
                .map_err(|e| e.message.en)?;
            let (username, password) = (made.user.username, made.one_time_password);
            println!(
                "Đã tạo / created {username}; mật khẩu dùng một lần / one-time password: {password}"
            );
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
