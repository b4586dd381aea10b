//! The command line as clap sees it: subcommands, flags and their help texts. Parsing only;
//! the client flags are checked and combined with the environment and the config file in
//! `settings.rs`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgAction, ArgGroup, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// The exit codes and the setting sources, after every `--help`.
const AFTER_HELP: &str = "\
Exit codes:
  0    records were produced (even records holding errors, unless --fail-on says otherwise)
  1    a --fail-on condition held: `no-contact` (some input has no notice target with an
       email, web form or phone) or `errors` (some input has errors or no record)
  2    bad usage: a bad flag, setting, query or file, named in the message
  3    bulk --redis: the Redis server could not be reached (named, without its password)
  130  interrupted (Ctrl-C): finished records are written; rerun with --resume

Every client flag can also come from the environment, WHOHOSTS_<FLAG> (WHOHOSTS_DNS,
WHOHOSTS_ALLOW_NET, …; lists comma-separated, switches true/false), or from a TOML config file
(--config PATH, WHOHOSTS_CONFIG, default ~/.config/whohosts/config.toml on Linux) whose keys
are the flag names (`dns = [\"127.0.0.1:53\"]`, `allow-http = true`). A flag wins over the
environment, which wins over the file. `whohosts config` shows the effective settings.
Logging (-v, -vv or RUST_LOG) goes to stderr; stdout carries results only.";

/// Who hosts a domain, URL or IP address, and whom to notify about it: addresses, AS,
/// network, hosting provider or CDN, registrar and registry, with their abuse contacts.
#[derive(Debug, Parser)]
#[command(name = "whohosts", version, after_help = AFTER_HELP, propagate_version = true)]
pub(crate) struct Cli {
    /// Log more on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub(crate) verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Look up one or more domains, URLs or IP addresses and print whom to notify.
    #[command(after_help = AFTER_HELP)]
    Lookup(LookupArgs),
    /// Look up a list (a file or stdin, one query per line) into JSON lines or CSV.
    #[command(after_help = AFTER_HELP)]
    Bulk(Box<BulkArgs>),
    /// Print the effective settings and where each comes from (flag, env, file, default).
    #[command(after_help = AFTER_HELP)]
    Config(ConfigArgs),
    /// Show what the persistent cache holds, or clear it.
    #[command(after_help = AFTER_HELP)]
    Cache(CacheArgs),
    /// Fetch the RDAP bootstrap, IANA registrar list and (when given) provider ranges and an
    /// ASN database into the data directory that every command reads.
    Refresh(RefreshArgs),
    /// Group records (a bulk run's JSON lines) into one notice batch per party and channel,
    /// and write the batches, one notice per batch and an HTML report into a directory.
    Notices(NoticesArgs),
}

