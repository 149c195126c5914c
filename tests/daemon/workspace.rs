//! Loading thousands of event files: parsed on several threads, yet in file order, with
//! every problem located and duplicate ids caught across the threads' shares.

use herald::daemon::Workspace;

#[test]
fn thousands_of_event_files_load_in_order_with_duplicates_caught_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    std::fs::create_dir(&events).unwrap();
    std::fs::write(dir.path().join("herald.toml"), "").unwrap();
    let event = "title = \"x\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\n";
    for i in 0..1200 {
        std::fs::write(events.join(format!("e{i:04}.toml")), event).unwrap();
    }
    // The last file reuses the first file's id; one in the middle is broken.
    std::fs::write(
        events.join("e1199.toml"),
        format!("id = \"e0000\"\n{event}"),
    )
    .unwrap();
    std::fs::write(events.join("e0600.toml"), "title = \"x\"\n").unwrap();

    let loaded = Workspace::load(&dir.path().join("herald.toml"));
    let shown: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(shown[0].contains("e0600.toml"), "{shown:#?}");
    assert!(
        shown[1].contains("e1199.toml") && shown[1].contains("`e0000` is already used by"),
        "{shown:#?}"
    );
    let ws = loaded.workspace.unwrap();
    let ids: Vec<&str> = ws.events.iter().map(|e| e.id.as_str()).collect();
    let expected: Vec<String> = (0..1199)
        .filter(|i| *i != 600)
        .map(|i| format!("e{i:04}"))
        .collect();
    assert_eq!(ids, expected);
}
