//! The client settings: each from its flag, else its environment variable
//! (`WHOHOSTS_<FLAG>`), else the TOML config file, else the default, remembering which, and
//! checked the same way whatever the source, so a bad value is named with where it came
//! from. Builds the [`whohosts::ClientBuilder`]; `whohosts config` prints the result.

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use whohosts::{
    ClientBuilder, Counting, IpNet, NetworkDetail, NoticeType, QuotaFreeSources, ServerPolicy,
};

use crate::args::ClientArgs;
use crate::exit::Failure;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The command line flag of this name.
    Flag(&'static str),
    /// This environment variable.
    Env(String),
    /// This config file.
    File(PathBuf),
    /// Nothing set it.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(name) => write!(f, "flag --{name}"),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// The settings a config file may hold: (key = flag name, is a list, the default in words).
const KEYS: &[(&str, bool, &str)] = &[
    ("dns", true, "the system resolver"),
    ("bootstrap", false, "IANA's bootstrap files, embedded"),
    ("asn-db", true, "Team Cymru over DNS"),
    ("whois", true, "the shipped table and IANA's referrals"),
    ("no-whois", false, "WHOIS after RDAP"),
    ("notice-type", false, "none"),
    ("allow-http", false, "HTTPS only"),
    ("allow-private", false, "global addresses only"),
    ("allow-net", true, "every non-global network, with --allow-private"),
    ("timeout", false, "seconds per HTTP request"),
    ("server-policy", true, "the built-in politeness table"),
    ("cache-dir", false, "the platform cache directory"),
    ("no-cache", false, "the persistent cache on"),
    ("quota-free", true, "none"),
    ("ripestat-url", false, "https://stat.ripe.net/"),
    ("network-detail", false, "auto"),
];

/// The environment variable of `key`: `allow-net` → `WHOHOSTS_ALLOW_NET`.
pub(crate) fn env_var(key: &str) -> String {
    format!("WHOHOSTS_{}", key.to_ascii_uppercase().replace('-', "_"))
}

/// One setting as text (one entry per value), with its origin.
#[derive(Debug, Clone)]
struct Raw {
    key: &'static str,
    values: Vec<String>,
    origin: Origin,
}

impl Raw {
    /// How one of its values is named in a message: `--dns 127.0.0.1:0`,
    /// `WHOHOSTS_DNS=127.0.0.1:0`, or `dns = "127.0.0.1:0" in PATH`.
    fn label(&self, value: &str) -> String {
        match &self.origin {
            Origin::Flag(name) => format!("--{name} {value}"),
            Origin::Env(var) => format!("{var}={value}"),
            Origin::File(path) => format!("{} = {value:?} in {}", self.key, path.display()),
            Origin::Default => format!("{} {value}", self.key),
        }
    }

    /// The single value, if set.
    fn single(&self) -> Option<&str> {
        self.values.last().map(String::as_str)
    }

    /// A switch: set, and true.
    fn switch(&self) -> Result<bool, Failure> {
        let Some(text) = self.single() else { return Ok(false) };
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(Failure::usage(format!("{}: not true or false", self.label(text)))),
        }
    }
}

/// The config file in use, if any, and why.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    /// Its path.
    pub(crate) path: Option<PathBuf>,
    /// Where the path came from (`Default` for the platform directory).
    pub(crate) origin: Origin,
    /// Whether it exists (a missing default file is no error).
    pub(crate) found: bool,
}

/// Every client setting, checked, with where each came from.
#[derive(Debug)]
pub(crate) struct Settings {
    file: ConfigFile,
    raw: Vec<Raw>,
    dns: Vec<String>,
    bootstrap: Option<PathBuf>,
    asn_db: Vec<PathBuf>,
    whois: Vec<(String, String)>,
    no_whois: bool,
    notice_type: Option<NoticeType>,
    allow_http: bool,
    allow_private: bool,
    allow_net: Vec<IpNet>,
    timeout: Option<Duration>,
    server_policy: Vec<(String, ServerPolicy)>,
    /// The persistent cache: `None` with `--no-cache`, else its directory (`None` inside
    /// when the platform has no cache directory and none was given).
    cache: Option<Option<PathBuf>>,
    /// The quota-free abuse sources to ask (`abusix`, `ripestat`).
    quota_free: QuotaFreeSources,
    /// How much network detail a quota-limited address needs.
    network_detail: NetworkDetail,
}

