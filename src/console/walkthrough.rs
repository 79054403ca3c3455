//! A walkthrough played in the console: each step carried out in turn, its outcome shown, a
//! pause at every caption (`say`, `ask`) until the operator continues, and the way back: to the
//! previous caption, the start of a section, the next section. Going back replays the story on a
//! reset herd up to that point, so what the class sees is what the script does, every time.
//! At the end a summary; the report decides the console's exit status, as it does headless.

use std::future::Future;
use std::sync::{Arc, Mutex};

use herdctl_core::Herd;
use herdctl_teach::command::Command;
use herdctl_teach::operator::Outcome;
use herdctl_teach::script::{Player, Report, Script};
use herdctl_ui::Caption;
use herdctl_ui::intent::StoryMove;
use tokio::sync::mpsc;

/// What the story may have told and the console not yet taken in: past this, the story waits.
const TOLD_WAITING: usize = 64;
/// Moves asked for and not yet taken up (the story is busy replaying): past this, refused.
const MOVES_WAITING: usize = 8;

/// A move out of this part of a scenario, into the one before or after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cross {
    Previous,
    Next,
}

/// Where a part of a scenario stands among the others, and where it is entered.
#[derive(Clone, Copy, Debug, Default)]
pub struct Place {
    /// Whether a part comes before it.
    pub previous: bool,
    /// Whether a part comes after it.
    pub next: bool,
    /// Entered backwards (`[` from the part after): at its last section, not at its start.
    pub at_last_section: bool,
}

impl Place {
    /// The caption that ends the part: its summary, and where the story goes from here.
    pub(super) fn summary(&self, report: &Report, quits: &str) -> String {
        match report.failures.first() {
            Some(first) => format!("The walkthrough is over: {}. First failure: {first}", report.summary()),
            None if self.next => format!(
                "This part is over: {}. {} goes on to the next part.",
                report.summary(),
                herdctl_ui::keys::label_of(StoryMove::Continue)
            ),
            None => format!("The walkthrough is over: {}. {quits}", report.summary()),
        }
    }
}

/// What the walkthrough tells the console.
pub enum Told {
    /// What a step came to.
    Outcome(Outcome),
    /// A caption to pause at.
    Caption(Caption),
    /// The story is being replayed up to an earlier point: clear what is on screen.
    Replaying(String),
    /// The summary after the last step: how many expectations held and failed, and how to replay
    /// or quit. It stays until the operator goes back.
    End(Caption),
    /// The operator moved out of this part of the scenario.
    Cross(Cross),
}

pub struct Walkthrough {
    moves: mpsc::Sender<StoryMove>,
    told: mpsc::Receiver<Told>,
    report: Arc<Mutex<Report>>,
    name: String,
}

/// The script's shape: where its pauses and sections are (shared with a replay's walkthrough).
pub(super) struct Map {
    /// Step indices of the captions (`say`, `ask`), in order.
    pub(super) pauses: Vec<usize>,
    /// Step indices of the sections, and their titles.
    sections: Vec<(usize, String)>,
    /// How many steps the script has: a move from here is from its summary, after the last.
    steps: usize,
}

impl Map {
    pub(super) fn of(script: &Script) -> Self {
        let mut pauses = Vec::new();
        let mut sections = Vec::new();
        for (i, step) in script.steps.iter().enumerate() {
            match &step.command {
                Command::Say(_) | Command::Ask(_) => pauses.push(i),
                Command::Section(title) => sections.push((i, title.clone())),
                _ => {}
            }
        }
        Self { pauses, sections, steps: script.steps.len() }
    }

    /// The summary shown after the last step, from the report so far (and, for a live herd, what
    /// scheduled work missed): what held, what failed, and how to replay or quit.
    pub(super) fn end(&self, report: &Report, also: &str) -> Caption {
        use herdctl_ui::Intent;
        use herdctl_ui::keys::label_of;
        let first = report.failures.first().map(|first| format!(" First failure: {first}.")).unwrap_or_default();
        let text = format!(
            "The walkthrough is over: {}.{first} {} replays it from the start, {} back to the last caption{also}, {} quits.",
            report.summary(),
            label_of(StoryMove::PreviousSection),
            label_of(StoryMove::Back),
            label_of(Intent::Quit)
        );
        let pauses = self.pauses.len();
        Caption { text, step: pauses, steps: pauses, ..Caption::default() }
    }

