//! Turns an event and a message kind into a platform message: templates, Chinese dates,
//! per-platform Markdown, escaping and splitting within byte limits.
