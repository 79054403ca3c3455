//! The console on a scenario of several parts: one terminal, one part at a time, each on a herd
//! of its own (started when the part is entered, shut down with its ports freed when it is left)
//! or through its recording. `]` past a part's last section, `c` at its end and `[` before its
//! first section cross to the next part or the one before. The run fails when a part's checks
//! failed the last time it was played, as it does headless.

use std::sync::Arc;

use herdctl_teach::script::{Script, Stage};
use herdctl_teach::trace::Trace;
use herdctl_ui::{Feedback, Theme, UiState};

use super::live::{Leave, Live};
use super::recorded::{Left, Recorded};
use super::walkthrough::{Cross, Place};
use super::{driver, terminal};
use crate::frontend::Session;
use crate::scenario::Starter;

/// How playing one part went: what it failed (if anything), and where the operator went.
type Played = anyhow::Result<(Option<String>, Leave)>;

/// Plays the parts in one terminal, from the first, until the operator quits.
pub async fn scenario(parts: Vec<(Script, Stage)>, starter: Starter, base: Session) -> anyhow::Result<()> {
    let mut terminal = terminal::open(base.screen.mouse)?;
    terminal::restore_only_for_the_consoles_own_panics();
    let theme = super::theme(base.screen);
    let mut failed: Vec<Option<String>> = vec![None; parts.len()];
    let (mut index, mut at_last_section) = (0, false);
    let ended = loop {
        let place = Place { previous: index > 0, next: index + 1 < parts.len(), at_last_section };
        let (script, stage) = &parts[index];
        let first_line = script.steps.first().map_or(1, |step| step.line);
        let greeting = format!("part {} of {}: {} from line {first_line}", index + 1, parts.len(), script.name);
        let played = match stage {
            Stage::Live(topology) => {
                let session = Session {
                    places_source: base.places_source.clone(),
                    trace: Arc::new(Trace::default()),
                    trace_path: None,
                    log_dir: base.log_dir.clone(),
                    scenario: Some(script.clone()),
                    present: base.present,
                    classroom_url: None,
                    greeting: Some(greeting),
                    screen: base.screen,
                };
                live(&mut terminal, &theme, (topology, &starter), session, place).await
            }
            Stage::Recorded(recording) => recorded(&mut terminal, &theme, recording, script, place, greeting).await,
        };
        match played {
            Err(error) => break Err(error),
            Ok((failure, leave)) => {
                failed[index] = failure;
                match leave {
                    Leave::Quit => break Ok(()),
                    Leave::Cross(Cross::Next) => (index, at_last_section) = (index + 1, false),
                    Leave::Cross(Cross::Previous) => (index, at_last_section) = (index - 1, true),
                }
            }
        }
    };
    terminal::close();
    ended?;
    let failures: Vec<String> = failed.into_iter().flatten().collect();
    if failures.is_empty() { Ok(()) } else { Err(anyhow::anyhow!("{}", failures.join("; "))) }
}

/// One live part: its herd started, the console on it until the operator leaves the part, the
/// herd shut down.
async fn live(
    terminal: &mut ratatui::DefaultTerminal,
    theme: &Theme,
    (topology, starter): (&Arc<herdctl_core::Topology>, &Starter),
    session: Session,
    place: Place,
) -> Played {
    let (herd, events) = starter.start(topology.clone(), Some(session.trace.recorder().clone()))?;
    let mut state = UiState::default();
    let mut live = Live::start_part(herd.clone(), events, session, place, &mut state);
    let ended = driver::drive(terminal, &mut live, &mut state, theme).await;
    let failure = live.finish(Ok(())).await.err().map(|error| error.to_string());
    herd.shutdown().await;
    Ok((failure, ended?))
}

/// One replayed part: the console on its recording until the operator leaves the part.
async fn recorded(
    terminal: &mut ratatui::DefaultTerminal,
    theme: &Theme,
    recording: &Arc<herdctl_teach::replay::Recording>,
    script: &Script,
    place: Place,
    greeting: String,
) -> Played {
    let timeline = herdctl_teach::replay::Timeline::new(recording.clone());
    let mut state = UiState::default();
    let mut stage = Recorded::start_part(timeline, std::time::Duration::ZERO, Some(script.clone()), place, &mut state);
    state.tell(Feedback::Done(greeting));
    let leave = loop {
        match driver::drive(terminal, &mut stage, &mut state, theme).await? {
            Left::Quit => break Leave::Quit,
            Left::Cross(cross) => break Leave::Cross(cross),
            // A herd from a moment would be one more herd beside the scenario's.
            Left::GoLive(_) => state.tell(Feedback::Error(
                "in a scenario a recorded moment does not go live: herdctl replay FILE, then L, does".into(),
            )),
        }
    };
    let failure = stage.finish(Ok(Left::Quit)).err().map(|error| error.to_string());
    Ok((failure, leave))
}
