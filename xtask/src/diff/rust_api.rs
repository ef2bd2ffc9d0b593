//! The public API of a generated module (`generated/<service>.rs`), as a flat map
//! from item path (`Client::get_fills`, `types::Fill.account_id`,
//! `builder::GetFills::account_id`) to its signature, and the difference of two.
//!
//! Bodies, doc comments and private items are ignored: only what callers can name.

use std::collections::BTreeMap;

use anyhow::anyhow;
use quote::ToTokens;
use serde::{Deserialize, Serialize};
use syn::{Fields, ImplItem, Item, Visibility};

use super::Severity;

/// What sort of public item an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A struct (signature: its derives).
    Struct,
    /// A public struct field (signature: its type).
    Field,
    /// An enum (signature: its derives).
    Enum,
    /// An enum variant (signature: its fields).
    Variant,
    /// A free function or an inherent method (signature: `fn ...`).
    Fn,
    /// A trait implementation.
    Impl,
    /// A type alias, constant, static or re-export.
    Other,
}

/// One public item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiItem {
    /// What sort of item.
    pub kind: ItemKind,
    /// Its signature, normalized (`Option<String>`, `fn get_fills(&self) -> ...`).
    pub signature: String,
}

/// The public API of one generated module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiItems {
    /// Items by path.
    pub items: BTreeMap<String, ApiItem>,
}

impl ApiItems {
    /// Parses generated code; `origin` names it in errors.
    pub fn parse(origin: &str, code: &str) -> anyhow::Result<Self> {
        let file = syn::parse_file(code)
            .map_err(|e| anyhow!("{origin}: not valid Rust ({e}); run `cargo xtask generate`"))?;
        let mut api = Self::default();
        api.collect(&file.items, "");
        Ok(api)
    }

    fn add(&mut self, path: String, kind: ItemKind, signature: String) {
        self.items.insert(path, ApiItem { kind, signature });
    }

    fn collect(&mut self, items: &[Item], prefix: &str) {
        for item in items {
            match item {
                Item::Struct(s) if is_pub(&s.vis) => {
                    let name = format!("{prefix}{}", s.ident);
                    self.add(name.clone(), ItemKind::Struct, derives(&s.attrs));
                    self.fields(&name, &s.fields);
                }
                Item::Enum(e) if is_pub(&e.vis) => {
                    let name = format!("{prefix}{}", e.ident);
                    self.add(name.clone(), ItemKind::Enum, derives(&e.attrs));
                    for v in &e.variants {
                        let path = format!("{name}::{}", v.ident);
                        self.add(path, ItemKind::Variant, variant_fields(&v.fields));
                    }
                }
                Item::Fn(f) if is_pub(&f.vis) => {
                    self.add(
                        format!("{prefix}{}", f.sig.ident),
                        ItemKind::Fn,
                        signature(&f.sig),
                    );
                }
                Item::Mod(m) if is_pub(&m.vis) => {
                    let inner = m.content.as_ref().map_or(&[][..], |(_, items)| items);
                    self.collect(inner, &format!("{prefix}{}::", m.ident));
                }
                Item::Impl(i) => self.impl_block(i, prefix),
                Item::Type(t) if is_pub(&t.vis) => {
                    self.add(
                        format!("{prefix}{}", t.ident),
                        ItemKind::Other,
                        type_text(&t.ty),
                    );
                }
                Item::Const(c) if is_pub(&c.vis) => {
                    self.add(
                        format!("{prefix}{}", c.ident),
                        ItemKind::Other,
                        type_text(&c.ty),
                    );
                }
                Item::Use(u) if is_pub(&u.vis) => {
                    let tree = tokens(&u.tree);
                    self.add(
                        format!("{prefix}use {tree}"),
                        ItemKind::Other,
                        String::new(),
                    );
                }
                _ => {}
            }
        }
    }

