//! `herald check`'s cache of each event file's record: a warm run reports exactly what a cold
//! one does, every input it depends on invalidates it, and a broken, foreign or unwritable
//! cache changes nothing but the time taken.

use super::herald;
use std::fs;
use std::path::{Path, PathBuf};

const TOKEN: &str = "fake-token-4711";

/// Errors, warnings, refusals by a keyword robot, lost links, a duplicate id, a broken file
/// and a template error every event hits (reported once, naming the first event).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[[channels]]\nname = \"console\"\nplatform = \"console\"\n\
         [[channels]]\nname = \"kw\"\nplatform = \"dingtalk\"\nkeywords = [\"SOFA\"]\n\
         webhook = \"http://127.0.0.1:9/robot/send?access_token=${HERALD_TEST_TOKEN}\"\n\
         [[channels]]\nname = \"dt-link\"\nplatform = \"dingtalk\"\nformat = \"link\"\n\
         webhook = \"http://127.0.0.1:9/robot/send?access_token=${HERALD_TEST_TOKEN}\"\n",
    )
    .unwrap();
    let event = |title: &str, year: u32| {
        format!("title = \"{title}\"\nstart = {year}-01-01T13:30:00\nend = {year}-01-01T17:30:00\n")
    };
    fs::write(events.join("a.toml"), event("SOFA 之夜", 2030)).unwrap();
    fs::write(events.join("b.toml"), event("云原生之夜", 2030)).unwrap();
    fs::write(events.join("c.toml"), "title = \"unclosed\nstart = 1\n").unwrap();
    fs::write(events.join("d.toml"), event("SOFA 往事", 2020)).unwrap();
    let mut talks = event("【活动回顾】SOFAChannel#1", 2030);
    for i in 0..3 {
        talks.push_str(&format!(
            "[[talks]]\ntitle = \"议题 {i}\"\nslides = \"https://example.com/{i}.pdf\"\n"
        ));
    }
    fs::write(events.join("e.toml"), talks).unwrap();
    fs::write(
        events.join("f.toml"),
        format!("id = \"a\"\n{}", event("SOFA 重名", 2030)),
    )
    .unwrap();
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(
        dir.path().join("templates/change.j2"),
        "# {{ event.title }}\n{{ event.titel }}\n",
    )
    .unwrap();
    dir
}

/// What one `check --json` run gave: exit code, the JSON report, and how many events'
/// findings came from the cache and how many were rendered (from its debug log line).
#[derive(Debug)]
struct Run {
    code: i32,
    report: serde_json::Value,
    from_cache: usize,
    rendered: usize,
}

