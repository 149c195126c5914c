//! The admin token that guards the daemon's state-changing endpoints (`POST /send`): from
//! config (`[herald] admin_token`, `${ENV}` or `file:`), or else a fresh random token the
//! daemon writes at each start to `admin.token` (mode 0600) beside the ledger, where
//! `herald send` on the same machine reads it.

use super::DaemonError;
use crate::config::Config;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the generated token lives: beside the ledger in use.
pub fn token_path(ledger: &Path) -> PathBuf {
    ledger.with_file_name("admin.token")
}

/// The token the daemon accepts: the configured one, else a new one written to
/// [`token_path`] (replacing an older one, so a token from a previous run stops working).
pub fn token(config: &Config, ledger: &Path) -> Result<SecretString, DaemonError> {
    if let Some(t) = &config.admin_token {
        return Ok(t.clone());
    }
    let token: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    let path = token_path(ledger);
    write_private(&path, &token).map_err(|source| DaemonError::Io { path, source })?;
    Ok(SecretString::from(token))
}

/// The token a CLI on this machine presents: the configured one, else the daemon's file.
pub fn client_token(config: &Config) -> Option<SecretString> {
    if let Some(t) = &config.admin_token {
        return Some(t.clone());
    }
    let text = crate::input::read_text(&token_path(&config.active_ledger()), None).ok()?;
    Some(SecretString::from(text.trim().to_string()))
}

/// Compare in constant time, so the answer's timing says nothing about the token.
pub fn matches(expected: &SecretString, given: &str) -> bool {
    let (a, b) = (expected.expose_secret().as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // An older file keeps its mode on open: make sure it is private.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(token.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_tokens_only() {
        let t = SecretString::from("abc123".to_string());
        assert!(matches(&t, "abc123"));
        assert!(!matches(&t, "abc12"));
        assert!(!matches(&t, "abc124"));
        assert!(!matches(&t, ""));
    }

    #[test]
    fn writes_a_private_token_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "new").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }
}
