//! The notice bodies (`notices/<batch-id>.txt`), rendered from a template the user can
//! replace. Feature `notices`.
//!
//! minijinja, because it is the Jinja2 syntax many trust-and-safety teams already write
//! (Python tooling), it needs no build step or code generation (unlike askama or tera's
//! macros, templates come from a file at run time), and it compiles with few dependencies
//! (serde only, with the default features). Every string of the context went through
//! [`escape_terminal`] first: record text comes from servers anyone runs, and a notice body
//! is read in terminals and mail clients.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde_json::Value;

use super::batch::{Batch, Batches};
use super::header::{subject, to_line};
use crate::error::TemplateError;
use crate::record::NoticeType;
use crate::text::escape_terminal;

/// The default template (`templates/notice.txt.j2`): a neutral notice that cites no law.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/notice.txt.j2");
/// An example DMCA-style template (`templates/dmca.txt.j2`), with bracketed parts to fill.
pub const DMCA_TEMPLATE: &str = include_str!("../../templates/dmca.txt.j2");
/// An example EU DSA Article 16-style template (`templates/dsa-art16.txt.j2`), with
/// bracketed parts to fill.
pub const DSA_ART16_TEMPLATE: &str = include_str!("../../templates/dsa-art16.txt.j2");

const NAME: &str = "notice";

/// A compiled notice template.
///
/// The template sees `batch` (a [`Batch`] as in `batches.jsonl`: `batch.id`,
/// `batch.party.name`, `batch.channel.address`, `batch.resources[i].resource`, `.reason`,
/// `.escalate`, `.addresses[j].ip`, …), `notice_type` (`copyright`, …, or none), and the
/// header lines `to_line` (`To: abuse@example.net`, or `Form: https://…`) and `subject`.
/// Printing an undefined variable is an error, so that a typo does not send a notice with a
/// hole; `{% if a.asn %}` tests a field that may be absent (absent fields are left out).
///
/// ```
/// use whohosts::notices::{Batches, NoticeTemplate};
///
/// let template = NoticeTemplate::new("mine.txt", "{{ subject }}\n{{ batch.id }}\n")?;
/// assert!(NoticeTemplate::new("bad.txt", "{% for %}").is_err());
/// # let _ = (template, Batches::default());
/// # Ok::<(), whohosts::TemplateError>(())
/// ```
pub struct NoticeTemplate {
    name: String,
    env: Environment<'static>,
}

impl fmt::Debug for NoticeTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoticeTemplate").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Default for NoticeTemplate {
    /// The neutral [`DEFAULT_TEMPLATE`].
    fn default() -> Self {
        let mut env = environment();
        // The shipped template compiles (a unit test renders it); were it not to, rendering
        // would report the missing template as a `TemplateError`.
        let _ = env.add_template_owned(NAME, DEFAULT_TEMPLATE.to_owned());
        Self { name: "default".to_owned(), env }
    }
}

impl NoticeTemplate {
    /// Compile `source`; `name` is used in error messages (a file name).
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Result<Self, TemplateError> {
        let name = name.into();
        let mut env = environment();
        env.add_template_owned(NAME, source.into()).map_err(|e| error(&name, &e))?;
        Ok(Self { name, env })
    }

    /// Read and compile the template file at `path`.
    pub fn from_file(path: &Path) -> Result<Self, TemplateError> {
        let name = path.display().to_string();
        let source = fs::read_to_string(path)
            .map_err(|e| TemplateError { name: name.clone(), message: e.to_string() })?;
        Self::new(name, source)
    }

    /// The notice for `batch`, for a notice of type `notice`.
    pub fn render(
        &self,
        batch: &Batch,
        notice: Option<NoticeType>,
    ) -> Result<String, TemplateError> {
        let mut value = serde_json::to_value(batch)
            .map_err(|e| TemplateError { name: self.name.clone(), message: e.to_string() })?;
        escape_strings(&mut value);
        let template = self.env.get_template(NAME).map_err(|e| error(&self.name, &e))?;
        let ctx = context! {
            batch => value,
            notice_type => notice.map(NoticeType::as_str),
            to_line => escape_terminal(&to_line(batch)).into_owned(),
            subject => escape_terminal(&subject(batch, notice)).into_owned(),
        };
        let mut text = template.render(ctx).map_err(|e| error(&self.name, &e))?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// Write `dir/<batch-id>.txt` for every batch of `batches` (the directory is created);
    /// returns the paths written. A template error is an [`io::Error`] whose source is the
    /// [`TemplateError`].
    pub fn write_notices(&self, batches: &Batches, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::create_dir_all(dir)?;
        let mut written = Vec::with_capacity(batches.batches.len());
        for batch in &batches.batches {
            let text = self.render(batch, batches.notice_type).map_err(io::Error::other)?;
            let path = dir.join(format!("{}.txt", batch.id));
            fs::write(&path, text)?;
            written.push(path);
        }
        Ok(written)
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env
}

fn error(name: &str, e: &minijinja::Error) -> TemplateError {
    // minijinja's message names the line (`undefined value (in notice:17)`).
    TemplateError { name: name.to_owned(), message: e.to_string() }
}

/// Every string in `value`, escaped for terminals and text files.
fn escape_strings(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(escaped) = escape_terminal(s) {
                *s = escaped;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_strings),
        Value::Object(map) => map.values_mut().for_each(escape_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
