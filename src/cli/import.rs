//! `herald import PAGE|DIR [--out DIR] [--strict] [--check]`: website pages → event records,
//! with every note at page:line; `--check` compares the records with their pages instead.

use super::Exit;
use crate::model::Zone;
use crate::source::page::{Imported, differences, page_files, read_page};
use crate::source::{parse_event, write_record};
use anyhow::Context;
use std::path::{Path, PathBuf};

pub struct Args {
    pub path: PathBuf,
    pub out: Option<PathBuf>,
    pub strict: bool,
    pub check: bool,
}

/// What happened to the pages, for the summary and the exit code.
#[derive(Default)]
struct Tally {
    written: usize,
    failed: usize,
    differ: usize,
    same: usize,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<()> {
    let loaded = crate::config::load_with(config, crate::config::Secrets::Optional).ok();
    let zone = loaded
        .as_ref()
        .map_or(crate::config::DEFAULT_ZONE, |c| c.zone);
    let out = args.out.clone().unwrap_or_else(|| {
        loaded
            .as_ref()
            .map_or_else(|| PathBuf::from("config/events"), |c| c.events_dir.clone())
    });
    let files = if args.path.is_dir() {
        page_files(&args.path).with_context(|| format!("cannot read {}", args.path.display()))?
    } else {
        vec![args.path.clone()]
    };
    if files.is_empty() {
        return Err(Exit::bad_input(format!(
            "no pages (`*/index.md` or `*.md`) in {}",
            args.path.display()
        )));
    }
    let mut tally = Tally::default();
    for file in &files {
        let text = crate::input::read_text(file, None)
            .with_context(|| format!("page {}", file.display()))?;
        match read_page(file, &text, zone) {
            Err(notes) => {
                for n in &notes {
                    eprintln!("{n}");
                }
                eprintln!(
                    "{}: no event: the page gives no readable time",
                    file.display()
                );
                tally.failed += 1;
            }
            Ok(imported) => one(file, imported, zone, &out, &args, &mut tally)?,
        }
    }
    summary(&tally, &out, &args)
}

fn one(
    file: &Path,
    imported: Imported,
    zone: Zone,
    out: &Path,
    args: &Args,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    for n in &imported.notes {
        eprintln!("{n}");
    }
    let strict_notes = imported.notes.iter().filter(|n| n.is_strict()).count();
    if args.strict && strict_notes > 0 {
        eprintln!(
            "{}: {strict_notes} note(s) and --strict: not imported",
            file.display()
        );
        tally.failed += 1;
        return Ok(());
    }
    let mut event = imported.event;
    let target = out.join(format!("{}.toml", event.id));
    if args.check {
        return compare(file, &event, &target, zone, tally);
    }
    let existing = keep_what_pages_lack(&mut event, &target, zone);
    let record = write_record(
        &event,
        &format!("Imported from {} by `herald import`.", file.display()),
    );
    if let Err(problems) = parse_event(&target, &record, zone) {
        for p in &problems {
            eprintln!("{}: {}", file.display(), p.message);
        }
        tally.failed += 1;
        return Ok(());
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::write(&target, record)
        .with_context(|| format!("cannot write {}", target.display()))?;
    let verb = if existing { "updated" } else { "new" };
    println!("{} → {} ({verb})", file.display(), target.display());
    tally.written += 1;
    Ok(())
}

/// A record that already exists keeps what pages do not carry: its channel `targets` and its
/// `extra` table. Returns whether there was one.
fn keep_what_pages_lack(event: &mut crate::model::Event, target: &Path, zone: Zone) -> bool {
    let Ok(text) = std::fs::read_to_string(target) else {
        return false;
    };
    if let Ok(mut old) = parse_event(target, &text, zone) {
        event.targets = std::mem::take(&mut old.targets);
        for (k, v) in std::mem::take(&mut old.extra) {
            event.extra.entry(k).or_insert(v);
        }
    }
    true
}

fn compare(
    file: &Path,
    event: &crate::model::Event,
    target: &Path,
    zone: Zone,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let Ok(text) = crate::input::read_text(target, None) else {
        println!("{}: no record {}", file.display(), target.display());
        tally.differ += 1;
        return Ok(());
    };
    let record = match parse_event(target, &text, zone) {
        Ok(r) => r,
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            tally.differ += 1;
            return Ok(());
        }
    };
    let diff = differences(event, &record);
    if diff.is_empty() {
        tally.same += 1;
    } else {
        for d in &diff {
            println!("{} ≠ {}: {d}", file.display(), target.display());
        }
        tally.differ += 1;
    }
    Ok(())
}

fn summary(tally: &Tally, out: &Path, args: &Args) -> anyhow::Result<()> {
    if args.check {
        if tally.differ + tally.failed > 0 {
            return Err(Exit::bad_input(format!(
                "{} record(s) differ from their pages, {} page(s) could not be read",
                tally.differ, tally.failed
            )));
        }
        println!("ok: {} record(s) match their pages", tally.same);
        return Ok(());
    }
    if tally.failed > 0 {
        return Err(Exit::bad_input(format!(
            "{} page(s) imported into {}, {} could not be",
            tally.written,
            out.display(),
            tally.failed
        )));
    }
    println!(
        "ok: {} page(s) imported into {}",
        tally.written,
        out.display()
    );
    Ok(())
}
