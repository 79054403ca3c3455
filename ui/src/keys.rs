//! The key map: one table from the keys outside the command line to the intents they ask for.
//! The same table handles those keys and writes the help overlay and their hints, so that these
//! can never disagree. (The command line's editing keys, Enter, Tab, the arrows and the readline
//! chords, are the line editor's own, in `state`.) `BINDINGS` is the default; a configuration
//! file may rebind intents by name (`use_table`), once, before the console starts.

use std::sync::OnceLock;

use crate::input::{KeyCode, KeyEvent, KeyModifiers};
use crate::intent::{HerdAct, Intent, ScreenAct, StoryMove, TimeMove};
use crate::view::HeldChoice;

/// A key (modifiers other than Shift must match; Shift is part of the character typed).
pub type Key = (KeyCode, KeyModifiers);

const fn key(c: char) -> Key {
    (KeyCode::Char(c), KeyModifiers::NONE)
}

const fn plain(code: KeyCode) -> Key {
    (code, KeyModifiers::NONE)
}

pub struct Binding {
    pub keys: &'static [Key],
    /// How the help shows the keys.
    pub label: &'static str,
    pub intent: Intent,
    pub help: &'static str,
}

/// Every key of the console outside the command line.
pub const BINDINGS: &[Binding] = &[
    Binding { keys: &[key('?')], label: "?", intent: Intent::Screen(ScreenAct::Help), help: "show or hide this help" },
    Binding {
        keys: &[key('q'), (KeyCode::Char('c'), KeyModifiers::CONTROL)],
        label: "q, Ctrl-C",
        intent: Intent::Quit,
        help: "quit (stops this process's nodes; nodes it is attached to run on)",
    },
    Binding {
        keys: &[plain(KeyCode::Esc)],
        label: "Esc",
        intent: Intent::Screen(ScreenAct::Close),
        help: "close an overlay, leave the command line",
    },
    Binding {
        keys: &[key('l')],
        label: "l",
        intent: Intent::Screen(ScreenAct::NextNode),
        help: "select the next node",
    },
    Binding {
        keys: &[key('h')],
        label: "h",
        intent: Intent::Screen(ScreenAct::PreviousNode),
        help: "select the previous node",
    },
    Binding {
        keys: &[plain(KeyCode::Left)],
        label: "←",
        intent: Intent::Time(TimeMove::Earlier),
        help: "one event back in time: in a replay, or in step mode to look back at what just passed (else: previous node)",
    },
    Binding {
        keys: &[plain(KeyCode::Right)],
        label: "→",
        intent: Intent::Time(TimeMove::Later),
        help: "one event forward in time, in a replay or looking back (else: next node)",
    },
    Binding {
        keys: &[key('1'), key('2'), key('3'), key('4'), key('5'), key('6'), key('7'), key('8'), key('9')],
        label: "1-9",
        intent: Intent::Screen(ScreenAct::SelectNode(0)),
        help: "select a node by its number",
    },
    Binding {
        keys: &[key('K')],
        label: "K",
        intent: Intent::Herd(HerdAct::Kill),
        help: "kill the selected node: its ports close, its links drop (a capital, so no hand does it by mistake)",
    },
    Binding {
        keys: &[key('R')],
        label: "R",
        intent: Intent::Herd(HerdAct::Revive),
        help: "revive the selected node: it relinks and catches up",
    },
    Binding {
        keys: &[key(':'), key('i'), plain(KeyCode::Enter)],
        label: ":, i, Enter",
        intent: Intent::Screen(ScreenAct::Command),
        help: "type a command (forms below)",
    },
    Binding {
        keys: &[plain(KeyCode::Tab)],
        label: "Tab",
        intent: Intent::Screen(ScreenAct::FocusNext),
        help: "move the focus: graph, cache, flow, command line",
    },
    Binding {
        keys: &[key('f')],
        label: "f",
        intent: Intent::Screen(ScreenAct::Filter),
        help: "flow: only the selected node, or all",
    },
    Binding {
        keys: &[key('v')],
        label: "v",
        intent: Intent::Screen(ScreenAct::Kinds),
        help: "flow: show only client lines, floods, duplicates, faults or errors (again: the next; then all)",
    },
    Binding {
        keys: &[key('/')],
        label: "/",
        intent: Intent::Screen(ScreenAct::Search),
        help: "search: the flow (its lines), the cache (a client), the graph (a node by the start of its name)",
    },
    Binding {
        keys: &[key('n')],
        label: "n",
        intent: Intent::Screen(ScreenAct::NextMatch),
        help: "the next older match of the search",
    },
    Binding {
        keys: &[key('O')],
        label: "O",
        intent: Intent::Screen(ScreenAct::Order),
        help: "cache: by client name, or the most recently updated first",
    },
    Binding {
        keys: &[key(' ')],
        label: "Space",
        intent: Intent::Screen(ScreenAct::Freeze),
        help: "flow: freeze, or follow live again; replay: play or pause",
    },
    Binding {
        keys: &[plain(KeyCode::Up), key('k')],
        label: "↑, k",
        intent: Intent::Screen(ScreenAct::ScrollUp),
        help: "scroll up: the flow, or the focused cache, or an overlay",
    },
    Binding {
        keys: &[plain(KeyCode::Down), key('j')],
        label: "↓, j",
        intent: Intent::Screen(ScreenAct::ScrollDown),
        help: "scroll down",
    },
    Binding {
        keys: &[plain(KeyCode::PageUp)],
        label: "PgUp",
        intent: Intent::Screen(ScreenAct::PageUp),
        help: "scroll a page up",
    },
    Binding {
        keys: &[plain(KeyCode::PageDown)],
        label: "PgDn",
        intent: Intent::Screen(ScreenAct::PageDown),
        help: "scroll a page down",
    },
    Binding {
        keys: &[plain(KeyCode::Home)],
        label: "Home",
        intent: Intent::Screen(ScreenAct::Top),
        help: "to the oldest events (flow) or the first client (cache)",
    },
    Binding {
        keys: &[plain(KeyCode::End)],
        label: "End",
        intent: Intent::Screen(ScreenAct::Follow),
        help: "back to the newest events, live (flow), or the last client (cache)",
    },
    Binding {
        keys: &[key('s')],
        label: "s",
        intent: Intent::Herd(HerdAct::ToggleStep),
        help: "step mode (hold every message between servers) / live",
    },
    Binding {
        keys: &[key('.')],
        label: ".",
        intent: Intent::Herd(HerdAct::ReleaseNext),
        help: "step: release the next held message",
    },
    Binding {
        keys: &[key('w')],
        label: "w",
        intent: Intent::Herd(HerdAct::ReleaseWave),
        help: "step: release the whole wave (all held now)",
    },
    Binding {
        keys: &[key('m')],
        label: "m",
        intent: Intent::Screen(ScreenAct::ShowHeld),
        help: "step: the held messages as a list; in it d delivers, x drops, u duplicates the selected one",
    },
    Binding {
        keys: &[key('d')],
        label: "d",
        intent: Intent::Herd(HerdAct::Held(HeldChoice::Deliver)),
        help: "held list: deliver the selected message",
    },
    Binding {
        keys: &[key('x')],
        label: "x",
        intent: Intent::Herd(HerdAct::Held(HeldChoice::Drop)),
        help: "held list: drop it (lost on the way)",
    },
    Binding {
        keys: &[key('u')],
        label: "u",
        intent: Intent::Herd(HerdAct::Held(HeldChoice::Duplicate)),
        help: "held list: deliver it twice",
    },
    Binding {
        keys: &[key('c')],
        label: "c",
        intent: Intent::Story(StoryMove::Continue),
        help: "walkthrough: continue after a caption",
    },
    Binding {
        keys: &[key('b')],
        label: "b",
        intent: Intent::Story(StoryMove::Back),
        help: "walkthrough: back to the previous caption (the story replays up to it)",
    },
    Binding {
        keys: &[key('[')],
        label: "[",
        intent: Intent::Story(StoryMove::PreviousSection),
        help: "walkthrough: to the start of this section (again: the one before)",
    },
    Binding {
        keys: &[key(']')],
        label: "]",
        intent: Intent::Story(StoryMove::NextSection),
        help: "walkthrough: to the next section",
    },
    Binding {
        keys: &[key('o')],
        label: "o",
        intent: Intent::Screen(ScreenAct::OpenReply),
        help: "open the last reply whole (a WHATSAT's JSON); with the flow focused, its bottom line whole",
    },
    Binding {
        keys: &[key('W')],
        label: "W",
        intent: Intent::Screen(ScreenAct::WhatsatAll),
        help: "ask every server WHATSAT (10 km, 5 places) for the cache's top client (or the one shown): who answers what",
    },
    Binding {
        keys: &[key('z')],
        label: "z",
        intent: Intent::Screen(ScreenAct::ZoomGraph),
        help: "zoom: the graph takes the whole top of the screen (a big herd's labels and links), z again gives the cache back",
    },
    Binding {
        keys: &[key('t')],
        label: "t",
        intent: Intent::Herd(HerdAct::WriteTrace),
        help: "write this session's trace (SVG and JSON lines)",
    },
    Binding {
        keys: &[key('{')],
        label: "{",
        intent: Intent::Time(TimeMove::PreviousFault),
        help: "replay: to the previous fault",
    },
    Binding {
        keys: &[key('}')],
        label: "}",
        intent: Intent::Time(TimeMove::NextFault),
        help: "replay: to the next fault",
    },
    Binding {
        keys: &[key('<')],
        label: "<",
        intent: Intent::Time(TimeMove::PreviousFlood),
        help: "replay: to the previous flood (a client's new record)",
    },
    Binding {
        keys: &[key('>')],
        label: ">",
        intent: Intent::Time(TimeMove::NextFlood),
        help: "replay: to the next flood",
    },
    Binding {
        keys: &[key('-')],
        label: "-",
        intent: Intent::Time(TimeMove::Slower),
        help: "replay: play slower (down to ×0.1)",
    },
    Binding {
        keys: &[key('+'), key('=')],
        label: "+",
        intent: Intent::Time(TimeMove::Faster),
        help: "replay: play faster (up to ×10)",
    },
    Binding {
        keys: &[key('L')],
        label: "L",
        intent: Intent::Time(TimeMove::GoLive),
        help: "replay: go live from here (a running herd with this moment's caches and faults); looking back: to now",
    },
];

