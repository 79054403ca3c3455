//! Where each row of a diagram goes down the page: spaced by the time between them, a long gap
//! drawn short and marked, never so close that two rows' texts overlap; then moved apart until no
//! message's arrow crosses a mark or another arrow's label.

use std::time::{Duration, SystemTime};

use super::Sheet;
use super::items::{Item, Rect, SMALL, Shape};

/// Pixels a millisecond, up to `MOST` between two rows; a row is `LEAST` below the one before at
/// least, so that time always flows down.
const PER_MS: f64 = 0.6;
const LEAST: f64 = 6.0;
const MOST: f64 = 45.0;
/// A gap longer than this is drawn compressed, with its length written on it.
pub const COMPRESS_AFTER: Duration = Duration::from_millis(150);
/// Space kept between boxes.
const PAD: f64 = 2.0;
/// Rounds of moving rows apart for arrows that cross a mark or a label, and the most room added
/// before a row for them: what is still crossed after them is drawn under the text's halo.
const ROUNDS: usize = 60;
const MOST_ADDED: f64 = 100.0;
/// More arrows across a mark or a label than this, or more messages in flight over it than
/// `BURST` (a burst in a herd that is not conducted), and no room would clear them all: it is
/// left to its halo.
const CROWD: usize = 3;
const BURST: usize = 8;

pub struct Placed {
    /// Each row's line.
    pub ys: Vec<f64>,
    /// The gaps drawn shorter than they were: where, and how long they were.
    pub gaps: Vec<(f64, Duration)>,
    /// The lowest thing drawn.
    pub bottom: f64,
}

/// Places `items` (which happened at `times`) from `sheet.top` down, the time axis starting at
/// `start`.
pub fn place(items: &[Item], times: &[SystemTime], start: SystemTime, sheet: &Sheet) -> Placed {
    let boxes: Vec<Vec<Rect>> = items.iter().map(|item| item.boxes(sheet)).collect();
    let mut extra = vec![0.0; items.len()];
    let mut placed = stack(items, &boxes, times, start, sheet, &extra);
    for _ in 0..ROUNDS {
        let pushes = clashes(items, &placed.ys);
        if pushes.is_empty() {
            break;
        }
        let mut moved = false;
        for (row, by) in pushes {
            let more = (extra[row] + by).min(MOST_ADDED);
            moved |= more > extra[row];
            extra[row] = more;
        }
        if !moved {
            break;
        }
        placed = stack(items, &boxes, times, start, sheet, &extra);
    }
    placed
}

/// How far below the row before a row goes for `gap` of time.
fn step(gap: Duration) -> f64 {
    (gap.as_secs_f64() * 1e3 * PER_MS).clamp(LEAST, MOST)
}

