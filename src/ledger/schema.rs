//! Versioned migrations, applied in order inside one transaction: the same tables, states
//! and keys on both stores, written in each one's SQL. The version is SQLite's `user_version`
//! or Postgres's `herald_schema` row. Append new migrations (to both lists); never edit
//! applied ones.

pub const SQLITE: &[&str] = &[
    // 1: deliveries (one row per event, rule, channel, part), meta, snapshots.
    "CREATE TABLE deliveries (
        id           INTEGER PRIMARY KEY,
        event        TEXT    NOT NULL,
        rule         TEXT    NOT NULL,
        channel      TEXT    NOT NULL,
        part         INTEGER NOT NULL,
        parts_total  INTEGER NOT NULL,
        kind         TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        errcode      INTEGER,
        errmsg       TEXT,
        content_hash TEXT,
        due          TEXT    NOT NULL,
        deadline     TEXT    NOT NULL,
        claimed_at   TEXT    NOT NULL,
        finished_at  TEXT,
        claimed_by   TEXT    NOT NULL,
        UNIQUE (event, rule, channel, part)
     );
     CREATE INDEX deliveries_event ON deliveries (event, kind, state);
     CREATE INDEX deliveries_state ON deliveries (state);
     CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE snapshots (event TEXT PRIMARY KEY, facts TEXT NOT NULL);",
    // 2: holds put by an organizer (`herald hold`); `*` = every rule or channel.
    "CREATE TABLE holds (
        event   TEXT NOT NULL,
        rule    TEXT NOT NULL,
        channel TEXT NOT NULL,
        since   TEXT NOT NULL,
        PRIMARY KEY (event, rule, channel)
     );",
];

/// The same schema for Postgres: times as `timestamptz`, ids as `bigserial`.
pub const POSTGRES: &[&str] = &[
    // 1
    "CREATE TABLE deliveries (
        id           BIGSERIAL PRIMARY KEY,
        event        TEXT    NOT NULL,
        rule         TEXT    NOT NULL,
        channel      TEXT    NOT NULL,
        part         INTEGER NOT NULL,
        parts_total  INTEGER NOT NULL,
        kind         TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        errcode      BIGINT,
        errmsg       TEXT,
        content_hash TEXT,
        due          TIMESTAMPTZ NOT NULL,
        deadline     TIMESTAMPTZ NOT NULL,
        claimed_at   TIMESTAMPTZ NOT NULL,
        finished_at  TIMESTAMPTZ,
        claimed_by   TEXT    NOT NULL,
        UNIQUE (event, rule, channel, part)
     );
     CREATE INDEX deliveries_event ON deliveries (event, kind, state);
     CREATE INDEX deliveries_state ON deliveries (state);
     CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE snapshots (event TEXT PRIMARY KEY, facts TEXT NOT NULL);",
    // 2
    "CREATE TABLE holds (
        event   TEXT NOT NULL,
        rule    TEXT NOT NULL,
        channel TEXT NOT NULL,
        since   TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (event, rule, channel)
     );",
];