    /// Why a move from the caption at step `at` goes nowhere.
    pub(super) fn why_not(&self, at: usize, to: StoryMove) -> String {
        use herdctl_ui::keys::label_of;
        match to {
            StoryMove::Back if at >= self.steps => "no caption to go back to: the walkthrough has none".into(),
            StoryMove::Back => {
                format!("this is the first caption: {} goes on", label_of(StoryMove::Continue))
            }
            StoryMove::NextSection => {
                format!("no section after this one: {} goes on to the end", label_of(StoryMove::Continue))
            }
            StoryMove::PreviousSection | StoryMove::Continue => "the walkthrough is over".into(),
        }
    }

    /// The section that step `at` belongs to.
    pub(super) fn section(&self, at: usize) -> Option<&(usize, String)> {
        self.sections.iter().rev().find(|(start, _)| *start <= at)
    }

    /// Where the last section starts (the start, without sections): where `[` from the next
    /// part enters.
    pub(super) fn last_section(&self) -> usize {
        self.sections.last().map_or(0, |(start, _)| *start)
    }

    /// Whether a move from the caption at step `at` leaves the part: `]` past its last section,
    /// `[` before its first, when `place` has a part there.
    pub(super) fn crossing(&self, at: usize, to: StoryMove, place: &Place) -> Option<Cross> {
        match to {
            StoryMove::NextSection if place.next && !self.sections.iter().any(|(start, _)| *start > at) => {
                Some(Cross::Next)
            }
            StoryMove::PreviousSection if place.previous => {
                let here = self.section(at).map_or(0, |(start, _)| *start);
                let first_caption = self.pauses.iter().find(|&&p| p > here).copied();
                let leaving = first_caption == Some(at) || here == at;
                (leaving && !self.sections.iter().any(|(start, _)| *start < here)).then_some(Cross::Previous)
            }
            _ => None,
        }
    }

    /// Where a move from the caption at step `at` goes (a step index to replay up to).
    pub(super) fn target(&self, at: usize, to: StoryMove) -> Option<usize> {
        match to {
            StoryMove::Continue => None,
            // From the summary after the last step: the whole story again, from its start.
            StoryMove::PreviousSection if at >= self.steps => Some(0),
            StoryMove::Back => self.pauses.iter().rev().find(|&&p| p < at).copied(),
            StoryMove::NextSection => self.sections.iter().find(|(start, _)| *start > at).map(|(start, _)| *start),
            StoryMove::PreviousSection => {
                let here = self.section(at).map_or(0, |(start, _)| *start);
                // At the section's first caption already: the section before.
                let first_caption = self.pauses.iter().find(|&&p| p > here).copied();
                if first_caption == Some(at) || here == at {
                    Some(self.sections.iter().rev().find(|(start, _)| *start < here).map_or(0, |(start, _)| *start))
                } else {
                    Some(here)
                }
            }
        }
    }
}

/// A walkthrough being told: the script, where its captions are, and what it has found so far.
struct Story {
    herd: Arc<Herd>,
    script: Script,
    map: Map,
    player: Player,
    report: Arc<Mutex<Report>>,
    told: mpsc::Sender<Told>,
    place: Place,
}

impl Story {
    fn count(&self, step: &herdctl_teach::script::Step, outcome: &Outcome) {
        self.report.lock().unwrap_or_else(|p| p.into_inner()).count(&self.script.name, step, outcome);
    }

    /// Plays from step `next` to the next caption and shows it; returns the caption's step, or
    /// `None` at the end of the script (having shown the summary), or `Err` when the console is
    /// gone.
    async fn run_to_caption(&mut self, next: &mut usize) -> Result<Option<usize>, ()> {
        while *next < self.script.steps.len() {
            let at = *next;
            *next += 1;
            let step = self.script.steps[at].clone();
            let outcome = self.player.play(&self.herd, &step).await;
            self.count(&step, &outcome);
            self.tell_scheduled().await?;
            let message = match outcome {
                Outcome::Said(text) | Outcome::Asked(text) => Told::Caption(self.caption(at, text)),
                outcome => Told::Outcome(outcome),
            };
            let caption = matches!(message, Told::Caption(_));
            self.told.send(message).await.map_err(|_| ())?;
            if caption {
                return Ok(Some(at));
            }
        }
        let finished = self.player.finish().await;
        self.show_scheduled(finished).await?;
        let report = self.report.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // The summary: what held and failed, and (with a part after this one) how to go on to it.
        // A part with one after it ends on a caption that c goes on from (to the next part);
        // the last ends on the summary, which stays.
        let end = match self.place.next {
            true => {
                let pauses = self.map.pauses.len();
                let text = self.place.summary(&report, "");
                Told::Caption(Caption { text, step: pauses, steps: pauses, ..Caption::default() })
            }
            false => Told::End(self.map.end(&report, "")),
        };
        self.told.send(end).await.map_err(|_| ())?;
        Ok(None)
    }