fn check(dir: &Path, cache: &Path, extra: &[&str]) -> Run {
    let out = herald(&dir.join("herald.toml"))
        .env("HERALD_CACHE_DIR", cache)
        .env("HERALD_LOG", "herald=debug")
        .env("HERALD_TEST_TOKEN", TOKEN)
        .args(["check", "--json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let count = |field: &str| -> usize {
        let line = stderr
            .lines()
            .find(|l| l.contains("each event's own findings"))
            .unwrap_or_else(|| panic!("no findings log line in: {stderr}"));
        let (_, rest) = line
            .split_once(&format!("{field}="))
            .unwrap_or_else(|| panic!("no {field} in {line}"));
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(!stderr.contains(TOKEN), "{stderr}");
    Run {
        code: out.status.code().unwrap(),
        report: serde_json::from_slice(&out.stdout).unwrap(),
        from_cache: count("from_cache"),
        rendered: count("rendered"),
    }
}

/// What `check --no-cache` reports: the truth a cached run must equal.
fn truth(dir: &Path, cache: &Path) -> Run {
    let run = check(dir, cache, &["--no-cache"]);
    assert_eq!(run.from_cache, 0);
    run
}

/// A run with the cache, which must equal a run without it and take `rendered` events'
/// findings fresh (the rest from the cache).
fn assert_same_as_uncached(dir: &Path, cache: &Path, rendered: usize, events: usize) -> Run {
    let run = check(dir, cache, &[]);
    let want = truth(dir, cache);
    assert_eq!(run.code, want.code);
    assert_eq!(run.report, want.report);
    assert_eq!(
        (run.rendered, run.from_cache),
        (rendered, events - rendered),
        "{run:?}"
    );
    run
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    fs::read_dir(cache)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// The events that parse and are not duplicates: a, b, d, e.
const EVENTS: usize = 4;

#[test]
fn a_warm_check_reports_exactly_what_a_cold_one_does_without_rendering() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    let cold = check(dir.path(), cache.path(), &[]);
    assert_eq!((cold.rendered, cold.from_cache), (EVENTS, 0));
    assert_eq!(cold.code, 2);
    let report = cold.report.to_string();
    for wanted in [
        "contains none of the robot's keywords (SOFA)",
        "cannot hold 2 link(s)",
        "already starts with the label",
        "is already over",
        "is already used by",
        "templates/change.j2",
    ] {
        assert!(report.contains(wanted), "{wanted}: {report}");
    }
    assert_eq!(report.matches("render error").count(), 1, "{report}");
    let files = cache_files(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let stored = fs::read_to_string(&files[0]).unwrap();
    assert!(!stored.contains(TOKEN), "a secret in the cache: {stored}");

    let warm = check(dir.path(), cache.path(), &[]);
    assert_eq!((warm.rendered, warm.from_cache), (0, EVENTS));
    assert_eq!(warm.code, cold.code);
    assert_eq!(warm.report, cold.report);
    // The text report too, line for line.
    let text = |extra: &[&str]| {
        let out = herald(&dir.path().join("herald.toml"))
            .env("HERALD_CACHE_DIR", cache.path())
            .env("HERALD_TEST_TOKEN", TOKEN)
            .arg("check")
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    assert_eq!(text(&[]), text(&["--no-cache"]));
    // Nothing left behind but the one cache file.
    assert_eq!(cache_files(cache.path()), files);
}

#[test]
fn each_input_the_findings_depend_on_invalidates_them() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    check(dir.path(), cache.path(), &[]);
    assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);

    // One event file: only it is rendered again, and its refusals are gone.
    let b = dir.path().join("events/b.toml");
    let text = fs::read_to_string(&b).unwrap();
    fs::write(&b, text.replace("云原生之夜", "SOFA 云原生之夜")).unwrap();
    let run = assert_same_as_uncached(dir.path(), cache.path(), 1, EVENTS);
    assert!(!run.report.to_string().contains("b.toml"), "{}", run.report);
    assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);

    // The config: a channel's keywords, then a channel's format.
    let config = dir.path().join("herald.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("[\"SOFA\"]", "[\"之夜\"]")).unwrap();
    let run = assert_same_as_uncached(dir.path(), cache.path(), EVENTS, EVENTS);
    assert!(run.report.to_string().contains("(之夜)"), "{}", run.report);
    let text = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        text.replace("format = \"link\"", "format = \"markdown\""),
    )
    .unwrap();
    let run = assert_same_as_uncached(dir.path(), cache.path(), EVENTS, EVENTS);
    assert!(
        !run.report.to_string().contains("cannot hold"),
        "{}",
        run.report
    );
    assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);

    // A template.
    fs::write(
        dir.path().join("templates/change.j2"),
        "# {{ event.title }}\n",
    )
    .unwrap();
    let run = assert_same_as_uncached(dir.path(), cache.path(), EVENTS, EVENTS);
    assert!(
        !run.report.to_string().contains("render error"),
        "{}",
        run.report
    );

    // Another herald: its cache file is not read.
    let file = &cache_files(cache.path())[0];
    let stored = fs::read_to_string(file).unwrap();
    let version = format!("\"herald\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(stored.contains(&version), "{stored}");
    fs::write(file, stored.replace(&version, "\"herald\":\"0.0.1\"")).unwrap();
    assert_same_as_uncached(dir.path(), cache.path(), EVENTS, EVENTS);
    assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);

    // A removed event's entry is dropped when the cache is written again.
    fs::remove_file(dir.path().join("events/e.toml")).unwrap();
    fs::write(
        dir.path().join("events/g.toml"),
        "title = \"SOFA g\"\nstart = 2031-01-01T13:30:00\nend = 2031-01-01T17:30:00\n",
    )
    .unwrap();
    assert_same_as_uncached(dir.path(), cache.path(), 1, EVENTS);
    let stored: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
    // The events' records and the broken file's (the duplicate is parsed again every run).
    assert_eq!(stored["entries"].as_object().unwrap().len(), EVENTS + 1);
}

#[test]
fn a_corrupt_or_truncated_cache_is_ignored_and_rebuilt() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    check(dir.path(), cache.path(), &[]);
    let file = cache_files(cache.path()).remove(0);
    let whole = fs::read(&file).unwrap();
    for broken in [&whole[..whole.len() / 2], b"\0\0\0\0".as_slice(), b"{}"] {
        fs::write(&file, broken).unwrap();
        assert_same_as_uncached(dir.path(), cache.path(), EVENTS, EVENTS);
        assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);
    }
}

