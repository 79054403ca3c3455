//! The command line: a readline-style editor, Tab completion, the history, what is sent when
//! Enter is pressed (a search after `/` stays on screen), and the row under it, which says what
//! the last command came to.

use tui_input::{Input, InputRequest};

use super::{Feedback, Focus, Overlay, Reply, UiState};
use crate::input::{KeyCode, KeyEvent, KeyModifiers};
use crate::intent::{HerdAct, Intent, ScreenAct, StoryMove};
use crate::keys;
use crate::view::{HerdView, Slot};

/// Words of the commands' forms that Tab completes beside names.
const COMPLETED_WORDS: &[&str] =
    &["random-node", "random-link", "fault", "flood", "caption", "start", "end", "now", "tree", "all"];

/// The longest start the words share (in the first word's spelling).
fn common_prefix(words: &[&String]) -> String {
    let first: Vec<char> = words[0].chars().collect();
    let mut length = first.len();
    for word in &words[1..] {
        let same = first.iter().zip(word.chars()).take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase())).count();
        length = length.min(same);
    }
    first[..length].iter().collect()
}

impl UiState {
    /// The line editor's keys, readline style (Ctrl-A/E/W/U/K/Y, Alt-B/F, Ctrl-←/→).
    fn editing(key: &KeyEvent) -> Option<InputRequest> {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        Some(match (key.code, control, alt) {
            (KeyCode::Char('a'), true, false) | (KeyCode::Home, _, _) => InputRequest::GoToStart,
            (KeyCode::Char('e'), true, false) | (KeyCode::End, _, _) => InputRequest::GoToEnd,
            (KeyCode::Char('w'), true, false) | (KeyCode::Backspace, _, true) => InputRequest::DeletePrevWord,
            (KeyCode::Char('u'), true, false) => InputRequest::DeleteFromStart,
            (KeyCode::Char('k'), true, false) => InputRequest::DeleteTillEnd,
            (KeyCode::Char('y'), true, false) => InputRequest::Yank,
            (KeyCode::Char('b'), true, false) | (KeyCode::Left, false, false) => InputRequest::GoToPrevChar,
            (KeyCode::Char('f'), true, false) | (KeyCode::Right, false, false) => InputRequest::GoToNextChar,
            (KeyCode::Char('b'), false, true) | (KeyCode::Left, true, _) | (KeyCode::Left, _, true) => {
                InputRequest::GoToPrevWord
            }
            (KeyCode::Char('f'), false, true) | (KeyCode::Right, true, _) | (KeyCode::Right, _, true) => {
                InputRequest::GoToNextWord
            }
            (KeyCode::Char('d'), false, true) => InputRequest::DeleteNextWord,
            (KeyCode::Char('d'), true, false) | (KeyCode::Delete, _, _) => InputRequest::DeleteNextChar,
            (KeyCode::Char('h'), true, false) | (KeyCode::Backspace, _, _) => InputRequest::DeletePrevChar,
            // Other control and alt chords are not text.
            (KeyCode::Char(_), true, _) | (KeyCode::Char(_), _, true) => return None,
            (KeyCode::Char(c), _, _) => InputRequest::InsertChar(c),
            _ => return None,
        })
    }

    pub(super) fn command_key(&mut self, key: KeyEvent, view: &HerdView) -> Option<Intent> {
        match key.code {
            // Leaving throws the draft away: a half-typed line (or one a click prepared) is never
            // put before the next command.
            KeyCode::Esc => self.leave_line(),
            // Already in the command line: a `:` to open it again is not part of the command.
            KeyCode::Char(':')
                if self.input.value().is_empty()
                    && key.modifiers.difference(KeyModifiers::SHIFT) == KeyModifiers::NONE => {}
            // Tab completes what is typed; on an empty line it lists the verbs (and stays).
            KeyCode::Tab => self.complete(view),
            KeyCode::Enter => return self.submit(view),
            KeyCode::Up => return self.recall(true),
            KeyCode::Down => return self.recall(false),
            _ => {
                if let Some(request) = Self::editing(&key) {
                    self.input.handle(request);
                }
            }
        }
        None
    }

