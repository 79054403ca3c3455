//! The terminal under the console: taken into the console's mode and given back as it was on
//! every way out (panics included), and its keys and clicks read, one stream for the process,
//! and turned into `ui`'s own events (the presentation knows no terminal library).

use anyhow::Context;
use crossterm::event::{Event, EventStream};
use herdctl_ui::input::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// Clicks and the wheel, reported in SGR form: presses and releases only (mode 1000), not every
/// movement of the mouse (1003, which crossterm's `EnableMouseCapture` also asks for), so that a
/// resting hand costs no frames.
const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &str = "\x1b[?1006l\x1b[?1000l";

/// The terminal in the console's mode (ratatui's: raw, the alternate screen), with the mouse if
/// asked for.
pub fn open(mouse: bool) -> anyhow::Result<ratatui::DefaultTerminal> {
    let terminal = ratatui::try_init().context("cannot set up the terminal for the console")?;
    if mouse {
        use std::io::Write;
        let mut out = std::io::stdout();
        // A terminal that cannot take it just goes without the mouse.
        let _ = out.write_all(MOUSE_ON.as_bytes()).and_then(|()| out.flush());
    }
    Ok(terminal)
}

/// The terminal as it was: the mouse given back (harmless when it was never taken), then
/// ratatui's restore.
pub fn close() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = out.write_all(MOUSE_OFF.as_bytes()).and_then(|()| out.flush());
    ratatui::restore();
}

/// ratatui's hook restores the terminal on any panic. A panic in a node's task is caught (by
/// tokio, or by a link, which redials) and the console goes on, so there it must not leave the
/// terminal: it is written to `herdctl.log` instead. A panic of the console's own thread (the one
/// that set this up) restores the terminal and is printed, as before.
pub fn restore_only_for_the_consoles_own_panics() {
    let console = std::thread::current().id();
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == console {
            use std::io::Write;
            let _ = std::io::stdout().write_all(MOUSE_OFF.as_bytes());
            restore_and_print(info);
        } else {
            tracing::error!("a task panicked and was stopped: {info}");
        }
    }));
}

/// The terminal's keys and clicks. crossterm reads them on a thread behind each `EventStream`,
/// and a stream made after another was dropped may lose a key to the old one's thread (the `q`
/// of a herd gone live from a replay, say): so the process keeps one, and each console borrows it.
static KEY_STREAM: std::sync::Mutex<Option<EventStream>> = std::sync::Mutex::new(None);

/// The process's key stream, borrowed until dropped.
pub struct Keys(Option<EventStream>);

impl Keys {
    pub fn take() -> Self {
        let kept = KEY_STREAM.lock().unwrap_or_else(|p| p.into_inner()).take();
        Self(Some(kept.unwrap_or_default()))
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        *KEY_STREAM.lock().unwrap_or_else(|p| p.into_inner()) = self.0.take();
    }
}

