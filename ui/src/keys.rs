//! The key map: one table that both handles keys and writes the help overlay, so the two can
//! never disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
}

/// A key (modifiers other than Shift must match; Shift is part of the character typed).
type Key = (KeyCode, KeyModifiers);

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
        help: "open the last reply whole (a WHATSAT's JSON)",
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
    ("at 2.5s", "replay, or looking back: to that moment of the recording"),
];

/// A command help text with the example names filled in.
pub fn with_names(help: &str, a: &str, b: &str) -> String {
    help.replace("{A}", a).replace("{B}", b)
}

/// The first key bound to `action`, as the screen shows it: every key hint comes from the table.
pub fn label_of(action: Action) -> &'static str {
    BINDINGS.iter().find(|b| b.action == action).map_or("", |b| b.label.split(", ").next().unwrap_or(b.label))
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
    let binding = BINDINGS.iter().find(|b| b.keys.iter().any(|k| matches(k, event)))?;
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
    fn no_key_has_two_meanings() {
        let all: Vec<&Key> = BINDINGS.iter().flat_map(|b| b.keys).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(a), "{a:?} is bound twice");
        }
    }
}
