//! Rule 11: server URLs lose their variables.
//!
//! TT writes `https://ttrestapi.trade.tt/{basePath}` with `basePath` defaulting
//! to `<service>/<environment>/`. The handwritten layer builds base URLs itself
//! (it picks the environment), so the spec keeps the plain host, records the
//! documented base path in `x-ttrest-base-path` and says so in `description`.
//! Other variables are replaced by their defaults.

use anyhow::{bail, Context};
use serde_json::{Map, Value};

use super::Ctx;

/// The extension that keeps the documented `<service>/<environment>` base path.
pub const BASE_PATH_EXT: &str = "x-ttrest-base-path";

/// Rewrites every server with variables into a plain URL.
pub fn servers(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let Some(servers) = spec.get_mut("servers").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for (i, server) in servers.iter_mut().enumerate() {
        if let Some(server) = server.as_object_mut() {
            plain(server).with_context(|| format!("/servers/{i}"))?;
        }
    }
    Ok(())
}

fn plain(server: &mut Map<String, Value>) -> anyhow::Result<()> {
    let Some(url) = server.get("url").and_then(Value::as_str) else {
        return Ok(());
    };
    let vars = server
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = String::new();
    let mut base_path = None;
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            bail!("unbalanced `{{` in server url {url:?}");
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let Some(default) = vars
            .get(name)
            .and_then(|v| v.get("default"))
            .and_then(Value::as_str)
        else {
            bail!("server url {url:?} uses variable `{name}` without a string default");
        };
        if name == "basePath" {
            base_path = Some(default.trim_matches('/').to_string());
        } else {
            out.push_str(default);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    // `https://host/{basePath}` leaves `https://host/`: drop the slash so paths join cleanly.
    let url = out.trim_end_matches('/').to_string();
    server.insert("url".into(), url.clone().into());
    server.remove("variables");
    if let Some(base) = base_path {
        if !server.contains_key("description") {
            let text = format!(
                "TT REST host. Requests go to `{url}/<service>/<environment>/...`; \
                 this page documents `{base}` (see `{BASE_PATH_EXT}`)."
            );
            server.insert("description".into(), text.into());
        }
        server.insert(BASE_PATH_EXT.into(), base.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CTX: Ctx = Ctx { service: "ttid" };

    #[test]
    fn base_path_moves_to_an_extension() {
        let mut spec = json!({"servers": [{
            "url": "https://ttrestapi.trade.tt/{basePath}",
            "variables": {"basePath": {"default": "ttid/ext_uat_cert/"}},
        }]});
        servers(&mut spec, &CTX).unwrap();
        let s = &spec["servers"][0];
        assert_eq!(s["url"], "https://ttrestapi.trade.tt");
        assert_eq!(s[BASE_PATH_EXT], "ttid/ext_uat_cert");
        assert!(s.get("variables").is_none());
        assert!(s["description"]
            .as_str()
            .unwrap()
            .contains("ttid/ext_uat_cert"));
        let again = spec.clone();
        servers(&mut spec, &CTX).unwrap();
        assert_eq!(spec, again);
    }

    #[test]
    fn other_variables_take_their_defaults() {
        let mut spec = json!({"servers": [{
            "url": "https://{host}/v2/",
            "variables": {"host": {"default": "example.test"}},
        }]});
        servers(&mut spec, &CTX).unwrap();
        assert_eq!(
            spec["servers"][0],
            json!({"url": "https://example.test/v2"})
        );
    }

    #[test]
    fn undefined_variables_are_errors() {
        let mut spec = json!({"servers": [{"url": "https://{host}/"}]});
        let err = format!("{:#}", servers(&mut spec, &CTX).unwrap_err());
        assert!(err.contains("/servers/0") && err.contains("host"), "{err}");
    }
}
