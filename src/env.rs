//! TT environments and how a service's base URL is built from them.
//!
//! Every TT REST 2.0 URL is `<root>/<service>/<environment>/<path>`, with the
//! root `https://ttrestapi.trade.tt` and the service segment in lowercase (TT
//! answers 403 to `/TTID/`). A custom root serves sandboxes, proxies and tests.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The root every TT REST 2.0 service lives under.
pub const DEFAULT_ROOT: &str = "https://ttrestapi.trade.tt";

/// A TT environment. App keys are bound to exactly one of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// `ext_uat_cert`: development and certification (Free plan only).
    #[default]
    Uat,
    /// `ext_prod_live`: production.
    Live,
    /// `ext_prod_sim`: production simulation (the only home of ttbacktest).
    Sim,
}

impl Environment {
    /// The URL path segment TT uses for this environment.
    pub fn segment(self) -> &'static str {
        match self {
            Environment::Uat => "ext_uat_cert",
            Environment::Live => "ext_prod_live",
            Environment::Sim => "ext_prod_sim",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment())
    }
}

impl FromStr for Environment {
    type Err = Error;

    /// Accepts the short names (`uat`, `live`, `sim`) and TT's segments.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "uat" | "ext_uat_cert" => Ok(Environment::Uat),
            "live" | "prod" | "ext_prod_live" => Ok(Environment::Live),
            "sim" | "ext_prod_sim" => Ok(Environment::Sim),
            other => Err(Error::invalid_argument(format!(
                "unknown TT environment `{other}`; use `uat` (ext_uat_cert), `live` (ext_prod_live) or `sim` (ext_prod_sim)"
            ))),
        }
    }
}

/// A validated root URL (scheme and host, optionally a port and path prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Root(String);

impl Root {
    /// Parses a root, dropping any trailing `/` so joins never double it.
    pub(crate) fn parse(root: &str) -> Result<Self, Error> {
        let url = reqwest::Url::parse(root).map_err(|e| {
            Error::invalid_argument(format!(
                "root URL `{root}` is not a valid URL ({e}); use e.g. `{DEFAULT_ROOT}` or `http://127.0.0.1:8080`"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid_argument(format!(
                "root URL `{root}` must be an http(s) URL with a host"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_argument(format!(
                "root URL `{root}` must not carry a query or fragment"
            )));
        }
        Ok(Root(url.as_str().trim_end_matches('/').to_string()))
    }

    /// The base URL of one service: `<root>/<service>/<environment>`.
    pub(crate) fn service_url(&self, service: &str, env: Environment) -> String {
        format!(
            "{}/{}/{}",
            self.0,
            service.to_ascii_lowercase(),
            env.segment()
        )
    }

    /// The root as text, without a trailing `/`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Root {
    fn default() -> Self {
        Root(DEFAULT_ROOT.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_use_lowercase_service_and_env_segment() {
        let root = Root::default();
        assert_eq!(
            root.service_url("TTID", Environment::Uat),
            "https://ttrestapi.trade.tt/ttid/ext_uat_cert"
        );
        assert_eq!(
            root.service_url("ttledger", Environment::Live),
            "https://ttrestapi.trade.tt/ttledger/ext_prod_live"
        );
        assert_eq!(
            root.service_url("ttbacktest", Environment::Sim),
            "https://ttrestapi.trade.tt/ttbacktest/ext_prod_sim"
        );
    }

    #[test]
    fn custom_root_drops_trailing_slash_and_keeps_prefix() {
        let root = Root::parse("http://127.0.0.1:8080/proxy/").unwrap();
        assert_eq!(
            root.service_url("ttpds", Environment::Uat),
            "http://127.0.0.1:8080/proxy/ttpds/ext_uat_cert"
        );
    }

    #[test]
    fn bad_roots_are_rejected_with_the_root_named() {
        for bad in ["not a url", "ftp://x.example", "http://x.example/?a=b"] {
            let err = Root::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn environments_parse_from_short_and_tt_names() {
        assert_eq!("UAT".parse::<Environment>().unwrap(), Environment::Uat);
        assert_eq!(
            "ext_prod_live".parse::<Environment>().unwrap(),
            Environment::Live
        );
        assert_eq!("sim".parse::<Environment>().unwrap(), Environment::Sim);
        let err = "staging".parse::<Environment>().unwrap_err().to_string();
        assert!(
            err.contains("staging") && err.contains("ext_uat_cert"),
            "{err}"
        );
    }
}