/// The flags that set up the client, the same for every subcommand.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// TOML config file (default: the platform config directory's whohosts/config.toml).
    #[arg(long, value_name = "PATH", env = "WHOHOSTS_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// DNS server to ask, IP or IP:PORT (repeatable; default: the system resolver).
    #[arg(long, value_name = "IP:PORT")]
    pub(crate) dns: Vec<OsString>,
    /// Directory of RFC 9224 bootstrap files (dns.json, ipv4.json, ipv6.json, asn.json)
    /// instead of IANA's, embedded.
    #[arg(long, value_name = "DIR")]
    pub(crate) bootstrap: Option<OsString>,
    /// IP-to-ASN database: MaxMind-format .mmdb or ip-location-db .csv (repeatable; default:
    /// Team Cymru over DNS).
    #[arg(long, value_name = "PATH")]
    pub(crate) asn_db: Vec<OsString>,
    /// WHOIS server for a TLD or registry, e.g. `co=whois.nic.co` or `arin=127.0.0.1:4343`
    /// (repeatable).
    #[arg(long, value_name = "KEY=HOST[:PORT]")]
    pub(crate) whois: Vec<OsString>,
    /// Never ask WHOIS (port 43) servers.
    #[arg(long)]
    pub(crate) no_whois: bool,
    /// Put first the channels providers publish for this kind of notice: copyright, csam,
    /// ncii, phishing, malware or spam.
    #[arg(long, value_name = "TYPE")]
    pub(crate) notice_type: Option<OsString>,
    /// Allow plain-HTTP RDAP (default: HTTPS only, on every redirect and referral too).
    #[arg(long)]
    pub(crate) allow_http: bool,
    /// Allow connections to private, loopback and other non-global addresses.
    #[arg(long)]
    pub(crate) allow_private: bool,
    /// With --allow-private: allow only these non-global networks (repeatable CIDR).
    #[arg(long, value_name = "CIDR")]
    pub(crate) allow_net: Vec<OsString>,
    /// Seconds per HTTP request (default 10).
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<OsString>,
    /// Politeness for servers matching PATTERN (an RDAP host or URL prefix, or
    /// `whois://HOST[:PORT]` for a WHOIS server): N requests per PERIOD (500ms, 1s, 6s, 1m,
    /// 24h; N = 0: no rate limit), BURST at once (default 1), INFLIGHT concurrent (default 4);
    /// `:personal` last counts N in personal data sets (person and role objects in each
    /// answer, as RIPE NCC counts its quota) instead of requests. Repeatable; the first
    /// matching wins. E.g. `rdap.db.ripe.net=500/24h:500:4:personal`.
    #[arg(long, value_name = "PATTERN=N/PERIOD[:BURST[:INFLIGHT]][:personal]")]
    pub(crate) server_policy: Vec<OsString>,
    /// Directory of the persistent cache: RDAP and WHOIS answers and the spent part of
    /// hourly and daily quotas, kept between runs (default: the platform cache directory,
    /// ~/.cache/whohosts on Linux). One process uses it at a time: while another whohosts
    /// holds it, this one warns and runs without it. An unreadable cache file is moved aside
    /// (whohosts-cache.redb.broken) with a warning and rebuilt.
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<OsString>,
    /// No persistent cache: every answer is asked again, and quotas spent by earlier runs
    /// are not counted (answers are still shared within the run).
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Quota-free sources of an address's abuse contact, asked first for addresses whose
    /// RDAP server is quota-limited (RIPE NCC's daily quota, LACNIC's 10 a minute) or whose
    /// budget is spent, so that RDAP is asked only when they give no mailbox: `abusix` (the
    /// Abusix Abuse ContactDB over DNS) and `ripestat` (the RIPEstat Data API), comma
    /// separated or repeated; `none` (the default) asks RDAP for every address.
    #[arg(long, value_name = "abusix,ripestat|none")]
    pub(crate) quota_free: Vec<OsString>,
    /// RIPEstat's base URL for `--quota-free ripestat` (default https://stat.ripe.net/; a
    /// mirror, or a test server with --allow-http --allow-private).
    #[arg(long, value_name = "URL")]
    pub(crate) ripestat_url: Option<OsString>,
    /// `full`: ask RDAP for every address even where a quota-free source gave the abuse
    /// mailbox (the network's handle, range and every contact; where the two disagree both
    /// are kept). `auto` (the default) spares quota-limited servers.
    #[arg(long, value_name = "auto|full")]
    pub(crate) network_detail: Option<OsString>,
}

/// The output of `lookup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LookupFormat {
    /// A summary for a person (the default).
    Text,
    /// The record as pretty JSON (an array of records for several queries).
    Json,
    /// One `{"input":…,"record":…}` line per query, as `bulk` writes.
    Jsonl,
    /// CSV rows, one per notice channel, as `bulk --format csv` writes.
    Csv,
}

/// When to exit 1 although records were produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// Some input has no notice target with a channel (email, web form or phone).
    NoContact,
    /// Some input has errors in its record, or no record.
    Errors,
}

/// `whohosts lookup`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("format").multiple(false)))]
pub(crate) struct LookupArgs {
    /// Domains, URLs or IP addresses.
    #[arg(required = true, value_name = "QUERY")]
    pub(crate) queries: Vec<OsString>,
    /// Print a summary leading with whom to notify (the default).
    #[arg(long, group = "format")]
    pub(crate) text: bool,
    /// Print the record as JSON (an array of records for several queries).
    #[arg(long, group = "format")]
    pub(crate) json: bool,
    /// Print one JSON line per query: {"input":…,"record":{…}}.
    #[arg(long, group = "format")]
    pub(crate) jsonl: bool,
    /// Print CSV: one row per input, notice target and channel.
    #[arg(long, group = "format")]
    pub(crate) csv: bool,
    /// Exit 1 when this holds for some query (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CONDITION")]
    pub(crate) fail_on: Vec<FailOn>,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

impl LookupArgs {
    /// The chosen output.
    pub(crate) fn format(&self) -> LookupFormat {
        if self.json {
            LookupFormat::Json
        } else if self.jsonl {
            LookupFormat::Jsonl
        } else if self.csv {
            LookupFormat::Csv
        } else {
            LookupFormat::Text
        }
    }
}

/// The output of `bulk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BulkFormat {
    /// One JSON object per input line: {"input":…,"record":{…}} or {"input":…,"error":{…}}.
    Jsonl,
    /// One row per input, notice target and channel (see the README for the columns).
    Csv,
}