impl std::ops::Deref for Keys {
    type Target = EventStream;
    fn deref(&self) -> &EventStream {
        self.0.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Keys {
    fn deref_mut(&mut self) -> &mut EventStream {
        self.0.as_mut().expect("held until dropped")
    }
}

/// What the terminal said, as the console takes it.
pub enum Input {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resized,
}

/// A terminal event in `ui`'s terms; `None` for what the console does not read (key releases
/// and repeats, focus changes, pastes, keys it has no use for).
pub fn input(event: Event) -> Option<Input> {
    match event {
        Event::Key(key) if key.kind == crossterm::event::KeyEventKind::Press => {
            Some(Input::Key(KeyEvent::new(key_code(key.code)?, modifiers(key.modifiers))))
        }
        Event::Mouse(mouse) => Some(Input::Mouse(MouseEvent {
            kind: mouse_kind(mouse.kind),
            column: mouse.column,
            row: mouse.row,
            modifiers: modifiers(mouse.modifiers),
        })),
        Event::Resize(..) => Some(Input::Resized),
        _ => None,
    }
}

fn key_code(code: crossterm::event::KeyCode) -> Option<KeyCode> {
    use crossterm::event::KeyCode as Crossterm;
    Some(match code {
        Crossterm::Backspace => KeyCode::Backspace,
        Crossterm::Enter => KeyCode::Enter,
        Crossterm::Left => KeyCode::Left,
        Crossterm::Right => KeyCode::Right,
        Crossterm::Up => KeyCode::Up,
        Crossterm::Down => KeyCode::Down,
        Crossterm::Home => KeyCode::Home,
        Crossterm::End => KeyCode::End,
        Crossterm::PageUp => KeyCode::PageUp,
        Crossterm::PageDown => KeyCode::PageDown,
        Crossterm::Tab => KeyCode::Tab,
        Crossterm::BackTab => KeyCode::BackTab,
        Crossterm::Delete => KeyCode::Delete,
        Crossterm::Insert => KeyCode::Insert,
        Crossterm::F(n) => KeyCode::F(n),
        Crossterm::Char(c) => KeyCode::Char(c),
        Crossterm::Esc => KeyCode::Esc,
        _ => return None,
    })
}

fn modifiers(held: crossterm::event::KeyModifiers) -> KeyModifiers {
    use crossterm::event::KeyModifiers as Crossterm;
    let mut modifiers = KeyModifiers::NONE;
    for (theirs, ours) in [
        (Crossterm::SHIFT, KeyModifiers::SHIFT),
        (Crossterm::CONTROL, KeyModifiers::CONTROL),
        (Crossterm::ALT, KeyModifiers::ALT),
    ] {
        if held.contains(theirs) {
            modifiers |= ours;
        }
    }
    modifiers
}

fn mouse_kind(kind: crossterm::event::MouseEventKind) -> MouseEventKind {
    use crossterm::event::MouseEventKind as Crossterm;
    let button = |button| match button {
        crossterm::event::MouseButton::Left => MouseButton::Left,
        crossterm::event::MouseButton::Right => MouseButton::Right,
        crossterm::event::MouseButton::Middle => MouseButton::Middle,
    };
    match kind {
        Crossterm::Down(b) => MouseEventKind::Down(button(b)),
        Crossterm::Up(b) => MouseEventKind::Up(button(b)),
        Crossterm::Drag(b) => MouseEventKind::Drag(button(b)),
        Crossterm::Moved => MouseEventKind::Moved,
        Crossterm::ScrollDown => MouseEventKind::ScrollDown,
        Crossterm::ScrollUp => MouseEventKind::ScrollUp,
        Crossterm::ScrollLeft => MouseEventKind::ScrollLeft,
        Crossterm::ScrollRight => MouseEventKind::ScrollRight,
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event as ct;

    use super::*;

    #[test]
    fn presses_and_clicks_become_uis_events_and_releases_do_not() {
        let press = ct::KeyEvent::new(ct::KeyCode::Char('K'), ct::KeyModifiers::SHIFT);
        let Some(Input::Key(key)) = input(Event::Key(press)) else { panic!("a press is read") };
        assert_eq!(key, KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT));
        let chord = ct::KeyEvent::new(ct::KeyCode::Left, ct::KeyModifiers::CONTROL | ct::KeyModifiers::ALT);
        let Some(Input::Key(key)) = input(Event::Key(chord)) else { panic!("a chord is read") };
        assert_eq!(key.modifiers, KeyModifiers::CONTROL | KeyModifiers::ALT);
        let release = ct::KeyEvent { kind: ct::KeyEventKind::Release, ..press };
        assert!(input(Event::Key(release)).is_none(), "a release is not a second press");
        let wheel =
            ct::MouseEvent { kind: ct::MouseEventKind::ScrollUp, column: 3, row: 4, modifiers: ct::KeyModifiers::NONE };
        let Some(Input::Mouse(mouse)) = input(Event::Mouse(wheel)) else { panic!("the wheel is read") };
        assert_eq!((mouse.kind, mouse.column, mouse.row), (MouseEventKind::ScrollUp, 3, 4));
        assert!(matches!(input(Event::Resize(80, 24)), Some(Input::Resized)));
        assert!(input(Event::FocusGained).is_none());
    }
}
