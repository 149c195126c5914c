//! A fresh Postgres database per test, on the throwaway server `.ci/run` starts
//! (`HERALD_TEST_POSTGRES`, an admin URL). Without one, a test is skipped and named on the
//! terminal; under CI (`CI` set) a missing server fails the test.

use herald::model::PgUrl;
use std::sync::atomic::{AtomicU32, Ordering};

/// The admin URL, or `None` (after naming the skipped test) when no server is configured.
pub fn server(test: &str) -> Option<String> {
    match std::env::var("HERALD_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the Postgres tests: HERALD_TEST_POSTGRES is not set (.ci/run starts a server)"
            );
            eprintln!(
                "skipped {test}: no Postgres (HERALD_TEST_POSTGRES not set; .ci/run starts one)"
            );
            None
        }
    }
}

/// A database that exists for one test and is dropped after it.
pub struct Database {
    admin: String,
    name: String,
    pub url: String,
}

impl Database {
    pub fn create(test: &str) -> Option<Database> {
        static N: AtomicU32 = AtomicU32::new(0);
        let admin = server(test)?;
        let name = format!(
            "herald_t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        admin_sql(&admin, &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| {
            panic!("cannot create a database on the test Postgres at {admin}: {e}")
        });
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(Database { admin, name, url })
    }

    pub fn pg_url(&self) -> PgUrl {
        PgUrl::new(self.url.clone().into())
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = admin_sql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Run `sql` on the admin URL, on a thread of its own: the blocking client may not run on
/// an async test's runtime thread.
pub fn admin_sql(url: &str, sql: &str) -> Result<(), postgres::Error> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        postgres::Client::connect(&url, postgres::NoTls)?.batch_execute(&sql)
    })
    .join()
    .expect("the admin connection's thread panicked")
}