/// `whohosts bulk`.
#[derive(Debug, Args)]
pub(crate) struct BulkArgs {
    /// File of queries, one per line (`#` comments and blank lines skipped); `-` or nothing
    /// for stdin.
    #[arg(value_name = "INPUT")]
    pub(crate) input: Option<PathBuf>,
    /// Output file (default: stdout).
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub(crate) format: BulkFormat,
    /// Skip the inputs already answered in OUT and append the rest.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Look up again the inputs whose lines in OUT carry these error kinds (e.g.
    /// rate_limited,timeout) and replace their lines; implies --resume.
    #[arg(long, value_delimiter = ',', value_name = "KIND,...")]
    pub(crate) retry_errors: Vec<String>,
    /// Lookups working at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) concurrency: u32,
    /// Longest input line in bytes; a longer one is an input error naming its line.
    #[arg(long, default_value_t = whohosts::DEFAULT_MAX_LINE as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub(crate) max_line: u64,
    /// Also write the summary as JSON to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) summary_json: Option<PathBuf>,
    /// Exit 1 when this holds for some input (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CONDITION")]
    pub(crate) fail_on: Vec<FailOn>,
    /// No progress bar or progress lines on stderr (the summary is still printed).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// After the run, group the JSON-lines output (-o OUT) into notice batches in DIR, as
    /// `whohosts notices OUT -o DIR` does, with this run's --notice-type.
    #[arg(long, value_name = "DIR")]
    pub(crate) notices: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) distributed: DistributedArgs,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// `whohosts bulk --redis URL --job NAME ...`: one job spread over many workers.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("job_step").multiple(false)
    .args(["enqueue", "work", "collect", "status"])))]
pub(crate) struct DistributedArgs {
    /// Redis (or Valkey) server holding the job, its shared cache and politeness budgets:
    /// `redis://[:PASSWORD@]HOST[:PORT][/DB]`. With --job and one of --enqueue, --work,
    /// --collect or --status (without --job, `bulk` runs in this process as usual).
    #[arg(long, value_name = "URL", env = "WHOHOSTS_REDIS")]
    pub(crate) redis: Option<String>,
    /// The job's name: its inputs, results and shared cache live under `whohosts:{NAME}:`.
    #[arg(long, value_name = "NAME", requires = "redis")]
    pub(crate) job: Option<String>,
    /// Put FILE's queries on the job's stream, one entry per line numbered by its line;
    /// enqueueing the same file again adds nothing.
    #[arg(long, value_name = "FILE", requires = "job")]
    pub(crate) enqueue: Option<PathBuf>,
    /// Take the job's inputs and look them up, with the cache and per-server budgets shared
    /// through Redis, until stopped (or, with --exit-when-done, until every input has a
    /// result).
    #[arg(long, requires = "job")]
    pub(crate) work: bool,
    /// With --work: exit when the job's stream is drained and nothing is pending.
    #[arg(long, requires = "work")]
    pub(crate) exit_when_done: bool,
    /// With --work: an input taken by a worker and not finished after SECS is taken again
    /// by another (the first one died or hangs).
    #[arg(long, value_name = "SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) visibility: u64,
    /// With --work: how long to keep retrying (with backoff) while Redis cannot be reached
    /// before exiting 3.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub(crate) redis_retry: u64,
    /// With --work: this worker's name in --status (default: HOSTNAME-PID).
    #[arg(long, value_name = "NAME")]
    pub(crate) worker_name: Option<String>,
    /// Write every result of the job once, in input order, to OUT (--format jsonl or csv).
    #[arg(long, value_name = "OUT", requires = "job")]
    pub(crate) collect: Option<PathBuf>,
    /// Print how far the job is: enqueued, done, pending, results per worker, and the
    /// results' summary.
    #[arg(long, requires = "job")]
    pub(crate) status: bool,
    /// With --status: print JSON.
    #[arg(long, requires = "status")]
    pub(crate) json: bool,
}

/// `whohosts config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// `whohosts cache`.
#[derive(Debug, Args)]
pub(crate) struct CacheArgs {
    /// What to do with the cache.
    #[command(subcommand)]
    pub(crate) action: CacheAction,
}

impl CacheArgs {
    /// The client flags given with the action (`--cache-dir`, `--config`, …).
    pub(crate) fn client(&self) -> &ClientArgs {
        match &self.action {
            CacheAction::Stats { client, .. } | CacheAction::Clear { client, .. } => client,
        }
    }
}

