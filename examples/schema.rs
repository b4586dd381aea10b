//! Prints the record's JSON Schema, as committed in `schema/record.v4.json`.
//!
//! ```text
//! cargo run --features schema --example schema > schema/record.v4.json
//! ```
#![allow(clippy::print_stdout)]

fn main() -> Result<(), serde_json::Error> {
    println!("{}", serde_json::to_string_pretty(&whohosts::record_schema())?);
    Ok(())
}
