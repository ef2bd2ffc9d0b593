//! A `postgres://` URL resolved as libpq resolves it: the URL first, then the
//! `PG*` environment variables, then libpq's defaults and files
//! (`~/.pgpass`, `~/.postgresql/root.crt`, `~/.postgresql/postgresql.crt`/`.key`).
//!
//! tokio-postgres knows only `sslmode=disable|prefer|require`; the TLS
//! parameters it does not know (`sslrootcert`, `sslcert`, `sslkey`, and the
//! `verify-*` modes) are taken out of the URL here and handled by [`crate::tls`].

use std::path::{Path, PathBuf};

use tokio_postgres::config::Host;

use super::tls::{RootCert, SslMode, TlsSettings};

/// The parameters taken out of the URL's query.
const TLS_PARAMS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Where settings not in the URL come from: the environment and the home
/// folder (a function, so tests give their own).
pub(crate) struct Env<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

impl Env<'_> {
    /// The process's environment.
    pub(crate) fn process() -> Env<'static> {
        Env {
            var: &|name| std::env::var(name).ok().filter(|v| !v.is_empty()),
            home: std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(PathBuf::from),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.var)(name)
    }

    /// `~/<rel>` if that file exists.
    fn home_file(&self, rel: &str) -> Option<PathBuf> {
        let p = self.home.as_ref()?.join(rel);
        p.is_file().then_some(p)
    }
}

