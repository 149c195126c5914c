//! Reads `herald.toml`: raw serde structs validated into a [`Config`] that cannot be wrong.