/// A flag's values as UTF-8, or a usage failure naming the one that is not.
fn utf8(flag: &str, values: &[OsString]) -> Result<Vec<String>, Failure> {
    values
        .iter()
        .map(|value| {
            value.to_str().map(str::to_owned).ok_or_else(|| {
                Failure::usage(format!("--{flag}: argument {value:?} is not valid UTF-8"))
            })
        })
        .collect()
}

impl Settings {
    /// Resolve every setting from `args`, the environment and the config file (given by
    /// `--config` when `config_from_flag`, else by `WHOHOSTS_CONFIG`, else the platform's).
    pub(crate) fn resolve(args: &ClientArgs, config_from_flag: bool) -> Result<Self, Failure> {
        let file = match &args.config {
            Some(path) => ConfigFile {
                path: Some(path.clone()),
                origin: if config_from_flag {
                    Origin::Flag("config")
                } else {
                    Origin::Env("WHOHOSTS_CONFIG".to_owned())
                },
                found: path.exists(),
            },
            None => {
                let path = directories::ProjectDirs::from("", "", "whohosts")
                    .map(|dirs| dirs.config_dir().join("config.toml"));
                let found = path.as_deref().is_some_and(Path::exists);
                ConfigFile { path, origin: Origin::Default, found }
            }
        };
        let table = match (&file.path, file.found, &file.origin) {
            (Some(path), true, _) => read_table(path)?,
            (Some(path), false, Origin::Flag(_) | Origin::Env(_)) => {
                return Err(Failure::usage(format!(
                    "config file {} ({}): not found",
                    path.display(),
                    file.origin
                )));
            }
            _ => toml::Table::new(),
        };
        let path = file.path.clone().unwrap_or_default();
        let flags: [(&'static str, Vec<String>); 16] = [
            ("dns", utf8("dns", &args.dns)?),
            ("bootstrap", utf8("bootstrap", args.bootstrap.as_slice())?),
            ("asn-db", utf8("asn-db", &args.asn_db)?),
            ("whois", utf8("whois", &args.whois)?),
            ("no-whois", switch_flag(args.no_whois)),
            ("notice-type", utf8("notice-type", args.notice_type.as_slice())?),
            ("allow-http", switch_flag(args.allow_http)),
            ("allow-private", switch_flag(args.allow_private)),
            ("allow-net", utf8("allow-net", &args.allow_net)?),
            ("timeout", utf8("timeout", args.timeout.as_slice())?),
            ("server-policy", utf8("server-policy", &args.server_policy)?),
            ("cache-dir", utf8("cache-dir", args.cache_dir.as_slice())?),
            ("no-cache", switch_flag(args.no_cache)),
            ("quota-free", utf8("quota-free", &args.quota_free)?),
            ("ripestat-url", utf8("ripestat-url", args.ripestat_url.as_slice())?),
            ("network-detail", utf8("network-detail", args.network_detail.as_slice())?),
        ];
        let mut raw = Vec::new();
        for ((key, list, _), (flag_key, values)) in KEYS.iter().zip(flags) {
            debug_assert_eq!(*key, flag_key);
            raw.push(pick(key, *list, values, &table, &path)?);
        }
        let get = |key: &str| {
            raw.iter().find(|r| r.key == key).cloned().unwrap_or(Raw {
                key: "?",
                values: Vec::new(),
                origin: Origin::Default,
            })
        };

        let dns = get("dns");
        let mut nameservers = Vec::new();
        for value in &dns.values {
            if value.parse::<std::net::SocketAddr>().is_ok_and(|a| a.port() == 0) {
                return Err(Failure::usage(format!(
                    "{}: port 0 is not a port a server answers on",
                    dns.label(value)
                )));
            }
            if let Err(e) = whohosts::Client::builder().nameserver(value) {
                return Err(Failure::usage(format!("{}: {e}", dns.label(value))));
            }
            nameservers.push(value.clone());
        }
        let whois = get("whois");
        let mut servers = Vec::new();
        for value in &whois.values {
            let bad = || Failure::usage(format!("{}: wants KEY=HOST[:PORT]", whois.label(value)));
            let (key, server) = value.split_once('=').ok_or_else(bad)?;
            let port_ok =
                server.rsplit_once(':').is_none_or(|(_, p)| p.parse::<u16>().is_ok_and(|p| p > 0));
            if key.trim().is_empty() || server.trim().is_empty() || !port_ok {
                return Err(bad());
            }
            servers.push((key.trim().to_owned(), server.trim().to_owned()));
        }
        let notice = get("notice-type");
        let notice_type = match notice.single() {
            None => None,
            Some(text) => Some(
                text.parse::<NoticeType>()
                    .map_err(|e| Failure::usage(format!("{}: {e}", notice.label(text))))?,
            ),
        };
        let nets = get("allow-net");
        let mut allow_net = Vec::new();
        for value in &nets.values {
            let net = value
                .trim()
                .parse::<IpNet>()
                .map_err(|_| Failure::usage(format!("{}: not a CIDR", nets.label(value))))?;
            allow_net.push(net);
        }
        let timeout_raw = get("timeout");
        let timeout = match timeout_raw.single() {
            None => None,
            Some(text) => {
                let secs = text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .ok_or_else(|| {
                        Failure::usage(format!(
                            "{}: wants seconds (0 < s <= 3600)",
                            timeout_raw.label(text)
                        ))
                    })?;
                Some(Duration::from_secs_f64(secs))
            }
        };
        let policies = get("server-policy");
        let mut server_policy = Vec::new();
        for value in &policies.values {
            let parsed = parse_policy(value).map_err(|problem| {
                Failure::usage(format!("{}: {problem}", policies.label(value)))
            })?;
            server_policy.push(parsed);
        }
        let allow_private = get("allow-private").switch()?;
        // `--allow-net` narrows the networks `--allow-private` opens; alone it would do
        // nothing, so it is refused rather than ignored.
        if !allow_net.is_empty() && !allow_private {
            return Err(Failure::usage(
                "--allow-net narrows --allow-private: give both, or neither".to_owned(),
            ));
        }
        let cache_dir = get("cache-dir");
        if cache_dir.single().is_some_and(|dir| dir.trim().is_empty()) {
            return Err(Failure::usage(format!("{}: wants a directory", cache_dir.label(""))));
        }
        let cache = if get("no-cache").switch()? {
            None
        } else {
            Some(cache_dir.single().map(PathBuf::from).or_else(whohosts::DiskCache::default_dir))
        };
        let quota_free_raw = get("quota-free");
        let mut quota_free = QuotaFreeSources::default();
        for value in &quota_free_raw.values {
            for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match name {
                    "abusix" => quota_free.abusix = true,
                    "ripestat" => quota_free.ripestat = true,
                    "none" => {
                        quota_free.abusix = false;
                        quota_free.ripestat = false;
                    }
                    _ => {
                        return Err(Failure::usage(format!(
                            "{}: wants abusix, ripestat or none",
                            quota_free_raw.label(value)
                        )));
                    }
                }
            }
        }
        if let Some(url) = get("ripestat-url").single() {
            quota_free.ripestat_url = url.trim().to_owned();
        }
        let detail = get("network-detail");
        let network_detail = match detail.single().map(|t| t.trim().to_ascii_lowercase()) {
            None => NetworkDetail::Auto,
            Some(text) if text == "auto" => NetworkDetail::Auto,
            Some(text) if text == "full" => NetworkDetail::Full,
            Some(text) => {
                return Err(Failure::usage(format!("{}: wants auto or full", detail.label(&text))));
            }
        };
        let settings = Settings {
            quota_free,
            network_detail,
            cache,
            dns: nameservers,
            bootstrap: get("bootstrap").single().map(PathBuf::from),
            asn_db: get("asn-db").values.iter().map(PathBuf::from).collect(),
            whois: servers,
            no_whois: get("no-whois").switch()?,
            notice_type,
            allow_http: get("allow-http").switch()?,
            allow_private,
            allow_net,
            timeout,
            server_policy,
            file,
            raw,
        };
        Ok(settings)
    }

