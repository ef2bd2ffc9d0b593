//! Rewrites of progenitor's output that plug it into ttrest's request pipeline.
//!
//! - Every `ResponseValue::from_response(response)` becomes
//!   `crate::hooks::decode(response)`: the same decoding, but a body that does
//!   not match its type fails with the JSON path, the requestId, the service
//!   and the operation in the error value (progenitor's own decoder keeps only
//!   the bytes).
//! - Every time-windowed operation (a query taking both `minTimestamp` and
//!   `maxTimestamp`, read from the spec) gets `send_window()` on its builder:
//!   `send()` through a client whose calls hand TT's 408/504 straight back, so
//!   the time paginator can halve the window instead of waiting on retries of
//!   a window that is too wide. Plain `send()` retries them like any GET.

use openapiv3::{OpenAPI, Parameter, ReferenceOr};
use syn::visit_mut::VisitMut;

use crate::paging::{resolve_parameter, sanitize_type};

/// The query parameters that make an operation time-windowed.
const WINDOW_PARAMS: [&str; 2] = ["minTimestamp", "maxTimestamp"];

/// Applies both rewrites to a parsed generated module.
pub(crate) fn rewrite(spec: &OpenAPI, file: &mut syn::File) -> Result<(), String> {
    Decoder.visit_file_mut(file);
    let windowed = windowed_operations(spec);
    if windowed.is_empty() {
        return Ok(());
    }
    let builder = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor's output has no `builder` module")?;
    for operation in windowed {
        add_send_window(&mut builder.1, &operation)?;
    }
    Ok(())
}

/// The operation ids of every time-windowed operation, in spec order.
pub(crate) fn windowed_operations(spec: &OpenAPI) -> Vec<String> {
    let mut out = Vec::new();
    for item in spec.paths.paths.values() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let takes = |name: &str| {
                operation.parameters.iter().any(|p| {
                    matches!(resolve_parameter(spec, p), Some(Parameter::Query { parameter_data, .. })
                        if parameter_data.name == name)
                })
            };
            if WINDOW_PARAMS.iter().all(|name| takes(name)) {
                if let Some(id) = &operation.operation_id {
                    out.push(id.clone());
                }
            }
        }
    }
    out
}

/// Replaces progenitor's `ResponseValue::from_response` by ttrest's decoder.
struct Decoder;

impl VisitMut for Decoder {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        if let syn::Expr::Path(path) = call.func.as_mut() {
            let names: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if names == ["ResponseValue", "from_response"] {
                path.path = syn::parse_quote!(crate::hooks::decode);
            }
        }
    }
}

/// Adds `send_window` next to the `send` of `operation`'s builder, with the same signature.
fn add_send_window(items: &mut [syn::Item], operation: &str) -> Result<(), String> {
    let name = sanitize_type(operation);
    let block = items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(block.self_ty.as_ref(), syn::Type::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == name)) =>
            {
                Some(block)
            }
            _ => None,
        })
        .ok_or_else(|| format!("{operation}: no builder `{name}` in progenitor's output"))?;
    let send = block
        .items
        .iter()
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f.sig.clone()),
            _ => None,
        })
        .ok_or_else(|| format!("{operation}: builder `{name}` has no `send`"))?;
    let mut sig = send;
    sig.ident = syn::Ident::new("send_window", sig.ident.span());
    let ty = syn::Ident::new(&name, sig.ident.span());
    let method: syn::ImplItemFn = syn::parse_quote! {
        /// Sends the request as one window of a time-paged stream: TT's
        /// 408/504 (the window is too wide) come back at once, without
        /// retries, for the paginator to halve the window. Everything else
        /// is retried as by `send`.
        pub #sig {
            let client = self.client.for_time_window();
            #ty { client: &client, ..self }.send().await
        }
    };
    block.items.push(syn::ImplItem::Fn(method));
    Ok(())
}
