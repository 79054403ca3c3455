//! The keys and clicks the console reads, in ui's own terms: the binary turns its terminal
//! library's events into these, so that the presentation depends on no terminal library. The
//! names follow crossterm's, so that the key table reads as a terminal programmer expects.

/// A key pressed (releases and repeats never reach the console).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyEvent {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyEvent {
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        Self { code, modifiers }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Backspace,
    Enter,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,
    PageDown,
    Tab,
    /// Shift-Tab.
    BackTab,
    Delete,
    Insert,
    /// F1 to F12 (and beyond, on keyboards that have them).
    F(u8),
    Char(char),
    Esc,
}

/// The modifier keys held with a key or a click: a small set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyModifiers(u8);

impl KeyModifiers {
    pub const NONE: Self = Self(0);
    pub const SHIFT: Self = Self(1);
    pub const CONTROL: Self = Self(2);
    pub const ALT: Self = Self(4);

    /// Whether every modifier of `other` is held.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// These modifiers without those of `other`.
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl std::ops::BitOr for KeyModifiers {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for KeyModifiers {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

/// A click, a release or a turn of the wheel, at a cell of the screen (0,0 top left).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MouseEvent {
    pub kind: MouseEventKind,
    pub column: u16,
    pub row: u16,
    pub modifiers: KeyModifiers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MouseEventKind {
    Down(MouseButton),
    Up(MouseButton),
    Drag(MouseButton),
    Moved,
    ScrollDown,
    ScrollUp,
    ScrollLeft,
    ScrollRight,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MouseButton {
    Left,
    Right,
    Middle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_combine_and_subtract() {
        let chord = KeyModifiers::CONTROL | KeyModifiers::SHIFT;
        assert!(chord.contains(KeyModifiers::CONTROL) && chord.contains(KeyModifiers::SHIFT));
        assert!(!chord.contains(KeyModifiers::ALT));
        assert_eq!(chord.difference(KeyModifiers::SHIFT), KeyModifiers::CONTROL);
        assert!(KeyModifiers::NONE.contains(KeyModifiers::NONE));
        let mut held = KeyModifiers::NONE;
        held |= KeyModifiers::ALT;
        assert_eq!(held, KeyModifiers::ALT);
    }
}
