//! TLS to PostgreSQL against real throwaway clusters: one with `ssl = on` and
//! a `hostssl`-only `pg_hba.conf`, its certificates made here with `openssl`
//! by a test CA; and one without TLS.

#[path = "support/postgres.rs"]
mod postgres;

use std::path::Path;
use std::process::Command;

use postgres::Postgres;
use ttrest_store::{ErrorKind, StateKey, Store};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed for this test (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<name>.crt`, `<name>.key`).
fn ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN=ttrest test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A certificate `<name>.crt`/`<name>.key` signed by `ca`, with `ext` lines.
fn leaf(dir: &Path, ca: &str, name: &str, subject: &str, ext: &str) {
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            subject,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

/// The test CA, a server certificate for `localhost` only (not for
/// 127.0.0.1), a client certificate for role `certuser`, and another CA.
fn certificates(dir: &Path) {
    ca(dir, "ca");
    ca(dir, "other-ca");
    leaf(
        dir,
        "ca",
        "server",
        "/CN=localhost",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    leaf(
        dir,
        "ca",
        "client",
        "/CN=certuser",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
}

/// A cluster that takes TLS connections only (role `certuser` only with a
/// client certificate).
fn tls_only(certs: &Path) -> Postgres {
    Postgres::start_with(|data| {
        for f in ["server.crt", "server.key", "ca.crt"] {
            std::fs::copy(certs.join(f), data.join(f)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = data.join("server.key");
            std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        conf.push_str(
            "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
             ssl_ca_file = 'ca.crt'\n",
        );
        std::fs::write(data.join("postgresql.conf"), conf).unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all certuser 127.0.0.1/32 cert\n\
             hostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
    })
}

async fn check(url: &str) -> Result<(), ttrest_store::StoreError> {
    let mut store = Store::open(url).await?;
    store
        .state(&StateKey::new("k", "ext_uat_cert", "fills"))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_tls_only_server_takes_require_and_verify_full_and_refuses_a_wrong_ca_or_host() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certs.path();
    certificates(dir);
    let pg = tls_only(dir);
    pg.create_db("t");
    pg.psql("postgres", "CREATE ROLE certuser LOGIN SUPERUSER");
    let port = pg.port();
    let ca = dir.join("ca.crt");
    let ca = ca.display();

    // The default (prefer) and require encrypt without checking.
    check(&format!("postgres://postgres@127.0.0.1:{port}/t"))
        .await
        .expect("prefer takes TLS");
    check(&format!(
        "postgres://postgres@127.0.0.1:{port}/t?sslmode=require"
    ))
    .await
    .expect("require");
    // verify-full with the test CA and the name the certificate holds.
    check(&format!(
        "postgres://postgres@localhost:{port}/t?sslmode=verify-full&sslrootcert={ca}"
    ))
    .await
    .expect("verify-full");
    // verify-ca does not check the name; require with a root is verify-ca.
    check(&format!(
        "postgres://postgres@127.0.0.1:{port}/t?sslmode=verify-ca&sslrootcert={ca}"
    ))
    .await
    .expect("verify-ca");
    check(&format!(
        "postgres://postgres@127.0.0.1:{port}/t?sslmode=require&sslrootcert={ca}"
    ))
    .await
    .expect("require with a root");

    // A wrong CA: not trusted, said so, with what to do.
    let other = dir.join("other-ca.crt");
    for mode in ["verify-ca", "verify-full", "require"] {
        let e = check(&format!(
            "postgres://postgres@localhost:{port}/t?sslmode={mode}&sslrootcert={}",
            other.display()
        ))
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Tls, "{mode}: {e}");
        assert!(
            e.message.contains("certificate not trusted") && e.message.contains("sslrootcert="),
            "{mode}: {e}"
        );
    }

    // A host name the certificate does not hold.
    let e = check(&format!(
        "postgres://postgres@127.0.0.1:{port}/t?sslmode=verify-full&sslrootcert={ca}"
    ))
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert!(
        e.message.contains("host name mismatch") && e.message.contains("`127.0.0.1`"),
        "{e}"
    );

    // A plain connection to the TLS-only server: the hint says to use TLS.
    let e = check(&format!(
        "postgres://postgres:hunter2@127.0.0.1:{port}/t?sslmode=disable"
    ))
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert!(
        e.message.contains("requires TLS") && e.message.contains("sslmode=require"),
        "{e}"
    );
    assert!(!e.to_string().contains("hunter2"), "{e}");

    // A client certificate: refused without, accepted with.
    let e = check(&format!(
        "postgres://certuser@localhost:{port}/t?sslmode=verify-full&sslrootcert={ca}"
    ))
    .await
    .unwrap_err();
    assert!(e.message.contains("certificate"), "{e}");
    check(&format!(
        "postgres://certuser@localhost:{port}/t?sslmode=verify-full&sslrootcert={ca}&sslcert={}&sslkey={}",
        dir.join("client.crt").display(),
        dir.join("client.key").display()
    ))
    .await
    .expect("client certificate");
}

#[tokio::test]
async fn require_against_a_server_without_tls_says_the_server_offers_none() {
    let pg = Postgres::start();
    pg.create_db("t");
    let port = pg.port();
    check(&format!("postgres://postgres@127.0.0.1:{port}/t"))
        .await
        .expect("prefer falls back to a plain connection");
    let e = check(&format!(
        "postgres://postgres@127.0.0.1:{port}/t?sslmode=require"
    ))
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert!(
        e.message.contains("does not offer TLS") && e.message.contains("sslmode=prefer"),
        "{e}"
    );
}