    fn fields(&mut self, owner: &str, fields: &Fields) {
        for (i, f) in fields.iter().enumerate() {
            if !is_pub(&f.vis) {
                continue;
            }
            let name = f
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), ToString::to_string);
            self.add(format!("{owner}.{name}"), ItemKind::Field, type_text(&f.ty));
        }
    }

    fn impl_block(&mut self, i: &syn::ItemImpl, prefix: &str) {
        let self_ty = type_name(&i.self_ty);
        if let Some((_, trait_, _)) = &i.trait_ {
            let trait_ty = syn::Type::Path(syn::TypePath {
                qself: None,
                path: trait_.clone(),
            });
            let path = format!("{prefix}impl {} for {self_ty}", type_text(&trait_ty));
            self.add(path, ItemKind::Impl, String::new());
            return;
        }
        for item in &i.items {
            if let ImplItem::Fn(f) = item {
                if is_pub(&f.vis) {
                    let path = format!("{prefix}{self_ty}::{}", f.sig.ident);
                    self.add(path, ItemKind::Fn, signature(&f.sig));
                }
            }
        }
    }
}

/// `(T, U)`, `{ a: T }` or nothing, for an enum variant.
fn variant_fields(fields: &Fields) -> String {
    let list = |named: bool| {
        let parts: Vec<String> = fields
            .iter()
            .map(|f| match (&f.ident, named) {
                (Some(id), true) => format!("{id}: {}", type_text(&f.ty)),
                _ => type_text(&f.ty),
            })
            .collect();
        parts.join(", ")
    };
    match fields {
        Fields::Unit => String::new(),
        Fields::Unnamed(_) => format!("({})", list(false)),
        Fields::Named(_) => format!("{{ {} }}", list(true)),
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `GetFills` for `GetFills<'a>`: impl generics are not part of the item's name.
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(|| tokens(ty), |s| s.ident.to_string()),
        _ => tokens(ty),
    }
}

/// The `#[derive(...)]` list, which is API too (dropping `Default` breaks callers).
fn derives(attrs: &[syn::Attribute]) -> String {
    let mut names = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let paths = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        );
        names.extend(
            paths
                .into_iter()
                .flatten()
                .map(|p| tokens(&p).replace(' ', "")),
        );
    }
    format!("derive({})", names.join(", "))
}

/// Tokens as compact Rust, for short things (derive lists, use trees).
fn tokens(t: &impl ToTokens) -> String {
    let s = t.to_token_stream().to_string();
    let s = s
        .replace(" :: ", "::")
        .replace(" ,", ",")
        .replace(" (", "(");
    s.replace("( ", "(").replace(" )", ")")
}

/// A signature as rustfmt-style text on one line, with `std` paths shortened.
fn signature(sig: &syn::Signature) -> String {
    let item: syn::ItemFn = syn::parse_quote!(#sig {});
    let text = one_line(&unparse(Item::Fn(item)));
    let text = text.trim_end_matches("{}").trim_end();
    text.trim_end_matches(',').to_string()
}

/// A type as rustfmt-style text on one line (`Option<String>`).
fn type_text(ty: &syn::Type) -> String {
    let item: syn::ItemType = syn::parse_quote!(type T = #ty;);
    let text = one_line(&unparse(Item::Type(item)));
    let text = text.trim_start_matches("type T = ");
    text.trim_end_matches(';').to_string()
}

fn unparse(item: Item) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item],
    })
}

/// Joins prettyplease's lines, drops the trailing commas it adds when it breaks
/// a list, and shortens `::std::option::Option` and friends.
fn one_line(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (", )", ")"),
        (",)", ")"),
        (", >", ">"),
        (", {", " {"),
        ("< ::", "<::"),
    ] {
        s = s.replace(from, to);
    }
    for long in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::result::",
    ] {
        s = s.replace(long, "");
    }
    s.replace("::std::", "std::")
}

/// Added, removed or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RustApiChangeKind {
    /// A new public item.
    Added,
    /// A public item is gone.
    Removed,
    /// Same path, different signature.
    Changed,
}

