//! Carrying out the operator's commands on a herd: the one path that the console's command line
//! and walkthrough scripts both take. Client commands go over real TCP, exactly as a client's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::command::Command;
use crate::expectation::EXPECT_WITHIN;
pub use crate::outcome::Outcome;
use herdctl_core::event::EventKind;
use herdctl_core::herd::{Herd, HerdError};
use herdctl_core::network::{Fate, Held, Mode};
use herdctl_core::protocol::Timestamp;

/// Longer than the places timeout, so that a slow WHATSAT still gets its failure document.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Carries out `command`; raw lines go to `default_node`.
pub async fn execute(herd: &Herd, command: &Command, default_node: &str) -> Outcome {
    // Conducted (a walkthrough plays), each command starts from a quiet herd: what the last one
    // set off has landed, so that what this one finds is the same on every run.
    settle(herd).await;
    let outcome = carry_out(herd, command, default_node).await;
    // Done means done everywhere: an attached node has taken the change too (a cut is cut at
    // both ends, step mode holds at every node) before the next command or check.
    herd.steered().await;
    match outcome {
        Outcome::Done(text) => Outcome::Done(seen(herd, command, text).await),
        outcome => outcome,
    }
}

/// How long a command waits for the herd to be quiet (what moves, landed) before it goes ahead.
pub const QUIET_WITHIN: Duration = Duration::from_secs(10);

/// Waits for the herd to be quiet, if it is conducted; a herd that does not come to rest in
/// `QUIET_WITHIN` (traffic from outside, say) is told and not waited for longer.
pub async fn settle(herd: &Herd) {
    if herd.is_conducted() && !herd.quiet(QUIET_WITHIN).await {
        let text = format!(
            "the herd did not come to rest within {} s ({} records still on their way): going on",
            QUIET_WITHIN.as_secs(),
            herd.in_motion()
        );
        herd.note_story(herdctl_core::event::EventKind::Warning { text: text.into() });
    }
}

/// How long a reset (or a walkthrough's start) waits for every link of the herd to come up.
pub const LINKED_WITHIN: Duration = Duration::from_secs(5);

/// How long a kill, revive, cut or heal may take to be seen at every link it changes.
pub const SEEN_WITHIN: Duration = Duration::from_secs(5);

/// Waits until the links a kill, revive, cut or heal changed show it at both of their ends
/// (after a kill its neighbours have seen their links go; after a revive or a heal both ends are
/// up and caught up), so that the next command, check or release finds the change made. Says
/// which ends did not follow within `SEEN_WITHIN`, rather than pretending they did.
async fn seen(herd: &Herd, command: &Command, text: String) -> String {
    let ends = match command {
        Command::Kill(node) | Command::Revive(node) => herd.ends_of(node),
        Command::Cut(a, b) | Command::Heal(a, b) | Command::CutOneWay(a, b) | Command::HealOneWay(a, b) => {
            let (Some(a), Some(b)) = (herd.topology().name(a), herd.topology().name(b)) else { return text };
            vec![(a.clone(), b.clone()), (b, a)]
        }
        _ => return text,
    };
    if herd.wait_settled(&ends, SEEN_WITHIN).await {
        return text;
    }
    let late: Vec<String> = herd.unsettled(&ends).iter().map(|(a, b)| format!("{a}→{b}")).collect();
    format!("{text} (not yet seen within {} s at {})", SEEN_WITHIN.as_secs(), late.join(", "))
}

