//! Integration tests: channels.
