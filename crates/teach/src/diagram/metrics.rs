//! How wide a text is drawn, so that a figure can be laid out without a renderer. The widths are
//! DejaVu Sans's, the first font the figures ask for (its oblique has the same widths); Helvetica
//! and Arial, the fallbacks, are narrower, so a box measured here holds the text in any of them.

/// Advance widths of `' '` to `'~'`, in thousandths of an em, read from DejaVuSans.ttf.
const REGULAR: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863,
    748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635,
    615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636,
    337, 636, 838,
];

/// The same of DejaVuSans-Bold.ttf.
const BOLD: [u16; 95] = [
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995,
    837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716,
    678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712,
    365, 712, 838,
];

/// A size and a weight of the figures' font.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
}

impl Font {
    pub const fn plain(size: f64) -> Self {
        Self { size, bold: false }
    }

    pub const fn bold(size: f64) -> Self {
        Self { size, bold: true }
    }

    /// How wide `text` is drawn.
    pub fn width(self, text: &str) -> f64 {
        let table = if self.bold { &BOLD } else { &REGULAR };
        let ems: u32 = text
            .chars()
            .map(|c| match c {
                ' '..='~' => u32::from(table[c as usize - 32]),
                '·' => 318,
                '–' => 500,
                '»' => 612,
                '◆' => 769,
                // Arrows, ticks and crosses, ≈, ±, ×: DejaVu draws them all this wide.
                '→' | '←' | '✓' | '✗' | '✕' | '≈' | '±' | '×' => 838,
                // Anything else as wide as a letter can be.
                _ => 1000,
            })
            .sum();
        f64::from(ems) / 1000.0 * self.size
    }

    /// From one baseline to the next.
    pub fn line_height(self) -> f64 {
        (self.size * 1.25).round()
    }

    /// How far a line reaches above its baseline (accents included) and below it.
    pub fn ascent(self) -> f64 {
        self.size * 0.95
    }

    pub fn descent(self) -> f64 {
        self.size * 0.25
    }
}

/// `text` in lines no wider than `room`: whole words where they fit, and a word wider than a line
/// split where it must be, so that nothing is left out (the lines, joined, are the text).
pub fn wrap(text: &str, room: f64, font: Font) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        let joined = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if font.width(&joined) <= room {
            *line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(String::new());
        }
        // The word on lines of its own, as much of it on each as fits.
        for c in word.chars() {
            let line = lines.last_mut().expect("never empty");
            if !line.is_empty() && font.width(line) + font.width(&c.to_string()) > room {
                lines.push(String::new());
            }
            lines.last_mut().expect("never empty").push(c);
        }
    }
    lines
}

/// `text`, or as much of it as fits in `room` followed by `…`.
pub fn shorten(text: &str, room: f64, font: Font) -> String {
    if font.width(text) <= room {
        return text.to_string();
    }
    let mut kept = String::new();
    for c in text.chars() {
        if font.width(&format!("{kept}{c}…")) > room {
            break;
        }
        kept.push(c);
    }
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_add_up_and_bold_is_wider() {
        let font = Font::plain(10.0);
        assert!((font.width("0123456789") - 63.6).abs() < 1e-9, "DejaVu's digits are 0.636 em");
        assert!(Font::bold(10.0).width("Campbell") > font.width("Campbell"));
        assert_eq!(font.width(""), 0.0);
    }

    #[test]
    fn wrapping_keeps_every_character_and_each_line_fits() {
        let font = Font::plain(10.0);
        let reply = "AT Riley +0.000106843 fig +34.068930-118.445127 1795693926.418259014";
        let lines = wrap(reply, 160.0, font);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), reply, "words kept whole where they fit");
        assert!(lines.iter().all(|line| font.width(line) <= 160.0), "{lines:?}");
        let long = "kiwi.cs.ucla.edu.with.a.very.long.name.indeed";
        let split = wrap(long, 60.0, font);
        assert_eq!(split.concat(), long, "a word wider than a line is split, not cut");
        assert!(split.iter().all(|line| font.width(line) <= 60.0), "{split:?}");
        assert_eq!(wrap("", 50.0, font), [""]);
    }

    #[test]
    fn shortening_fits_the_room() {
        let font = Font::plain(10.0);
        assert_eq!(shorten("kiwi", 100.0, font), "kiwi");
        let short = shorten("kiwi.cs.ucla.edu", 50.0, font);
        assert!(short.ends_with('…') && font.width(&short) <= 50.0, "{short}");
    }
}