/// The command forms, for the help overlay. `{A}` and `{B}` stand for two neighbouring nodes of
/// the running herd, so that every example can be typed as it is.
pub const COMMAND_HELP: &[(&str, &str)] = &[
    ("iamat NODE CLIENT COORDS", "IAMAT with the current time, e.g. iamat {A} kiwi +34.06-118.44"),
    ("whatsat NODE CLIENT KM N", "WHATSAT, e.g. whatsat {B} kiwi 10 5"),
    ("whatsat all CLIENT KM N", "the same WHATSAT to every server: who answers what (W: the cache's client)"),
    ("send NODE LINE", "any raw line to NODE, e.g. send {B} HELLO"),
    ("kill NODE / revive NODE", "the same as K and R, by name"),
    ("cut A B / heal A B", "cut or heal the link between A and B, e.g. cut {A} {B}; cut A>B one way"),
    ("latency A B 500ms", "delay every message on a link (100ms±40ms, exp:100ms spread it; 0s removes it)"),
    ("loss A B 20%", "the link loses that share of its messages (0% removes it)"),
    ("step [N] / slow 1s / live", "hold messages (release N) / slow motion / live"),
    ("deliver|drop|dup A B [CLIENT]", "in step mode, one held message from A to B: goes, is lost, or arrives twice"),
    ("IAMAT ... / WHATSAT ...", "a raw protocol line, sent to the selected node"),
    // The strategies are the engine's to list (ui never imports it): `strategy` alone lists them.
    ("strategy NAME", "how nodes pass new records on from now, e.g. tree; `strategy` alone lists all"),
    ("at 2.5s", "replay, or looking back: to that moment of the recording"),
    ("show A B [CLIENT] / track C", "two caches side by side, each at CLIENT's row; the version badges follow C"),
    ("highlight A-B / tree A", "draw a path thick on the graph, or the breadth-first spanning tree from A"),
];