    /// Closes the command line, its draft and what Tab listed with it.
    fn leave_line(&mut self) {
        self.focus = self.searching.take().unwrap_or(Focus::Graph);
        self.input.reset();
        self.history_position = None;
        if matches!(self.feedback, Some(Feedback::Choices(_))) {
            self.feedback = None;
        }
    }

    /// What the word being completed may be, after the words `before` it: verbs first, then
    /// what the verb's form has there (`cut Riley ` takes a neighbour of Riley's).
    fn candidates(&self, before: &[&str], view: &HerdView) -> Result<Vec<String>, String> {
        let slot = match before {
            [] => Slot::Verb,
            _ => view.slots.map_or(Slot::Any, |slots| (slots.0)(before)),
        };
        let nodes = || view.nodes.iter().map(|n| n.name.clone());
        let clients = || {
            let rows = view.cache.rows.iter().chain(view.compare.iter().flat_map(|c| c.rows.iter()));
            rows.map(|row| row.client.clone()).collect::<Vec<_>>()
        };
        let mut words: Vec<String> = match slot {
            Slot::Verb => view.verbs.iter().map(|v| v.to_string()).collect(),
            Slot::Node => nodes().collect(),
            Slot::NeighbourOf(index) => {
                let of = before.get(index).copied().unwrap_or_default();
                let neighbours = view.links.iter().filter_map(|l| {
                    if l.a.eq_ignore_ascii_case(of) {
                        Some(l.b.clone())
                    } else if l.b.eq_ignore_ascii_case(of) {
                        Some(l.a.clone())
                    } else {
                        None
                    }
                });
                let neighbours: Vec<String> = neighbours.collect();
                if neighbours.is_empty() {
                    return Err(format!("{of} has no neighbour in this herd's topology"));
                }
                neighbours
            }
            Slot::Client => {
                let known = clients();
                if known.is_empty() {
                    return Err("no client is known here yet to complete (the cache pane lists them)".into());
                }
                known
            }
            Slot::Words(words) => words.iter().map(|w| w.to_string()).collect(),
            Slot::NodeOr(words) => nodes().chain(words.iter().map(|w| w.to_string())).collect(),
            Slot::Nothing => {
                return Err(format!(
                    "nothing to complete here: {} wants a number, a duration or text ({} lists the forms)",
                    before[0],
                    keys::label_of(ScreenAct::Help)
                ));
            }
            Slot::Any => {
                let mut words: Vec<String> = nodes().collect();
                words.extend(clients());
                words.extend(COMPLETED_WORDS.iter().map(|w| w.to_string()));
                words
            }
        };
        if slot != Slot::Verb {
            words.sort();
        }
        words.dedup();
        Ok(words)
    }

    /// Completes the word before the cursor with what its place in the command takes. One match
    /// is taken whole; several, as far as they agree, and listed under the line.
    fn complete(&mut self, view: &HerdView) {
        let cursor = self.input.cursor();
        let value: Vec<char> = self.input.value().chars().collect();
        let before: String = value[..cursor].iter().collect();
        let after: String = value[cursor..].iter().collect();
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (head, word) = before.split_at(start);
        let words_before: Vec<&str> = head.split_whitespace().collect();
        let candidates = match self.candidates(&words_before, view) {
            Ok(candidates) => candidates,
            Err(why) => {
                self.feedback = Some(Feedback::Error(why));
                return;
            }
        };
        let lowered = word.to_lowercase();
        let matching: Vec<&String> = candidates.iter().filter(|c| c.to_lowercase().starts_with(&lowered)).collect();
        let completed = match matching.as_slice() {
            [] => {
                let what = if words_before.is_empty() { "command" } else { "word that fits here" };
                self.feedback = Some(Feedback::Error(format!("nothing to complete: no {what} starts with {word:?}")));
                return;
            }
            [one] => {
                if matches!(self.feedback, Some(Feedback::Choices(_))) {
                    self.feedback = None;
                }
                format!("{one} ")
            }
            several => {
                let shown: Vec<&str> = several.iter().take(12).map(|s| s.as_str()).collect();
                let more = if several.len() > 12 { format!(" and {} more", several.len() - 12) } else { String::new() };
                self.feedback = Some(Feedback::Choices(format!("{}{more}", shown.join(", "))));
                common_prefix(several)
            }
        };
        let completed = if completed.chars().count() >= word.chars().count() { completed } else { word.to_string() };
        let text = format!("{head}{completed}{after}");
        let cursor = head.chars().count() + completed.chars().count();
        self.input = Input::new(text).with_cursor(cursor);
    }