    /// Shows what the script's scheduled faults did since the last step.
    async fn tell_scheduled(&mut self) -> Result<(), ()> {
        let told = self.player.told();
        self.show_scheduled(told).await
    }

    /// Shows scheduled work's news; a missed `at` counts as a failure, as it does headless.
    async fn show_scheduled(&self, told: Vec<herdctl_teach::schedule::Told>) -> Result<(), ()> {
        for told in told {
            let outcome = match told {
                herdctl_teach::schedule::Told::Did(text) => Outcome::Done(format!("⏱ {text}")),
                herdctl_teach::schedule::Told::Missed(text) => {
                    let text = format!("{text}: its time never came (the script ended first)");
                    self.report
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .failures
                        .push(format!("{}: {text}", self.script.name));
                    Outcome::Refused(text)
                }
            };
            self.told.send(Told::Outcome(outcome)).await.map_err(|_| ())?;
        }
        Ok(())
    }

    /// The caption said at step `at`, with where the story is.
    fn caption(&self, at: usize, text: String) -> Caption {
        Caption {
            text,
            step: self.map.pauses.iter().position(|&p| p == at).map_or(0, |i| i + 1),
            steps: self.map.pauses.len(),
            section: self.map.section(at).map(|(_, title)| title.clone()),
            question: matches!(self.script.steps[at].command, Command::Ask(_)),
        }
    }

    /// Back (or on) to step `target`: a clean herd, and the story replayed up to it without
    /// pauses; what shapes the screen is applied, captions passed over are not shown.
    async fn replay_to(&mut self, target: usize) {
        let text = format!("replaying {} up to line {}…", self.script.name, self.script.steps[target].line);
        let _ = self.told.send(Told::Replaying(text)).await;
        // The nemeses stop first, so that none acts on the herd being reset.
        self.player.forget().await;
        self.herd.reset(herdctl_teach::operator::LINKED_WITHIN).await;
        *self.report.lock().unwrap_or_else(|p| p.into_inner()) = Report::default();
        for at in 0..target {
            let step = self.script.steps[at].clone();
            let outcome = self.player.play(&self.herd, &step).await;
            self.count(&step, &outcome);
            if matches!(outcome, Outcome::Show { .. } | Outcome::Highlight(_) | Outcome::Track(_) | Outcome::Section(_))
            {
                let _ = self.told.send(Told::Outcome(outcome)).await;
            }
        }
    }

    /// Tells the whole story, moving as the operator asks, until the console goes.
    async fn tell(mut self, mut moved: mpsc::Receiver<StoryMove>) {
        self.herd.wait_linked(herdctl_teach::operator::LINKED_WITHIN).await;
        let (steps, captions) = (self.script.steps.len(), self.map.pauses.len());
        let greeting = format!("walkthrough {}: {steps} steps, {captions} captions", self.script.name);
        let _ = self.told.send(Told::Outcome(Outcome::Done(greeting))).await;
        let mut next = 0;
        if self.place.at_last_section && self.map.last_section() > 0 {
            next = self.map.last_section();
            self.replay_to(next).await;
        }
        loop {
            let Ok(paused_at) = self.run_to_caption(&mut next).await else { return };
            let at = paused_at.unwrap_or(steps);
            // Wait for the operator: on (from the last caption, to the summary), somewhere else in
            // the story, or out of this part; a move that goes nowhere says why.
            let target = loop {
                let to = match moved.recv().await {
                    None => return,
                    Some(to) => to,
                };
                let crossing = match to {
                    StoryMove::Continue if at >= steps && self.place.next => Some(Cross::Next),
                    to => self.map.crossing(at, to, &self.place),
                };
                if let Some(cross) = crossing {
                    if self.told.send(Told::Cross(cross)).await.is_err() {
                        return;
                    }
                    continue;
                }
                match to {
                    StoryMove::Continue if paused_at.is_some() => break None,
                    StoryMove::Continue => {}
                    to => match self.map.target(at, to) {
                        Some(target) => break Some(target),
                        None => {
                            let why = Told::Outcome(Outcome::Refused(self.map.why_not(at, to)));
                            if self.told.send(why).await.is_err() {
                                return;
                            }
                        }
                    },
                }
            };
            if let Some(target) = target {
                self.replay_to(target).await;
                next = target;
            }
        }
    }
}

