//! Reads event records (`config/events/*.toml`) into validated events plus located problems.