/// `whohosts cache stats|clear`.
#[derive(Debug, Subcommand)]
pub(crate) enum CacheAction {
    /// The cache file, its size and bound, the entries by kind (RDAP objects, WHOIS
    /// answers), the rate budgets kept, and the oldest and newest entry.
    #[command(after_help = AFTER_HELP)]
    Stats {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Remove the cached answers (the rate budgets are kept unless --kind budgets: they
    /// stop the next run from asking past a daily quota already spent).
    #[command(after_help = AFTER_HELP)]
    Clear {
        /// Remove only this kind: ip, autnum, domain, entity, nameserver, other, whois,
        /// quota-free (Abusix and RIPEstat answers), or budgets.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

/// The parsed command line, with whether `--config` came from the flag or the environment.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The arguments.
    pub(crate) cli: Cli,
    /// True when `--config` was given on the command line (else from WHOHOSTS_CONFIG, if
    /// set).
    pub(crate) config_from_flag: bool,
}

/// Parse `argv` (with the program name first). `Err` is clap's: print it and exit with its
/// code (0 for `--help` and `--version`, 2 for bad usage).
pub(crate) fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Parsed, clap::Error> {
    let matches = Cli::command().try_get_matches_from(argv)?;
    let cli = Cli::from_arg_matches(&matches)?;
    // The client flags are on the innermost subcommand (`cache stats` has them on `stats`).
    let mut sub = matches.subcommand().map(|(_, sub)| sub);
    while let Some((_, inner)) = sub.and_then(clap::ArgMatches::subcommand) {
        sub = Some(inner);
    }
    let config_from_flag = sub
        // `notices` reads no settings: it has no --config.
        .filter(|sub| sub.try_contains_id("config").is_ok())
        .and_then(|sub| sub.value_source("config"))
        .is_some_and(|source| source == ValueSource::CommandLine);
    Ok(Parsed { cli, config_from_flag })
}

/// `whohosts refresh`.
#[derive(Debug, Args)]
pub(crate) struct RefreshArgs {
    /// The data directory to write (default: WHOHOSTS_DATA_DIR, else the platform cache
    /// directory's whohosts/data). Every command reads refreshed data from it.
    #[arg(long, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Also fetch an IP-to-ASN database (MaxMind .mmdb, or ip-location-db .csv when the URL
    /// ends so); lookups then ask it before Team Cymru.
    #[arg(long, value_name = "URL")]
    pub(crate) asn_db_url: Option<String>,
    /// Fetch SET from URL instead of its official URL (repeatable). SET is one of
    /// bootstrap_dns, bootstrap_ipv4, bootstrap_ipv6, bootstrap_asn, registrars,
    /// asn_database, provider_ranges (a ready-made table, fetched instead of the providers'
    /// lists), or provider_ranges.LIST for one provider's list: aws, google_cloud,
    /// cloudflare_v4, cloudflare_v6, fastly, oracle, digitalocean, linode, github, zscaler,
    /// azure and akamai (these two have no fixed URL: without one, their ranges are kept).
    #[arg(long = "url", value_name = "SET=URL")]
    pub(crate) urls: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// `whohosts notices`.
#[derive(Debug, Args)]
pub(crate) struct NoticesArgs {
    /// The records: a bulk run's JSON lines (`whohosts bulk … -o RECORDS.jsonl`) or bare
    /// records one per line (`whohosts lookup --jsonl`); `-` reads stdin.
    #[arg(value_name = "RECORDS.jsonl")]
    pub(crate) records: PathBuf,
    /// The directory to write: batches.jsonl, unresolved.jsonl, summary.json, batches.csv,
    /// notices/<batch-id>.txt and report.html (created if missing; files replaced).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) output: PathBuf,
    /// The notice being prepared: each party's channels published for it are used first
    /// (copyright, csam, ncii, phishing, malware or spam; default: the general channels).
    #[arg(long, value_name = "TYPE", value_parser = parse_notice_type)]
    pub(crate) notice_type: Option<whohosts::NoticeType>,
    /// A minijinja template for the notice files, instead of the neutral default (examples:
    /// templates/dmca.txt.j2, templates/dsa-art16.txt.j2).
    #[arg(long, value_name = "FILE")]
    pub(crate) template: Option<PathBuf>,
    /// A directory written by an earlier run: print the resources that moved, appeared or
    /// disappeared since, and write them to DIR/diff.json.
    #[arg(long, value_name = "OLD_DIR")]
    pub(crate) diff: Option<PathBuf>,
}

fn parse_notice_type(s: &str) -> Result<whohosts::NoticeType, String> {
    s.parse()
}
