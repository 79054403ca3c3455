//! The key map: one table that both handles keys and writes the help overlay and every hint, so
//! they can never disagree. `BINDINGS` is the default; a configuration file may rebind actions
//! (`use_table`), once, before the console starts.

use std::sync::OnceLock;

use crate::input::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Close,
    NextNode,
    PrevNode,
    /// Select node 1..9 by its number on the graph.
    SelectNode(usize),
    Kill,
    Revive,
    Command,
    FocusNext,
    Filter,
    Freeze,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    /// To the oldest line (flow, overlays) or the first client (cache).
    Top,
    /// To the newest line, following live again (flow), or the last client (cache).
    Follow,
    ToggleStep,
    ReleaseNext,
    ReleaseWave,
    Continue,
    Back,
    PreviousSection,
    NextSection,
    /// Open the last reply whole.
    OpenReply,
    WriteTrace,
    /// The held messages as a list (step mode).
    ShowHeld,
    Deliver,
    DropHeld,
    Duplicate,
    /// Back in time (elsewhere: the previous node).
    Earlier,
    /// Forward in time (elsewhere: the next node).
    Later,
    PreviousFault,
    NextFault,
    PreviousFlood,
    NextFlood,
    Slower,
    Faster,
    GoLive,
    /// Search: the flow's lines, the cache's clients, or (on the graph) a node by its name.
    Search,
    /// The next older match of the last search.
    NextMatch,
    /// The flow: which kinds of line it shows.
    Kinds,
    /// The cache pane: by client name, or the most recently updated first.
    Order,
}

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
    pub action: Action,
    pub help: &'static str,
}

