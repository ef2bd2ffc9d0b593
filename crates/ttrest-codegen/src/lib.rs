//! Code generation for ttrest: one normalized OpenAPI spec in, one pretty-printed
//! Rust module out.
//!
//! Shared by `build.rs` (which writes into `OUT_DIR`) and `cargo xtask generate`
//! (which writes the same text into `generated/` for review), so the two can never
//! disagree.

#![warn(missing_docs)]

mod columns;
mod paging;
mod pipeline;
mod services;
mod time_paged;

pub use columns::generate_columns_file;
pub use services::{accessor_name, generate_services_file, service_names};

use std::path::Path;

use openapiv3::OpenAPI;
use progenitor::{CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// Why a spec could not be turned into Rust code.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The spec file could not be read.
    #[error("{path}: cannot read the spec: {source}")]
    Read {
        /// The spec file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec is not an OpenAPI 3.0 document `openapiv3` accepts.
    #[error("{path}: not a valid OpenAPI 3.0 document ({source}); run `cargo xtask normalize` and check the overlays")]
    Parse {
        /// The spec file.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// progenitor refused the spec.
    #[error("{path}: progenitor cannot generate a client from this spec: {message}; fix the normalizer or add an overlay in specs/overlays/")]
    Generate {
        /// The spec file.
        path: String,
        /// progenitor's message.
        message: String,
    },
}

/// Generates the module body for one service from its normalized spec file.
pub fn generate_file(path: &Path) -> Result<String, CodegenError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: shown.clone(),
        source,
    })?;
    generate_str(&shown, &text)
}

/// Generates the module body for one service from the text of its normalized spec.
///
/// `origin` only names the spec in error messages.
pub fn generate_str(origin: &str, spec_json: &str) -> Result<String, CodegenError> {
    let spec: OpenAPI = serde_json::from_str(spec_json).map_err(|source| CodegenError::Parse {
        path: origin.to_string(),
        source,
    })?;
    generate(origin, &spec)
}

/// Generates the module body for one service from a parsed spec.
pub fn generate(origin: &str, spec: &OpenAPI) -> Result<String, CodegenError> {
    let mut generator = Generator::new(&settings());
    let tokens = generator
        .generate_tokens(spec)
        .map_err(|e| CodegenError::Generate {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
    let tokens = paging::append(origin, spec, &generator, tokens)?;
    let time_paged = time_paged::impls(spec);
    let tokens = quote!(#tokens #time_paged);
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Generate {
        path: origin.to_string(),
        message: format!("progenitor produced code that does not parse: {e}"),
    })?;
    pipeline::rewrite(spec, &mut file).map_err(|message| CodegenError::Generate {
        path: origin.to_string(),
        message: format!("cannot plug the generated client into the pipeline: {message}"),
    })?;
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

/// Generates typed [`httpmock`](https://docs.rs/httpmock) helpers for one
/// service from its normalized spec file (see [`generate_mock`]).
pub fn generate_mock_file(path: &Path, service: &str) -> Result<String, CodegenError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: shown.clone(),
        source,
    })?;
    let spec: OpenAPI = serde_json::from_str(&text).map_err(|source| CodegenError::Parse {
        path: shown.clone(),
        source,
    })?;
    generate_mock(&shown, &spec, service)
}

/// Generates progenitor's typed `httpmock` extension for one service: a
/// `MockServerExt` trait with one method per operation, whose `when`/`then`
/// wrappers take the types of the client module `crate::<service>` (built
/// by [`generate`] with the same settings, so the type names agree).
pub fn generate_mock(origin: &str, spec: &OpenAPI, service: &str) -> Result<String, CodegenError> {
    let fail = |message: String| CodegenError::Generate {
        path: origin.to_string(),
        message,
    };
    let tokens = Generator::new(&settings())
        .httpmock(&session_paths(spec, service), &format!("crate::{service}"))
        .map_err(|e| fail(format!("cannot generate httpmock helpers: {e}")))?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        fail(format!(
            "progenitor produced mock code that does not parse: {e}"
        ))
    })?;
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

/// `spec` with every path as a `Session` requests it from its root URL:
/// `/<service>/<environment>/<path>`. progenitor matches mocks on the spec's
/// paths alone, which would only fit a server mounted at the service's base
/// URL; the environment is left undeclared, so it matches any (`[^/]*`).
fn session_paths(spec: &OpenAPI, service: &str) -> OpenAPI {
    let mut spec = spec.clone();
    spec.paths.paths = std::mem::take(&mut spec.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("/{service}/{{ttrestEnvironment}}{path}"), item))
        .collect();
    spec
}

pub(crate) const HEADER: &str =
    "// @generated by ttrest-codegen from specs/normalized/. Do not edit:\n\
// fix the normalizer or an overlay, then run `cargo xtask generate`.\n\n";

