//! The operation table of `ttrest call`: the library's service table
//! (`ttrest::service`), generated from the same specs as the typed clients, so
//! every operation they know is callable by name.

pub use ttrest::service::{BodyKind, Location, Operation};

/// Every operation of every compiled-in service, sorted by service then id.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    ttrest::service::enabled()
        .iter()
        .flat_map(|s| s.operations.iter())
}

/// The service names, sorted.
pub fn services() -> impl Iterator<Item = &'static str> {
    ttrest::service::enabled().iter().map(|s| s.name)
}

/// Finds `service` `operation`.
pub fn find(service: &str, operation: &str) -> Option<&'static Operation> {
    ttrest::service::find_operation(service, operation)
}

/// The operations of one service that `operation` most resembles, for hints.
pub fn similar(service: &str, operation: &str) -> Vec<&'static str> {
    let words: Vec<&str> = operation
        .split('_')
        .filter(|w| w.len() > 2 && !matches!(*w, "get" | "post" | "put" | "delete"))
        .collect();
    operations()
        .filter(|op| op.service == service)
        .filter(|op| words.iter().any(|w| op.id.contains(w)))
        .map(|op| op.id)
        .take(5)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_service_with_paths_yields_operations() {
        for service in services().filter(|s| *s != "ttgroup") {
            assert!(
                operations().any(|op| op.service == service),
                "no operation for {service}"
            );
        }
    }

    #[test]
    fn similar_names_are_suggested() {
        assert!(similar("ttledger", "get_fill").contains(&"get_fills"));
        assert!(find("ttledger", "get_fill").is_none());
    }
}
