//! What each row of a diagram draws before it has its place down the page: an arrow between two
//! lanes, a client's line and the reply, a fault's mark, a line of the story; and the boxes its
//! texts take around the row's baseline, which the placing keeps apart.

use herdctl_core::event::Arrival;

use super::Sheet;
use super::metrics::{Font, shorten, wrap};
use crate::trace::{Kind, Row, caption_text, pairs};

/// The type of arrows' labels, client lines and marks.
pub const SMALL: Font = Font::plain(10.0);
/// The type of the story written across.
pub const STORY: Font = Font::plain(11.0);

/// A box, around a row's baseline (`top` above it is negative) or, once placed, on the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Rect {
    pub fn down(self, y: f64) -> Rect {
        Rect { top: self.top + y, bottom: self.bottom + y, ..self }
    }

    pub fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            x1: self.x1.max(other.x1),
            top: self.top.min(other.top),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// Whether the two share columns (`pad` apart or closer).
    pub fn beside(&self, other: &Rect, pad: f64) -> bool {
        self.x0 < other.x1 + pad && other.x0 < self.x1 + pad
    }
}

/// A block of text: its lines, anchored at `x` (at their start, or at their end), the first
/// line's baseline `dy` below the row's (above it when negative).
#[derive(Clone, Debug)]
pub struct Text {
    pub lines: Vec<String>,
    pub x: f64,
    pub end: bool,
    pub dy: f64,
    pub font: Font,
    pub italic: bool,
    pub fill: &'static str,
}

impl Text {
    fn new(lines: Vec<String>, x: f64, font: Font, fill: &'static str) -> Self {
        Self { lines, x, end: false, dy: 0.0, font, italic: false, fill }
    }

    /// Its lines written upwards from just above the row's line, the last line nearest it.
    fn above(mut self) -> Self {
        self.dy = -3.0 - self.font.line_height() * (self.lines.len() as f64 - 1.0);
        self
    }

    pub fn rect(&self) -> Rect {
        let width = self.lines.iter().map(|line| self.font.width(line)).fold(0.0, f64::max);
        let x0 = if self.end { self.x - width } else { self.x };
        let last = self.dy + self.font.line_height() * (self.lines.len() as f64 - 1.0);
        Rect { x0, x1: x0 + width, top: self.dy - self.font.ascent(), bottom: last + self.font.descent() }
    }
}