/// The progenitor settings every service is generated with.
///
/// - Builder interface (as oxide.rs): optional parameters stay readable.
/// - Hooks `Expected`: the crate must implement `ClientHooks` for each client,
///   which is where the session layer (tokens, requestId, retries...) plugs in.
/// - Inner type: the shared session state every client of a session carries.
/// - After generation, [`pipeline`] routes every body through ttrest's decoder
///   and adds `send_window()` to time-windowed builders.
/// - Crate `ttrest` trusted for `x-rust-type`: the normalizer maps TT's lenient
///   scalars (`format: tt-id`...) to `ttrest::scalar::*`; ttrest itself resolves
///   that path through `extern crate self as ttrest`.
fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::hooks::Inner))
        .with_derive("PartialEq")
        .with_crate("ttrest", CrateVers::Any, None);
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A one-operation spec whose 200 response is `schema` (named `Thing`).
    fn spec_with(schema: serde_json::Value) -> String {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/thing": {"get": {
                "operationId": "get_thing",
                "responses": {"200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                }}
            }}},
            "components": {"schemas": {"Thing": schema}}
        })
        .to_string()
    }

    /// A spec as `cargo xtask normalize` writes it: 400/500 and the 4XX/5XX
    /// ranges have an inline schema mapped to `ttrest::error::ErrorBody`.
    fn spec_with_error_body(params: serde_json::Value) -> String {
        let body = json!({"type": "object", "x-rust-type": {"crate": "ttrest", "version": "*", "path": "ttrest::error::ErrorBody"}});
        let error = json!({"description": "e", "content": {"application/json": {"schema": body}}});
        json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/thing": {"get": {
                "operationId": "get_thing",
                "parameters": params,
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "400": error, "500": error, "4XX": error, "5XX": error
                }
            }}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {"n": {"type": "integer"}}}
            }}
        })
        .to_string()
    }

    #[test]
    fn error_responses_decode_into_ttrests_error_body_through_its_decoder() {
        let code = generate_str("test", &spec_with_error_body(json!([]))).unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact
                .contains("Result<ResponseValue<types::Thing>,Error<::ttrest::error::ErrorBody>>"),
            "{code}"
        );
        for arm in ["400u16", "500u16", "400u16..=499u16", "500u16..=599u16"] {
            assert!(
                compact.contains(&format!(
                    "{arm}=>{{Err(Error::ErrorResponse(crate::hooks::decode(response).await?))}}"
                )),
                "{arm}: {code}"
            );
        }
        assert!(
            compact.contains("200u16=>crate::hooks::decode(response).await"),
            "{code}"
        );
        assert!(!code.contains("from_response"), "{code}");
        assert!(!code.contains("send_window"), "not time-windowed: {code}");
    }

    #[test]
    fn time_windowed_operations_get_send_window() {
        let window =
            |name: &str| json!({"name": name, "in": "query", "schema": {"type": "integer"}});
        let code = generate_str(
            "test",
            &spec_with_error_body(json!([window("minTimestamp"), window("maxTimestamp")])),
        )
        .unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains("pubasyncfnsend_window(self,)->Result<ResponseValue<types::Thing>,Error<::ttrest::error::ErrorBody>>{letclient=self.client.for_time_window();GetThing{client:&client,..self}.send().await}"),
            "{code}"
        );
    }

    #[test]
    fn x_rust_type_in_crate_ttrest_is_used_instead_of_a_generated_type() {
        let code = generate_str(
            "test",
            &spec_with(json!({
                "type": "object",
                "properties": {"instrumentId": {
                    "type": "string",
                    "format": "tt-id",
                    "x-rust-type": {"crate": "ttrest", "version": "*", "path": "ttrest::scalar::TtId"}
                }}
            })),
        )
        .unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains("pubinstrument_id:::std::option::Option<::ttrest::scalar::TtId>"),
            "{code}"
        );
    }

    #[test]
    fn mocks_match_the_path_a_session_requests_in_any_environment() {
        let spec: OpenAPI = serde_json::from_str(&spec_with(json!({"type": "object"}))).unwrap();
        let code = generate_mock("test", &spec, "ttsvc").unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains(r#"Regex::new("^/ttsvc/[^/]*/thing$")"#),
            "{code}"
        );
        assert!(compact.contains("usecrate::ttsvc::*;"), "{code}");
        assert!(
            compact.contains("fnget_thing<F>(&self,config_fn:F)"),
            "{code}"
        );
    }

    #[test]
    fn x_rust_type_in_another_crate_falls_back_to_the_schema() {
        let code = generate_str(
            "test",
            &spec_with(json!({
                "type": "object",
                "properties": {"id": {
                    "type": "string",
                    "x-rust-type": {"crate": "other", "version": "*", "path": "other::Id"}
                }}
            })),
        )
        .unwrap();
        assert!(!code.contains("other::Id"), "{code}");
    }

    #[test]
    fn free_form_additional_properties_keep_unknown_fields_in_extra() {
        let code = generate_str(
            "test",
            &spec_with(json!({
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "additionalProperties": {}
            })),
        )
        .unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains("#[serde(flatten)]pubextra:")
                && compact.contains("::serde_json::Value>"),
            "{code}"
        );
    }
}
