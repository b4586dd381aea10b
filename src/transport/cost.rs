//! What one answer costs a server that counts more than requests
//! ([`Counting`](crate::Counting)): the personal data sets in an RDAP answer, as RIPE NCC
//! counts them against its daily quota.

use std::collections::BTreeSet;

use serde_json::Value;

/// The distinct entities of an RDAP answer whose vCard is a person (`individual`) or a role
/// (`group`), at any depth, by handle (an entity without a handle counts once per place);
/// at least 1, also for a body that is not JSON (the request was made).
pub(crate) fn personal_objects(body: &[u8]) -> u32 {
    let Ok(value) = serde_json::from_slice::<Value>(body) else { return 1 };
    let mut handles = BTreeSet::new();
    let mut unnamed = 0u32;
    walk(&value, &mut handles, &mut unnamed, 0);
    u32::try_from(handles.len()).unwrap_or(u32::MAX).saturating_add(unnamed).max(1)
}

/// Entities nested deeper than this are not looked at (a hostile answer could nest many).
const MAX_DEPTH: usize = 8;

fn walk(value: &Value, handles: &mut BTreeSet<String>, unnamed: &mut u32, depth: usize) {
    if depth >= MAX_DEPTH {
        return;
    }
    let Some(entities) = value.get("entities").and_then(Value::as_array) else { return };
    for entity in entities {
        if is_personal(entity) {
            match entity.get("handle").and_then(Value::as_str) {
                Some(handle) => {
                    handles.insert(handle.to_owned());
                }
                None => *unnamed = unnamed.saturating_add(1),
            }
        }
        walk(entity, handles, unnamed, depth + 1);
    }
}

/// True when the entity's vCard says `kind` `individual` or `group` (RFC 6350 §6.1.4; a
/// RIPE person or role object).
fn is_personal(entity: &Value) -> bool {
    let properties = entity.pointer("/vcardArray/1").and_then(Value::as_array);
    properties.into_iter().flatten().any(|property| {
        property.get(0).and_then(Value::as_str) == Some("kind")
            && matches!(property.get(3).and_then(Value::as_str), Some("individual" | "group"))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ripe_ncc_s_own_network_answer_holds_twelve_personal_data_sets() {
        // 16 entities: the organisation (not personal), and MDIR-RIPE and RIPE-NCC-MNT
        // twice each (at the top and again inside the organisation).
        let body = include_bytes!("../../tests/fixtures/rdap/ip/ripe-193.0.0.0-21-ripencc.json");
        assert_eq!(personal_objects(body), 12);
    }

    #[test]
    fn an_answer_without_personal_entities_or_json_costs_one() {
        assert_eq!(personal_objects(br#"{"objectClassName":"ip network"}"#), 1);
        assert_eq!(personal_objects(b"<html>"), 1);
        let org_only = br#"{"entities":[{"handle":"ORG-1","vcardArray":["vcard",[["kind",{},"text","org"]]]}]}"#;
        assert_eq!(personal_objects(org_only), 1);
        let two = br#"{"entities":[{"vcardArray":["vcard",[["kind",{},"text","individual"]]]},{"handle":"R-1","vcardArray":["vcard",[["kind",{},"text","group"]]]}]}"#;
        assert_eq!(personal_objects(two), 2);
    }
}
