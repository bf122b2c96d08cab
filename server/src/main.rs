//! The `motcua-server` binary.

fn main() {
    println!(
        "motcua-server {}: máy chủ chưa được xây dựng / the server is not built yet",
        motcua_server::VERSION
    );
    std::process::exit(2);
}