impl Walkthrough {
    /// The walkthrough of `script` on `herd` (a part of a scenario standing at `place` among
    /// the others), and the telling of it: a task for the caller to run (and stop, when the
    /// console ends).
    pub fn start_part(
        herd: Arc<Herd>,
        script: Script,
        place: Place,
    ) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (moves, moved) = mpsc::channel(MOVES_WAITING);
        let (teller, told) = mpsc::channel(TOLD_WAITING);
        let report = Arc::new(Mutex::new(Report::default()));
        let name = script.name.clone();
        let player = Player::new(&herd);
        let story = Story { herd, map: Map::of(&script), script, player, report: report.clone(), told: teller, place };
        (Self { moves, told, report, name }, story.tell(moved))
    }

    /// The operator wants the story to move; `false` when too many moves wait already.
    pub fn go(&self, to: StoryMove) -> bool {
        self.moves.try_send(to).is_ok()
    }

    /// What the story tells next (`None` once it ended).
    pub async fn told(&mut self) -> Option<Told> {
        self.told.recv().await
    }

    /// How the walkthrough went so far (all of it, once it is over).
    pub fn report(&self) -> Report {
        self.report.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use herdctl_core::key::HerdKey;
    use herdctl_core::places::NoPlaces;
    use herdctl_core::{HerdOptions, Topology};

    use super::*;

    fn script(text: &str) -> Script {
        Script::parse(text, "t").unwrap()
    }

    /// The next caption the walkthrough shows, skipping other messages.
    async fn caption(walkthrough: &mut Walkthrough) -> Caption {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(Told::Caption(caption) | Told::End(caption)) = walkthrough.told().await {
                    return caption;
                }
            }
        })
        .await
        .expect("a caption")
    }

    #[tokio::test]
    async fn going_back_replays_the_story_on_a_clean_herd() {
        let topology = Arc::new(Topology::built_in().on_free_ports());
        let names = topology.names().to_vec();
        let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
        let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
        let text = "section Before\nsay One.\nsection Kiwi\niamat Riley kiwi +1+1\nsay Two.\nkill Juzang\nask Three?\n";
        let (mut walkthrough, telling) = Walkthrough::start_part(herd.clone(), script(text), Place::default());
        let telling = tokio::spawn(telling);
        let one = caption(&mut walkthrough).await;
        assert_eq!((one.text.as_str(), one.step, one.steps, one.section.as_deref()), ("One.", 1, 3, Some("Before")));
        assert!(walkthrough.go(StoryMove::Continue));
        let two = caption(&mut walkthrough).await;
        assert_eq!((two.step, two.section.as_deref()), (2, Some("Kiwi")));
        assert!(walkthrough.go(StoryMove::Continue));
        let three = caption(&mut walkthrough).await;
        assert!(three.question && three.step == 3);
        assert!(herd.status().iter().any(|n| &*n.name == "Juzang" && !n.up));

        // Back to caption two: the herd is reset and replayed up to it (Juzang alive again,
        // kiwi known again).
        assert!(walkthrough.go(StoryMove::Back));
        let again = caption(&mut walkthrough).await;
        assert_eq!((again.text.as_str(), again.step), ("Two.", 2));
        assert!(herd.status().iter().all(|n| n.up), "the kill after caption two is not replayed");
        assert!(herd.knows("Riley", "kiwi"), "what came before caption two is");

        // To the start of the walkthrough's first section, and forward by a section.
        assert!(walkthrough.go(StoryMove::PreviousSection));
        assert_eq!(caption(&mut walkthrough).await.step, 1);
        assert!(!herd.knows("Riley", "kiwi"), "a clean herd");
        assert!(walkthrough.go(StoryMove::NextSection));
        assert_eq!(caption(&mut walkthrough).await.step, 2);
        assert!(walkthrough.report().passed());
        telling.abort();
        let _ = telling.await;
        herd.shutdown().await;
    }

    /// The next refusal the walkthrough tells, skipping other messages.
    async fn refusal(walkthrough: &mut Walkthrough) -> String {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(Told::Outcome(Outcome::Refused(why))) = walkthrough.told().await {
                    return why;
                }
            }
        })
        .await
        .expect("a refusal")
    }

    #[tokio::test]
    async fn the_last_caption_leads_to_a_sum_that_offers_a_replay_or_quit() {
        let topology = Arc::new(Topology::built_in().on_free_ports());
        let names = topology.names().to_vec();
        let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
        let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
        let text = "say One.\nexpect Riley lacks kiwi\nsay Two.\n";
        let (mut walkthrough, telling) = Walkthrough::start_part(herd.clone(), script(text), Place::default());
        let telling = tokio::spawn(telling);
        assert_eq!(caption(&mut walkthrough).await.text, "One.");
        // Back from the first caption goes nowhere, and says so.
        assert!(walkthrough.go(StoryMove::Back));
        assert!(refusal(&mut walkthrough).await.starts_with("this is the first caption"));
        assert!(walkthrough.go(StoryMove::Continue));
        assert_eq!(caption(&mut walkthrough).await.text, "Two.");
        // On from the last caption: the sum, not a silent end.
        assert!(walkthrough.go(StoryMove::Continue));
        let end = caption(&mut walkthrough).await;
        assert_eq!(
            end.text,
            "The walkthrough is over: 1 expectation held, 0 failed. [ replays it from the start, b back to the last \
             caption, q quits."
        );
        // [ from the sum: the story again from its start.
        assert!(walkthrough.go(StoryMove::PreviousSection));
        assert_eq!(caption(&mut walkthrough).await.text, "One.");
        telling.abort();
        let _ = telling.await;
        herd.shutdown().await;
    }

    #[test]
    fn moves_find_their_captions_and_sections() {
        // 0 section A, 1 say a1, 2 kill, 3 say a2, 4 section B, 5 say b1, 6 say b2
        let map = Map::of(&script("section A\nsay a1\nkill Juzang\nsay a2\nsection B\nsay b1\nask b2\n"));
        assert_eq!(map.pauses, [1, 3, 5, 6]);
        assert_eq!(map.target(3, StoryMove::Back), Some(1), "back to the caption before");
        assert_eq!(map.target(1, StoryMove::Back), None, "nothing before the first");
        assert_eq!(map.target(6, StoryMove::PreviousSection), Some(4), "to the start of this section");
        assert_eq!(map.target(5, StoryMove::PreviousSection), Some(0), "at its first caption: the section before");
        assert_eq!(map.target(1, StoryMove::NextSection), Some(4));
        assert_eq!(map.target(6, StoryMove::NextSection), None, "no section after the last");
        assert_eq!(map.target(7, StoryMove::PreviousSection), Some(0), "from the sum after the end: the start");
        assert_eq!(map.target(7, StoryMove::Back), Some(6), "from the sum: the last caption");
        assert_eq!(map.section(3).map(|(_, t)| t.as_str()), Some("A"));

        // In a scenario, past the last section or before the first is the part beside.
        let alone = Place::default();
        let between = Place { previous: true, next: true, at_last_section: false };
        assert_eq!(map.crossing(6, StoryMove::NextSection, &alone), None, "no part after: nothing");
        assert_eq!(map.crossing(6, StoryMove::NextSection, &between), Some(Cross::Next));
        assert_eq!(map.crossing(1, StoryMove::NextSection, &between), None, "section B comes first");
        assert_eq!(map.crossing(1, StoryMove::PreviousSection, &between), Some(Cross::Previous));
        assert_eq!(map.crossing(3, StoryMove::PreviousSection, &between), None, "to the start of A first");
        assert_eq!(map.crossing(5, StoryMove::PreviousSection, &between), None, "to A");
        assert_eq!(map.last_section(), 4);
    }
}
