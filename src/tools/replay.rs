//! `herdctl replay`: a recording in the console, or one moment of it in words; and a
//! walkthrough through a recording (a script whose first line is `replay FILE`).

use std::sync::Arc;

use herdctl_core::Topology;
use herdctl_teach::script::Script;

use crate::cli::{self, Cli};
use crate::{config, frontend, records};

/// `herdctl replay FILE`: the console on a recording, or (headless) one moment of it in words.
pub async fn run(mut args: cli::ReplayArgs) -> anyhow::Result<()> {
    let config = config::Config::load(args.screen.config.as_deref())?;
    frontend::use_keys(&config);
    args.screen.settle(&config);
    let topology = match (args.shape, args.nodes) {
        (Some(shape), Some(nodes)) => Some(shape.topology(nodes, 1)?),
        _ => args.topology.as_deref().map(|path| Topology::load(Some(path))).transpose()?,
    };
    let recording = Arc::new(herdctl_teach::replay::Recording::load(&args.file, topology)?);
    if let Some(torn) = &recording.torn {
        eprintln!("herdctl: {torn}");
    }
    let timeline = herdctl_teach::replay::Timeline::new(recording.clone());
    if args.headless {
        let length = recording.duration();
        let at = args.at.unwrap_or(length);
        if at > length {
            anyhow::bail!(
                "{} lasts {:.3}s; --at {:.3}s is past its end",
                args.file.display(),
                length.as_secs_f64(),
                at.as_secs_f64()
            );
        }
        let count = timeline.count_at(at);
        let world = timeline.world_after(count);
        for note in &recording.notes {
            println!("note: {note}");
        }
        print!("{}", herdctl_teach::replay::describe(&world, at, length, (count, timeline.len())));
        return Ok(());
    }
    let screen = frontend::Screen::of(&args.screen);
    frontend::replay(timeline, args.at.unwrap_or_default(), None, &args.file, (args.log_dir, screen)).await
}

/// A walkthrough through a recorded session (its first line `replay FILE`): in the replay
/// console, or headless, printing each step and failing if a check failed.
pub async fn walkthrough(cli: &Cli, script: Script, file: std::path::PathBuf) -> anyhow::Result<()> {
    // Checked with the scenario it is the one part of.
    let recording = Arc::new(herdctl_teach::replay::Recording::load(&file, None)?);
    let timeline = herdctl_teach::replay::Timeline::new(recording.clone());
    if !cli.headless {
        let screen = frontend::Screen::of(&cli.screen);
        let played = frontend::replay(
            timeline,
            std::time::Duration::ZERO,
            Some(script.clone()),
            &file,
            (cli.log_dir.clone(), screen),
        )
        .await;
        // The console took the timeline; the handout reads the same recording again.
        let timeline = herdctl_teach::replay::Timeline::new(recording);
        records::write_replay_handout(cli, &timeline, &script)?;
        return played;
    }
    let report = herdctl_teach::script::recorded::play_headless(&timeline, &script, &mut std::io::stdout());
    records::write_replay_handout(cli, &timeline, &script)?;
    if report.passed() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{} of the walkthrough's checks failed", report.failures.len()))
    }
}
