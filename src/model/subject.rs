//! What a delivery is about (`Subject`) and what sends it (`Origin`). The ledger's key strings
//! (`digest@…`, `change:…`, `cancel`, `resume:2`, `manual:…`) are derived from them here and nowhere else,
//! in the forms existing ledgers hold.

use super::{DeliveryKey, FieldChange, MessageKind};
use crate::model::Zone;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// What a delivery is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A message of `kind` about one event: announce, remind, recap (or a manual digest of
    /// this one event).
    Event { id: String, kind: MessageKind },
    /// What changed in an announced event since the groups were last told. `facts` names the
    /// facts it announces (a hash of them), so a later change is a new notice.
    Change {
        id: String,
        changes: Vec<FieldChange>,
        facts: String,
    },
    /// An announced event was cancelled. `round` counts the cancels: an event cancelled, on
    /// again and cancelled again gets a second cancel notice (round 2).
    Cancel { id: String, round: u32 },
    /// 恢复举办: a cancelled event is on again, with any changes since the groups were last
    /// told. `round` counts like a cancel's (the resume after the second cancel is round 2).
    Resume {
        id: String,
        changes: Vec<FieldChange>,
        round: u32,
    },
    /// The digest of the events in a digest rule's window that starts on `week` (the slot's
    /// date in the rule's zone).
    Digest { week: NaiveDate },
}

impl Subject {
    /// The subject of a rule's (or a manual send's) message of `kind` about event `id`. A
    /// change notice that reports what changed is built with its changes (`Subject::Change`);
    /// here it has none, and its ledger rule is the rule's (or manual) name.
    pub fn about(id: &str, kind: MessageKind) -> Subject {
        let id = id.to_string();
        match kind {
            MessageKind::Change => Subject::Change {
                id,
                changes: Vec::new(),
                facts: String::new(),
            },
            MessageKind::Cancel => Subject::Cancel { id, round: 1 },
            MessageKind::Resume => Subject::Resume {
                id,
                changes: Vec::new(),
                round: 1,
            },
            kind => Subject::Event { id, kind },
        }
    }

    /// The digest sent at `at` by a rule in `zone`.
    pub fn digest(at: DateTime<Utc>, zone: Zone) -> Subject {
        Subject::Digest {
            week: at.with_timezone(&zone).date_naive(),
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self {
            Subject::Event { kind, .. } => *kind,
            Subject::Change { .. } => MessageKind::Change,
            Subject::Cancel { .. } => MessageKind::Cancel,
            Subject::Resume { .. } => MessageKind::Resume,
            Subject::Digest { .. } => MessageKind::Digest,
        }
    }

    /// The changes a change or resume notice reports (none for the others).
    pub fn changes(&self) -> &[FieldChange] {
        match self {
            Subject::Change { changes, .. } | Subject::Resume { changes, .. } => changes,
            _ => &[],
        }
    }

    /// The ledger key's event part: the event id, or `digest@YYYY-MM-DD`.
    pub fn ledger_event(&self) -> String {
        match self {
            Subject::Event { id, .. }
            | Subject::Change { id, .. }
            | Subject::Cancel { id, .. }
            | Subject::Resume { id, .. } => id.clone(),
            Subject::Digest { week } => format!("digest@{}", week.format("%Y-%m-%d")),
        }
    }
}

/// What sends a delivery, which decides the ledger rule it is claimed under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A configured rule, by name (a manual send takes the place of a rule still pending).
    Rule(String),
    /// `herald send` where no rule is left to take the place of: `manual:KIND`.
    Manual,
    /// `herald send --force`: a key of its own each time, `manual:KIND:` and the local time it
    /// was asked for, to the millisecond (`manual:announce:2026-11-25T10:31:02.951+08:00`).
    /// Older ledgers hold such keys with Unix milliseconds; nothing reads a key apart.
    Forced { at: DateTime<FixedOffset> },
    /// The daemon's change, cancel or resume notice: `change:FACTS`, `cancel`, `resume`, and
    /// from the second round on `cancel:2`, `resume:2`…
    Notice,
}

impl Origin {
    /// Scheduled deliveries wait while an organizer holds them; a manual send is itself an
    /// organizer's decision and does not.
    pub fn honours_holds(&self) -> bool {
        !matches!(self, Origin::Manual | Origin::Forced { .. })
    }

