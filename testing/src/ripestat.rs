//! The test world's RIPEstat Data API stand-in: `abuse-contact-finder` answers per prefix,
//! served by the HTTP server under the reserved service name `ripestat`, with a log of the
//! query strings asked.
//!
//! **Synthesised**: the body follows the shape RIPEstat documents for the call (version
//! 2.1: `status`, `status_code`, `messages`, `data.abuse_contacts`,
//! `data.authoritative_rir`, `data.parameters.resource`, …); no real answer was recorded.

use std::io;
use std::net::IpAddr;
use std::sync::Mutex;

use bytes::Bytes;
use hyper::StatusCode;
use ipnet::IpNet;
use serde_json::json;

use super::{RipeStatSpec, invalid_input, lock};

/// The service name (first path segment) the endpoint is served under.
pub(super) const SERVICE: &str = "ripestat";

/// The data call's path below the service.
const CALL: &str = "data/abuse-contact-finder/data.json";

/// The entries and the log of what was asked.
#[derive(Debug, Default)]
pub(super) struct Table {
    /// (prefix, mailboxes, authoritative RIR), in the order added.
    entries: Vec<(IpNet, Vec<String>, Option<String>)>,
    /// Every query string asked, raw, in order.
    queries: Mutex<Vec<String>>,
}

impl Table {
    /// Validate the builder's entries.
    pub(super) fn build(specs: &[RipeStatSpec]) -> io::Result<Self> {
        let mut entries = Vec::with_capacity(specs.len());
        for spec in specs {
            let net: IpNet = spec
                .prefix
                .trim()
                .parse()
                .map_err(|_| invalid_input(format!("bad RIPEstat prefix {:?}", spec.prefix)))?;
            entries.push((net.trunc(), spec.mailboxes.clone(), spec.rir.clone()));
        }
        Ok(Self { entries, queries: Mutex::new(Vec::new()) })
    }

    /// Every query string asked so far.
    pub(super) fn queries(&self) -> Vec<String> {
        lock(&self.queries).clone()
    }

    /// Forget the log.
    pub(super) fn reset(&self) {
        lock(&self.queries).clear();
    }

    /// The most specific entry holding `ip` (the last added among equally specific ones).
    fn find(&self, ip: IpAddr) -> Option<&(IpNet, Vec<String>, Option<String>)> {
        let mut best: Option<&(IpNet, Vec<String>, Option<String>)> = None;
        for entry in self.entries.iter().filter(|(net, _, _)| net.contains(&ip)) {
            if best.is_none_or(|(b, _, _)| entry.0.prefix_len() >= b.prefix_len()) {
                best = Some(entry);
            }
        }
        best
    }

    /// Answer `GET /ripestat/<path>?<query>`: status and JSON body.
    pub(super) fn answer(&self, path: &str, query: &str) -> (StatusCode, Bytes) {
        lock(&self.queries).push(query.to_owned());
        if path != CALL {
            return error(StatusCode::NOT_FOUND, &format!("no data call at {path}"));
        }
        let resource = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "resource")
            .map(|(_, value)| super::percent_decode(value))
            .unwrap_or_default();
        let Ok(ip) = resource.parse::<IpAddr>() else {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid resource: {resource:?} (this test world answers addresses)"),
            );
        };
        let (contacts, rir) = match self.find(ip) {
            Some((_, mailboxes, rir)) => (mailboxes.clone(), rir.clone()),
            None => (Vec::new(), None),
        };
        let body = json!({
            "messages": [],
            "see_also": [],
            "version": "2.1",
            "data_call_name": "abuse-contact-finder",
            "data_call_status": "supported - synthesised by the whohosts test world",
            "cached": false,
            "data": {
                "abuse_contacts": contacts,
                "authoritative_rir": rir,
                "latest_time": "2026-12-05T00:00:00",
                "earliest_time": "2026-12-05T00:00:00",
                "parameters": { "resource": resource, "cache": null },
            },
            "query_id": "whohosts-test-world",
            "process_time": 1,
            "server_id": "whohosts-test-world",
            "build_version": "whohosts-test-world",
            "status": "ok",
            "status_code": 200,
            "time": "2026-12-05T00:00:00.000000",
        });
        (StatusCode::OK, Bytes::from(body.to_string()))
    }
}

/// RIPEstat's error shape: `status` `error`, the message in `messages`.
fn error(status: StatusCode, message: &str) -> (StatusCode, Bytes) {
    let body = json!({
        "messages": [["error", message]],
        "see_also": [],
        "version": "2.1",
        "data_call_name": "abuse-contact-finder",
        "data": {},
        "status": "error",
        "status_code": status.as_u16(),
    });
    (status, Bytes::from(body.to_string()))
}
