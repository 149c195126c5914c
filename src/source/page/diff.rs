//! How an event read from a page differs from its record (`herald import --check`): one line
//! per differing field, `talks[2].speakers[0].role: page "…", record "…"`.

use crate::model::Event;
use serde_json::Value;

/// Fields a page cannot carry: channel targets, the record's free-form extras, its file.
const NOT_ON_PAGES: [&str; 3] = ["targets", "extra", "id"];

/// Every difference between the page's reading and the record, as `path: page …, record …`.
pub fn differences(page: &Event, record: &Event) -> Vec<String> {
    let (Ok(Value::Object(mut p)), Ok(Value::Object(mut r))) =
        (serde_json::to_value(page), serde_json::to_value(record))
    else {
        return vec!["cannot compare".to_string()];
    };
    for key in NOT_ON_PAGES {
        p.remove(key);
        r.remove(key);
    }
    let mut out = Vec::new();
    walk("", &Value::Object(p), &Value::Object(r), &mut out);
    out
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "absent".to_string(),
        Value::Array(a) if a.is_empty() => "absent".to_string(),
        other => other.to_string(),
    }
}

fn walk(path: &str, page: &Value, record: &Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (page, record) {
        (Value::Object(p), Value::Object(r)) => {
            for (k, pv) in p {
                walk(&join(k), pv, r.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(p), Value::Array(r)) if p.len() == r.len() => {
            for (i, (pv, rv)) in p.iter().zip(r).enumerate() {
                walk(&format!("{path}[{i}]"), pv, rv, out);
            }
        }
        (p, r) if p != r => out.push(format!("{path}: page {}, record {}", shown(p), shown(r))),
        _ => {}
    }
}
