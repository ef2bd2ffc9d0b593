//! Derives `nextPageKey` pagination from the specs.
//!
//! An operation is paged when it takes a `nextPageKey` query parameter and its
//! success response is an object with exactly one array property (the list:
//! `accounts`, `positions`...). For each, this emits an
//! `impl crate::paginate::Paginated` for the operation's progenitor builder, so
//! `ttrest::paginate::PaginatedExt` gives it `pages()`, `items()` and
//! `collect_all()`. Names of types and fields come from progenitor's own type
//! space, so the impl always matches the generated code.

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{
    OpenAPI, Operation, Parameter, ReferenceOr, Response, Schema, SchemaKind, StatusCode, Type,
};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use typify::{TypeDetails, TypeId, TypeSpace};

/// The query parameter and response fields of TT's key paging.
const KEY_PARAM: &str = "nextPageKey";
const LAST_PAGE: &str = "lastPage";

/// Everything needed to emit one `Paginated` impl.
#[derive(Debug)]
struct PagedOperation {
    operation_id: String,
    page_type: TokenStream,
    item_type: TokenStream,
    list_field: Ident,
    key_field: Ident,
    last_page_field: Option<Ident>,
    /// The spec gives `lastPage` a default (`default`, or `x-tt-default` where
    /// the normalizer moved a response default), so a present key wins over it.
    last_page_defaulted: bool,
}

/// Appends the `Paginated` impls of `spec`'s key-paged operations to progenitor's output.
pub(crate) fn append(
    origin: &str,
    spec: &OpenAPI,
    generator: &progenitor::Generator,
    tokens: TokenStream,
) -> Result<TokenStream, crate::CodegenError> {
    let impls = paginated_impls(spec, generator.get_type_space()).map_err(|message| {
        crate::CodegenError::Generate {
            path: origin.to_string(),
            message: format!("cannot derive pagination: {message}"),
        }
    })?;
    Ok(quote!(#tokens #impls))
}

/// The `Paginated` impls for every key-paged operation of `spec`.
///
/// Errors name the operation and what in the spec prevents paging it.
pub(crate) fn paginated_impls(spec: &OpenAPI, types: &TypeSpace) -> Result<TokenStream, String> {
    let mut impls = TokenStream::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let Some(id) = operation.operation_id.as_deref() else {
                continue;
            };
            if !takes_page_key(spec, operation) {
                continue;
            }
            let paged = describe(spec, types, id, operation)
                .map_err(|why| format!("{id} ({path}) takes {KEY_PARAM} but {why}"))?;
            impls.extend(emit(&paged));
        }
    }
    Ok(impls)
}

/// Whether `operation` takes TT's `nextPageKey` query parameter (key paging).
pub(crate) fn takes_page_key(spec: &OpenAPI, operation: &Operation) -> bool {
    operation.parameters.iter().any(|p| {
        matches!(resolve_parameter(spec, p), Some(Parameter::Query { parameter_data, .. })
            if parameter_data.name == KEY_PARAM)
    })
}