/// A command help text with the example names filled in.
pub fn with_names(help: &str, a: &str, b: &str) -> String {
    help.replace("{A}", a).replace("{B}", b)
}

/// One intent's keys as the console uses them (the defaults, or as a configuration rebound them).
#[derive(Clone, Debug)]
pub struct Bound {
    pub keys: Vec<Key>,
    /// How the help shows the keys.
    pub label: String,
    pub intent: Intent,
    pub help: &'static str,
}

/// The keys in use.
#[derive(Clone, Debug)]
pub struct KeyTable {
    pub bindings: Vec<Bound>,
}

static TABLE: OnceLock<KeyTable> = OnceLock::new();

/// Why a rebinding was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    UnknownAction(String),
    UnknownKey(String),
    /// The key would mean two things.
    Twice {
        key: String,
        first: &'static str,
        second: &'static str,
    },
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownAction(name) => {
                let names: Vec<&str> = BINDINGS.iter().filter_map(|b| name_of(&b.intent)).collect();
                write!(f, "no action is called {name:?}; the actions are {}", names.join(", "))
            }
            Self::UnknownKey(key) => write!(
                f,
                "{key:?} is not a key: write a character (K, ?, [), or esc, enter, tab, backspace, space, up, down, left, right, pgup, pgdn, home, end, f1-f12, with ctrl- or alt- before it"
            ),
            Self::Twice { key, first, second } => write!(f, "{key} would mean both {first} and {second}"),
        }
    }
}

