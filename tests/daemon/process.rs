//! The real binary: SIGTERM stops claiming, lets in-flight posts finish, exits 0, and leaves
//! nothing half-recorded.

use super::Setup;
use herald::ledger::State;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sigterm_exits_zero_with_nothing_half_recorded() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", super::EVENT);
    // A fast demo clock from just before the announcement.
    let config = std::fs::read_to_string(setup.config()).unwrap();
    std::fs::write(
        setup.config(),
        format!("{config}[demo]\nstart = \"2030-05-25T09:59:59+08:00\"\nspeed = 3600\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .env("HERALD_LOG", "info")
        .arg("--config")
        .arg(setup.config())
        .arg("run")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first post on the console (the announcement), then SIGTERM.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| !l.trim().is_empty())),
        "nothing posted"
    );
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    let ledger = herald::ledger::Ledger::open(&setup.dir.path().join("demo.db")).unwrap();
    let rows = ledger.history(None).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.state != State::Claimed), "{rows:#?}");
}
