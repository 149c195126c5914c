//! The console platform: writes a readable rendition of each part to an injected writer
//! (the CLI passes stdout; tests a buffer). Always delivered; needs no secret.

use crate::model::Message;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct ConsoleSink(Arc<Mutex<Box<dyn Write + Send>>>);

impl ConsoleSink {
    pub fn new(writer: Box<dyn Write + Send>) -> ConsoleSink {
        ConsoleSink(Arc::new(Mutex::new(writer)))
    }

    /// A sink that discards everything.
    pub fn discard() -> ConsoleSink {
        ConsoleSink::new(Box::new(std::io::sink()))
    }

    pub fn write(&self, channel: &str, message: &Message, index: usize) -> std::io::Result<()> {
        let part = &message.parts[index];
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(
            w,
            "──── {channel} · {} · {} · part {}/{} ────",
            message.kind, message.title, part.index, part.total
        )?;
        writeln!(w, "{}", part.body.plain())?;
        if !message.buttons.is_empty() && part.index == part.total {
            let buttons: Vec<String> = message
                .buttons
                .iter()
                .map(|b| format!("[{}] {}", b.title, b.url))
                .collect();
            writeln!(w, "{}", buttons.join("  "))?;
        }
        writeln!(w)?;
        w.flush()
    }
}
