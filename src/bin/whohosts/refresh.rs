//! `whohosts refresh`: fetch the data sets into the data directory (under the cache
//! directory), print one line per set, and the data directory every command reads.

use std::io::Write;
use std::path::PathBuf;

use whohosts::{Client, DataSet, RangeList, RefreshReport, Refresher, SetOutcome};

use crate::args::RefreshArgs;
use crate::exit::{self, Failure};

/// The data directory: `flag`, else `WHOHOSTS_DATA_DIR`, else `<cache dir>/whohosts/data`.
pub(crate) fn data_dir(flag: Option<&PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.clone());
    }
    if let Some(dir) = std::env::var_os("WHOHOSTS_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|dirs| dirs.cache_dir().join("whohosts").join("data"))
}

/// Refresh every set into `client`'s data directory; exit 0 when none was refused or
/// failed, else 1.
pub(crate) async fn run(args: &RefreshArgs, client: Client) -> Result<u8, Failure> {
    let Some(dir) = client.config().data.dir.clone() else {
        return Err(Failure::usage("no data directory: give --data-dir DIR".to_owned()));
    };
    let mut refresher =
        Refresher::new(client.config(), &dir).map_err(|e| Failure::usage(e.to_string()))?;
    let mut urls: Vec<(String, String)> = Vec::new();
    for spec in &args.urls {
        let (name, url) = spec
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--url {spec}: expected SET=URL")))?;
        let name = name.trim();
        // `provider_ranges.<list>` names one provider's list (`provider_ranges.azure`).
        let known = match name.strip_prefix("provider_ranges.") {
            Some(list) => RangeList::from_name(list).is_some(),
            None => DataSet::ALL.into_iter().any(|s| s.as_str() == name),
        };
        if !known {
            return Err(Failure::usage(format!("--url {spec}: unknown data set {name:?}")));
        }
        urls.push((name.to_owned(), url.trim().to_owned()));
    }
    if let Some(url) = &args.asn_db_url {
        urls.push((DataSet::AsnDatabase.as_str().to_owned(), url.clone()));
    }
    for (name, url) in urls {
        refresher = refresher.named_url(&name, &url).map_err(|e| Failure::usage(e.to_string()))?;
    }
    let report = refresher.refresh().await;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        write_lines(&mut out, &report, &dir)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Failure::file("writing", std::path::Path::new("stdout"), e))?;
    Ok(if report.all_ok() { exit::OK } else { 1 })
}

/// One line per set: `name  status  version  (detail)`, then the directory.
fn write_lines(
    out: &mut dyn Write,
    report: &RefreshReport,
    dir: &std::path::Path,
) -> std::io::Result<()> {
    for set in &report.sets {
        let (status, detail) = outcome_word(&set.outcome);
        let version = set.version.as_deref().unwrap_or("-");
        write!(out, "{:<16} {status:<9} {version}", set.set.as_str())?;
        if let Some(detail) = detail {
            write!(out, "  ({detail})")?;
        }
        writeln!(out)?;
        // The provider lists a built table came from, indented under it.
        for list in &set.lists {
            let (status, detail) = outcome_word(&list.outcome);
            let version = list.version.as_deref().unwrap_or("-");
            write!(out, "  {:<14} {status:<9} {version}", list.list.as_str())?;
            if let Some(detail) = detail {
                write!(out, "  ({detail})")?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "data directory: {}", dir.display())
}

/// An outcome's word and its detail.
fn outcome_word(outcome: &SetOutcome) -> (&'static str, Option<&str>) {
    match outcome {
        SetOutcome::Updated => ("updated", None),
        SetOutcome::Unchanged => ("unchanged", None),
        SetOutcome::Refused(why) => ("refused", Some(why.as_str())),
        SetOutcome::Failed(why) => ("failed", Some(why.as_str())),
        SetOutcome::Skipped(why) => ("skipped", Some(why.as_str())),
        _ => ("?", None),
    }
}