/// Every key of the console outside the command line.
pub const BINDINGS: &[Binding] = &[
    Binding { keys: &[key('?')], label: "?", action: Action::Help, help: "show or hide this help" },
    Binding {
        keys: &[key('q'), (KeyCode::Char('c'), KeyModifiers::CONTROL)],
        label: "q, Ctrl-C",
        action: Action::Quit,
        help: "quit (stops every node, frees every port)",
    },
    Binding {
        keys: &[plain(KeyCode::Esc)],
        label: "Esc",
        action: Action::Close,
        help: "close an overlay, leave the command line",
    },
    Binding { keys: &[key('l')], label: "l", action: Action::NextNode, help: "select the next node" },
    Binding { keys: &[key('h')], label: "h", action: Action::PrevNode, help: "select the previous node" },
    Binding {
        keys: &[plain(KeyCode::Left)],
        label: "←",
        action: Action::Earlier,
        help: "one event back in time: in a replay, or in step mode to look back at what just passed (else: previous node)",
    },
    Binding {
        keys: &[plain(KeyCode::Right)],
        label: "→",
        action: Action::Later,
        help: "one event forward in time, in a replay or looking back (else: next node)",
    },
    Binding {
        keys: &[key('1'), key('2'), key('3'), key('4'), key('5'), key('6'), key('7'), key('8'), key('9')],
        label: "1-9",
        action: Action::SelectNode(0),
        help: "select a node by its number",
    },
    Binding {
        keys: &[key('K')],
        label: "K",
        action: Action::Kill,
        help: "kill the selected node: its ports close, its links drop (a capital, so no hand does it by mistake)",
    },
    Binding {
        keys: &[key('R')],
        label: "R",
        action: Action::Revive,
        help: "revive the selected node: it relinks and catches up",
    },
    Binding {
        keys: &[key(':'), key('i'), plain(KeyCode::Enter)],
        label: ":, i, Enter",
        action: Action::Command,
        help: "type a command (forms below)",
    },
    Binding {
        keys: &[plain(KeyCode::Tab)],
        label: "Tab",
        action: Action::FocusNext,
        help: "move the focus: graph, cache, flow, command line",
    },
    Binding { keys: &[key('f')], label: "f", action: Action::Filter, help: "flow: only the selected node, or all" },
    Binding {
        keys: &[key('v')],
        label: "v",
        action: Action::Kinds,
        help: "flow: show only client lines, floods, duplicates, faults or errors (again: the next; then all)",
    },
    Binding {
        keys: &[key('/')],
        label: "/",
        action: Action::Search,
        help: "search: the flow (its lines), the cache (a client), the graph (a node by the start of its name)",
    },
    Binding { keys: &[key('n')], label: "n", action: Action::NextMatch, help: "the next older match of the search" },
    Binding {
        keys: &[key('O')],
        label: "O",
        action: Action::Order,
        help: "cache: by client name, or the most recently updated first",
    },
    Binding {
        keys: &[key(' ')],
        label: "Space",
        action: Action::Freeze,
        help: "flow: freeze, or follow live again; replay: play or pause",
    },
    Binding {
        keys: &[plain(KeyCode::Up), key('k')],
        label: "↑, k",
        action: Action::ScrollUp,
        help: "scroll up: the flow, or the focused cache, or an overlay",
    },
    Binding {
        keys: &[plain(KeyCode::Down), key('j')], label: "↓, j", action: Action::ScrollDown, help: "scroll down"
    },
    Binding { keys: &[plain(KeyCode::PageUp)], label: "PgUp", action: Action::PageUp, help: "scroll a page up" },
    Binding { keys: &[plain(KeyCode::PageDown)], label: "PgDn", action: Action::PageDown, help: "scroll a page down" },
    Binding {
        keys: &[plain(KeyCode::Home)],
        label: "Home",
        action: Action::Top,
        help: "to the oldest events (flow) or the first client (cache)",
    },
    Binding {
        keys: &[plain(KeyCode::End)],
        label: "End",
        action: Action::Follow,
        help: "back to the newest events, live (flow), or the last client (cache)",
    },
    Binding {
        keys: &[key('s')],
        label: "s",
        action: Action::ToggleStep,
        help: "step mode (hold every message between servers) / live",
    },
    Binding { keys: &[key('.')], label: ".", action: Action::ReleaseNext, help: "step: release the next held message" },
    Binding {
        keys: &[key('w')],
        label: "w",
        action: Action::ReleaseWave,
        help: "step: release the whole wave (all held now)",
    },
    Binding {
        keys: &[key('m')],
        label: "m",
        action: Action::ShowHeld,
        help: "step: the held messages as a list; in it d delivers, x drops, u duplicates the selected one",
    },
    Binding { keys: &[key('d')], label: "d", action: Action::Deliver, help: "held list: deliver the selected message" },
    Binding { keys: &[key('x')], label: "x", action: Action::DropHeld, help: "held list: drop it (lost on the way)" },
    Binding { keys: &[key('u')], label: "u", action: Action::Duplicate, help: "held list: deliver it twice" },
    Binding { keys: &[key('c')], label: "c", action: Action::Continue, help: "walkthrough: continue after a caption" },
    Binding {
        keys: &[key('b')],
        label: "b",
        action: Action::Back,
        help: "walkthrough: back to the previous caption (the story replays up to it)",
    },
    Binding {
        keys: &[key('[')],
        label: "[",
        action: Action::PreviousSection,
        help: "walkthrough: to the start of this section (again: the one before)",
    },
    Binding { keys: &[key(']')], label: "]", action: Action::NextSection, help: "walkthrough: to the next section" },
    Binding {
        keys: &[key('o')],
        label: "o",
        action: Action::OpenReply,
        help: "open the last reply whole (a WHATSAT's JSON); with the flow focused, its bottom line whole",
    },
    Binding {
        keys: &[key('t')],
        label: "t",
        action: Action::WriteTrace,
        help: "write this session's trace (SVG and JSON lines)",
    },
    Binding { keys: &[key('{')], label: "{", action: Action::PreviousFault, help: "replay: to the previous fault" },
    Binding { keys: &[key('}')], label: "}", action: Action::NextFault, help: "replay: to the next fault" },
    Binding {
        keys: &[key('<')],
        label: "<",
        action: Action::PreviousFlood,
        help: "replay: to the previous flood (a client's new record)",
    },
    Binding { keys: &[key('>')], label: ">", action: Action::NextFlood, help: "replay: to the next flood" },
    Binding { keys: &[key('-')], label: "-", action: Action::Slower, help: "replay: play slower (down to ×0.1)" },
    Binding {
        keys: &[key('+'), key('=')],
        label: "+",
        action: Action::Faster,
        help: "replay: play faster (up to ×10)",
    },
    Binding {
        keys: &[key('L')],
        label: "L",
        action: Action::GoLive,
        help: "replay: go live from here (a running herd with this moment's caches and faults); looking back: to now",
    },
];

