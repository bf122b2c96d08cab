//! The `motcua-kiosk` binary.

fn main() {
    println!(
        "motcua-kiosk {}: màn hình kiosk chưa được xây dựng / the kiosk window is not built yet",
        motcua_kiosk::VERSION
    );
    std::process::exit(2);
}