async fn carry_out(herd: &Herd, command: &Command, default_node: &str) -> Outcome {
    let done = |result: Result<(), herdctl_core::herd::HerdError>, text: String| match result {
        Ok(()) => Outcome::Done(text),
        Err(error) => Outcome::Refused(error.to_string()),
    };
    match command {
        Command::Kill(node) => kill(herd, node).await,
        Command::Revive(node) => match herd.revive(node).await {
            Ok(()) if herd.catches_up(node) => Outcome::Done(format!("revived {node}: it relinks and catches up")),
            Ok(()) => Outcome::Done(format!("revived {node}: its process runs again and listens on its port")),
            Err(HerdError::NotAMember(_)) if herd.topology().node(node).is_some() => Outcome::Refused(format!(
                "{node} runs in another process: this console can revive only the nodes it runs or attaches to (--attach)"
            )),
            Err(HerdError::NotAMember(_)) => Outcome::unknown_node(herd.topology(), node),
            Err(error) => Outcome::Refused(error.to_string()),
        },
        Command::Cut(a, b) => done(herd.cut(a, b), format!("cut {a}–{b}")),
        Command::Heal(a, b) if herd.catches_up(a) && herd.catches_up(b) => {
            done(herd.heal(a, b), format!("healed {a}–{b}: both ends redial and catch up"))
        }
        Command::Heal(a, b) => done(herd.heal(a, b), format!("healed {a}–{b}: their connections pass again")),
        Command::CutOneWay(a, b) => done(
            herd.cut_one_way(a, b),
            format!("cut {a}>{b}: {a}'s messages to {b} are lost, {b}'s to {a} still arrive"),
        ),
        Command::HealOneWay(a, b) => {
            done(herd.heal_one_way(a, b), format!("healed {a}>{b}: {a} redials {b} and catches it up"))
        }
        Command::Latency(a, b, delay) => done(herd.set_delay(a, b, *delay), format!("latency {a}–{b}: {delay}")),
        Command::Loss(a, b, percent) => done(
            herd.set_loss(a, b, *percent),
            format!("{a}–{b} loses {percent}% of messages (seed {}: --seed replays which)", herd.network().seed()),
        ),
        // Every member holds its own transmissions: a followed node too, steered by set_mode.
        Command::Step(None) => {
            herd.set_mode(Mode::Step);
            Outcome::Done("step mode: every transmission waits to be released".into())
        }
        Command::Step(Some(count)) => step(herd, *count).await,
        Command::Slow(delay) => {
            herd.set_mode(Mode::Slow(*delay));
            Outcome::Done(format!("slow motion: every hop takes {}", humantime::format_duration(*delay)))
        }
        Command::Live => {
            herd.set_mode(Mode::Live);
            // Conducted, what was held goes in the conductor's order: done when it has landed.
            settle(herd).await;
            Outcome::Done("every transmission flows again; what was held is released".into())
        }
        // Scheduled work lives as long as the script that started it: a `Player` runs it.
        Command::At { .. } | Command::Every { .. } | Command::Calm => Outcome::Refused(
            "at, every and calm schedule faults in a walkthrough (--scenario FILE); here, do it when the time comes"
                .into(),
        ),
        Command::Strategy(strategy) => {
            herd.set_strategy(*strategy);
            Outcome::Done(format!("strategy {strategy}: new records go on by it from now"))
        }
        // The script's herd is chosen before it starts (main, the tests).
        Command::Shape(shape, nodes) if herd.topology().names().len() == *nodes => {
            Outcome::Done(format!("on a {shape} of {nodes} nodes"))
        }
        Command::Shape(..) | Command::Topology(_) => Outcome::Refused(
            "shape and topology choose a walkthrough's herd at a script's or a section's first line: herdctl \
             --scenario FILE starts that herd"
                .into(),
        ),
        Command::Replay(_) | Command::Travel(_) => Outcome::Refused(
            "replay, seek, back and forward move through a recorded session: herdctl replay FILE, or a walkthrough \
             that starts with replay FILE"
                .into(),
        ),
        Command::Wait(duration) => {
            tokio::time::sleep(*duration).await;
            Outcome::Done(format!("waited {}", humantime::format_duration(*duration)))
        }
        Command::Expect(expectation) => {
            let outcome = crate::expectation::check(herd, expectation).await;
            note_check(herd, &outcome);
            outcome
        }
        Command::Say(text) => {
            herd.note_story(herdctl_core::event::EventKind::Caption { text: text.as_str().into() });
            Outcome::Said(text.clone())
        }
        Command::Ask(text) => {
            herd.note_story(herdctl_core::event::EventKind::Caption { text: format!("Predict: {text}").into() });
            Outcome::Asked(text.clone())
        }
        Command::Note(text) => Outcome::Noted(text.clone()),
        Command::Section(title) => {
            herd.note_story(herdctl_core::event::EventKind::Section { title: title.as_str().into() });
            Outcome::Section(title.clone())
        }
        Command::Show { nodes, client } => Outcome::Show { nodes: nodes.clone(), client: client.clone() },
        Command::Highlight(path) => Outcome::path(path),
        Command::HighlightTree(root) => Outcome::tree(herd.topology(), root),
        Command::Track(client) => Outcome::Track(client.clone()),
        Command::Wave => match release_wave(herd).await.len() {
            0 => Outcome::Done("no message is held now: the wave had nothing to release".into()),
            1 => Outcome::Done("released the 1 held message".into()),
            count => Outcome::Done(format!("released a wave of {count} messages, in order")),
        },
        Command::Decide { fate, from, to, client } => decide(herd, *fate, from, to, client.as_deref()).await,
        Command::Reset => {
            herd.reset(LINKED_WITHIN).await;
            Outcome::Done("reset: every node restarted empty, every link healed, live".into())
        }
        Command::WhatsatAll { .. } => {
            let line = command.client_line(Timestamp::now()).unwrap_or_default();
            Outcome::Answers { answers: whatsat_all(herd, &line).await, line }
        }
        Command::Iamat { .. } | Command::Whatsat { .. } | Command::Send { .. } | Command::Raw(_) => {
            let node = command.node().unwrap_or(default_node).to_string();
            let addr = match client_addr(herd, &node).await {
                Ok(addr) => addr,
                Err(refusal) => return refusal,
            };
            let line = command.client_line(Timestamp::now()).unwrap_or_default();
            let reply = send(addr, &node, &line).await;
            Outcome::Reply { node, line, reply }
        }
    }
}

