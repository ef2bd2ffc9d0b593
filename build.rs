//! Generates the service table and one typed client module per enabled
//! service from `specs/normalized/<service>.json` (see `crates/ttrest-codegen`).
//! The same text is checked in under `generated/` by `cargo xtask generate`,
//! so reviewers can read it and `cargo xtask check` can tell when it drifts.

use std::path::{Path, PathBuf};

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let specs = Path::new("specs/normalized");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={}", specs.display());
    // The one list of services: the specs present.
    let services = ttrest_codegen::service_names(specs).unwrap_or_else(|e| fail(e));
    println!(
        "cargo::rustc-env=TTREST_SPEC_SNAPSHOT={}",
        snapshot(specs, &services)
    );
    let table = ttrest_codegen::generate_services_file(specs).unwrap_or_else(|e| fail(e));
    write(&out_dir.join("services.rs"), &table);
    // The column tables of record types (`ttrest::columns`), whatever the features.
    let columns = ttrest_codegen::generate_columns_file(specs).unwrap_or_else(|e| fail(e));
    write(&out_dir.join("columns.rs"), &columns);
    for service in &services {
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

/// FNV-1a (64 bits, hex) over each spec's name and bytes, in name order: names
/// the spec snapshot a build was generated from (`ttrest::SPEC_SNAPSHOT`).
fn snapshot(specs: &Path, services: &[String]) -> String {
    let mut names = services.to_vec();
    names.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in names {
        let bytes = std::fs::read(specs.join(format!("{name}.json"))).unwrap_or_default();
        for b in name.as_bytes().iter().chain([0u8].iter()).chain(&bytes) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
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