/// An arrow drawn: from `(x1, y1)` to `(x2, y2)`.
#[derive(Clone, Copy)]
struct Segment {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl Segment {
    /// How low it goes over the columns of `b`, if it passes over them at all.
    fn lowest_over(&self, b: &Rect) -> Option<f64> {
        let (x0, x1) = ((b.x0 - PAD).max(self.x1.min(self.x2)), (b.x1 + PAD).min(self.x1.max(self.x2)));
        if x0 > x1 {
            return None;
        }
        let y = |x: f64| self.y1 + (self.y2 - self.y1) * (x - self.x1) / (self.x2 - self.x1);
        Some(y(x0).max(y(x1)))
    }
}

/// The lowest line at `least` or below it where `boxes` clear every box placed and every arrow
/// drawn.
fn fit(least: f64, boxes: &[Rect], placed: &[Rect], drawn: &[Segment]) -> f64 {
    let mut y = least;
    for b in boxes {
        for p in placed.iter().filter(|p| b.beside(p, PAD)) {
            y = y.max(p.bottom + PAD - b.top);
        }
        for lowest in drawn.iter().filter_map(|s| s.lowest_over(b)) {
            y = y.max(lowest + PAD - b.top);
        }
    }
    y
}

/// One pass down the rows: each where its time puts it (plus `extra`), or lower if its boxes
/// would overlap what is above them (a box, or an arrow that has landed).
fn stack(
    items: &[Item],
    boxes: &[Vec<Rect>],
    times: &[SystemTime],
    start: SystemTime,
    sheet: &Sheet,
    extra: &[f64],
) -> Placed {
    // How far above its line a row's boxes reach: what is placed higher can be forgotten.
    let reach = boxes.iter().flatten().map(|b| -b.top).fold(0.0, f64::max) + PAD;
    let band = Rect { x0: sheet.left, x1: sheet.right, top: -3.0 - SMALL.ascent(), bottom: 2.0 };
    // What is above `top` (the frame's title and lanes' names) is out of bounds.
    let header = Rect { x0: sheet.left, x1: sheet.right, top: sheet.top - 1.0, bottom: sheet.top };
    // Each message's arrow, by the row it lands on.
    let mut landing: Vec<Vec<(usize, f64, f64)>> = vec![Vec::new(); items.len()];
    for (i, item) in items.iter().enumerate() {
        if let Shape::Message { receipt, from, to, .. } = item.shape {
            landing[receipt].push((i, from, to));
        }
    }
    let (mut ys, mut gaps): (Vec<f64>, Vec<(f64, Duration)>) = (Vec::with_capacity(boxes.len()), Vec::new());
    let (mut placed, mut drawn) = (vec![header], Vec::<Segment>::new());
    let (mut y, mut previous) = (sheet.top, start);
    for (i, row) in boxes.iter().enumerate() {
        let gap = times[i].duration_since(previous).unwrap_or_default();
        let mut least = y + step(gap);
        if gap > COMPRESS_AFTER {
            // A break across the lanes, written with how long it really was.
            let at = fit(y + 2.0 * LEAST + SMALL.line_height(), &[band], &placed, &drawn);
            placed.push(band.down(at));
            gaps.push((at, gap));
            least = at + 2.0 * LEAST;
        }
        y = fit(least, row, &placed, &drawn) + extra[i];
        placed.extend(row.iter().map(|b| b.down(y)));
        drawn.extend(landing[i].iter().map(|&(send, x1, x2)| Segment { x1, y1: ys[send], x2, y2: y }));
        placed.retain(|p| p.bottom + PAD > y - reach);
        drawn.retain(|s| s.y1.max(s.y2) + PAD > y - reach);
        ys.push(y);
        previous = times[i];
    }
    let bottom = placed.iter().map(|p| p.bottom).fold(y, f64::max);
    Placed { ys, gaps, bottom }
}

/// Where a message's arrow crosses a mark or a label, how much room to add before which row to
/// take it out: before the obstacle's row (it moves down, under the arrow) when the arrow crosses
/// its upper part, before the receipt's (the arrow's end moves down, under the obstacle) when it
/// crosses its lower part.
fn clashes(items: &[Item], ys: &[f64]) -> Vec<(usize, f64)> {
    // How many messages are in flight over each row's obstacle, wherever they are drawn.
    let mut flying = vec![0usize; items.len()];
    for (i, item) in items.iter().enumerate() {
        let Shape::Message { receipt, from, to, .. } = item.shape else { continue };
        for (k, other) in items.iter().enumerate().take(receipt).skip(i + 1) {
            if other.obstacle().is_some_and(|r| r.x0 < from.max(to) && from.min(to) < r.x1) {
                flying[k] += 1;
            }
        }
    }
    // Each crossing: the obstacle's row, and the push that would take it out.
    let mut found: Vec<(usize, (usize, f64))> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Shape::Message { receipt, from, to, .. } = item.shape else { continue };
        let (y1, y2) = (ys[i], ys[receipt]);
        for (k, other) in items.iter().enumerate().take(receipt).skip(i + 1) {
            let Some(obstacle) = other.obstacle().filter(|_| flying[k] <= BURST) else { continue };
            let r = obstacle.down(ys[k]);
            let (x0, x1) = (r.x0.max(from.min(to)), r.x1.min(from.max(to)));
            if x0 >= x1 {
                continue;
            }
            let t = |x: f64| (x - from) / (to - from);
            let y = |x: f64| y1 + (y2 - y1) * t(x);
            // The arrow goes down: it is highest at the end nearer its sender.
            let (high, low) = if t(x0) < t(x1) { (x0, x1) } else { (x1, x0) };
            let (top, bottom) = (r.top - PAD, r.bottom + PAD);
            if y(low) < top || y(high) > bottom {
                continue;
            }
            let push = if (y(high) + y(low)) / 2.0 <= (top + bottom) / 2.0 {
                (k, (y(low) - top + 1.0) / (1.0 - t(low)).max(0.1))
            } else {
                (receipt, (bottom - y(high) + 1.0) / t(high).max(0.1))
            };
            found.push((k, (push.0, push.1.clamp(1.0, 40.0))));
        }
    }
    let mut crossed = vec![0usize; items.len()];
    for (k, _) in &found {
        crossed[*k] += 1;
    }
    let mut pushes: Vec<(usize, f64)> = Vec::new();
    for (_, (row, by)) in found.into_iter().filter(|(k, _)| crossed[*k] <= CROWD) {
        match pushes.iter_mut().find(|(pushed, _)| *pushed == row) {
            Some((_, most)) => *most = most.max(by),
            None => pushes.push((row, by)),
        }
    }
    pushes
}
