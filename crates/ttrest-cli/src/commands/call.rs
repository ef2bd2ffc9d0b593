//! `ttrest call`: any operation of any service, by operation id.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use futures::TryStreamExt;
use serde_json::Value;

use crate::context::Context;
use crate::exit::CliError;
use crate::request::{list_key, list_of, Args};
use crate::sinks::json::write_document;
use crate::spec::{self, Location, Operation};

/// `ttrest call`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  ttrest call --list ttpds\n  ttrest call ttpds get_products --param marketId=7 --all-pages\n  ttrest call ttmonitor post_adminfill --body @fill.json"
)]
pub struct CallArgs {
    /// The service (ttid, ttpds, ttledger, ttmonitor, ttaccount, ttuser, ttgroup, ttsetup, ttbacktest).
    #[arg(required_unless_present = "list")]
    pub service: Option<String>,
    /// The operation id, e.g. get_fills (see --list).
    #[arg(required_unless_present = "list")]
    pub operation: Option<String>,
    /// A parameter, repeatable.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The request body: JSON text, @FILE, or @- for stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    pub body: Option<String>,
    /// Follow nextPageKey and print one envelope holding every page's records.
    #[arg(long)]
    pub all_pages: bool,
    /// List the operations (of SERVICE, if given) with their parameters.
    #[arg(long, conflicts_with_all = ["params", "body", "all_pages"])]
    pub list: bool,
    /// Write the answer to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The operation and its arguments, checked before any connection is made.
pub fn prepare(args: &CallArgs) -> Result<(&'static Operation, Args), CliError> {
    let op = resolve(args)?;
    let call = Args {
        params: parse_params(&args.params)?,
        body: args.body.as_deref().map(read_body).transpose()?,
    };
    call.check(op)?;
    Ok((op, call))
}

/// Runs `ttrest call SERVICE OPERATION` (see [`prepare`]).
pub async fn run(
    ctx: &Context,
    (op, call): (&'static Operation, Args),
    args: &CallArgs,
) -> Result<(), CliError> {
    let answer = match args.all_pages {
        false => ctx
            .api
            .send(op, &call)
            .await
            .map_err(|e| e.into_cli(ctx.env))?,
        true => all_pages(ctx, op, call).await?,
    };
    ctx.progress().clear();
    write_document(&answer, args.output.as_deref())
}

/// The operation named on the command line, or a usage error with suggestions.
fn resolve(args: &CallArgs) -> Result<&'static Operation, CliError> {
    let (Some(service), Some(operation)) = (&args.service, &args.operation) else {
        return Err(CliError::usage("give SERVICE and OPERATION, or --list"));
    };
    let service = service.to_ascii_lowercase();
    if !spec::services().any(|s| s == service) {
        let all: Vec<_> = spec::services().collect();
        return Err(CliError::usage(format!("unknown service `{service}`"))
            .hint(format!("services: {}", all.join(", "))));
    }
    let op = spec::find(&service, operation).ok_or_else(|| {
        let similar = spec::similar(&service, operation);
        let hint = match similar.is_empty() {
            true => format!("`ttrest call --list {service}` shows its operations"),
            false => format!("did you mean {}?", similar.join(", ")),
        };
        CliError::usage(format!("{service} has no operation `{operation}`")).hint(hint)
    })?;
    if args.all_pages && !op.is_paged() {
        return Err(CliError::usage(format!(
            "{service} {operation} is not paged by nextPageKey; drop --all-pages"
        )));
    }
    Ok(op)
}

/// `name=value` pairs.
fn parse_params(raw: &[String]) -> Result<Vec<(String, String)>, CliError> {
    raw.iter()
        .map(|p| match p.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.to_string()))
            }
            _ => Err(CliError::usage(format!("--param `{p}` is not NAME=VALUE"))),
        })
        .collect()
}