pub(crate) fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match spec.components.as_ref()?.parameters.get(name)? {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// Finds the page type, the list property and the envelope fields.
fn describe(
    spec: &OpenAPI,
    types: &TypeSpace,
    operation_id: &str,
    operation: &Operation,
) -> Result<PagedOperation, String> {
    let (schema_name, schema) = success_schema(spec, operation)?;
    let type_name = match schema_name {
        Some(name) => sanitize_type(name),
        None => sanitize_type(&format!("{operation_id}-response")),
    };
    let list_key = list_property(spec, schema)?;
    let last_page_defaulted = has_default(spec, schema, LAST_PAGE);
    let (page_type, fields) = page_struct(types, &type_name)?;
    let field = |json: &str| {
        fields
            .iter()
            .find(|(name, _)| *name == sanitize_field(json))
    };
    let (list_name, list_type) = field(list_key)
        .ok_or_else(|| format!("the generated {type_name} has no field for `{list_key}`"))?;
    let key = field(KEY_PARAM).ok_or_else(|| {
        format!("its response {type_name} has no `{KEY_PARAM}` property; declare it in the spec")
    })?;
    Ok(PagedOperation {
        operation_id: operation_id.to_string(),
        page_type,
        item_type: ident_of(types, &vec_item(types, list_type)?)?,
        list_field: format_ident!("{}", list_name),
        key_field: format_ident!("{}", key.0),
        last_page_field: field(LAST_PAGE).map(|(name, _)| format_ident!("{}", name)),
        last_page_defaulted,
    })
}

/// The JSON schema of the first success response, with its component name if a `$ref`.
fn success_schema<'a>(
    spec: &'a OpenAPI,
    operation: &'a Operation,
) -> Result<(Option<&'a str>, &'a Schema), String> {
    let is_success = |code: &StatusCode| match code {
        StatusCode::Code(code) => (200..300).contains(code),
        StatusCode::Range(range) => *range == 2,
    };
    let response = operation
        .responses
        .responses
        .iter()
        .find(|(code, _)| is_success(code))
        .map(|(_, r)| r)
        .or(operation.responses.default.as_ref())
        .ok_or("it declares no success response")?;
    let response: &Response = match response {
        ReferenceOr::Item(r) => r,
        ReferenceOr::Reference { reference } => spec
            .components
            .as_ref()
            .and_then(|c| {
                c.responses
                    .get(reference.strip_prefix("#/components/responses/")?)
            })
            .and_then(|r| r.as_item())
            .ok_or_else(|| format!("its response reference {reference} does not resolve"))?,
    };
    let schema = response
        .content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
        .and_then(|(_, m)| m.schema.as_ref())
        .ok_or("its success response has no JSON schema")?;
    match schema {
        ReferenceOr::Item(schema) => Ok((None, schema)),
        ReferenceOr::Reference { reference } => {
            let (name, schema) = component_schema(spec, reference)?;
            Ok((Some(name), schema))
        }
    }
}

fn component_schema<'a>(
    spec: &'a OpenAPI,
    reference: &'a str,
) -> Result<(&'a str, &'a Schema), String> {
    let unresolved = || format!("the schema reference {reference} does not resolve");
    let name = reference
        .strip_prefix("#/components/schemas/")
        .ok_or_else(unresolved)?;
    match spec.components.as_ref().and_then(|c| c.schemas.get(name)) {
        Some(ReferenceOr::Item(schema)) => Ok((name, schema)),
        Some(ReferenceOr::Reference { reference }) => component_schema(spec, reference),
        None => Err(unresolved()),
    }
}

/// The one array-valued property of the envelope.
fn list_property<'a>(spec: &'a OpenAPI, schema: &'a Schema) -> Result<&'a str, String> {
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return Err("its success response is not a JSON object".into());
    };
    let arrays: Vec<&str> = object
        .properties
        .iter()
        .filter(|(_, property)| {
            let schema = match property {
                ReferenceOr::Item(schema) => Some(schema.as_ref()),
                ReferenceOr::Reference { reference } => {
                    component_schema(spec, reference).ok().map(|(_, s)| s)
                }
            };
            schema.is_some_and(|s| matches!(s.schema_kind, SchemaKind::Type(Type::Array(_))))
        })
        .map(|(name, _)| name.as_str())
        .collect();
    match arrays[..] {
        [list] => Ok(list),
        [] => Err("its response has no array property to page through".into()),
        _ => Err(format!(
            "its response has several array properties ({}), so the paged list is ambiguous; \
             fix the response schema with an overlay",
            arrays.join(", ")
        )),
    }
}

/// Whether the object `schema`'s `property` declares a `default` or an
/// `x-tt-default` (a response default the normalizer keeps out of typify's way).
fn has_default(spec: &OpenAPI, schema: &Schema, property: &str) -> bool {
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return false;
    };
    let defaulted = |s: &Schema| {
        s.schema_data.default.is_some() || s.schema_data.extensions.contains_key("x-tt-default")
    };
    match object.properties.get(property) {
        Some(ReferenceOr::Item(s)) => defaulted(s),
        Some(ReferenceOr::Reference { reference }) => {
            component_schema(spec, reference).is_ok_and(|(_, s)| defaulted(s))
        }
        None => false,
    }
}

/// The generated struct of a type name: its path and fields (Rust name, type).
fn page_struct(
    types: &TypeSpace,
    type_name: &str,
) -> Result<(TokenStream, Vec<(String, TypeId)>), String> {
    let ty = types
        .iter_types()
        .find(|ty| ty.name() == type_name)
        .ok_or_else(|| format!("progenitor generated no type named {type_name}"))?;
    let fields = match ty.details() {
        TypeDetails::Struct(details) => details
            .properties_info()
            .map(|p| (p.name.to_string(), p.type_id))
            .collect(),
        _ => return Err(format!("the generated {type_name} is not a struct")),
    };
    Ok((ty.ident(), fields))
}

