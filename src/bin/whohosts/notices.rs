//! `whohosts notices`: read records, group them with `whohosts::notices`, write the
//! directory (tables, notices, report) and, with `--diff`, compare with an earlier one. The
//! library does the work; this file reads the arguments and names the files in messages.

use std::fs;
use std::io::{self, BufReader, Write};
use std::path::Path;

use whohosts::NoticeType;
use whohosts::notices::{self, Batches, GroupOptions, NoticeTemplate};
use whohosts::text::escape_terminal;

use crate::args::NoticesArgs;
use crate::exit::{self, Failure};

/// Run `whohosts notices`; exit 0 when the directory is written.
pub(crate) fn run(args: &NoticesArgs) -> Result<u8, Failure> {
    let template = match &args.template {
        Some(path) => NoticeTemplate::from_file(path).map_err(|e| Failure::usage(e.to_string()))?,
        None => NoticeTemplate::default(),
    };
    // Read the old directory before writing: OLD_DIR may be the output directory itself.
    let old = match &args.diff {
        Some(dir) => Some(notices::read_dir(dir).map_err(|e| Failure::file("reading", dir, e))?),
        None => None,
    };
    let batches = write(&args.records, &args.output, args.notice_type, &template)?;
    if let Some(old) = old {
        let changes = notices::diff(&old, &batches);
        let path = args.output.join("diff.json");
        let json =
            serde_json::to_vec_pretty(&changes).map_err(|e| Failure::usage(e.to_string()))?;
        fs::write(&path, json).map_err(|e| Failure::file("writing", &path, e))?;
        // The changes are the command's result: stdout, one line each.
        let mut out = io::stdout().lock();
        for m in &changes.moved {
            let _ = writeln!(out, "moved\t{}\t{}\t{}", escape_terminal(&m.resource), m.from, m.to);
        }
        for p in &changes.appeared {
            let _ = writeln!(out, "appeared\t{}\t{}", escape_terminal(&p.resource), p.batch);
        }
        for p in &changes.disappeared {
            let _ = writeln!(out, "disappeared\t{}\t{}", escape_terminal(&p.resource), p.batch);
        }
        let _ = out.flush();
        let _ = writeln!(
            io::stderr().lock(),
            "since {}: {} moved, {} appeared, {} disappeared",
            args.diff.as_deref().unwrap_or(Path::new("")).display(),
            changes.moved.len(),
            changes.appeared.len(),
            changes.disappeared.len()
        );
    }
    Ok(exit::OK)
}

/// Group the records in `records` (`-`: stdin) for `notice` and write every file into
/// `dir`, with `template` for the notices; one summary line on stderr.
pub(crate) fn write(
    records: &Path,
    dir: &Path,
    notice: Option<NoticeType>,
    template: &NoticeTemplate,
) -> Result<Batches, Failure> {
    let lines = if records == Path::new("-") {
        notices::read_lines(io::stdin().lock())
    } else {
        fs::File::open(records).and_then(|f| notices::read_lines(BufReader::new(f)))
    }
    .map_err(|e| Failure::file("reading", records, e))?;

    let mut options = GroupOptions::default();
    if let Some(t) = notice {
        options = options.notice_type(t);
    }
    let batches = notices::group_lines(lines, &options);

    notices::write_dir_tables(&batches, dir).map_err(|e| Failure::file("writing", dir, e))?;
    let notice_dir = dir.join("notices");
    template
        .write_notices(&batches, &notice_dir)
        .map_err(|e| Failure::file("writing", &notice_dir, e))?;
    let report = dir.join("report.html");
    fs::write(&report, notices::report_html(&batches))
        .map_err(|e| Failure::file("writing", &report, e))?;

    let t = &batches.totals;
    let _ = writeln!(
        io::stderr().lock(),
        "{} inputs: {} in {} batches, {} unresolved; wrote {}",
        t.inputs,
        t.resolved,
        batches.batches.len(),
        t.unresolved,
        dir.display()
    );
    Ok(batches)
}
