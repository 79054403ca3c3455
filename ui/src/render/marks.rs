//! What is written on the graph beside its links: the messages held at a sender (`◆2`), the copies
//! a node dropped (`✕dup`, `✕stale`, `✕catch-up`), what the operator did to a link (`✂ cut`,
//! `+500ms`, `20% loss`) and a record crossing (`✉`). Each goes in cells that nothing else holds
//! (no label, no other mark, and a cell of air between two on a row, so that `kiwi v1` beside `◆1`
//! never reads `kiwi v1◆1`), the most needed first: a held message is always drawn, near its
//! sender when there is room and as near as there is room otherwise; a cut is always said.

use ratatui::layout::Rect;

/// Where on its link a held message goes, as fractions of the link from its sender: near the
/// sender (it waits there), never past the middle (which would say the other way).
pub const NEAR_SENDER: [f64; 9] = [0.3, 0.25, 0.35, 0.2, 0.4, 0.15, 0.45, 0.1, 0.5];
/// Where a dropped copy is marked, from the node that dropped it.
pub const NEAR_RECEIVER: [f64; 8] = [0.25, 0.2, 0.3, 0.15, 0.35, 0.1, 0.4, 0.45];
/// Where what concerns the whole link goes (a cut, a delay): its middle, else anywhere along it.
pub const ALONG: [f64; 15] = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85];

/// How far from its link a dropped copy's mark may go when its link has no room (columns count a
/// third of rows: a cell is about twice as tall as it is wide, and a row away reads as further).
pub const NEARBY: u16 = 9;

/// Cells of the graph that something holds, row by row.
pub struct Board {
    inner: Rect,
    /// Row, first column, last column.
    taken: Vec<(u16, u16, u16)>,
}

/// A mark put on the board: where, and which of its forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub column: u16,
    pub row: u16,
    pub text: String,
}

/// How far a place is from where a mark wanted to be.
fn distance((column, row): (u16, u16), (to_column, to_row): (u16, u16)) -> u16 {
    3 * row.abs_diff(to_row) + column.abs_diff(to_column)
}

impl Board {
    pub fn new(inner: Rect) -> Self {
        Self { inner, taken: Vec::new() }
    }

    /// Whether `width` cells from `column` on `row` are inside the graph, and neither hold nor
    /// touch anything placed on that row.
    pub fn free(&self, column: u16, row: u16, width: u16) -> bool {
        let inside = row >= self.inner.y
            && row < self.inner.bottom()
            && column >= self.inner.x
            && column + width <= self.inner.right();
        inside && self.taken.iter().all(|&(r, first, last)| r != row || column + width < first || column > last + 1)
    }

    /// Holds `width` cells from `column` on `row`.
    pub fn take(&mut self, column: u16, row: u16, width: u16) {
        if width > 0 {
            self.taken.push((row, column, column + width - 1));
        }
    }

    /// Puts a mark in the first of `forms` (fullest first) that fits centred on one of `spots`
    /// (in order of preference) or a row above or below; failing that, its fullest form in the
    /// free place nearest the first spot, at most `reach` away (`None`: anywhere on the graph).
    /// `None` only when there is no room within reach.
    pub fn place(&mut self, forms: &[String], spots: &[(u16, u16)], reach: Option<u16>) -> Option<Placed> {
        for text in forms {
            let width = text.chars().count() as u16;
            for &(column, row) in spots {
                let left =
                    column.saturating_sub(width / 2).clamp(self.inner.x, self.inner.right().saturating_sub(width));
                for offset in [0i16, -1, 1] {
                    let Some(row) = row.checked_add_signed(offset) else { continue };
                    if self.free(left, row, width) {
                        return Some(self.put(left, row, text));
                    }
                }
            }
        }
        let (text, &wanted) = (forms.first()?, spots.first()?);
        let width = text.chars().count() as u16;
        let columns = self.inner.x..self.inner.right().saturating_sub(width).saturating_add(1);
        let nearest = (self.inner.y..self.inner.bottom())
            .flat_map(|row| columns.clone().map(move |column| (column, row)))
            .filter(|&(column, row)| {
                let centre = (column + width / 2, row);
                reach.is_none_or(|reach| distance(centre, wanted) <= reach) && self.free(column, row, width)
            })
            .min_by_key(|&(column, row)| distance((column + width / 2, row), wanted))?;
        Some(self.put(nearest.0, nearest.1, text))
    }

    fn put(&mut self, column: u16, row: u16, text: &str) -> Placed {
        self.take(column, row, text.chars().count() as u16);
        Placed { column, row, text: text.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_never_share_or_touch_cells_and_the_needed_ones_always_find_room() {
        let mut board = Board::new(Rect::new(0, 0, 20, 3));
        board.take(0, 1, 12);
        let hold = |board: &mut Board| board.place(&["◆1".into()], &[(5, 1)], None);
        // Not on the label's row: a row above it.
        assert_eq!(hold(&mut board), Some(Placed { column: 4, row: 0, text: "◆1".into() }));
        // The same spot again: beside, never on top (with a cell of air).
        let second = hold(&mut board).unwrap();
        assert!(second.row != 0 || second.column >= 7 || second.column + 2 < 4, "{second:?}");
        // A mark with no room within its reach is left out rather than drawn over another.
        let mut full = Board::new(Rect::new(0, 0, 4, 1));
        full.take(0, 0, 4);
        assert_eq!(full.place(&["✕dup".into(), "✕".into()], &[(1, 0)], Some(NEARBY)), None);
    }
}