    /// The persistent cache's directory: `None` with `--no-cache` (or on a platform without
    /// a cache directory when none was given).
    pub(crate) fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_ref().and_then(Option::as_deref)
    }

    /// True when `--no-cache` (or its environment variable or file key) is set.
    pub(crate) fn no_cache(&self) -> bool {
        self.cache.is_none()
    }

    /// A client builder with these settings.
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let mut builder = whohosts::Client::builder();
        for server in &self.dns {
            builder = builder
                .nameserver(server)
                .map_err(|e| Failure::usage(format!("--dns {server}: {e}")))?;
        }
        if let Some(dir) = &self.bootstrap {
            builder = builder.bootstrap_dir(dir);
        }
        for path in &self.asn_db {
            builder = builder.asn_database(path);
        }
        for (key, server) in &self.whois {
            builder = builder.whois_server(key, server);
        }
        if self.no_whois {
            builder = builder.disable_whois();
        }
        if let Some(notice) = self.notice_type {
            builder = builder.notice_type(notice);
        }
        builder = builder.allow_http(self.allow_http).allow_private(self.allow_private);
        for net in &self.allow_net {
            builder = builder.allow_net(*net);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.http_timeout(timeout);
        }
        // Later rules go first: the first policy given wins where patterns overlap.
        for (pattern, policy) in self.server_policy.iter().rev() {
            builder = match pattern.strip_prefix("whois://") {
                Some(server) => builder.whois_server_policy(server, *policy),
                None => builder.server_policy(pattern, *policy),
            };
        }
        builder =
            builder.quota_free_sources(self.quota_free.clone()).network_detail(self.network_detail);
        Ok(builder)
    }

    /// Print the settings: the config file, then `key = value  # origin` per setting.
    pub(crate) fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let file = match &self.file.path {
            None => "none (no config directory on this platform)".to_owned(),
            Some(path) => format!(
                "{} ({}{})",
                path.display(),
                self.file.origin,
                if self.file.found { "" } else { "; not found" }
            ),
        };
        writeln!(out, "# config file: {file}")?;
        for (raw, (_, list, default)) in self.raw.iter().zip(KEYS) {
            let value = display_value(raw, *list);
            match raw.origin {
                Origin::Default => writeln!(out, "{} = {value}  # default: {default}", raw.key)?,
                _ => writeln!(out, "{} = {value}  # {}", raw.key, raw.origin)?,
            }
        }
        Ok(())
    }
}

