fn main() {
    // English is bundled; Vietnamese is the source language.
    let config = slint_build::CompilerConfiguration::new().with_bundled_translations("lang");
    slint_build::compile_with_config("ui/app.slint", config)
        .expect("the kiosk's Slint files compile");
    println!("cargo:rerun-if-changed=lang");
}