    /// Can a configured rule be called `name`? Not if a key [`Origin::ledger_rule`] makes for
    /// herald's own deliveries could read the same: every such key but a first-round cancel
    /// or resume notice has a `:`, and those two are the notice kinds' names.
    pub fn rule_name_is_free(name: &str) -> bool {
        !name.contains(':')
            && ![MessageKind::Cancel, MessageKind::Resume]
                .iter()
                .any(|k| k.as_str() == name)
    }

    /// The ledger key's rule part for `subject` sent by this origin.
    pub fn ledger_rule(&self, subject: &Subject) -> String {
        let kind = subject.kind();
        match (self, subject) {
            (Origin::Rule(name), _) => name.clone(),
            (Origin::Manual, _) => format!("manual:{kind}"),
            (Origin::Forced { at }, _) => {
                format!("manual:{kind}:{}", at.format("%Y-%m-%dT%H:%M:%S%.3f%:z"))
            }
            (Origin::Notice, Subject::Change { facts, .. }) => format!("change:{facts}"),
            (Origin::Notice, Subject::Cancel { round, .. } | Subject::Resume { round, .. })
                if *round > 1 =>
            {
                format!("{kind}:{round}")
            }
            (Origin::Notice, _) => kind.to_string(),
        }
    }
}

impl DeliveryKey {
    /// The ledger's key of `subject`, sent by `origin`, to `channel`.
    pub fn new(subject: &Subject, origin: &Origin, channel: &str) -> DeliveryKey {
        DeliveryKey {
            event: subject.ledger_event(),
            rule: origin.ledger_rule(subject),
            channel: channel.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strings existing ledgers hold stay what they were.
    #[test]
    fn keys_keep_their_ledger_form() {
        let at = DateTime::parse_from_rfc3339("2030-01-05T17:00:00Z")
            .unwrap()
            .to_utc();
        let digest = Subject::digest(at, crate::model::Zone::SHANGHAI);
        let key = DeliveryKey::new(&digest, &Origin::Rule("weekly".into()), "g");
        assert_eq!(key.to_string(), "digest@2030-01-06/weekly/g");
        let change = Subject::Change {
            id: "e".into(),
            changes: Vec::new(),
            facts: "0badf00d".into(),
        };
        assert_eq!(
            DeliveryKey::new(&change, &Origin::Notice, "g").to_string(),
            "e/change:0badf00d/g"
        );
        let cancel = Subject::about("e", MessageKind::Cancel);
        assert_eq!(
            DeliveryKey::new(&cancel, &Origin::Notice, "g").rule,
            "cancel"
        );
        let remind = Subject::about("e", MessageKind::Remind);
        assert_eq!(
            DeliveryKey::new(&remind, &Origin::Manual, "g").rule,
            "manual:remind"
        );
        let at = DateTime::parse_from_rfc3339("2026-11-25T10:31:02.951+08:00").unwrap();
        assert_eq!(
            DeliveryKey::new(&remind, &Origin::Forced { at }, "g").rule,
            "manual:remind:2026-11-25T10:31:02.951+08:00"
        );
        let resume = Subject::about("e", MessageKind::Resume);
        assert_eq!(
            DeliveryKey::new(&resume, &Origin::Notice, "g").rule,
            "resume"
        );
        let second = |kind| match Subject::about("e", kind) {
            Subject::Cancel { id, .. } => Subject::Cancel { id, round: 2 },
            Subject::Resume { id, changes, .. } => Subject::Resume {
                id,
                changes,
                round: 2,
            },
            other => other,
        };
        for (kind, rule) in [
            (MessageKind::Cancel, "cancel:2"),
            (MessageKind::Resume, "resume:2"),
        ] {
            let key = DeliveryKey::new(&second(kind), &Origin::Notice, "g");
            assert_eq!(key.to_string(), format!("e/{rule}/g"));
            let manual = DeliveryKey::new(&second(kind), &Origin::Manual, "g");
            assert_eq!(manual.rule, format!("manual:{kind}"));
        }
        assert!(!Origin::Manual.honours_holds());
        assert!(Origin::Notice.honours_holds());
    }
}
