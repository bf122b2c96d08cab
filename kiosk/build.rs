fn main() {
    // English is bundled; Vietnamese is the source language. The catalogue's entries carry no
    // context, so neither do the screens' texts (by default a text's context would be its
    // component's name, and no entry would match).
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/app.slint", config)
        .expect("the kiosk's Slint files compile");
    println!("cargo:rerun-if-changed=lang");
}