/// Splits the TLS parameters out of `url`: the URL tokio-postgres can parse,
/// and the `(name, value)` pairs taken out (values percent-decoded).
pub(crate) fn split_tls_params(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match TLS_PARAMS.contains(&k) {
            true => taken.push((k.to_string(), decode(v))),
            false => kept.push(pair),
        }
    }
    match kept.is_empty() {
        true => (base.to_string(), taken),
        false => (format!("{base}?{}", kept.join("&")), taken),
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL resolved into a connection config and TLS settings. Errors are
/// usage messages (they never hold a password).
pub(crate) fn resolve(
    url: &str,
    env: &Env<'_>,
) -> Result<(tokio_postgres::Config, TlsSettings), String> {
    let (plain, params) = split_tls_params(url);
    let mut config: tokio_postgres::Config = plain.parse().map_err(|e| {
        format!(
            "is not a valid PostgreSQL URL ({e}); write \
             postgres://user[:password]@host[:port]/database[?sslmode=...]"
        )
    })?;
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if config.get_hosts().is_empty() {
        match env.var("PGHOST") {
            Some(hosts) => {
                for h in hosts.split(',') {
                    config.host(h);
                }
            }
            None => {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env.var("PGPORT") {
            let port: u16 = port.trim().parse().map_err(|_| {
                format!("PGPORT=`{port}` is not a port number; set it to e.g. 5432 or unset it")
            })?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = env
            .var("PGUSER")
            .or_else(|| env.var("USER"))
            .or_else(|| env.var("USERNAME"))
            .ok_or("names no user; write postgres://USER@host/database or set PGUSER")?;
        config.user(&user);
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env.var("PGDATABASE") {
            config.dbname(&db);
        }
    }
    if config.get_password().is_none() {
        let password = env.var("PGPASSWORD").or_else(|| pgpass(&config, env));
        if let Some(p) = password {
            config.password(p);
        }
    }
    let mode_text = param("sslmode").or_else(|| env.var("PGSSLMODE"));
    let mode = match &mode_text {
        Some(m) => SslMode::parse(m).ok_or_else(|| {
            format!(
                "sslmode=`{m}` is not one libpq knows; use disable, allow, prefer (the default), \
                 require, verify-ca or verify-full"
            )
        })?,
        None => SslMode::Prefer,
    };
    let root = match param("sslrootcert").or_else(|| env.var("PGSSLROOTCERT")) {
        Some(s) if s == "system" => Some(RootCert::System),
        Some(s) => Some(RootCert::File(PathBuf::from(s))),
        None => env
            .home_file(".postgresql/root.crt")
            .map(RootCert::File)
            .filter(|_| mode >= SslMode::Require),
    };
    let mode = match (&root, mode_text.is_some()) {
        // libpq: sslrootcert=system makes verify-full the default, and refuses weaker modes.
        (Some(RootCert::System), false) => SslMode::VerifyFull,
        (Some(RootCert::System), true) if mode != SslMode::VerifyFull => {
            return Err(format!(
                "sslmode={} may not be used with sslrootcert=system; use sslmode=verify-full \
                 (the system's roots are only worth checking with the host name)",
                mode.name()
            ))
        }
        _ => mode,
    };
    let cert = param("sslcert").or_else(|| env.var("PGSSLCERT"));
    let key = param("sslkey").or_else(|| env.var("PGSSLKEY"));
    let client = match (cert, key) {
        (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
        (Some(_), None) | (None, Some(_)) => {
            return Err(
                "gives only one of sslcert and sslkey; give both (PEM files) or neither"
                    .to_string(),
            )
        }
        (None, None) => env
            .home_file(".postgresql/postgresql.crt")
            .zip(env.home_file(".postgresql/postgresql.key")),
    };
    let all_unix = config
        .get_hosts()
        .iter()
        .all(|h| matches!(h, Host::Unix(_)));
    let pg_mode = match mode {
        // Unix sockets never use TLS, as in libpq.
        _ if all_unix => tokio_postgres::config::SslMode::Disable,
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Allow | SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    };
    config.ssl_mode(pg_mode);
    Ok((config, TlsSettings { mode, root, client }))
}

/// The password for this connection from `$PGPASSFILE` or `~/.pgpass`
/// (`host:port:database:user:password`, `*` matches anything, `\` escapes).
/// As libpq, a file others may read is ignored.
fn pgpass(config: &tokio_postgres::Config, env: &Env<'_>) -> Option<String> {
    let path = match env.var("PGPASSFILE") {
        Some(p) => PathBuf::from(p),
        None => env.home.as_ref()?.join(".pgpass"),
    };
    if !private(&path) {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first()? {
        Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        Host::Unix(_) => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user()?;
    let db = config.get_dbname().unwrap_or(user);
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = pgpass_fields(line);
        if fields.len() < 5 {
            continue;
        }
        let want = [host.as_str(), port.as_str(), db, user];
        if fields[..4]
            .iter()
            .zip(want)
            .all(|(f, w)| f == "*" || f == w)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().unwrap().push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(unix)]
fn private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn private(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of<'a>(vars: &'a HashMap<&'a str, String>) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.get(k).cloned()
    }

    #[test]
    fn tls_parameters_leave_the_url_decoded() {
        let (url, taken) = split_tls_params(
            "postgres://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem",
        );
        assert_eq!(url, "postgres://u@h/db?application_name=x");
        assert_eq!(
            taken,
            vec![
                ("sslmode".to_string(), "verify-full".to_string()),
                ("sslrootcert".to_string(), "/tmp/ca.pem".to_string())
            ]
        );
        assert_eq!(
            split_tls_params("postgres://h/db?sslmode=require").0,
            "postgres://h/db"
        );
    }

    #[test]
    fn pg_variables_fill_what_the_url_leaves_out() {
        let vars: HashMap<&str, String> = [
            ("PGHOST", "db.example"),
            ("PGPORT", "6543"),
            ("PGUSER", "me"),
            ("PGDATABASE", "trading"),
            ("PGPASSWORD", "hunter2"),
            ("PGSSLMODE", "require"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        let var = env_of(&vars);
        let env = Env {
            var: &var,
            home: None,
        };
        let (config, tls) = resolve("postgres://", &env).unwrap();
        assert_eq!(config.get_hosts(), &[Host::Tcp("db.example".into())]);
        assert_eq!(config.get_ports(), &[6543]);
        assert_eq!(config.get_user(), Some("me"));
        assert_eq!(config.get_dbname(), Some("trading"));
        assert_eq!(config.get_password(), Some(&b"hunter2"[..]));
        assert_eq!(tls.mode, SslMode::Require);
        // The URL wins over the variables.
        let (config, tls) = resolve("postgres://you@other:5432/x?sslmode=disable", &env).unwrap();
        assert_eq!(config.get_user(), Some("you"));
        assert_eq!(config.get_hosts(), &[Host::Tcp("other".into())]);
        assert_eq!(tls.mode, SslMode::Disable);
        assert_eq!(
            config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn prefer_is_the_default_and_system_roots_mean_verify_full() {
        let vars = HashMap::from([("USER", "me".to_string())]);
        let var = env_of(&vars);
        let env = Env {
            var: &var,
            home: None,
        };
        let (config, tls) = resolve("postgres://h/db", &env).unwrap();
        assert_eq!(tls.mode, SslMode::Prefer);
        assert_eq!(
            config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Prefer
        );
        assert_eq!(config.get_user(), Some("me"));
        let (_, tls) = resolve("postgres://h/db?sslrootcert=system", &env).unwrap();
        assert_eq!(
            (tls.mode, tls.root),
            (SslMode::VerifyFull, Some(RootCert::System))
        );
        let e = resolve("postgres://h/db?sslrootcert=system&sslmode=require", &env).unwrap_err();
        assert!(e.contains("verify-full"), "{e}");
        let e = resolve("postgres://h/db?sslmode=on", &env).unwrap_err();
        assert!(e.contains("verify-full") && e.contains("`on`"), "{e}");
        let e = resolve("postgres://h/db?sslcert=c.pem", &env).unwrap_err();
        assert!(e.contains("sslkey"), "{e}");
    }

    #[test]
    fn pgpass_matches_host_port_db_and_user_with_wildcards() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:me:nope\ndb.example:5432:trading:me:pa\\:ss\n*:*:*:*:fallback\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let vars = HashMap::from([("PGPASSFILE", file.display().to_string())]);
        let var = env_of(&vars);
        let env = Env {
            var: &var,
            home: None,
        };
        let (config, _) = resolve("postgres://me@db.example/trading", &env).unwrap();
        assert_eq!(config.get_password(), Some(&b"pa:ss"[..]));
        let (config, _) = resolve("postgres://you@db.example/trading", &env).unwrap();
        assert_eq!(config.get_password(), Some(&b"fallback"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let (config, _) = resolve("postgres://me@db.example/trading", &env).unwrap();
            assert_eq!(
                config.get_password(),
                None,
                "a file others may read is ignored"
            );
        }
    }
}
