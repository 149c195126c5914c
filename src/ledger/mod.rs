//! The SQLite ledger: one row per (event, rule, channel, part); claim, record, history.
