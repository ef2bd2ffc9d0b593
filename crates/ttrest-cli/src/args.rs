//! The command line, as clap sees it.

use std::path::PathBuf;

use crate::time::{parse_day_start, parse_time, parse_tz, DayRule, TimeSpec};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use ttrest::{Environment, Plan};

use crate::commands::columns;
use crate::output::Format;

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

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// TT environment [default: uat, or the profile's].
    #[arg(long, global = true, value_enum)]
    pub env: Option<EnvArg>,
    /// Root URL that `<service>/<env>` is appended to (a sandbox or proxy).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Application name in every requestId [default: ttrest].
    #[arg(long, global = true, value_name = "NAME")]
    pub app_name: Option<String>,
    /// Company name in every requestId [default: cli].
    #[arg(long, global = true, value_name = "NAME")]
    pub company: Option<String>,
    /// The key's usage plan, which paces requests and caps the day: free
    /// (3/s, 10,000 a day), low (5/s, 15,000), medium (10/s, 30,000), high
    /// (25/s, 75,000), ps-free (3/s, 3,000), unlimited, or requests per
    /// second (no daily cap unless --daily-limit) [default: free].
    #[arg(long, global = true, value_name = "PLAN", value_parser = parse_plan)]
    pub plan: Option<Plan>,
    /// The key's cap of requests per UTC day, instead of the plan's (free
    /// 10,000, low 15,000, medium 30,000, high 75,000, ps-free 3,000). The
    /// day's count lives in $XDG_STATE_HOME/ttrest/ (else
    /// ~/.local/state/ttrest/), shared by every ttrest on the host.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub daily_limit: Option<u64>,
    /// The user id of the key's user, with which TT's own count of the day
    /// (ttid /keyusage) can be read; without it the day is counted locally.
    #[arg(long, global = true, value_name = "ID", env = "TT_USER_ID")]
    pub tt_user_id: Option<String>,
    /// A profile of ~/.config/ttrest/config.toml (or $TTREST_CONFIG).
    /// `ttrest sync` takes it more than once: one stream per key, one database.
    #[arg(long, global = true, value_name = "NAME", action = clap::ArgAction::Append)]
    pub profile: Vec<String>,
    /// Start a local TT sandbox in this process and run against it (its own
    /// credentials; no token cache; no pacing unless --plan).
    #[arg(long, global = true, conflicts_with_all = ["base_url", "profile"])]
    pub sandbox: bool,
    /// No progress line and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Do not reuse or store tokens in ~/.cache/ttrest/tokens.json.
    #[arg(long, global = true)]
    pub no_token_cache: bool,
    /// Append every exchange of the run to DIR/<service>.jsonl (secrets and
    /// tokens redacted; format in docs/recordings.md).
    #[arg(long, global = true, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// With --record, also hide `ids`: account, user and company ids and
    /// names become stand-ins (the same id always the same stand-in).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHAT",
        requires = "record"
    )]
    pub record_redact: Option<RedactArg>,
    /// Answer every request from a recording made with --record: no network,
    /// no credentials, no pacing unless --plan.
    #[arg(long, global = true, value_name = "DIR", conflicts_with_all = ["sandbox", "record", "profile"])]
    pub replay: Option<PathBuf>,
    /// Log to stderr: -v each call (status, requestId, time), -vv each
    /// attempt too. RUST_LOG, if set, chooses instead. Secrets are never logged.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Log lines as text, or as one JSON object per event (for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Seconds to wait for each answer before trying again (retries are
    /// bounded), e.g. 10 or 2.5 [default: 90].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

/// `--record-redact` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RedactArg {
    /// Account, user and company ids and names.
    Ids,
}

/// `--log-format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, with its spans.
    Json,
}

/// `--env` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnvArg {
    /// ext_uat_cert
    Uat,
    /// ext_prod_live
    Live,
    /// ext_prod_sim
    Sim,
}

impl From<EnvArg> for Environment {
    fn from(e: EnvArg) -> Self {
        match e {
            EnvArg::Uat => Environment::Uat,
            EnvArg::Live => Environment::Live,
            EnvArg::Sim => Environment::Sim,
        }
    }
}

/// The slowest `--plan` accepted, in requests per second.
pub const MIN_PLAN_RATE: f64 = 0.1;