/// The name of an intent in a configuration file (`kill`, `release_next`); `None` for the
/// number keys, which are not rebound, and for what no key asks for.
pub fn name_of(intent: &Intent) -> Option<&'static str> {
    Some(match intent {
        Intent::Quit => "quit",
        Intent::Screen(act) => match act {
            ScreenAct::Help => "help",
            ScreenAct::Close => "close",
            ScreenAct::NextNode => "next_node",
            ScreenAct::PreviousNode => "previous_node",
            ScreenAct::SelectNode(_) => return None,
            ScreenAct::Command => "command",
            ScreenAct::FocusNext => "focus_next",
            ScreenAct::Filter => "filter",
            ScreenAct::Kinds => "kinds",
            ScreenAct::Freeze => "freeze",
            ScreenAct::ScrollUp => "scroll_up",
            ScreenAct::ScrollDown => "scroll_down",
            ScreenAct::PageUp => "page_up",
            ScreenAct::PageDown => "page_down",
            ScreenAct::Top => "top",
            ScreenAct::Follow => "follow",
            ScreenAct::Search => "search",
            ScreenAct::NextMatch => "next_match",
            ScreenAct::Order => "order",
            ScreenAct::OpenReply => "open_reply",
            ScreenAct::ShowHeld => "show_held",
            ScreenAct::WhatsatAll => "whatsat_all",
            ScreenAct::ZoomGraph => "zoom_graph",
        },
        Intent::Herd(act) => match act {
            HerdAct::Kill => "kill",
            HerdAct::Revive => "revive",
            HerdAct::Submit(_) => return None,
            HerdAct::ToggleStep => "step",
            HerdAct::ReleaseNext => "release_next",
            HerdAct::ReleaseWave => "release_wave",
            HerdAct::Held(HeldChoice::Deliver) => "deliver",
            HerdAct::Held(HeldChoice::Drop) => "drop",
            HerdAct::Held(HeldChoice::Duplicate) => "duplicate",
            HerdAct::WriteTrace => "write_trace",
        },
        Intent::Story(to) => match to {
            StoryMove::Continue => "continue",
            StoryMove::Back => "back",
            StoryMove::PreviousSection => "previous_section",
            StoryMove::NextSection => "next_section",
        },
        Intent::Time(to) => match to {
            TimeMove::Earlier => "earlier",
            TimeMove::Later => "later",
            TimeMove::PreviousFault => "previous_fault",
            TimeMove::NextFault => "next_fault",
            TimeMove::PreviousFlood => "previous_flood",
            TimeMove::NextFlood => "next_flood",
            TimeMove::Slower => "slower",
            TimeMove::Faster => "faster",
            TimeMove::GoLive => "go_live",
            TimeMove::PlayPause | TimeMove::Now | TimeMove::To(_) => return None,
        },
    })
}

/// Reads a key as a configuration writes it: `K`, `?`, `ctrl-c`, `alt-x`, `esc`, `pgdn`, `f5`.
pub fn parse_key(text: &str) -> Option<Key> {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = text;
    loop {
        if let Some(after) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
            modifiers |= KeyModifiers::CONTROL;
            rest = after;
        } else if let Some(after) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
            modifiers |= KeyModifiers::ALT;
            rest = after;
        } else {
            break;
        }
    }
    let code = match rest.to_lowercase().as_str() {
        "esc" => KeyCode::Esc,
        "enter" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().ok().filter(|n| (1..=12).contains(n))?),
        _ => {
            let mut chars = rest.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(c)
        }
    };
    Some((code, modifiers))
}

