//! The service table: which services exist, and everything the handwritten
//! crate would otherwise have to list by name.
//!
//! A service is a file `specs/normalized/<service>.json`; nothing else names
//! it. From those files this module generates one Rust file (`services.rs`)
//! with, per service:
//!
//! - the module `ttrest::<service>` (gated on the cargo feature of the same
//!   name), which includes the generated client and its `ClientHooks` impl;
//! - the module's docs, from the spec's `info` (`x-ttrest-summary`, then
//!   `description`);
//! - the session accessor (`Session::ledger()` for `ttledger`, see
//!   [`accessor_name`]);
//! - the operation table (`ttrest::<service>::OPERATIONS`, what `ttrest call`
//!   lists and sends), each operation with its paging kind (key-paged by
//!   `nextPageKey`, time-windowed by `minTimestamp`/`maxTimestamp`, or none)
//!   and the retry class that follows from it, and a `const` handle per
//!   operation (`ttrest::<service>::ops::GET_FILLS`);
//! - the typed httpmock module `ttrest::mock::<service>` (feature `mock`).
//!
//! Cargo features cannot be generated: `cargo xtask check` compares the
//! manifest's feature list with [`service_names`].

use std::path::Path;

use heck::ToShoutySnakeCase;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::CodegenError;

/// The services with a normalized spec in `normalized_dir`, sorted by name.
pub fn service_names(normalized_dir: &Path) -> Result<Vec<String>, CodegenError> {
    let read = |source| CodegenError::Read {
        path: normalized_dir.display().to_string(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(normalized_dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// The name of a service's accessor on `Session`: the service name without
/// TT's `tt` prefix (`ttledger` → `ledger`), unless that leaves two letters
/// or fewer (`ttid` stays `ttid`).
pub fn accessor_name(service: &str) -> String {
    match service.strip_prefix("tt") {
        Some(rest) if rest.len() > 2 => rest.to_string(),
        _ => service.to_string(),
    }
}

/// One service as the table describes it.
struct Entry {
    name: String,
    doc: String,
    spec: OpenAPI,
}

/// Generates the service table of every spec in `normalized_dir` (see the
/// module docs); pretty-printed, with the generated-file header.
pub fn generate_services_file(normalized_dir: &Path) -> Result<String, CodegenError> {
    let mut entries = Vec::new();
    for name in service_names(normalized_dir)? {
        let path = normalized_dir.join(format!("{name}.json"));
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| CodegenError::Read {
            path: shown.clone(),
            source,
        })?;
        let spec: OpenAPI = serde_json::from_str(&text).map_err(|source| CodegenError::Parse {
            path: shown.clone(),
            source,
        })?;
        entries.push(Entry {
            doc: module_doc(&name, &spec),
            name,
            spec,
        });
    }
    let tokens = services_tokens(&entries);
    let file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Generate {
        path: normalized_dir.display().to_string(),
        message: format!("the service table does not parse: {e}"),
    })?;
    Ok(format!("{}{}", crate::HEADER, prettyplease::unparse(&file)))
}

/// `<service>: <summary>` and the spec's description, as Markdown.
fn module_doc(name: &str, spec: &OpenAPI) -> String {
    let summary = spec
        .info
        .extensions
        .get("x-ttrest-summary")
        .and_then(|v| v.as_str())
        .unwrap_or(&spec.info.title);
    let mut doc = format!("{name}: {summary}");
    if let Some(description) = spec.info.description.as_deref() {
        doc.push_str("\n\n");
        doc.push_str(description.trim());
    }
    doc
}

fn services_tokens(entries: &[Entry]) -> TokenStream {
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let modules = entries.iter().map(module_tokens);
    let accessors = entries.iter().map(accessor_tokens);
    let table = entries.iter().map(|e| {
        let name = &e.name;
        let module = format_ident!("{}", e.name);
        let accessor = accessor_name(&e.name);
        let doc = &e.doc;
        quote! {
            #[cfg(feature = #name)]
            crate::service::Service {
                name: #name,
                accessor: #accessor,
                doc: #doc,
                operations: crate::#module::OPERATIONS,
                spec_json: crate::#module::SPEC_JSON,
            }
        }
    });
    let mocks = entries.iter().map(|e| {
        let name = &e.name;
        let module = format_ident!("{}", e.name);
        let file = format!("/{}_mock.rs", e.name);
        let doc = format!("Typed httpmock helpers for [`{name}`](crate::{name}).");
        quote! {
            #[cfg(feature = #name)]
            #[doc = #doc]
            #[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]
            pub mod #module {
                include!(concat!(env!("OUT_DIR"), #file));
            }
        }
    });
    quote! {
        /// Every TT REST 2.0 service ttrest has a spec for (enabled or not),
        /// lowercase as in URLs, sorted by name.
        pub const SERVICES: &[&str] = &[#(#names),*];

        /// The services compiled into this build (their cargo features are on).
        pub static ENABLED_SERVICES: &[crate::service::Service] = &[#(#table),*];

        #(#modules)*

        impl crate::Session {
            #(#accessors)*
        }

        /// The typed httpmock modules, one per enabled service (included by `crate::mock`).
        #[cfg(feature = "mock")]
        #[doc(hidden)]
        pub mod mock_services {
            #(#mocks)*
        }
    }
}

fn module_tokens(entry: &Entry) -> TokenStream {
    let name = &entry.name;
    let module = format_ident!("{}", entry.name);
    let file = format!("/{}.rs", entry.name);
    let spec_path = format!("/specs/normalized/{}.json", entry.name);
    let doc = &entry.doc;
    let (handles, operations) = operations_tokens(name, &entry.spec);
    let ops_doc = format!("A `const` handle per operation of `{name}`, for [`Session::call`](crate::Session::call) and the operation table.");
    quote! {
        #[cfg(feature = #name)]
        #[doc = #doc]
        #[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]
        pub mod #module {
            include!(concat!(env!("OUT_DIR"), #file));
            crate::hooks::impl_client_hooks!(Client);

            /// The normalized OpenAPI spec this module was generated from.
            pub const SPEC_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), #spec_path));

            #[doc = #ops_doc]
            pub mod ops {
                #(#operations)*
            }

            /// Every operation of this service, as its spec describes it.
            pub static OPERATIONS: &[crate::service::Operation] = &[#(ops::#handles),*];
        }
    }
}

fn accessor_tokens(entry: &Entry) -> TokenStream {
    let name = &entry.name;
    let module = format_ident!("{}", entry.name);
    let accessor = format_ident!("{}", accessor_name(&entry.name));
    let doc =
        format!("A [`{name}`] client sharing this session's token, rate limiter and connections.");
    quote! {
        #[cfg(feature = #name)]
        #[doc = #doc]
        pub fn #accessor(&self) -> crate::#module::Client {
            crate::#module::Client::new_with_client(
                &self.base_url(#name),
                self.http_client().clone(),
                self.hook_state(#name),
            )
        }
    }
}

/// The handle names and one `pub const <ID>: crate::service::Operation` per
/// operation, sorted by id.
fn operations_tokens(service: &str, spec: &OpenAPI) -> (Vec<syn::Ident>, Vec<TokenStream>) {
    let windowed = crate::pipeline::windowed_operations(spec);
    let mut ops = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let Some(id) = op.operation_id.as_deref() else {
                continue;
            };
            let mut params = params_of(spec, &item.parameters);
            for p in params_of(spec, &op.parameters) {
                params.retain(|q| q.name != p.name);
                params.push(p);
            }
            let summary = first_line(op.summary.as_deref())
                .or_else(|| first_line(op.description.as_deref()))
                .unwrap_or_default();
            let paging = if crate::paging::takes_page_key(spec, op) {
                "KeyPaged"
            } else if windowed.iter().any(|w| w == id) {
                "TimeWindowed"
            } else {
                "None"
            };
            ops.push((
                paging,
                id.to_string(),
                method,
                path.clone(),
                summary,
                params,
                body_of(spec, op.request_body.as_ref()),
            ));
        }
    }
    ops.sort_by(|a, b| a.1.cmp(&b.1));
    let handles = ops
        .iter()
        .map(|op| format_ident!("{}", op.1.to_shouty_snake_case()))
        .collect();
    let consts = ops
        .into_iter()
        .map(|(paging, id, method, path, summary, params, body)| {
            let method = format_ident!("{}", method.to_ascii_uppercase());
            let params = params.iter().map(|p| {
                let (name, required, kind) = (&p.name, p.required, &p.kind);
                let location = format_ident!("{}", p.location);
                quote! {
                    crate::service::Param {
                        name: #name,
                        location: crate::service::Location::#location,
                        required: #required,
                        kind: #kind,
                    }
                }
            });
            let body = match body {
                Some(kind) => {
                    let kind = format_ident!("{kind}");
                    quote!(Some(crate::service::BodyKind::#kind))
                }
                None => quote!(None),
            };
            let handle = format_ident!("{}", id.to_shouty_snake_case());
            let retry = match paging {
                "TimeWindowed" => "TimeWindow",
                _ => "Default",
            };
            let doc = format!("`{method} {path}`: {summary}");
            let paging = format_ident!("{paging}");
            let retry = format_ident!("{retry}");
            quote! {
                #[doc = #doc]
                pub const #handle: crate::service::Operation = crate::service::Operation {
                    service: #service,
                    id: #id,
                    method: ::http::Method::#method,
                    path: #path,
                    summary: #summary,
                    params: &[#(#params),*],
                    body: #body,
                    paging: crate::service::Paging::#paging,
                    retry: crate::service::RetryClass::#retry,
                };
            }
        })
        .collect();
    (handles, consts)
}

fn first_line(text: Option<&str>) -> Option<String> {
    text?
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

struct ParamInfo {
    name: String,
    location: &'static str,
    required: bool,
    kind: String,
}

fn params_of(spec: &OpenAPI, list: &[ReferenceOr<Parameter>]) -> Vec<ParamInfo> {
    list.iter()
        .filter_map(|p| {
            let p = crate::paging::resolve_parameter(spec, p)?;
            let (location, data) = match p {
                Parameter::Path { parameter_data, .. } => ("Path", parameter_data),
                Parameter::Query { parameter_data, .. } => ("Query", parameter_data),
                Parameter::Header { parameter_data, .. } => ("Header", parameter_data),
                Parameter::Cookie { .. } => return None,
            };
            Some(ParamInfo {
                name: data.name.clone(),
                location,
                required: location == "Path" || data.required,
                kind: schema_type(spec, data),
            })
        })
        .collect()
}

/// The JSON type a parameter's schema names (`string`, `integer`...).
fn schema_type(spec: &OpenAPI, data: &openapiv3::ParameterData) -> String {
    let openapiv3::ParameterSchemaOrContent::Schema(schema) = &data.format else {
        return "string".into();
    };
    let schema = match schema {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| spec.components.as_ref()?.schemas.get(name)?.as_item()),
    };
    let kind = schema.and_then(|s| match &s.schema_kind {
        openapiv3::SchemaKind::Type(t) => Some(match t {
            openapiv3::Type::String(_) => "string",
            openapiv3::Type::Number(_) => "number",
            openapiv3::Type::Integer(_) => "integer",
            openapiv3::Type::Object(_) => "object",
            openapiv3::Type::Array(_) => "array",
            openapiv3::Type::Boolean(_) => "boolean",
        }),
        _ => None,
    });
    kind.unwrap_or("string").to_string()
}

/// `Json` or `Form`, from the request body's media types.
fn body_of(spec: &OpenAPI, body: Option<&ReferenceOr<RequestBody>>) -> Option<&'static str> {
    let body = match body? {
        ReferenceOr::Item(b) => b,
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            spec.components
                .as_ref()?
                .request_bodies
                .get(name)?
                .as_item()?
        }
    };
    if body.content.contains_key("application/json") {
        Some("Json")
    } else if body
        .content
        .contains_key("application/x-www-form-urlencoded")
    {
        Some("Form")
    } else {
        body.content.keys().next().map(|_| "Json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_drop_the_tt_prefix_unless_too_short() {
        assert_eq!(accessor_name("ttledger"), "ledger");
        assert_eq!(accessor_name("ttpds"), "pds");
        assert_eq!(accessor_name("ttid"), "ttid");
        assert_eq!(accessor_name("other"), "other");
    }

    fn write_spec(dir: &Path, name: &str, spec: serde_json::Value) {
        std::fs::write(dir.join(format!("{name}.json")), spec.to_string()).unwrap();
    }

    #[test]
    fn the_table_lists_every_spec_with_its_operations() {
        let dir = tempdir();
        write_spec(
            &dir,
            "ttnew",
            serde_json::json!({
                "openapi": "3.0.1",
                "info": {"title": "t", "version": "1", "x-ttrest-summary": "a new service."},
                "paths": {"/things/{thingId}": {
                    "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "get": {
                        "operationId": "get_thing",
                        "summary": "One thing.\nMore.",
                        "parameters": [{"name": "nextPageKey", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "ok"}}
                    }
                }}
            }),
        );
        write_spec(
            &dir,
            "ttid",
            serde_json::json!({"openapi": "3.0.1", "info": {"title": "ttid", "version": "1"}, "paths": {}}),
        );
        std::fs::write(dir.join("README.md"), "not a spec").unwrap();
        assert_eq!(service_names(&dir).unwrap(), ["ttid", "ttnew"]);
        let code = generate_services_file(&dir).unwrap();
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains(r#"pubconstSERVICES:&[&str]=&["ttid","ttnew"];"#),
            "{code}"
        );
        assert!(
            compact.contains("pubfnnew(&self)->crate::ttnew::Client"),
            "{code}"
        );
        assert!(compact.contains(r#"#[cfg(feature="ttnew")]"#), "{code}");
        assert!(compact.contains(r#"id:"get_thing""#), "{code}");
        assert!(
            compact.contains("pubconstGET_THING:crate::service::Operation="),
            "{code}"
        );
        assert!(
            compact.contains(
                "paging:crate::service::Paging::KeyPaged,retry:crate::service::RetryClass::Default"
            ),
            "{code}"
        );
        assert!(
            compact.contains("OPERATIONS:&[crate::service::Operation]=&[ops::GET_THING]"),
            "{code}"
        );
        assert!(compact.contains("method:::http::Method::GET"), "{code}");
        assert!(compact.contains(r#"summary:"Onething.""#), "{code}");
        assert!(compact.contains(r#"name:"thingId",location:crate::service::Location::Path,required:true,kind:"integer""#), "{code}");
        assert!(code.contains("ttnew: a new service."), "{code}");
        assert!(
            compact.contains(r#"include!(concat!(env!("OUT_DIR"),"/ttnew_mock.rs"));"#),
            "{code}"
        );
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ttrest-codegen-services-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
