//! The console driver: terminal events and herd events in, one frame out; the operator's
//! intents carried out on the herd. The only place that knows both the engine and `ui`.
//!
//! Drawing is decoupled from the nodes: all pending events are drained, then one frame is drawn,
//! at most `FRAME` apart and only when something changed, so an idle console costs nothing.

mod client;
mod model;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use herdctl::command::Command;
use herdctl::protocol::Timestamp;
use herdctl::{Herd, HerdEvent};
use herdctl_ui::{Intent, Theme, UiState};
use tokio::sync::{broadcast, mpsc};

use model::Model;

/// At most ~30 frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// How often the screen is refreshed while something moves (lit links, the rate figure).
const ANIMATION: Duration = Duration::from_millis(100);

/// A reply to a command typed by the operator.
struct Reply {
    node: String,
    command: String,
    text: String,
}

/// Runs the console until the operator quits. The terminal is restored on every way out,
/// panics included (ratatui's `init` installs the hook).
pub async fn run(herd: Herd, places_source: &str) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = drive(&mut terminal, &herd, places_source).await;
    ratatui::restore();
    herd.shutdown().await;
    result
}

async fn drive(terminal: &mut ratatui::DefaultTerminal, herd: &Herd, places_source: &str) -> anyhow::Result<()> {
    let theme = Theme::from_env();
    let mut state = UiState::default();
    let mut model = Model::new(herd.topology(), places_source);
    let mut events = herd.subscribe();
    let mut keys = EventStream::new();
    let (reply_sender, mut replies) = mpsc::unbounded_channel::<Reply>();
    let mut view = model.view(herd, state.selected, Instant::now());
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    loop {
        let now = Instant::now();
        if dirty && now >= last_frame + FRAME {
            view = model.view(herd, state.selected, now);
            terminal.draw(|frame| herdctl_ui::render(frame, &view, &state, &theme))?;
            last_frame = now;
            dirty = false;
        }
        let animating = model.animating(now) || view.stats.messages_per_second > 0;
        tokio::select! {
            key = keys.next() => match key {
                Some(Ok(Event::Key(key))) => {
                    let intent = state.handle_key(key, &view);
                    dirty = true;
                    match intent {
                        Some(Intent::Quit) => return Ok(()),
                        Some(intent) => carry_out(intent, herd, &mut state, &mut model, &reply_sender).await,
                        None => {}
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Ok(()),
            },
            event = events.recv() => {
                take(event, &mut model);
                // Drain whatever else is waiting, then draw once.
                loop {
                    match events.try_recv() {
                        Ok(event) => model.apply(&event),
                        Err(broadcast::error::TryRecvError::Lagged(count)) => model.dropped(count),
                        Err(_) => break,
                    }
                }
                dirty = true;
            }
            Some(reply) = replies.recv() => {
                model.note(format!("{} answered {}", reply.node, reply.command));
                state.reply_arrived(reply.text);
                dirty = true;
            }
            _ = tokio::time::sleep_until((last_frame + FRAME).into()), if dirty => {}
            _ = tokio::time::sleep(ANIMATION), if animating => {
                model.tick(Instant::now());
                dirty = true;
            }
        }
        dirty |= model.tick(Instant::now());
    }
}

fn take(event: Result<Arc<HerdEvent>, broadcast::error::RecvError>, model: &mut Model) {
    match event {
        Ok(event) => model.apply(&event),
        Err(broadcast::error::RecvError::Lagged(count)) => model.dropped(count),
        Err(broadcast::error::RecvError::Closed) => {}
    }
}

async fn carry_out(
    intent: Intent,
    herd: &Herd,
    state: &mut UiState,
    model: &mut Model,
    replies: &mpsc::UnboundedSender<Reply>,
) {
    let outcome = match intent {
        Intent::Quit => return,
        Intent::Kill(node) => herd.kill(&node).await.map(|()| format!("killed {node}: its ports refuse connections")),
        Intent::Revive(node) => herd.revive(&node).map(|()| format!("revived {node}: it relinks and catches up")),
        Intent::Submit { node, text } => {
            state.notice = Some(submit(&text, &node, herd, state, replies).await);
            return;
        }
    };
    let notice = outcome.unwrap_or_else(|error| error.to_string());
    model.note(notice.clone());
    state.notice = Some(notice);
}

/// Carries out a typed command; returns what to tell the operator.
async fn submit(
    text: &str,
    selected: &str,
    herd: &Herd,
    state: &mut UiState,
    replies: &mpsc::UnboundedSender<Reply>,
) -> String {
    let command = match Command::parse(text) {
        Ok(command) => command,
        Err(usage) => return usage,
    };
    let node = command.node().unwrap_or(selected).to_string();
    let Ok(addr) = herd.client_addr(&node) else {
        let names: Vec<String> = herd.topology().names().iter().map(|n| n.to_string()).collect();
        return format!("unknown node {node:?}; the nodes are {}", names.join(", "));
    };
    let line = match (&command, command.client_line(Timestamp::now())) {
        (Command::Kill(_), _) => {
            return herd.kill(&node).await.map_or_else(|e| e.to_string(), |()| format!("killed {node}"));
        }
        (Command::Revive(_), _) => {
            return herd.revive(&node).map_or_else(|e| e.to_string(), |()| format!("revived {node}"));
        }
        (_, Some(line)) => line,
        (_, None) => return String::new(),
    };
    state.command_sent(&node, &line);
    let replies = replies.clone();
    tokio::spawn(async move {
        let text = client::send(addr, &node, &line).await;
        let _ = replies.send(Reply { node, command: line, text });
    });
    format!("sent to {}", state.reply.as_ref().map_or("", |r| r.node.as_str()))
}