/// A switch flag as the values of its setting: given → `true`, absent → none.
fn switch_flag(given: bool) -> Vec<String> {
    if given { vec!["true".to_owned()] } else { Vec::new() }
}

/// The value of `raw` as TOML (a switch as a boolean, an unset value as `""`).
fn display_value(raw: &Raw, list: bool) -> String {
    let switch = matches!(raw.key, "no-whois" | "allow-http" | "allow-private" | "no-cache");
    if list {
        let items: toml::Value =
            raw.values.iter().map(|v| toml::Value::String(v.clone())).collect::<Vec<_>>().into();
        return items.to_string();
    }
    match raw.single() {
        None if switch => "false".to_owned(),
        None if raw.key == "timeout" => "10".to_owned(),
        None if raw.key == "cache-dir" => whohosts::DiskCache::default_dir().map_or_else(
            || "\"\"".to_owned(),
            |dir| toml::Value::String(dir.display().to_string()).to_string(),
        ),
        None => "\"\"".to_owned(),
        Some(_) if switch => raw.switch().unwrap_or(false).to_string(),
        Some(v) if raw.key == "timeout" => v.to_owned(),
        Some(v) => toml::Value::String(v.to_owned()).to_string(),
    }
}

/// The first source that sets `key`: the flag's `values`, the environment, the `table` read
/// from `path`, else nothing.
fn pick(
    key: &'static str,
    list: bool,
    values: Vec<String>,
    table: &toml::Table,
    path: &Path,
) -> Result<Raw, Failure> {
    if !values.is_empty() {
        return Ok(Raw { key, values, origin: Origin::Flag(key) });
    }
    let var = env_var(key);
    if let Some(value) = std::env::var_os(&var) {
        let text = value.into_string().map_err(|value| {
            Failure::usage(format!("{var}: value {value:?} is not valid UTF-8"))
        })?;
        let values = if list {
            text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
        } else {
            vec![text]
        };
        return Ok(Raw { key, values, origin: Origin::Env(var) });
    }
    if let Some(value) = table.get(key) {
        let bad = || {
            Failure::usage(format!(
                "{key} in {}: wants {}",
                path.display(),
                if list {
                    "a string or an array of strings"
                } else {
                    "a string, number or boolean"
                }
            ))
        };
        let values = match value {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Boolean(b) if !list => vec![b.to_string()],
            toml::Value::Integer(n) if !list => vec![n.to_string()],
            toml::Value::Float(x) if !list => vec![x.to_string()],
            toml::Value::Array(items) if list => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
            _ => return Err(bad()),
        };
        return Ok(Raw { key, values, origin: Origin::File(path.to_owned()) });
    }
    Ok(Raw { key, values: Vec::new(), origin: Origin::Default })
}

/// The config file as a table; unknown keys are refused, naming them.
fn read_table(path: &Path) -> Result<toml::Table, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("reading config file {}: {e}", path.display())))?;
    let table: toml::Table =
        text.parse().map_err(|e| Failure::usage(format!("config file {}: {e}", path.display())))?;
    if let Some(key) = table.keys().find(|k| !KEYS.iter().any(|(known, _, _)| known == k)) {
        let known: Vec<&str> = KEYS.iter().map(|(k, _, _)| *k).collect();
        return Err(Failure::usage(format!(
            "config file {}: unknown key {key:?} (known: {})",
            path.display(),
            known.join(", ")
        )));
    }
    Ok(table)
}