/// `--body`: JSON text, `@FILE`, or `@-` for stdin.
fn read_body(raw: &str) -> Result<Value, CliError> {
    let (text, origin) = match raw.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::io("read", Path::new("<stdin>"), &e))?;
            (text, "stdin".to_string())
        }
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::io("read", Path::new(file), &e))?;
            (text, file.to_string())
        }
        None => (raw.to_string(), "--body".to_string()),
    };
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{origin} is not valid JSON: {e}")))
}

/// Every page, merged into the last page's envelope: its one list holds the
/// records of all pages, and `nextPageKey` is gone.
async fn all_pages(ctx: &Context, op: &'static Operation, call: Args) -> Result<Value, CliError> {
    let pages: Vec<Value> = ctx
        .api
        .pages(op, call)
        .try_collect()
        .await
        .map_err(|e| CliError::from_pages(e, ctx.env))?;
    let Some(mut merged) = pages.last().cloned() else {
        return Ok(Value::Null);
    };
    let Some(key) = pages.iter().find_map(list_key) else {
        return Err(CliError::tt(format!(
            "{} {}: the answer has no single list to merge pages by",
            op.service, op.id
        ))
        .hint("drop --all-pages and pass --param nextPageKey=... yourself"));
    };
    let items: Vec<Value> = pages.into_iter().flat_map(|p| list_of(p, &key)).collect();
    ctx.progress().records_done(items.len() as u64);
    if let Some(object) = merged.as_object_mut() {
        object.remove("nextPageKey");
        object.insert("lastPage".into(), Value::String("true".into()));
        object.insert(key, Value::Array(items));
    }
    Ok(merged)
}

/// `ttrest call --list [SERVICE]`: every operation with its parameters.
pub fn list(args: &CallArgs) -> Result<(), CliError> {
    let service = args.service.as_deref().map(str::to_ascii_lowercase);
    if let Some(s) = &service {
        if !spec::services().any(|known| known == s) {
            return Err(CliError::usage(format!("unknown service `{s}`")));
        }
    }
    let mut text = String::new();
    for op in spec::operations() {
        if service.as_deref().is_some_and(|s| s != op.service) {
            continue;
        }
        text.push_str(&describe(op));
    }
    text.push_str(
        "\n* required. Call one with: ttrest call SERVICE OPERATION --param NAME=VALUE [--body JSON|@FILE] [--all-pages]\n",
    );
    print!("{text}");
    Ok(())
}

fn describe(op: &Operation) -> String {
    let params: Vec<String> = op
        .params
        .iter()
        .map(|p| {
            let star = if p.required { "*" } else { "" };
            let place = match p.location {
                Location::Path => "path",
                Location::Query => "query",
                Location::Header => "header",
            };
            format!("{}{star} ({place}, {})", p.name, p.kind)
        })
        .collect();
    let mut line = format!("{} {}  {} {}", op.service, op.id, op.method, op.path);
    if op.is_paged() {
        line.push_str("  [paged]");
    }
    if op.body.is_some() {
        line.push_str("  [body]");
    }
    line.push('\n');
    if !op.summary.is_empty() {
        line.push_str(&format!("    {}\n", op.summary));
    }
    if !params.is_empty() {
        line.push_str(&format!("    params: {}\n", params.join(", ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_must_be_name_value() {
        let ok = parse_params(&["marketId=7".into(), "alias=ES Dec26".into()]).unwrap();
        assert_eq!(ok[1], ("alias".into(), "ES Dec26".into()));
        let e = parse_params(&["marketId".into()]).unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
    }

    #[test]
    fn bodies_are_json_or_files() {
        assert_eq!(read_body(r#"{"a":1}"#).unwrap()["a"], 1);
        assert_eq!(read_body("{oops").unwrap_err().code, crate::exit::USAGE);
        let missing = read_body("@/nonexistent/body.json").unwrap_err();
        assert_eq!(missing.code, crate::exit::IO);
        assert!(missing.message.contains("/nonexistent/body.json"));
    }

    #[test]
    fn descriptions_mark_required_and_paged() {
        let text = describe(spec::find("ttpds", "get_products").unwrap());
        assert!(text.contains("marketId* (query"), "{text}");
        assert!(text.contains("[paged]"), "{text}");
    }
}