/// Where `node` takes clients: its own port when it runs here, else the address the topology
/// gives it (a herd split over several processes is still one herd to talk to).
async fn client_addr(herd: &Herd, node: &str) -> Result<SocketAddr, Outcome> {
    if let Ok(addr) = herd.client_addr(node) {
        return Ok(addr);
    }
    let Some(spec) = herd.topology().node(node) else {
        return Err(Outcome::unknown_node(herd.topology(), node));
    };
    let address = format!("{}:{}", spec.host, spec.port);
    match tokio::net::lookup_host(&address).await.map(|mut addrs| addrs.next()) {
        Ok(Some(addr)) => Ok(addr),
        _ => Err(Outcome::Refused(format!("cannot resolve {node}'s address {address}"))),
    }
}

/// Sends `line` to every server at once, the ones known to be down aside: each one's reply, or
/// why there was none (`send`'s sentences, bounded by `REPLY_TIMEOUT`), in the topology's order.
/// A node run elsewhere and not followed is asked at the topology's address.
async fn whatsat_all(herd: &Herd, line: &str) -> Vec<(String, String)> {
    let status = herd.status();
    let status = &status;
    let asked = herd.topology().names().iter().map(|name| async move {
        let down = status.iter().any(|node| node.name == *name && !node.up);
        let reply = if down {
            format!("({name} is down: not asked)")
        } else {
            match client_addr(herd, name).await {
                Ok(addr) => send(addr, name, line).await,
                Err(Outcome::Refused(why)) => format!("({why})"),
                Err(_) => format!("({name} cannot be reached)"),
            }
        };
        (name.to_string(), reply)
    });
    futures_util::future::join_all(asked).await
}

/// Tells the herd's readers (the flow, a trace) what an expectation found, beside the messages.
pub fn note_check(herd: &Herd, outcome: &Outcome) {
    if let Outcome::Checked { held, text } = outcome {
        herd.note_story(herdctl_core::event::EventKind::Checked { held: *held, text: text.as_str().into() });
    }
}