#[test]
fn an_unwritable_cache_folder_changes_nothing() {
    let dir = workspace();
    let blocker = tempfile::NamedTempFile::new().unwrap();
    // A folder inside a regular file can never be created, not even by root.
    let cache = blocker.path().join("herald");
    let want = truth(dir.path(), &cache);
    for _ in 0..2 {
        let run = check(dir.path(), &cache, &[]);
        assert_eq!((run.code, &run.report), (want.code, &want.report));
        assert_eq!((run.rendered, run.from_cache), (EVENTS, 0));
    }
    // Not a word about it in the output at the default log level.
    let out = herald(&dir.path().join("herald.toml"))
        .env("HERALD_CACHE_DIR", &cache)
        .env("HERALD_LOG", "info")
        .env("HERALD_TEST_TOKEN", TOKEN)
        .arg("check")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("cache"), "{stderr}");
    assert_eq!(out.status.code(), Some(want.code));
}

#[test]
fn no_cache_neither_reads_nor_writes_it() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    truth(dir.path(), cache.path());
    assert!(cache_files(cache.path()).is_empty());
    check(dir.path(), cache.path(), &[]);
    let file = cache_files(cache.path()).remove(0);
    let before = fs::read(&file).unwrap();
    // An edit `--no-cache` sees, and a cache it neither reads nor rewrites.
    fs::write(dir.path().join("events/b.toml"), "title = \"x\"\n").unwrap();
    let run = truth(dir.path(), cache.path());
    assert_eq!(run.rendered, EVENTS - 1);
    assert_eq!(fs::read(&file).unwrap(), before);
}

/// A finding over all events (the first event a rule's slot falls in a daylight-saving fold
/// for) comes out the same from kept records as from parsed events, and follows an edit.
#[test]
fn the_first_event_a_slot_falls_in_a_fold_for_is_named_warm_or_cold() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[herald]\ntimezone = \"America/New_York\"\n\
         [[channels]]\nname = \"console\"\nplatform = \"console\"\n\
         [[rules]]\nname = \"fold\"\nkind = \"remind\"\noffset = \"-1d\"\nslot = \"30 1 * * *\"\n",
    )
    .unwrap();
    // 2027-11-07 01:30 happens twice in New York; the day before 2027-11-09 does not.
    let event = |day: u32| {
        format!(
            "title = \"t\"\nstart = 2027-11-{day:02}T10:00:00\nend = 2027-11-{day:02}T12:00:00\n"
        )
    };
    fs::write(events.join("a.toml"), event(9)).unwrap();
    fs::write(events.join("b.toml"), event(8)).unwrap();
    fs::write(events.join("c.toml"), event(8)).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let folds = |run: &Run| {
        let report = run.report.to_string();
        let n = report.matches("happens twice").count();
        (
            n,
            report.contains("for event `b`"),
            report.contains("for event `c`"),
        )
    };
    let cold = check(dir.path(), cache.path(), &[]);
    assert_eq!(folds(&cold), (1, true, false), "{}", cold.report);
    let warm = assert_same_as_uncached(dir.path(), cache.path(), 0, 3);
    assert_eq!(folds(&warm), (1, true, false));
    fs::write(events.join("b.toml"), event(9)).unwrap();
    let edited = assert_same_as_uncached(dir.path(), cache.path(), 1, 3);
    assert_eq!(folds(&edited), (1, false, true), "{}", edited.report);
}

/// Runs at once over one cache folder (each writes a temporary file and renames it): every
/// one reports what a run without the cache does, and what is left is one whole cache file.
#[test]
fn concurrent_checks_leave_one_whole_cache_file() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    let want = truth(dir.path(), cache.path());
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (dir, cache) = (dir.path().to_path_buf(), cache.path().to_path_buf());
            std::thread::spawn(move || check(&dir, &cache, &[]))
        })
        .collect();
    for run in runs {
        let run = run.join().unwrap();
        assert_eq!((run.code, &run.report), (want.code, &want.report));
    }
    assert_eq!(cache_files(cache.path()).len(), 1);
    assert_same_as_uncached(dir.path(), cache.path(), 0, EVENTS);
}

/// A temporary file a killed `check` left behind (older than ten minutes) is removed when the
/// cache is written next; one as young as a run still writing it stays.
#[test]
fn a_killed_runs_temporary_file_is_removed_later() {
    let dir = workspace();
    let cache = tempfile::tempdir().unwrap();
    let (old, young) = (
        cache.path().join(".check-killed.tmp"),
        cache.path().join(".check-running.tmp"),
    );
    fs::write(&old, "{\"format\":").unwrap();
    fs::write(&young, "{\"format\":").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    check(dir.path(), cache.path(), &[]);
    assert!(!old.exists());
    assert!(young.exists());
}