fn parse_plan(s: &str) -> Result<Plan, String> {
    let plan = s.parse::<Plan>().map_err(|e| e.to_string())?;
    match plan {
        Plan::PerSecond(rate) if rate < MIN_PLAN_RATE => Err(format!(
            "{rate} requests/s is below the floor of {MIN_PLAN_RATE}/s (one request every \
             10 s); a slower pace would look like a hang. TT's slowest plan, free, is 3/s"
        )),
        plan => Ok(plan),
    }
}

/// The shortest `--interval` accepted, in seconds.
pub const MIN_INTERVAL: f64 = 0.1;

/// `--interval`: seconds between polls, at least [`MIN_INTERVAL`].
pub fn parse_interval(s: &str) -> Result<f64, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs < MIN_INTERVAL {
        return Err(format!(
            "the shortest --interval is {MIN_INTERVAL} s: each poll is a request of the \
             key's day, and polling faster than fills arrive only spends them"
        ));
    }
    Ok(secs)
}

/// `--timeout`: a positive number of seconds.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err("--timeout must be above 0 and at most 86400 seconds".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every fill exactly once, in timestamp order (ttledger /fills).
    #[command(after_help = columns::help(columns::FILLS))]
    Fills(FillsArgs),
    /// Working orders (ttledger /orders, 50 accounts a request).
    #[command(after_help = columns::help(columns::ORDERS))]
    Orders(AccountsList),
    /// Positions (ttmonitor /position, all pages).
    #[command(after_help = columns::help(columns::POSITIONS))]
    Positions(AccountsList),
    /// Accounts the key can see (ttaccount /accounts).
    #[command(after_help = columns::help(columns::ACCOUNTS))]
    Accounts(ListArgs),
    /// Users (ttuser /users).
    #[command(after_help = columns::help(columns::USERS))]
    Users(ListArgs),
    /// Markets (ttpds /markets).
    #[command(after_help = columns::help(columns::MARKETS))]
    Markets(ListArgs),
    /// Products of one market (ttpds /products).
    #[command(after_help = columns::help(columns::PRODUCTS))]
    Products(ProductsArgs),
    /// Instruments of one product (ttpds /instruments).
    #[command(after_help = columns::help(columns::INSTRUMENTS))]
    Instruments(InstrumentsArgs),
    /// Order enumeration labels, one row per code (ttledger /orderdata).
    #[command(after_help = columns::help(columns::ORDERDATA))]
    Orderdata(ListArgs),
    /// Keep fills (exactly once), positions or working orders in SQLite or PostgreSQL.
    Sync(crate::commands::sync::SyncArgs),
    /// Call any operation of any service; prints TT's JSON answer.
    Call(CallArgs),
    /// Check the credentials: print whether TT was asked and when the token
    /// expires (never the token). A cached token is not checked with TT unless --fresh.
    Token(TokenArgs),
    /// The key's day of requests: today's count shared by every ttrest on
    /// this host, TT's own count (with --tt-user-id), the cap, the reserve,
    /// when it resets, and what running --follow streams spend per hour.
    Usage,
    /// Run a local TT sandbox on 127.0.0.1 until Ctrl-C.
    Sandbox(SandboxArgs),
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

/// `ttrest token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Always ask TT for a new token (and cache it), even if a cached one is valid.
    #[arg(long)]
    pub fresh: bool,
}

/// Where and how records are written.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: from -o's extension (.csv, .json, .jsonl/.ndjson,
    /// .parquet; another extension is an error), else csv].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE instead of stdout (`-` is stdout). A regular file is
    /// written atomically (it appears only once complete; a symlink's target is
    /// written); a device, FIFO or /dev/fd/N is written in place; with --follow
    /// the file itself gets each batch of lines as it comes.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV columns instead of the defaults: field names, `a.b` for nested
    /// fields, `header:field`, `header:@field` for an epoch-ns field as RFC 3339.
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Option<Vec<String>>,
}

/// What a date means: `--tz` and `--day-start`.
#[derive(Debug, Args)]
pub struct DayArgs {
    /// Read dates, `today` and `yesterday` in this IANA zone (Area/City) [default: UTC].
    #[arg(long, value_name = "AREA/CITY", value_parser = parse_tz)]
    pub tz: Option<chrono_tz::Tz>,
    /// A (trading) day starts at this local time, HH:MM; a date means the day
    /// that starts on it [default: 00:00].
    #[arg(long, value_name = "HH:MM", value_parser = parse_day_start)]
    pub day_start: Option<chrono::NaiveTime>,
}

