fn main() {
    slint_build::compile("ui/app.slint").expect("the kiosk's Slint files compile");
}