/// `PATTERN=N/PERIOD[:BURST[:INFLIGHT]]` → (pattern, policy); `N = 0` is no rate limit.
pub(crate) fn parse_policy(spec: &str) -> Result<(String, ServerPolicy), String> {
    const FORM: &str = "wants PATTERN=N/PERIOD[:BURST[:INFLIGHT]][:personal], e.g. \
         rdap.db.ripe.net=500/24h:500:4:personal";
    let (pattern, rest) = spec.rsplit_once('=').ok_or(FORM)?;
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(format!("no PATTERN; {FORM}"));
    }
    // `:personal` last: N counts personal data sets (RIPE NCC's quota), not requests.
    let (rest, counts) = match rest.trim().strip_suffix(":personal") {
        Some(rest) => (rest, Counting::PersonalObjects),
        None => (rest.trim(), Counting::Requests),
    };
    let mut parts = rest.split(':');
    let rate = parts.next().unwrap_or_default();
    let (requests, period) = rate.split_once('/').ok_or(FORM)?;
    let requests: u32 =
        requests.trim().parse().map_err(|_| format!("N {requests:?} is not a number; {FORM}"))?;
    let period = parse_period(period.trim())?;
    let number = |part: Option<&str>, what: &str, default: u64| -> Result<u64, String> {
        match part.map(str::trim) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{what} {text:?} is not a number of at least 1")),
        }
    };
    let burst = number(parts.next(), "BURST", 1)?;
    let inflight = number(parts.next(), "INFLIGHT", 4)?;
    if parts.next().is_some() {
        return Err(FORM.to_owned());
    }
    let burst = u32::try_from(burst).map_err(|_| format!("BURST {burst} is too large"))?;
    let inflight = usize::try_from(inflight.min(4096)).unwrap_or(4096);
    let policy = if requests == 0 {
        ServerPolicy::unlimited(inflight)
    } else {
        ServerPolicy::new(requests, period, burst, inflight).counting(counts)
    };
    Ok((pattern.to_owned(), policy))
}

/// `500ms`, `1s`, `6s`, `s`, `1m`, `24h`, `1d` → a duration of at least 1 ms.
fn parse_period(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let amount: u64 = if digits.is_empty() {
        1
    } else {
        digits.parse().map_err(|_| format!("PERIOD {text:?} is not a duration"))?
    };
    let unit_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("PERIOD {text:?} wants a unit: ms, s, m, h or d")),
    };
    let ms = amount.saturating_mul(unit_ms);
    if ms == 0 {
        return Err(format!("PERIOD {text:?} is zero"));
    }
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn server_policies_read_rate_burst_and_inflight() {
        let (pattern, policy) = parse_policy("rdap.db.ripe.net=1000/24h:500:4").unwrap();
        assert_eq!(pattern, "rdap.db.ripe.net");
        assert_eq!(policy, ServerPolicy::new(1000, Duration::from_secs(86_400), 500, 4));
        let (pattern, policy) = parse_policy("http://127.0.0.1:8080/lacnic/=10/1m").unwrap();
        assert_eq!(pattern, "http://127.0.0.1:8080/lacnic/");
        assert_eq!(policy, ServerPolicy::new(10, Duration::from_secs(60), 1, 4));
        assert_eq!(parse_policy("127.0.0.1=0/s::64").unwrap().1, ServerPolicy::unlimited(64));
        assert_eq!(
            parse_policy("x=5/500ms:2").unwrap().1,
            ServerPolicy::new(5, Duration::from_millis(500), 2, 4)
        );
        // `:personal`: N counts RIPE NCC's personal data sets, as the default table does.
        let (_, policy) = parse_policy("rdap.db.ripe.net=500/24h:500:4:personal").unwrap();
        assert_eq!(
            policy,
            ServerPolicy::new(500, Duration::from_secs(86_400), 500, 4)
                .counting(Counting::PersonalObjects)
        );
        assert_eq!(parse_policy("x=1/s:personal").unwrap().1.counts, Counting::PersonalObjects);
        for bad in [
            "x",
            "=1/s",
            "x=1",
            "x=a/s",
            "x=1/1y",
            "x=1/0s",
            "x=1/s:0",
            "x=1/s:1:1:1",
            "x=1/s:people",
        ] {
            assert!(parse_policy(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn environment_variables_are_named_after_the_flags() {
        assert_eq!(env_var("allow-net"), "WHOHOSTS_ALLOW_NET");
        assert_eq!(env_var("dns"), "WHOHOSTS_DNS");
    }
}
