//! Generates one typed client module per enabled service from
//! `specs/normalized/<service>.json` (see `codegen/`). The same text is checked in
//! under `generated/` by `cargo xtask generate`, so reviewers can read it.

use std::path::{Path, PathBuf};

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let specs = Path::new("specs/normalized");
    println!("cargo::rerun-if-changed=build.rs");
    // One list of services for the whole crate: the codegen's.
    let list: Vec<String> = ttrest_codegen::SERVICES
        .iter()
        .map(|s| format!("{s:?}"))
        .collect();
    write(
        &out_dir.join("services.rs"),
        &format!(
            "/// Every TT REST 2.0 service ttrest knows (enabled or not), lowercase as\n\
             /// in URLs, in the order TT's docs list them.\n\
             pub const SERVICES: &[&str] = &[{}];\n",
            list.join(", ")
        ),
    );
    for service in ttrest_codegen::SERVICES {
        let feature = format!("CARGO_FEATURE_{}", service.to_uppercase());
        if std::env::var_os(feature).is_none() {
            continue;
        }
        let spec = specs.join(format!("{service}.json"));
        println!("cargo::rerun-if-changed={}", spec.display());
        let code = ttrest_codegen::generate_file(&spec).unwrap_or_else(|e| fail(e));
        write(&out_dir.join(format!("{service}.rs")), &code);
        // The `mock` feature adds typed httpmock helpers (`ttrest::mock::<service>`).
        if std::env::var_os("CARGO_FEATURE_MOCK").is_some() {
            let mock =
                ttrest_codegen::generate_mock_file(&spec, service).unwrap_or_else(|e| fail(e));
            write(&out_dir.join(format!("{service}_mock.rs")), &mock);
        }
    }
}

fn write(target: &Path, code: &str) {
    std::fs::write(target, code)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}

/// A readable failure beats a panic backtrace: name the spec and the fix.
fn fail(e: ttrest_codegen::CodegenError) -> ! {
    println!("cargo::error=ttrest: {e}");
    std::process::exit(1);
}