/// The command forms, for the help overlay. `{A}` and `{B}` stand for two neighbouring nodes of
/// the running herd, so that every example can be typed as it is.
pub const COMMAND_HELP: &[(&str, &str)] = &[
    ("iamat NODE CLIENT COORDS", "IAMAT with the current time, e.g. iamat {A} kiwi +34.06-118.44"),
    ("whatsat NODE CLIENT KM N", "WHATSAT, e.g. whatsat {B} kiwi 10 5"),
    ("send NODE LINE", "any raw line to NODE, e.g. send {B} HELLO"),
    ("kill NODE / revive NODE", "the same as K and R, by name"),
    ("cut A B / heal A B", "cut or heal the link between A and B, e.g. cut {A} {B}; cut A>B one way"),
    ("latency A B 500ms", "delay every message on a link (100ms±40ms, exp:100ms spread it; 0s removes it)"),
    ("loss A B 20%", "the link loses that share of its messages (0% removes it)"),
    ("step [N] / slow 1s / live", "hold messages (release N) / slow motion / live"),
    ("deliver|drop|dup A B [CLIENT]", "in step mode, one held message from A to B: goes, is lost, or arrives twice"),
    ("IAMAT ... / WHATSAT ...", "a raw protocol line, sent to the selected node"),
    ("strategy flood|tree|…", "how nodes pass new records on from now: flood, tree, batch:500ms, gossip:3"),
    ("at 2.5s", "replay, or looking back: to that moment of the recording"),
];

/// A command help text with the example names filled in.
pub fn with_names(help: &str, a: &str, b: &str) -> String {
    help.replace("{A}", a).replace("{B}", b)
}

/// One action's keys as the console uses them (the defaults, or as a configuration rebound them).
#[derive(Clone, Debug)]
pub struct Bound {
    pub keys: Vec<Key>,
    /// How the help shows the keys.
    pub label: String,
    pub action: Action,
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
                let names: Vec<&str> = BINDINGS.iter().filter_map(|b| name_of(b.action)).collect();
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

/// The name of an action in a configuration file (`kill`, `release_next`); `None` for the
/// number keys, which are not rebound.
pub fn name_of(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Quit => "quit",
        Action::Help => "help",
        Action::Close => "close",
        Action::NextNode => "next_node",
        Action::PrevNode => "previous_node",
        Action::SelectNode(_) => return None,
        Action::Kill => "kill",
        Action::Revive => "revive",
        Action::Command => "command",
        Action::FocusNext => "focus_next",
        Action::Filter => "filter",
        Action::Freeze => "freeze",
        Action::ScrollUp => "scroll_up",
        Action::ScrollDown => "scroll_down",
        Action::PageUp => "page_up",
        Action::PageDown => "page_down",
        Action::Top => "top",
        Action::Follow => "follow",
        Action::ToggleStep => "step",
        Action::ReleaseNext => "release_next",
        Action::ReleaseWave => "release_wave",
        Action::Continue => "continue",
        Action::Back => "back",
        Action::PreviousSection => "previous_section",
        Action::NextSection => "next_section",
        Action::OpenReply => "open_reply",
        Action::WriteTrace => "write_trace",
        Action::ShowHeld => "show_held",
        Action::Deliver => "deliver",
        Action::DropHeld => "drop",
        Action::Duplicate => "duplicate",
        Action::Earlier => "earlier",
        Action::Later => "later",
        Action::PreviousFault => "previous_fault",
        Action::NextFault => "next_fault",
        Action::PreviousFlood => "previous_flood",
        Action::NextFlood => "next_flood",
        Action::Slower => "slower",
        Action::Faster => "faster",
        Action::GoLive => "go_live",
        Action::Search => "search",
        Action::NextMatch => "next_match",
        Action::Kinds => "kinds",
        Action::Order => "order",
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
            .map(|b| Bound { keys: b.keys.to_vec(), label: b.label.to_string(), action: b.action, help: b.help })
            .collect();
        Self { bindings }
    }

