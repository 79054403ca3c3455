//! A walkthrough's handout: one figure per section, to print at A4 width or put on a slide. A
//! section is drawn as a sequence diagram of its stretch of the session (`sequence`), or, on a
//! herd too big for lanes side by side or when it changes how records are passed on, as the graph
//! with the links each update used (`graph`). The herd stopping at the end is not part of any. A
//! walkthrough through a recording has its sections' stretches of the recording (`replayed`).

mod graph;
mod replayed;
mod sequence;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::replay::Timeline;
use crate::script::Script;
use crate::trace::{Kind, Row, Trace};
use herdctl_core::topology::Topology;

/// A section of the story and its events.
pub struct Part {
    pub title: String,
    /// When the section began: the time axis starts here.
    pub start: SystemTime,
    /// Its events and captions, in time order (the checks are the script's business, not the
    /// handout's).
    pub rows: Vec<Row>,
    /// The faults before it that left the herd as it found it: cuts, servers down, the strategy.
    pub before: Vec<Row>,
}

/// Whether a fault changes what a graph of the herd shows.
fn shapes_the_herd(row: &Row) -> bool {
    matches!(
        row.fault,
        Some("cut" | "cut_one_way" | "heal" | "heal_one_way" | "node_up" | "node_down" | "reset" | "strategy")
    )
}

/// Whether an entry is a node starting or stopping.
fn restart(entry: &Row) -> bool {
    entry.kind == Kind::Fault && matches!(entry.fault, Some("node_up" | "node_down"))
}

/// Splits a trace into its sections (what comes before the first section is left out: the
/// herd's start-up; what comes from the herd's shutdown on too). A walkthrough without sections
/// is one part. The nodes' restarts that a `reset` causes are left out: the reset itself says it.
fn parts(entries: &[Row]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let sections = entries.iter().any(|e| e.kind == Kind::Section);
    let mut resetting = false;
    // The faults so far that shape the herd, for each part's graph.
    let mut before: Vec<Row> = Vec::new();
    for entry in entries.iter().take_while(|entry| !entry.is_shutdown()) {
        if entry.fault == Some("reset") {
            resetting = true;
        } else if resetting && restart(entry) {
            continue;
        } else if !matches!(entry.kind, Kind::Fault) {
            resetting = false;
        }
        let part = |title: String, rows: Vec<Row>| Part { title, start: entry.at, rows, before: before.clone() };
        match (entry.kind == Kind::Section, parts.last_mut()) {
            (true, _) => parts.push(part(entry.text.clone(), Vec::new())),
            (false, Some(part)) => part.rows.push(entry.clone()),
            (false, None) if !sections && entry.kind == Kind::Caption => {
                parts.push(part("The walkthrough".into(), vec![entry.clone()]))
            }
            (false, None) => {}
        }
        if shapes_the_herd(entry) {
            before.push(entry.clone());
        }
    }
    parts
}

/// A file name for a section: its number and its title in lower case, words joined by dashes.
fn file_name(number: usize, title: &str) -> String {
    let words: Vec<String> =
        title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    format!("{number:02}-{}.svg", words.join("-"))
}

/// Writes one figure per section of the walkthrough recorded in `trace` into `dir` (created if
/// missing); returns the files written, in order.
pub fn write(trace: &Trace, topology: &Topology, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let (mut entries, _) = trace.entries();
    entries.retain(|entry| entry.kind != Kind::Expectation);
    write_parts(&parts(&entries), topology, dir)
}

/// Writes one figure per section of `script`, a walkthrough through the recording `timeline`
/// holds (`replay FILE` as its first line): each section's stretch of the recording, with the
/// walkthrough's captions where they were said.
pub fn write_replay(timeline: &Timeline, script: &Script, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    write_parts(&replayed::parts(timeline, script), &timeline.recording().topology, dir)
}

fn write_parts(parts: &[Part], topology: &Topology, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let path = dir.join(file_name(i + 1, &part.title));
        let figure = if graph::wanted(part, topology) {
            graph::figure(part, topology)
        } else {
            sequence::figure(part, topology.names())
        };
        std::fs::write(&path, figure)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_read_well() {
        assert_eq!(file_name(3, "3. What flooding costs!"), "03-3-what-flooding-costs.svg");
    }
}