/// What a row draws.
#[derive(Clone, Debug)]
pub enum Shape {
    /// Nothing drawn (a send whose receipt is not in the rows: in flight at the end, or lost
    /// with its link).
    Nothing,
    /// A receipt: the head of its send's arrow, on this lane.
    Receipt { x: f64 },
    /// A receipt whose send is not in the rows (a burst's send that the recording skipped, or
    /// one older than the rows kept): half an arrow from the sender's side.
    HalfArrow { from: f64, to: f64, label: Text },
    /// A peer message, from this row's lane to the lane of its receipt (row `receipt`).
    Message { receipt: usize, from: f64, to: f64, color: &'static str, dashed: bool, label: Text },
    /// A client's line, or the reply, between the clients' lane and a server's.
    Client { from: f64, to: f64, color: &'static str, text: Text },
    /// A fault: a dot on a lane (the clients' for the herd's own) and what happened.
    Mark { x: f64, text: Text },
    /// The story, written across: a caption, a section, a check.
    Banner { text: Text },
}

#[derive(Clone, Debug)]
pub struct Item {
    pub shape: Shape,
    /// The whole of it, in words: the trace's tooltip.
    pub title: String,
    /// What it is, for a reader of the SVG (`message`, `client`, `fault`, `story`).
    pub class: &'static str,
}

/// The dot of a mark, around the row's baseline.
fn dot(x: f64) -> Rect {
    Rect { x0: x - 4.0, x1: x + 4.0, top: -8.0, bottom: 1.0 }
}

impl Item {
    /// The boxes it takes around its row's baseline, which no other row's may overlap.
    pub fn boxes(&self, sheet: &Sheet) -> Vec<Rect> {
        match &self.shape {
            Shape::Nothing => Vec::new(),
            Shape::Receipt { x } => vec![Rect { x0: x - 7.0, x1: x + 2.0, top: -4.0, bottom: 4.0 }],
            Shape::HalfArrow { from, to, label } => {
                vec![Rect { x0: from.min(*to) - 2.0, x1: from.max(*to) + 2.0, top: -4.0, bottom: 4.0 }, label.rect()]
            }
            Shape::Message { label, .. } => vec![label.rect()],
            Shape::Client { from, to, text, .. } => {
                // The arrow too: a mark on a lane it crosses would be hidden by it.
                vec![text.rect(), Rect { x0: from.min(*to), x1: from.max(*to), top: -2.0, bottom: 2.0 }]
            }
            Shape::Mark { x, text } => vec![text.rect().union(dot(*x))],
            // The story takes the page's whole width: nothing is written beside it.
            Shape::Banner { text } => vec![Rect { x0: sheet.left, x1: sheet.right, ..text.rect() }],
        }
    }

    /// What a peer message's arrow crossing it would hide: a mark, or an arrow's label.
    pub fn obstacle(&self) -> Option<Rect> {
        match &self.shape {
            Shape::Message { label, .. } => Some(label.rect()),
            Shape::Mark { x, text } => Some(text.rect().union(dot(*x))),
            _ => None,
        }
    }
}

/// What a fault's mark says: the event's words, shorter where they say more than a figure needs
/// (the trace's tooltip has them whole).
fn mark_words(row: &Row) -> String {
    let peer = row.peer.as_deref().unwrap_or_default();
    let client = || row.record.as_deref().and_then(|line| line.split(' ').nth(3)).unwrap_or_default().to_string();
    match row.fault {
        Some("cut") => format!("link to {peer} cut"),
        Some("cut_one_way") => format!("link to {peer} cut one way"),
        Some("heal") => format!("link to {peer} healed"),
        Some("heal_one_way") => format!("link to {peer} healed one way"),
        Some("node_up") => "node up".to_string(),
        Some("node_down") => "node down".to_string(),
        Some("dropped") => format!("{} h{} to {peer} dropped", client(), row.hops.unwrap_or_default()),
        Some("lost") => format!("{} h{} to {peer} lost", client(), row.hops.unwrap_or_default()),
        _ => row.text.clone(),
    }
}

/// Each row's item. A mark is written on the side of its lane that no message in flight
/// crosses, where there is one.
pub fn items(rows: &[&Row], sheet: &Sheet) -> Vec<Item> {
    let receipts = pairs(rows.iter().copied());
    let joined: std::collections::HashSet<usize> = receipts.values().copied().collect();
    // The lanes each message in flight spans, by the rows it is in flight over.
    let spans: Vec<(usize, usize, f64, f64)> = receipts
        .iter()
        .filter_map(|(&send, &receipt)| {
            let from = sheet.lane(&rows[send].node)?;
            let to = sheet.lane(rows[send].peer.as_deref()?)?;
            Some((send, receipt, from.min(to), from.max(to)))
        })
        .collect();
    let crossed = |row: usize, rect: Rect| {
        spans.iter().any(|&(send, receipt, x0, x1)| send < row && row < receipt && rect.x0 < x1 && x0 < rect.x1)
    };
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let title = row.text.clone();
            let (shape, class) = match row.kind {
                Kind::PeerReceive => match (sheet.lane(&row.node), row.peer.as_deref().and_then(|p| sheet.lane(p))) {
                    (Some(x), Some(sender)) if !joined.contains(&i) => {
                        // Half the way from the sender's lane: its send is not in the rows.
                        let from = x + (sender - x) / 2.0;
                        let words = format!("{} h{} (send not recorded)", row.text, row.hops.unwrap_or_default());
                        let (at, end) = if sender >= x { (from - 5.0, true) } else { (from + 5.0, false) };
                        let label = Text { end, ..Text::new(vec![words], at, SMALL, "#999").above() };
                        (Shape::HalfArrow { from, to: x, label }, "half")
                    }
                    (Some(x), _) => (Shape::Receipt { x }, "receipt"),
                    _ => (Shape::Nothing, "receipt"),
                },
                Kind::Held | Kind::Learned => (Shape::Nothing, "receipt"),
                Kind::PeerSend => match (receipts.get(&i), sheet.lane(&row.node), row.peer.as_deref()) {
                    (Some(&receipt), Some(from), Some(peer)) => match sheet.lane(peer) {
                        Some(to) => (message(row, rows[receipt], receipt, from, to), "message"),
                        None => (Shape::Nothing, "message"),
                    },
                    _ => (Shape::Nothing, "message"),
                },
                Kind::ClientIn | Kind::ClientOut => match sheet.lane(&row.node) {
                    Some(x) => (client(row, sheet, x), "client"),
                    None => (Shape::Nothing, "client"),
                },
                Kind::Fault => {
                    let words = mark_words(row);
                    let x = sheet.lane(&row.node);
                    let mut text = Text::new(vec![words], x.unwrap_or(sheet.clients) + 6.0, SMALL, "#a00");
                    if let Some(x) = x {
                        let width = SMALL.width(&text.lines[0]);
                        let left = Text { x: x - 6.0, end: true, ..text.clone() };
                        let fits_right = x + 6.0 + width <= sheet.right;
                        let fits_left = x - 6.0 - width >= sheet.clients;
                        // Right of the lane, unless the page ends first or a message crosses there.
                        if !fits_right || (crossed(i, text.rect()) && fits_left && !crossed(i, left.rect())) {
                            text = left;
                        }
                    }
                    (Shape::Mark { x: x.unwrap_or(sheet.clients), text }, "fault")
                }
                Kind::Caption | Kind::Section | Kind::Expectation => (banner(row, sheet), "story"),
            };
            let title = match &shape {
                Shape::Message { .. } => message_title(row),
                _ => title,
            };
            Item { shape, title, class }
        })
        .collect()
}