    /// The defaults with each named action given these keys instead (`("kill", ["X"])`).
    pub fn rebound(changes: &[(String, Vec<String>)]) -> Result<Self, KeyError> {
        let mut table = Self::defaults();
        for (name, keys) in changes {
            let bound = table
                .bindings
                .iter_mut()
                .find(|b| name_of(b.action) == Some(name.as_str()))
                .ok_or_else(|| KeyError::UnknownAction(name.clone()))?;
            bound.keys = keys
                .iter()
                .map(|k| parse_key(k).ok_or_else(|| KeyError::UnknownKey(k.clone())))
                .collect::<Result<_, _>>()?;
            bound.label = bound.keys.iter().map(|k| show_key(*k)).collect::<Vec<_>>().join(", ");
        }
        // The fixed keys: Ctrl-C quits everywhere, the digits select nodes.
        let mut seen: Vec<(Key, Action)> = vec![((KeyCode::Char('c'), KeyModifiers::CONTROL), Action::Quit)];
        for bound in &table.bindings {
            for key in &bound.keys {
                match seen.iter().find(|(k, a)| k == key && *a != bound.action) {
                    Some((_, other)) => {
                        return Err(KeyError::Twice {
                            key: show_key(*key),
                            first: name_of(*other).unwrap_or("select a node"),
                            second: name_of(bound.action).unwrap_or("select a node"),
                        });
                    }
                    None => seen.push((*key, bound.action)),
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

/// The first key bound to `action`, as the screen shows it: every key hint comes from the table.
pub fn label_of(action: Action) -> &'static str {
    table().bindings.iter().find(|b| b.action == action).map_or("", |b| b.label.split(", ").next().unwrap_or(&b.label))
}

/// The first keys of several actions, run together as a hint shows them (`↑↓`, `PgUp PgDn`).
pub fn labels_of(actions: &[Action], separator: &str) -> String {
    actions.iter().map(|a| label_of(*a)).collect::<Vec<_>>().join(separator)
}

fn matches(key: &Key, event: &KeyEvent) -> bool {
    key.0 == event.code && event.modifiers.difference(KeyModifiers::SHIFT) == key.1
}

/// The action of a key outside the command line.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    let binding = table().bindings.iter().find(|b| b.keys.iter().any(|k| matches(k, event)))?;
    Some(match (binding.action, event.code) {
        (Action::SelectNode(_), KeyCode::Char(digit)) => {
            Action::SelectNode(digit.to_digit(10).unwrap_or(1) as usize - 1)
        }
        (action, _) => action,
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
    fn keys_map_to_actions() {
        assert_eq!(action_for(&press(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(action_for(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(action_for(&press(KeyCode::Char('c'), KeyModifiers::NONE)), Some(Action::Continue));
        assert_eq!(action_for(&press(KeyCode::Char('z'), KeyModifiers::NONE)), None);
        assert_eq!(action_for(&press(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::DropHeld));
        // Shift is how '?' is typed on most keyboards.
        assert_eq!(action_for(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(action_for(&press(KeyCode::Char('3'), KeyModifiers::NONE)), Some(Action::SelectNode(2)));
        assert_eq!(action_for(&press(KeyCode::Right, KeyModifiers::NONE)), Some(Action::Later));
        assert_eq!(action_for(&press(KeyCode::Char('L'), KeyModifiers::SHIFT)), Some(Action::GoLive));
        assert_eq!(action_for(&press(KeyCode::Char('k'), KeyModifiers::ALT)), None);
        assert_eq!(action_for(&press(KeyCode::Char('k'), KeyModifiers::NONE)), Some(Action::ScrollUp), "vim's up");
        assert_eq!(action_for(&press(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::ScrollDown));
        assert_eq!(action_for(&press(KeyCode::Char('K'), KeyModifiers::SHIFT)), Some(Action::Kill));
        assert_eq!(action_for(&press(KeyCode::Char('R'), KeyModifiers::SHIFT)), Some(Action::Revive));
    }

    #[test]
    fn a_configuration_rebinds_actions_and_refuses_what_would_clash() {
        let rebind = |name: &str, keys: &[&str]| {
            KeyTable::rebound(&[(name.to_string(), keys.iter().map(|k| k.to_string()).collect())])
        };
        let table = rebind("kill", &["X", "ctrl-k"]).unwrap();
        let kill = table.bindings.iter().find(|b| b.action == Action::Kill).unwrap();
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
            assert!(matches!(binding.action, Action::SelectNode(_)) || name_of(binding.action).is_some());
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