    fn submit(&mut self, view: &HerdView) -> Option<Intent> {
        // A `:` typed (or pasted) to open the line is not part of the command.
        let text = self.input.value().trim().trim_start_matches(':').trim_start().to_string();
        if text.is_empty() {
            return None;
        }
        if self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.history_position = None;
        self.input.reset();
        // The last command's outcome does not stand beside the new one.
        self.feedback = None;
        // Sent, the line closes (as htop's and k9s's do): the next key is a key again, so that
        // `R` after `kill Riley` revives rather than being typed. `:` or Enter opens it again.
        let searching = self.searching.take();
        self.focus = Focus::Graph;
        // A search typed after `/` is the console's own business: nothing is sent.
        if let Some(query) = text.strip_prefix('/') {
            let focus = searching.unwrap_or(Focus::Flow);
            self.focus = focus;
            if !query.trim().is_empty() {
                self.search_for(query.trim().to_string(), focus, view, false);
            }
            return None;
        }
        // A walkthrough goes on from the command line too.
        if matches!(text.as_str(), "c" | "continue") && (self.caption.is_some() || self.script.is_some()) {
            // Typed, it is meant: no bounce to ignore, and what stood by the caption goes with it
            // (but the summary at the end stays: there is nothing to go on to).
            let continued = self.continue_walkthrough();
            if self.story_over && self.caption.is_some() {
                return None;
            }
            (self.caption, self.answer) = (None, None);
            return continued.or(Some(Intent::Story(StoryMove::Continue)));
        }
        // Raw protocol lines go to the selected node: none, nothing to send them to.
        self.selected_name(view)?;
        Some(Intent::Herd(HerdAct::Submit(text)))
    }

    /// Up (`back`) and Down walk the history of sent commands.
    fn recall(&mut self, back: bool) -> Option<Intent> {
        let last = self.history.len().checked_sub(1)?;
        self.history_position = match (self.history_position, back) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        let text = self.history_position.map_or(String::new(), |i| self.history[i].clone());
        self.input = Input::new(text);
        None
    }

    /// A client command was sent to `node`; its reply will follow.
    pub fn command_sent(&mut self, node: &str, command: &str) {
        self.reply =
            Some(Reply { node: node.to_string(), command: command.to_string(), text: None, ..Reply::default() });
        self.feedback = Some(Feedback::Waiting { node: node.to_string() });
    }

    /// A reply came; replies of more than one line (WHATSAT) open in an overlay, or (in a
    /// walkthrough) show `summary` beside the AT line until `o` opens them.
    pub fn reply_arrived(&mut self, text: String, summary: Option<String>) {
        let long = text.trim_end().contains('\n');
        let first = text.lines().next().unwrap_or_default().to_string();
        let more = text.trim_end().lines().count().saturating_sub(1);
        // A walkthrough's WHATSAT is what the class asked: its answer goes by the caption, where it
        // stays while the checks after it come and go under the command line.
        if let Some(reply) = self.reply.as_ref().filter(|r| !self.open_replies && r.command.starts_with("WHATSAT")) {
            self.answer = Some(super::Answer {
                node: reply.node.clone(),
                command: reply.command.clone(),
                first: first.clone(),
                places: summary.clone(),
            });
        }
        let shown = match (summary, more) {
            (Some(summary), _) => {
                format!("{first} · {summary} ({}: whole reply)", keys::label_of(ScreenAct::OpenReply))
            }
            (None, 0) => first,
            (None, more) => format!("{first}  (+{more} lines)"),
        };
        if let Some(reply) = &mut self.reply {
            self.feedback = Some(Feedback::Reply { node: reply.node.clone(), text: shown });
            reply.text = Some(text);
        }
        if long && self.open_replies {
            self.open(Overlay::Reply);
        }
    }
}
