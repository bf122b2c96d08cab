//! Operator tool for thermal printers (simulator, test slip, status).

fn main() {
    println!(
        "motcua-printer {}: máy in mô phỏng và công cụ kiểm tra máy in sẽ có trong phiên bản sau / the printer simulator and test tool are not built yet",
        motcua_drivers::VERSION
    );
    std::process::exit(2);
}