/// One change in the public API of a generated module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RustApiChange {
    /// Added, removed or changed.
    pub kind: RustApiChangeKind,
    /// What sort of item.
    pub item_kind: ItemKind,
    /// Breaking or not.
    pub severity: Severity,
    /// The item's path in the service module (`Client::get_fills`, `types::Fill.price`).
    pub path: String,
    /// The old signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// The difference of two public APIs; `None` is a module absent on that side.
pub fn compare(old: Option<&ApiItems>, new: Option<&ApiItems>) -> Vec<RustApiChange> {
    let empty = ApiItems::default();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let mut out = Vec::new();
    for (path, o) in &old.items {
        match new.items.get(path) {
            None => out.push(change(RustApiChangeKind::Removed, path, Some(o), None)),
            Some(n) if n != o => {
                out.push(change(RustApiChangeKind::Changed, path, Some(o), Some(n)))
            }
            Some(_) => {}
        }
    }
    for (path, n) in &new.items {
        if !old.items.contains_key(path) {
            let mut c = change(RustApiChangeKind::Added, path, None, Some(n));
            // A variant of a brand-new enum breaks nothing.
            let enum_existed = path
                .rsplit_once("::")
                .is_some_and(|(parent, _)| old.items.contains_key(parent));
            if !enum_existed {
                c.severity = Severity::NonBreaking;
            }
            out.push(c);
        }
    }
    out
}

fn change(
    kind: RustApiChangeKind,
    path: &str,
    old: Option<&ApiItem>,
    new: Option<&ApiItem>,
) -> RustApiChange {
    let item = new.or(old).expect("one side has the item");
    // Additions are compatible, except a variant: typify enums are exhaustive.
    let severity = match kind {
        RustApiChangeKind::Added if item.kind != ItemKind::Variant => Severity::NonBreaking,
        _ => Severity::Breaking,
    };
    RustApiChange {
        kind,
        item_kind: item.kind,
        severity,
        path: path.to_string(),
        old: old.map(|i| i.signature.clone()),
        new: new.map(|i| i.signature.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = r#"
        pub mod types {
            #[derive(Clone, Debug)]
            pub struct Fill { pub price: ::std::option::Option<f64>, secret: u8 }
            pub enum Side { Buy, Sell }
        }
        pub struct Client { pub(crate) baseurl: String }
        impl Client {
            pub fn get_fills(&self) -> builder::GetFills<'_> { builder::GetFills::new(self) }
            fn private(&self) {}
        }
        impl ClientInfo<()> for Client {}
    "#;

    #[test]
    fn parse_collects_public_items_only() {
        let api = ApiItems::parse("t.rs", CODE).unwrap();
        let keys: Vec<&str> = api.items.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Client",
                "Client::get_fills",
                "impl ClientInfo<()> for Client",
                "types::Fill",
                "types::Fill.price",
                "types::Side",
                "types::Side::Buy",
                "types::Side::Sell",
            ]
        );
        assert_eq!(api.items["types::Fill.price"].signature, "Option<f64>");
        assert_eq!(
            api.items["Client::get_fills"].signature,
            "fn get_fills(&self) -> builder::GetFills<'_>"
        );
        assert_eq!(api.items["types::Fill"].signature, "derive(Clone, Debug)");
    }

    #[test]
    fn added_variant_is_breaking_added_field_is_not() {
        let old = ApiItems::parse("a", CODE).unwrap();
        let new_code = CODE
            .replace("Buy, Sell", "Buy, Sell, Cross")
            .replace("secret: u8", "pub qty: i64");
        let new = ApiItems::parse("b", &new_code).unwrap();
        let changes = compare(Some(&old), Some(&new));
        let find = |p: &str| changes.iter().find(|c| c.path == p).unwrap();
        assert_eq!(find("types::Side::Cross").severity, Severity::Breaking);
        assert_eq!(find("types::Fill.qty").severity, Severity::NonBreaking);
        assert_eq!(changes.len(), 2);
    }

    #[test]
    fn parse_names_the_file_on_bad_code() {
        let err = ApiItems::parse("generated/ttid.rs", "pub fn (").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("generated/ttid.rs: not valid Rust"));
    }
}