/// How the help shows a key.
fn show_key((code, modifiers): Key) -> String {
    let mut text = String::new();
    if modifiers.contains(KeyModifiers::CONTROL) {
        text.push_str("Ctrl-");
    }
    if modifiers.contains(KeyModifiers::ALT) {
        text.push_str("Alt-");
    }
    text.push_str(&match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Insert => "Insert".into(),
    });
    text
}

impl KeyTable {
    /// The default keys.
    pub fn defaults() -> Self {
        let bindings = BINDINGS
            .iter()
            .map(|b| Bound {
                keys: b.keys.to_vec(),
                label: b.label.to_string(),
                intent: b.intent.clone(),
                help: b.help,
            })
            .collect();
        Self { bindings }
    }

    /// The defaults with each named intent given these keys instead (`("kill", ["X"])`).
    pub fn rebound(changes: &[(String, Vec<String>)]) -> Result<Self, KeyError> {
        let mut table = Self::defaults();
        for (name, keys) in changes {
            let bound = table
                .bindings
                .iter_mut()
                .find(|b| name_of(&b.intent) == Some(name.as_str()))
                .ok_or_else(|| KeyError::UnknownAction(name.clone()))?;
            bound.keys = keys
                .iter()
                .map(|k| parse_key(k).ok_or_else(|| KeyError::UnknownKey(k.clone())))
                .collect::<Result<_, _>>()?;
            bound.label = bound.keys.iter().map(|k| show_key(*k)).collect::<Vec<_>>().join(", ");
        }
        // The fixed keys: Ctrl-C quits everywhere, the digits select nodes.
        let mut seen: Vec<(Key, &Intent)> = vec![((KeyCode::Char('c'), KeyModifiers::CONTROL), &Intent::Quit)];
        for bound in &table.bindings {
            for key in &bound.keys {
                match seen.iter().find(|(k, intent)| k == key && **intent != bound.intent) {
                    Some((_, other)) => {
                        return Err(KeyError::Twice {
                            key: show_key(*key),
                            first: name_of(other).unwrap_or("select a node"),
                            second: name_of(&bound.intent).unwrap_or("select a node"),
                        });
                    }
                    None => seen.push((*key, &bound.intent)),
                }
            }
        }
        Ok(table)
    }
}

/// Makes `table` the console's keys, for the life of the process (once, before it starts).
pub fn use_table(table: KeyTable) {
    let _ = TABLE.set(table);
}

/// The keys in use.
pub fn table() -> &'static KeyTable {
    TABLE.get_or_init(KeyTable::defaults)
}

/// The first key bound to `intent`, as the screen shows it: every key hint comes from the table.
pub fn label_of(intent: impl Into<Intent>) -> &'static str {
    let intent = intent.into();
    table().bindings.iter().find(|b| b.intent == intent).map_or("", |b| b.label.split(", ").next().unwrap_or(&b.label))
}

/// The first keys of several intents, run together as a hint shows them (`↑↓`, `PgUp PgDn`).
pub fn labels_of<I: Into<Intent> + Copy>(intents: &[I], separator: &str) -> String {
    intents.iter().map(|i| label_of(*i)).collect::<Vec<_>>().join(separator)
}

fn matches(key: &Key, event: &KeyEvent) -> bool {
    key.0 == event.code && event.modifiers.difference(KeyModifiers::SHIFT) == key.1
}

/// What a key outside the command line asks for.
pub fn intent_for(event: &KeyEvent) -> Option<Intent> {
    let binding = table().bindings.iter().find(|b| b.keys.iter().any(|k| matches(k, event)))?;
    Some(match (&binding.intent, event.code) {
        (Intent::Screen(ScreenAct::SelectNode(_)), KeyCode::Char(digit)) => {
            Intent::Screen(ScreenAct::SelectNode(digit.to_digit(10).unwrap_or(1) as usize - 1))
        }
        (intent, _) => intent.clone(),
    })
}

