//! `TimePaged` impls for the operations a spec pages by time.
//!
//! An operation is time-paged when its query takes both `minTimestamp` and
//! `maxTimestamp` (see [`crate::pipeline::windowed_operations`]) and its 200
//! answer carries a `fills` list: the loss-free fills stream
//! (`ttrest::paginate::TimePagedExt`) then works on its builder. Which filters
//! the stream may narrow a cluster by (`accountId`, `productId`) is read from
//! the operation's parameters too, so nothing here names an operation.

use openapiv3::{OpenAPI, Parameter, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::paging::{resolve_parameter, sanitize_type};

/// One time-paged operation, as the impl needs it.
struct TimePagedOp {
    id: String,
    account_filter: bool,
    product_filter: bool,
}

/// The `TimePaged` impls of every time-paged operation of `spec`.
pub(crate) fn impls(spec: &OpenAPI) -> TokenStream {
    let ops = time_paged_operations(spec);
    let impls = ops.iter().map(emit);
    quote!(#(#impls)*)
}

fn time_paged_operations(spec: &OpenAPI) -> Vec<TimePagedOp> {
    let windowed = crate::pipeline::windowed_operations(spec);
    let mut out = Vec::new();
    for item in spec.paths.paths.values() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let Some(id) = operation.operation_id.as_deref() else {
                continue;
            };
            if !windowed.iter().any(|w| w == id) || !answers_fills(spec, operation) {
                continue;
            }
            let takes = |name: &str| {
                operation.parameters.iter().any(|p| {
                    matches!(resolve_parameter(spec, p), Some(Parameter::Query { parameter_data, .. })
                        if parameter_data.name == name)
                })
            };
            out.push(TimePagedOp {
                id: id.to_string(),
                account_filter: takes("accountId"),
                product_filter: takes("productId"),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Whether the 200 answer's schema (inline or a component) has a `fills` property.
fn answers_fills(spec: &OpenAPI, operation: &openapiv3::Operation) -> bool {
    let Some(ReferenceOr::Item(response)) = operation
        .responses
        .responses
        .get(&openapiv3::StatusCode::Code(200))
    else {
        return false;
    };
    let Some(schema) = response
        .content
        .get("application/json")
        .and_then(|m| m.schema.as_ref())
    else {
        return false;
    };
    let schema = match schema {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| spec.components.as_ref()?.schemas.get(name)?.as_item()),
    };
    matches!(
        schema.map(|s| &s.schema_kind),
        Some(openapiv3::SchemaKind::Type(openapiv3::Type::Object(o))) if o.properties.contains_key("fills")
    )
}

fn emit(op: &TimePagedOp) -> TokenStream {
    let id = &op.id;
    let builder = format_ident!("{}", sanitize_type(id));
    let account = op.account_filter.then(|| {
        quote! {
            if let ::std::option::Option::Some(account) = window.filter.account_id {
                // An id beyond i64 fails in `send` with the builder's own message.
                request = request.account_id(account);
            }
        }
    });
    let product = op.product_filter.then(|| {
        quote! {
            if let ::std::option::Option::Some(product) = window.filter.product_id {
                request = request.product_id(product.to_string());
            }
        }
    });
    quote! {
        impl crate::paginate::TimePaged for builder::#builder<'_> {
            const OPERATION: &'static str = #id;

            fn for_window(self, window: &crate::paginate::FillsWindow) -> Self {
                let mut request = self.min_timestamp(crate::scalar::Timestamp::from_nanos(window.min_ts));
                if let ::std::option::Option::Some(max) = window.max_ts {
                    request = request.max_timestamp(crate::scalar::Timestamp::from_nanos(max));
                }
                #account
                #product
                request
            }

            /// Sends through `send_window`: TT's 408/504 come back at once, so
            /// the stream halves the window instead of retrying it.
            async fn fetch_fills(
                self,
            ) -> ::std::result::Result<::std::vec::Vec<types::Fill>, crate::paginate::FetchError> {
                let page = self
                    .send_window()
                    .await
                    .map_err(crate::paginate::FetchError::from)?;
                ::std::result::Result::Ok(page.into_inner().fills.unwrap_or_default())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(params: &[&str], response: serde_json::Value) -> OpenAPI {
        let params: Vec<_> = params
            .iter()
            .map(|n| json!({"name": n, "in": "query", "schema": {"type": "string"}}))
            .collect();
        serde_json::from_value(json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/fills": {"get": {
                "operationId": "get_fills",
                "parameters": params,
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}}
            }}}
        }))
        .unwrap()
    }

    #[test]
    fn a_windowed_operation_answering_fills_gets_an_impl_with_its_filters() {
        let spec = spec(
            &["minTimestamp", "maxTimestamp", "accountId"],
            json!({"type": "object", "properties": {"fills": {"type": "array"}}}),
        );
        let code: String = impls(&spec).to_string().split_whitespace().collect();
        assert!(
            code.contains("implcrate::paginate::TimePagedforbuilder::GetFills<'_>"),
            "{code}"
        );
        assert!(code.contains("request.account_id(account)"), "{code}");
        assert!(!code.contains("product_id"), "{code}");
    }

    #[test]
    fn no_impl_without_both_window_bounds_or_without_fills() {
        let fills = json!({"type": "object", "properties": {"fills": {"type": "array"}}});
        assert!(impls(&spec(&["minTimestamp"], fills)).is_empty());
        let orders = json!({"type": "object", "properties": {"orders": {"type": "array"}}});
        assert!(impls(&spec(&["minTimestamp", "maxTimestamp"], orders)).is_empty());
    }
}