/// `Vec<T>` or `Option<Vec<T>>` → `T`.
fn vec_item(types: &TypeSpace, id: &TypeId) -> Result<TypeId, String> {
    let ty = types.get_type(id).map_err(|e| e.to_string())?;
    let details = ty.details();
    match details {
        TypeDetails::Vec(item) => Ok(item),
        TypeDetails::Option(inner) => vec_item(types, &inner),
        _ => Err(format!("the list field has type {}, not a Vec", ty.name())),
    }
}

fn ident_of(types: &TypeSpace, id: &TypeId) -> Result<TokenStream, String> {
    Ok(types.get_type(id).map_err(|e| e.to_string())?.ident())
}

/// typify's name for a schema (UpperCamelCase, a valid identifier).
pub(crate) fn sanitize_type(name: &str) -> String {
    make_ident(
        name.replace(|c: char| !c.is_alphanumeric() && c != '_', "-")
            .to_pascal_case(),
    )
}

/// typify's and progenitor's name for a property or parameter (snake_case).
fn sanitize_field(name: &str) -> String {
    make_ident(
        name.replace(|c: char| !c.is_alphanumeric() && c != '_', "-")
            .to_snake_case(),
    )
}

fn make_ident(name: String) -> String {
    let name = match name.chars().next() {
        Some(c) if c.is_alphabetic() || c == '_' => name,
        _ => format!("x{name}"),
    };
    if syn::parse_str::<Ident>(&name).is_ok() {
        name
    } else {
        format!("{name}_")
    }
}