/// A peer message's arrow: coloured by what became of it where it arrived.
fn message(send: &Row, receipt: &Row, index: usize, from: f64, to: f64) -> Shape {
    let arrival = receipt.arrival.unwrap_or(Arrival::New);
    let (color, dashed, note) = match (arrival, send.catch_up == Some(true)) {
        (Arrival::Duplicate, _) => ("#999", true, " dup"),
        (Arrival::Stale, _) => ("#999", true, " stale"),
        (Arrival::New, true) => ("#36c", false, ""),
        (Arrival::New, false) => ("#c60", false, ""),
    };
    // The hop and what became of the copy are always said; the client as much as fits (an
    // arrow to the next lane has room for little, and a label may reach past that lane).
    let tail = format!(" h{}{note}", send.hops.unwrap_or_default());
    let room = ((to - from).abs() - 12.0).max(110.0) - SMALL.width(&tail);
    let words = format!("{}{tail}", shorten(&send.text, room, SMALL));
    let (x, end) = if to >= from { (from + 5.0, false) } else { (from - 5.0, true) };
    let label = Text { end, ..Text::new(vec![words], x, SMALL, color).above() };
    Shape::Message { receipt: index, from, to, color, dashed, label }
}

/// The whole message, as a tooltip: `Riley → Jaquez, hop 1 dup: AT Riley …`.
fn message_title(send: &Row) -> String {
    format!(
        "{} → {}, hop {}{}: {}",
        send.node,
        send.peer.as_deref().unwrap_or_default(),
        send.hops.unwrap_or_default(),
        if send.catch_up == Some(true) { ", catch-up" } else { "" },
        send.record.as_deref().unwrap_or_default()
    )
}

/// A client's line or the reply: an arrow between the clients' lane and the server's, and the
/// line itself whole, wrapped in the clients' column where no peer message ever crosses.
fn client(row: &Row, sheet: &Sheet, x: f64) -> Shape {
    let (from, to, color) =
        if row.kind == Kind::ClientIn { (sheet.clients, x, "#0a7") } else { (x, sheet.clients, "#05a") };
    let room = sheet.column() - 10.0;
    let text = Text::new(wrap(&row.text, room, SMALL), sheet.clients + 5.0, SMALL, color).above();
    Shape::Client { from, to, color, text }
}

/// A line of the story across the page, wrapped to its width.
fn banner(row: &Row, sheet: &Sheet) -> Shape {
    let words = match row.kind {
        Kind::Caption => format!("» {}", row.text),
        _ => caption_text(row),
    };
    let fill = match (&row.kind, row.value.as_deref()) {
        (Kind::Expectation, Some("held")) => "#070",
        (Kind::Expectation, _) => "#a00",
        _ => "#222",
    };
    let font = if row.kind == Kind::Section { Font::bold(12.0) } else { STORY };
    let x = sheet.clients;
    let mut text = Text::new(wrap(&words, sheet.right - x, font), x, font, fill);
    text.italic = row.kind != Kind::Section;
    Shape::Banner { text }
}
