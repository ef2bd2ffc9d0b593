//! The command line: one module per command, each holding its arguments;
//! this one parses ([`Cli`]) and dispatches. A command that moves records is
//! a dataset (`crate::datasets`) written to a sink (`crate::sinks`).
//!
//! | module | commands |
//! |---|---|
//! | [`fills`] | `ttrest fills` (fills → file sink, `--follow`) |
//! | [`export`] | `orders`, `positions`, `accounts`, `users`, `markets`, `products`, `instruments`, `orderdata` (dataset → file sink) |
//! | [`sync`] | `ttrest sync fills\|positions\|orders` (dataset → store sink) |
//! | [`call`] | `ttrest call` (any operation, its JSON answer) |
//! | [`token`] | `ttrest token` |
//! | [`sandbox`] | `ttrest sandbox` |

pub mod call;
pub mod export;
pub mod fills;
pub mod sandbox;
pub mod sync;
pub mod token;

use std::path::Path;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::columns;
use crate::context::{Context, Global};
use crate::datasets::{
    accounts::Accounts, instruments::Instruments, markets::Markets, orderdata::OrderData,
    orders::Orders, positions::Positions, products::Products, users::Users,
};
use crate::exit::CliError;
use crate::stop::Stop;
use crate::telemetry::Monitor;

/// Export fills, orders, positions and any TT REST 2.0 endpoint.
///
/// Credentials come from TT_APP_KEY and TT_APP_SECRET (the secret as
/// `<key>:<secret>` or bare), or from `--profile NAME` in
/// ~/.config/ttrest/config.toml. `--sandbox` runs everything against a local
/// TT sandbox instead, with no account needed.
#[derive(Debug, Parser)]
#[command(name = "ttrest", version = version(), after_help = crate::exit::HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`: the crate's version and the spec snapshot the library was built from.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (specs {})",
            env!("CARGO_PKG_VERSION"),
            ttrest::SPEC_SNAPSHOT
        )
    })
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every fill exactly once, in timestamp order (ttledger /fills).
    #[command(after_help = columns::help(columns::FILLS))]
    Fills(fills::FillsArgs),
    /// Working orders (ttledger /orders, 50 accounts a request).
    #[command(after_help = columns::help(columns::ORDERS))]
    Orders(export::AccountsList),
    /// Positions (ttmonitor /position, all pages).
    #[command(after_help = columns::help(columns::POSITIONS))]
    Positions(export::AccountsList),
    /// Accounts the key can see (ttaccount /accounts).
    #[command(after_help = columns::help(columns::ACCOUNTS))]
    Accounts(export::ListArgs),
    /// Users (ttuser /users).
    #[command(after_help = columns::help(columns::USERS))]
    Users(export::ListArgs),
    /// Markets (ttpds /markets).
    #[command(after_help = columns::help(columns::MARKETS))]
    Markets(export::ListArgs),
    /// Products of one market (ttpds /products).
    #[command(after_help = columns::help(columns::PRODUCTS))]
    Products(export::ProductsArgs),
    /// Instruments of one product (ttpds /instruments).
    #[command(after_help = columns::help(columns::INSTRUMENTS))]
    Instruments(export::InstrumentsArgs),
    /// Order enumeration labels, one row per code (ttledger /orderdata).
    #[command(after_help = columns::help(columns::ORDERDATA))]
    Orderdata(export::ListArgs),
    /// Keep fills (exactly once), positions or working orders in SQLite or PostgreSQL.
    Sync(sync::SyncArgs),
    /// Call any operation of any service; prints TT's JSON answer.
    Call(call::CallArgs),
    /// Check the credentials: print whether TT was asked and when the token
    /// expires (never the token). A cached token is not checked with TT unless --fresh.
    Token(token::TokenArgs),
    /// The key's day of requests: today's count shared by every ttrest on
    /// this host, TT's own count (with --tt-user-id), the cap, the reserve,
    /// when it resets, and what running --follow streams spend per hour.
    Usage,
    /// Run a local TT sandbox on 127.0.0.1 until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// Print a shell completion script, e.g. `ttrest completions bash > /etc/bash_completion.d/ttrest`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `ttrest man > ttrest.1 && man ./ttrest.1`.
    Man,
}

