//! Where the ledger lives: an SQLite file (the embedded default) or a Postgres database
//! shared by several replicas. The Postgres URL is a secret (it may carry a password); only
//! its redacted form is ever shown.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::PathBuf;

#[derive(Clone)]
pub enum LedgerTarget {
    Sqlite(PathBuf),
    Postgres(PgUrl),
}

impl LedgerTarget {
    /// What to show a person: the file path, or the URL without its password and query.
    pub fn shown(&self) -> String {
        match self {
            LedgerTarget::Sqlite(p) => p.display().to_string(),
            LedgerTarget::Postgres(u) => u.shown().to_string(),
        }
    }
}

impl fmt::Debug for LedgerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

/// A `postgres://` URL: the whole text stays secret; `shown` is `postgres://user@host/db`.
#[derive(Clone)]
pub struct PgUrl {
    url: SecretString,
    shown: String,
}

impl PgUrl {
    /// Is `s` a Postgres URL (rather than a file path)?
    pub fn is_pg(s: &str) -> bool {
        s.starts_with("postgres://") || s.starts_with("postgresql://")
    }

    pub fn new(url: SecretString) -> PgUrl {
        let shown = redact_pg(url.expose_secret());
        PgUrl { url, shown }
    }

    pub fn secret(&self) -> &SecretString {
        &self.url
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// `postgres://user:pw@host:5432/db?sslmode=x` → `postgres://user@host:5432/db`.
fn redact_pg(url: &str) -> String {
    let base = url.split(['?', '#']).next().unwrap_or(url);
    let Some((scheme, rest)) = base.split_once("://") else {
        return "postgres://…".to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    match auth.map(|a| a.split(':').next().unwrap_or("")) {
        Some(user) if !user.is_empty() => format!("{scheme}://{user}@{host}"),
        _ => format!("{scheme}://{host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_form_has_no_password_or_query() {
        let u = PgUrl::new(SecretString::from(
            "postgres://herald:s3cr%40t@db:5432/herald?sslmode=require&password=x".to_string(),
        ));
        assert_eq!(u.shown(), "postgres://herald@db:5432/herald");
        assert_eq!(format!("{u:?}"), "postgres://herald@db:5432/herald");
        let bare = PgUrl::new(SecretString::from("postgresql://localhost/h".to_string()));
        assert_eq!(bare.shown(), "postgresql://localhost/h");
    }
}
