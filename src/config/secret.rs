//! Resolves secret-bearing settings: `${ENV_VAR}` interpolation or `file:PATH`. The resolved
//! value is a `SecretString`; errors name the variable or file, never the value.

use secrecy::SecretString;
use std::path::Path;

/// Whether a secret that cannot be read (a variable not set, a file missing) is a problem:
/// it is for the commands that post (`run`, `send`, `ping`); the commands that only look
/// (`check`, `list`, `preview`, `plan`, `history`) work on a laptop without production secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    Required,
    Optional,
}

/// Where environment variables come from (injected so tests control it).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Does the setting come from the environment or a file (rather than being written inline)?
pub fn is_indirect(raw: &str) -> bool {
    raw.starts_with("file:") || raw.contains("${")
}

/// Resolve `file:PATH` (relative to `base`) or interpolate every `${VAR}` in `raw` (tests).
#[cfg(test)]
pub fn resolve(raw: &str, base: &Path, env: Env<'_>) -> Result<SecretString, String> {
    resolve_or_unavailable(raw, base, env).map_err(|e| match e {
        Unresolved::Unavailable(why) | Unresolved::Malformed(why) => why,
    })
}

/// Why a secret could not be resolved: its source is not there on this machine (a variable
/// not set, a file missing), or the setting itself is wrong.
pub(crate) enum Unresolved {
    Unavailable(String),
    Malformed(String),
}

pub(crate) fn resolve_or_unavailable(
    raw: &str,
    base: &Path,
    env: Env<'_>,
) -> Result<SecretString, Unresolved> {
    if let Some(path) = raw.strip_prefix("file:") {
        let path = base.join(path.trim());
        return crate::input::read_text(&path, None)
            .map(|s| SecretString::from(s.trim().to_string()))
            .map_err(|e| Unresolved::Unavailable(format!("secret file {}: {e}", path.display())));
    }
    interpolate(raw, env).map(SecretString::from).map_err(|e| {
        if e.starts_with("environment variable") {
            Unresolved::Unavailable(e)
        } else {
            Unresolved::Malformed(e)
        }
    })
}

/// Replace every `${VAR}` in `raw` (also for plain settings such as `listen`).
pub(crate) fn interpolate(raw: &str, env: Env<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "unclosed `${` in setting".to_string())?;
        let name = &after[..end];
        let value = env(name).ok_or_else(|| format!("environment variable `{name}` is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn interpolates_and_names_missing_variables() {
        let env = |k: &str| (k == "TOKEN").then(|| "fake-token-123".to_string());
        let got = resolve(
            "http://127.0.0.1/send?access_token=${TOKEN}",
            Path::new("."),
            &env,
        )
        .unwrap();
        assert_eq!(
            got.expose_secret(),
            "http://127.0.0.1/send?access_token=fake-token-123"
        );
        let err = resolve("${NOPE}", Path::new("."), &env).unwrap_err();
        assert_eq!(err, "environment variable `NOPE` is not set");
    }

    #[test]
    fn reads_secret_files_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s"), "SECfake\n").unwrap();
        let got = resolve("file:s", dir.path(), &|_| None).unwrap();
        assert_eq!(got.expose_secret(), "SECfake");
    }
}