/// Kills a node, saying what it took with it: step mode's held transmissions from or to it are
/// lost with its links (catch-up will carry their records when it returns).
async fn kill(herd: &Herd, node: &str) -> Outcome {
    if herd.topology().node(node).is_none() {
        return Outcome::unknown_node(herd.topology(), node);
    }
    let lost = herd.held().iter().filter(|h| &*h.from == node || &*h.to == node).count();
    match herd.kill(node).await {
        Ok(()) if lost > 0 => {
            let lost = if lost == 1 { "1 held message was".to_string() } else { format!("{lost} held messages were") };
            Outcome::Done(format!("killed {node}: its ports refuse connections; {lost} lost with its links"))
        }
        Ok(()) => Outcome::Done(format!("killed {node}: its ports refuse connections")),
        Err(HerdError::NotAMember(_)) => Outcome::Refused(format!(
            "{node} runs in another process: this console can kill only the nodes it runs or attaches to (--attach)"
        )),
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// How long a released transmission may take to reach its receiver before the next goes anyway.
const DELIVERY: Duration = Duration::from_secs(1);

/// Waits until what moves between the nodes has come to rest, held transmissions aside: then
/// the held ones are all there is to release, and the order they go in is the same on every run.
/// Nodes followed elsewhere are not seen moving; their holds are waited for by count (`step`).
async fn at_rest(herd: &Herd) {
    let _ = herd.quiet(QUIET_WITHIN).await;
}

/// Releases `count` held transmissions: waits (at most `EXPECT_WITHIN`) until that many are held,
/// then releases them in release order, each once the one before has landed, so that what
/// arrives first, and so which copy is a duplicate, is the same on every run.
async fn step(herd: &Herd, count: usize) -> Outcome {
    herd.set_mode(Mode::Step);
    at_rest(herd).await;
    let mut changes = herd.network().watch();
    // Followed nodes tell what they hold in their reports.
    let mut reports = herd.member_news();
    let deadline = tokio::time::Instant::now() + EXPECT_WITHIN;
    while herd.held().len() < count {
        let news = async {
            tokio::select! {
                _ = changes.changed() => {}
                _ = reports.changed() => {}
            }
        };
        if tokio::time::timeout_at(deadline, news).await.is_err() {
            break;
        }
    }
    let mut released = Vec::new();
    while released.len() < count {
        // The next in release order among what is held now: a release can hold more, earlier
        // in that order (a shorter path), and those go first.
        let Some(next) = herd.held().into_iter().min_by(|a, b| a.order().cmp(&b.order())) else { break };
        if let Some(gone) = let_go(herd, &next, Fate::Deliver).await {
            released.push(gone.to_string());
        }
    }
    let list = if released.is_empty() { "nothing was waiting".to_string() } else { released.join(", ") };
    Outcome::Done(format!("released {} of {count}: {list}", released.len()))
}

/// Releases the wave: every transmission held now at the lowest hop held, in release order, each
/// once the one before has landed. What they set off is held for the next wave.
pub async fn release_wave(herd: &Herd) -> Vec<String> {
    at_rest(herd).await;
    let mut wave = herd.held();
    let Some(hop) = wave.iter().map(|held| held.hops).min() else { return Vec::new() };
    wave.retain(|held| held.hops == hop);
    wave.sort_by(|a, b| a.order().cmp(&b.order()));
    let mut released = Vec::new();
    for held in wave {
        if let Some(gone) = let_go(herd, &held, Fate::Deliver).await {
            released.push(gone.to_string());
        }
    }
    released
}

/// Gives `held` its fate, and waits until it has landed (arrived, twice, or been dropped) and
/// what it set off has come to rest; `None` when it went before.
async fn let_go(herd: &Herd, held: &Held, fate: Fate) -> Option<Held> {
    let events = herd.subscribe();
    let gone = herd.decide(held.id, fate)?;
    landed(events, held, fate).await;
    at_rest(herd).await;
    Some(gone)
}

/// Gives the first held transmission from `from` to `to` (of `client`'s record, if named) its
/// fate, and waits (at most `DELIVERY`) until it has landed: arrived, arrived twice, or been
/// dropped, so that what a walkthrough checks next is already so.
async fn decide(herd: &Herd, fate: Fate, from: &str, to: &str, client: Option<&str>) -> Outcome {
    for node in [from, to] {
        if herd.topology().node(node).is_none() {
            return Outcome::unknown_node(herd.topology(), node);
        }
    }
    let verb = fate.verb();
    if herd.network().mode() != Mode::Step {
        return Outcome::Refused(format!("{verb} acts on a held message: switch to step mode first (step)"));
    }
    at_rest(herd).await;
    let Some(held) = herd.find_held(from, to, client) else {
        let what = client.map(|client| format!(" for {client}")).unwrap_or_default();
        return Outcome::Refused(format!("nothing is held from {from} to {to}{what}"));
    };
    match let_go(herd, &held, fate).await {
        Some(_) => Outcome::Done(format!("{} {held}", fate.done())),
        None => Outcome::Refused(format!("{held} went before it could be {}", fate.done())),
    }
}

/// Waits (at most `DELIVERY`) until the events say `held` landed as `fate` says (a node followed
/// elsewhere is seen by its events alone).
async fn landed(mut events: tokio::sync::broadcast::Receiver<Arc<herdctl_core::HerdEvent>>, held: &Held, fate: Fate) {
    let mut arrivals_left = if fate == Fate::Duplicate { 2 } else { 1 };
    let landed = async {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let ours = |from: &str, to: &str, client: &str| {
                        from == &*held.from && to == &*held.to && client == &*held.client
                    };
                    let counts = match &event.kind {
                        EventKind::FloodReceived { from, record, .. } => ours(from, &event.node, record.client()),
                        EventKind::FloodDropped { to, record, .. } => ours(&event.node, to, record.client()),
                        _ => false,
                    };
                    if counts {
                        arrivals_left -= 1;
                        if arrivals_left == 0 {
                            return;
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            }
        }
    };
    let _ = tokio::time::timeout(DELIVERY, landed).await;
}

/// The reply to `line`, or a sentence saying why there is none.
pub async fn send(addr: SocketAddr, node: &str, line: &str) -> String {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        stream.shutdown().await?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&reply).into_owned())
    };
    match tokio::time::timeout(REPLY_TIMEOUT, exchange).await {
        Ok(Ok(reply)) if reply.is_empty() => format!("({node} closed the connection without a reply)"),
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("({node} refused the connection: it is down)")
        }
        Ok(Err(error)) => format!("({node}: {error})"),
        Err(_) => format!("({node} did not answer within {} s)", REPLY_TIMEOUT.as_secs()),
    }
}
