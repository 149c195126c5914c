//! `herald export EVENT --page recap|announce [--out DIR]`: the event as a page of the Hugo
//! site (`DIR/<id>/index.md`, or stdout).

use crate::render::page::{PageKind, page};
use anyhow::Context;
use std::path::{Path, PathBuf};

pub struct Args {
    pub event: String,
    pub kind: PageKind,
    pub out: Option<PathBuf>,
    pub author: String,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<()> {
    let ws = super::load(config)?;
    let event = super::find_event(&ws, &args.event)?;
    let text = page(event, args.kind, &args.author)?;
    match args.out {
        None => print!("{text}"),
        Some(dir) => {
            let folder = dir.join(&event.id);
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            let file = folder.join("index.md");
            std::fs::write(&file, text)
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!("wrote {}", file.display());
        }
    }
    Ok(())
}