fn emit(p: &PagedOperation) -> TokenStream {
    let builder = format_ident!("{}", sanitize_type(&p.operation_id));
    let key_method = format_ident!("{}", sanitize_field(KEY_PARAM));
    let PagedOperation {
        operation_id,
        page_type,
        item_type,
        list_field,
        key_field,
        last_page_field,
        last_page_defaulted,
    } = p;
    let state = match last_page_defaulted {
        true => quote!(with_defaulted_last_page),
        false => quote!(new),
    };
    let last_page = match last_page_field {
        Some(field) => quote!(crate::paginate::LastPageFlag::last_page_flag(&page.#field)),
        None => quote!(::std::result::Result::Ok(::std::option::Option::None)),
    };
    quote! {
        impl<'a> crate::paginate::Paginated for builder::#builder<'a> {
            type Page = #page_type;
            type Item = #item_type;
            const OPERATION: &'static str = #operation_id;

            fn with_page_key(self, key: ::std::string::String) -> Self {
                self.#key_method(key)
            }

            fn fetch_page(
                self,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<Self::Page, crate::paginate::FetchError>,
            > + Send {
                async move {
                    self.send()
                        .await
                        .map(|response| response.into_inner())
                        // Typed first, so `?` on the stream's error gives the call's `ttrest::Error`.
                        .map_err(|e| crate::paginate::FetchError::new(crate::Error::from(e)))
                }
            }

            fn page_state(page: &Self::Page) -> crate::paginate::PageState {
                crate::paginate::PageState::#state(
                    #last_page,
                    crate::paginate::PageKeyValue::page_key(&page.#key_field),
                )
            }

            fn into_items(page: Self::Page) -> ::std::vec::Vec<Self::Item> {
                crate::paginate::IntoPageItems::into_page_items(page.#list_field)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn spec(paths: Value, schemas: Value) -> String {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "ttaccount", "version": "2024-01-01T00:00:00Z"},
            "paths": paths,
            "components": {"schemas": schemas}
        })
        .to_string()
    }

    fn get(operation_id: &str, params: Value, schema: Value) -> Value {
        json!({"get": {
            "operationId": operation_id,
            "parameters": params,
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }})
    }

    fn key_param() -> Value {
        json!([{"in": "query", "name": "nextPageKey", "schema": {"type": "string"}}])
    }

    fn envelope(list: &str, items: Value) -> Value {
        json!({"type": "object", "properties": {
            "status": {"type": "string"},
            "lastPage": {"type": "string"},
            "nextPageKey": {"type": "string"},
            list: {"type": "array", "items": items}
        }})
    }

    fn account() -> Value {
        json!({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    }

    fn generate(paths: Value, schemas: Value) -> Result<String, String> {
        crate::generate_str("test.json", &spec(paths, schemas)).map_err(|e| e.to_string())
    }

    #[test]
    fn paged_operation_gets_an_impl_with_the_right_types() {
        let code = generate(
            json!({
                "/accounts": get("get_accounts", key_param(),
                    json!({"$ref": "#/components/schemas/GetAccountsResponse"})),
                "/markets": get("get_markets", json!([]), envelope("markets", json!({"type": "string"}))),
            }),
            json!({
                "Account": account(),
                "GetAccountsResponse": envelope("accounts", json!({"$ref": "#/components/schemas/Account"})),
            }),
        )
        .unwrap();
        let code: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            code.contains(
                "impl<'a> crate::paginate::Paginated for builder::GetAccounts<'a> { \
             type Page = types::GetAccountsResponse; type Item = types::Account; \
             const OPERATION: &'static str = \"get_accounts\";"
            ),
            "{code}"
        );
        assert!(code.contains("self.next_page_key(key)"));
        assert!(code.contains("LastPageFlag::last_page_flag(&page.last_page)"));
        assert!(code.contains("PageState::new("), "no default on lastPage");
        assert!(code.contains("PageKeyValue::page_key(&page.next_page_key)"));
        assert!(code.contains("into_page_items(page.accounts)"));
        assert!(
            !code.contains("for builder::GetMarkets"),
            "no key parameter, no paging"
        );
    }

    #[test]
    fn inline_envelope_and_inline_items_use_progenitor_names() {
        let code = generate(
            json!({"/users": get("get_users", key_param(), envelope("users", account()))}),
            json!({}),
        )
        .unwrap();
        let code: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            code.contains("type Page = types::GetUsersResponse;"),
            "{code}"
        );
        assert!(
            code.contains("type Item = types::GetUsersResponseUsersItem;"),
            "{code}"
        );
    }

    #[test]
    fn envelope_without_last_page_reads_it_as_missing() {
        let mut schema = envelope("sod", account());
        schema["properties"]
            .as_object_mut()
            .unwrap()
            .remove("lastPage");
        let code = generate(
            json!({"/sod": get("get_sod", key_param(), schema)}),
            json!({}),
        )
        .unwrap();
        assert!(code.contains("::std::result::Result::Ok(::std::option::Option::None)"));
    }

    #[test]
    fn defaulted_last_page_lets_a_present_key_win() {
        let mut schema = envelope("a", account());
        schema["properties"]["lastPage"]["default"] = json!("true");
        let code = generate(json!({"/x": get("get_x", key_param(), schema)}), json!({})).unwrap();
        assert!(
            code.contains("PageState::with_defaulted_last_page("),
            "{code}"
        );
    }

    #[test]
    fn server_default_kept_as_extension_also_lets_a_present_key_win() {
        let mut schema = envelope("a", account());
        schema["properties"]["lastPage"]["x-tt-default"] = json!("true");
        let code = generate(json!({"/x": get("get_x", key_param(), schema)}), json!({})).unwrap();
        assert!(
            code.contains("PageState::with_defaulted_last_page("),
            "{code}"
        );
        assert!(
            code.contains("Option<::std::string::String>"),
            "lastPage stays optional"
        );
    }

    #[test]
    fn two_lists_are_an_error_naming_the_operation() {
        let mut schema = envelope("a", account());
        schema["properties"]["b"] = json!({"type": "array", "items": {"type": "string"}});
        let err =
            generate(json!({"/x": get("get_x", key_param(), schema)}), json!({})).unwrap_err();
        assert!(err.contains("get_x (/x) takes nextPageKey"), "{err}");
        assert!(err.contains("several array properties (a, b)"), "{err}");
    }

    #[test]
    fn missing_next_page_key_property_is_an_error() {
        let mut schema = envelope("a", account());
        schema["properties"]
            .as_object_mut()
            .unwrap()
            .remove("nextPageKey");
        let err =
            generate(json!({"/x": get("get_x", key_param(), schema)}), json!({})).unwrap_err();
        assert!(err.contains("has no `nextPageKey` property"), "{err}");
    }
}