/// `ttrest completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs the command; `stop` ends it (Ctrl-C or SIGTERM in `main`).
pub async fn run(cli: Cli, stop: &Stop) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Sandbox(args) => return sandbox::run(args, stop).await,
        Command::Call(args) if args.list => return call::list(args),
        Command::Token(args) => return token::run(global, args, stop).await,
        Command::Completions(args) => return completions(args.shell),
        Command::Man => return man(),
        _ => {}
    }
    let monitor = match &cli.command {
        Command::Fills(f) => monitor(f.metrics_addr.as_deref(), f.interval).await?,
        Command::Sync(s) => match &s.what {
            sync::SyncWhat::Fills(f) => monitor(f.metrics_addr.as_deref(), f.interval).await?,
            _ => None,
        },
        _ => None,
    };
    if let Command::Sync(args) = &cli.command {
        // One session per key: sync connects for itself.
        return sync::run(global, args, monitor, stop).await;
    }
    let call = match &cli.command {
        Command::Call(args) => Some(call::prepare(args)?),
        _ => None,
    };
    let ctx = Context::connect(global, monitor, stop).await?;
    match cli.command {
        Command::Fills(args) => fills::run(&ctx, &args).await,
        Command::Orders(args) => {
            let orders = Orders {
                accounts: args.accounts,
            };
            export::run(&ctx, &orders, &args.out).await
        }
        Command::Positions(args) => {
            let positions = Positions {
                accounts: args.accounts,
            };
            export::run(&ctx, &positions, &args.out).await
        }
        Command::Accounts(args) => export::run(&ctx, &Accounts, &args.out).await,
        Command::Users(args) => export::run(&ctx, &Users, &args.out).await,
        Command::Markets(args) => export::run(&ctx, &Markets, &args.out).await,
        Command::Products(args) => {
            let products = Products {
                market: args.market,
            };
            export::run(&ctx, &products, &args.out).await
        }
        Command::Instruments(args) => {
            let instruments = Instruments {
                product: args.product,
            };
            export::run(&ctx, &instruments, &args.out).await
        }
        Command::Orderdata(args) => export::run(&ctx, &OrderData, &args.out).await,
        Command::Call(args) => match call {
            Some(prepared) => call::run(&ctx, prepared, &args).await,
            None => Ok(()),
        },
        Command::Usage => crate::usage::run(&ctx).await,
        Command::Token(_)
        | Command::Sandbox(_)
        | Command::Sync(_)
        | Command::Completions(_)
        | Command::Man => Ok(()),
    }
}

/// Whether the command ends by itself on a stop, keeping what it did
/// (otherwise `main` drops it, which drops a temporary output file).
pub fn handles_stop(command: &Command) -> bool {
    match command {
        // Keeps what it wrote, then exits 130.
        Command::Fills(f) => f.follow,
        Command::Sandbox(_) => true,
        // Commits what it read, then exits 130.
        Command::Sync(_) => true,
        _ => false,
    }
}

/// Serves `/metrics` and `/healthz` on `--metrics-addr`, if given.
async fn monitor(addr: Option<&str>, interval: f64) -> Result<Option<Monitor>, CliError> {
    match addr {
        Some(addr) => Ok(Some(
            Monitor::start(addr, Duration::from_secs_f64(interval.max(0.05))).await?,
        )),
        None => Ok(None),
    }
}

/// `ttrest completions SHELL`: the completion script on stdout.
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ttrest", &mut out);
    print_bytes(&out)
}

/// `ttrest man`: the manual page (roff) on stdout.
fn man() -> Result<(), CliError> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::io("write", Path::new("<stdout>"), &e))?;
    print_bytes(&out)
}

fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|_| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::broken_pipe(),
            _ => CliError::io("write", Path::new("<stdout>"), &e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn times_need_a_unit() {
        use crate::time::parse_time;
        assert!(parse_time("1795185000000000000").is_err());
        assert!(parse_time("1795185000000000000ns").is_ok());
    }

    #[test]
    fn fills_flags_parse() {
        let cli = Cli::try_parse_from([
            "ttrest",
            "--env",
            "live",
            "fills",
            "--since",
            "2026-11-20",
            "--account",
            "1",
            "--account",
            "2",
            "-o",
            "f.csv",
        ])
        .unwrap();
        assert_eq!(cli.global.env, Some(crate::context::EnvArg::Live));
        let Command::Fills(f) = cli.command else {
            panic!()
        };
        assert_eq!(f.accounts, [1, 2]);
        assert!(Cli::try_parse_from(["ttrest", "fills", "--follow", "--until", "1"]).is_err());
    }
}
