// rust-i18n embeds the translation files at compile time but does not tell cargo about them.
fn main() {
    println!("cargo:rerun-if-changed=i18n");
}