impl DayArgs {
    /// The rule dates are read by.
    pub fn rule(&self) -> DayRule {
        let default = DayRule::default();
        DayRule {
            tz: self.tz.unwrap_or(default.tz),
            start: self.day_start.unwrap_or(default.start),
        }
    }
}

/// `ttrest fills`.
#[derive(Debug, Args)]
pub struct FillsArgs {
    /// Fills from this time on, inclusive: RFC 3339, YYYY-MM-DD (its first
    /// instant), today, yesterday, epoch with unit (1795185000s, ...ms, ...us,
    /// ...ns), or back from now (90m, 12h, 1d) [default: all].
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub since: Option<TimeSpec>,
    /// Fills before this time, exclusive (same forms), so `--until X` then
    /// `--since X` never share a fill [default: none, up to now].
    #[arg(long, value_name = "T", value_parser = parse_time, conflicts_with = "follow")]
    pub until: Option<TimeSpec>,
    #[command(flatten)]
    pub day: DayArgs,
    /// Only this account (repeatable; the fills of several are merged in time order).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<u64>,
    /// Only this product.
    #[arg(long, value_name = "ID")]
    pub product: Option<u64>,
    /// After the existing fills, keep polling for new ones until Ctrl-C
    /// (which then ends the run normally, keeping what was written).
    #[arg(long)]
    pub follow: bool,
    /// The shortest pause between polls with --follow, in seconds: the pause
    /// while fills arrive, unless the daily budget needs a longer one
    /// (quiet streams wait up to --max-interval). At least 0.1.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, requires = "follow",
          value_parser = parse_interval)]
    pub interval: f64,
    /// With --follow, serve /metrics (Prometheus) and /healthz on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", requires = "follow")]
    pub metrics_addr: Option<String>,
    /// The longest pause between polls with --follow while no fill arrives,
    /// in seconds (each quiet poll doubles the pause up to it).
    #[arg(long, value_name = "SECS", default_value_t = 60.0, requires = "follow",
          value_parser = parse_interval)]
    pub max_interval: f64,
    /// The share of the key's daily quota (in percent) --follow may spend,
    /// split between the streams of several --account.
    #[arg(long, value_name = "PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100), requires = "follow")]
    pub follow_share: u8,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A list limited to some accounts.
#[derive(Debug, Args)]
pub struct AccountsList {
    /// Only this account (repeatable) [default: every account of /accounts].
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<u64>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A plain list.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `ttrest products`.
#[derive(Debug, Args)]
pub struct ProductsArgs {
    /// The market (see `ttrest markets`).
    #[arg(long, value_name = "ID")]
    pub market: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `ttrest instruments`.
#[derive(Debug, Args)]
pub struct InstrumentsArgs {
    /// The product (see `ttrest products`).
    #[arg(long, value_name = "ID")]
    pub product: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `ttrest call`.
#[derive(Debug, Args)]
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

/// `ttrest sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 [default: a free one].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How many fills to generate.
    #[arg(long, default_value_t = 10_000)]
    pub fills: usize,
    /// The seed all data derives from.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// App key to accept [default: the sandbox's].
    #[arg(long, requires = "app_secret")]
    pub app_key: Option<String>,
    /// App secret to accept.
    #[arg(long, requires = "app_key")]
    pub app_secret: Option<String>,
    /// Faults to inject, e.g. `429-every=5,latency-ms=20,timeout-window-ns=3600000000000`.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Keep added fills in this SQLite file across restarts.
    #[arg(long, value_name = "FILE")]
    pub sqlite: Option<PathBuf>,
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
    fn plans_and_times_parse() {
        assert_eq!(parse_plan("HIGH"), Ok(Plan::High));
        assert_eq!(parse_plan("2.5"), Ok(Plan::PerSecond(2.5)));
        assert!(parse_plan("-1").is_err());
        assert!(parse_plan("0.05").unwrap_err().contains("0.1"));
        assert_eq!(parse_plan("0.1"), Ok(Plan::PerSecond(0.1)));
        assert!(parse_time("1795185000000000000").is_err());
        assert!(parse_time("1795185000000000000ns").is_ok());
        assert!(parse_interval("0.05").is_err());
        assert_eq!(parse_interval("0.1"), Ok(0.1));
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
        assert_eq!(cli.global.env, Some(EnvArg::Live));
        let Command::Fills(f) = cli.command else {
            panic!()
        };
        assert_eq!(f.accounts, [1, 2]);
        assert!(Cli::try_parse_from(["ttrest", "fills", "--follow", "--until", "1"]).is_err());
    }
}
