//! Faults at the ledger's real boundary: another process's connection holding SQLite's write
//! lock, as a backup tool or an `sqlite3` shell left in a transaction would.

use std::path::Path;

/// A connection to `path` inside `BEGIN IMMEDIATE`: every other writer waits (and times out)
/// until it is dropped.
pub fn hold_write_lock(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn
}
