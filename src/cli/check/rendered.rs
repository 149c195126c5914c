//! One event's messages for `check`, each distinct request rendered once: the render pass
//! and the send path's checks at a rule's moment share the render they both need.

use crate::daemon::Workspace;
use crate::model::{Event, FieldChange, Format, Message, MessageKind, Platform};
use crate::render::{Prepared, RenderError, RenderRequest};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;

/// What one render is asked: kind, platform, format, the send instant, and whether it
/// carries the sample changes of a change or resume notice.
type Key = (MessageKind, Platform, Format, DateTime<Utc>, bool);

pub struct Rendered<'a> {
    ws: &'a Workspace,
    event: &'a Event,
    prepared: Prepared<'a>,
    /// The changes a change or resume notice reports for the check (see [`sample_changes`]).
    changes: Vec<FieldChange>,
    done: HashMap<Key, Result<Message, RenderError>>,
}

impl<'a> Rendered<'a> {
    pub fn new(ws: &'a Workspace, event: &'a Event) -> Rendered<'a> {
        Rendered {
            ws,
            event,
            prepared: Prepared::new(event),
            changes: sample_changes(event),
            done: HashMap::new(),
        }
    }

    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// The message of `kind` for (`platform`, `format`) at `now`, with the sample changes
    /// when `notice` (the send path's own checks render a rule's message without them, as
    /// a rule sends it).
    pub fn get(
        &mut self,
        kind: MessageKind,
        (platform, format): (Platform, Format),
        now: DateTime<Utc>,
        notice: bool,
    ) -> &Result<Message, RenderError> {
        let (ws, event, changes, prepared) = (self.ws, self.event, &self.changes, &self.prepared);
        self.done
            .entry((kind, platform, format, now, notice))
            .or_insert_with(|| {
                let req = RenderRequest {
                    event,
                    kind,
                    platform,
                    format,
                    now,
                    changes: if notice { changes } else { &[] },
                    digest: std::slice::from_ref(event),
                };
                ws.renderer.render_prepared(&req, prepared)
            })
    }
}

/// A change notice's facts for the check: the event was an hour earlier, somewhere else.
fn sample_changes(event: &Event) -> Vec<FieldChange> {
    let hour = TimeDelta::hours(1);
    let (start, end) = (event.start.fixed_offset(), event.end.fixed_offset());
    vec![
        FieldChange::Time {
            old: (start - hour, end - hour),
            new: (start, end),
        },
        FieldChange::Venue {
            old: Some("-".to_string()),
            new: event.venue.clone(),
        },
    ]
}