/// Whether the key quits wherever the focus is.
pub fn is_interrupt(event: &KeyEvent) -> bool {
    event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_map_to_intents() {
        let intent = |code, modifiers| intent_for(&press(code, modifiers));
        assert_eq!(intent(KeyCode::Char('q'), KeyModifiers::NONE), Some(Intent::Quit));
        assert_eq!(intent(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Intent::Quit));
        assert_eq!(intent(KeyCode::Char('c'), KeyModifiers::NONE), Some(Intent::Story(StoryMove::Continue)));
        assert_eq!(intent(KeyCode::Char('Z'), KeyModifiers::NONE), None);
        assert_eq!(intent(KeyCode::Char('z'), KeyModifiers::NONE), Some(Intent::Screen(ScreenAct::ZoomGraph)));
        assert_eq!(intent(KeyCode::Char('x'), KeyModifiers::NONE), Some(Intent::Herd(HerdAct::Held(HeldChoice::Drop))));
        // Shift is how '?' is typed on most keyboards.
        assert_eq!(intent(KeyCode::Char('?'), KeyModifiers::SHIFT), Some(Intent::Screen(ScreenAct::Help)));
        assert_eq!(intent(KeyCode::Char('3'), KeyModifiers::NONE), Some(Intent::Screen(ScreenAct::SelectNode(2))));
        assert_eq!(intent(KeyCode::Right, KeyModifiers::NONE), Some(Intent::Time(TimeMove::Later)));
        assert_eq!(intent(KeyCode::Char('L'), KeyModifiers::SHIFT), Some(Intent::Time(TimeMove::GoLive)));
        assert_eq!(intent(KeyCode::Char('k'), KeyModifiers::ALT), None);
        assert_eq!(
            intent(KeyCode::Char('k'), KeyModifiers::NONE),
            Some(Intent::Screen(ScreenAct::ScrollUp)),
            "vim's up"
        );
        assert_eq!(intent(KeyCode::Char('j'), KeyModifiers::NONE), Some(Intent::Screen(ScreenAct::ScrollDown)));
        assert_eq!(intent(KeyCode::Char('K'), KeyModifiers::SHIFT), Some(Intent::Herd(HerdAct::Kill)));
        assert_eq!(intent(KeyCode::Char('R'), KeyModifiers::SHIFT), Some(Intent::Herd(HerdAct::Revive)));
    }

    #[test]
    fn a_configuration_rebinds_actions_and_refuses_what_would_clash() {
        let rebind = |name: &str, keys: &[&str]| {
            KeyTable::rebound(&[(name.to_string(), keys.iter().map(|k| k.to_string()).collect())])
        };
        let table = rebind("kill", &["X", "ctrl-k"]).unwrap();
        let kill = table.bindings.iter().find(|b| b.intent == Intent::Herd(HerdAct::Kill)).unwrap();
        assert_eq!(kill.label, "X, Ctrl-k", "the help shows the new keys");
        assert_eq!(
            kill.keys,
            vec![(KeyCode::Char('X'), KeyModifiers::NONE), (KeyCode::Char('k'), KeyModifiers::CONTROL)]
        );
        assert_eq!(
            rebind("kil", &["X"]).unwrap_err().to_string().split(';').next(),
            Some("no action is called \"kil\"")
        );
        assert!(matches!(rebind("kill", &["shift-x"]), Err(KeyError::UnknownKey(_))));
        assert_eq!(
            rebind("kill", &["q"]).unwrap_err(),
            KeyError::Twice { key: "q".into(), first: "quit", second: "kill" },
        );
        assert!(matches!(rebind("help", &["ctrl-c"]), Err(KeyError::Twice { .. })), "Ctrl-C always quits");
        assert_eq!(parse_key("pgdn"), Some((KeyCode::PageDown, KeyModifiers::NONE)));
        assert_eq!(parse_key("f13"), None);
        assert_eq!(parse_key("space"), Some((KeyCode::Char(' '), KeyModifiers::NONE)));
        for binding in BINDINGS {
            assert!(
                matches!(binding.intent, Intent::Screen(ScreenAct::SelectNode(_)))
                    || name_of(&binding.intent).is_some()
            );
        }
    }

    #[test]
    fn no_key_has_two_meanings() {
        let all: Vec<&Key> = BINDINGS.iter().flat_map(|b| b.keys).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(a), "{a:?} is bound twice");
        }
    }
}
