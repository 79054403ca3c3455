//! A sequence diagram of a trace's rows, for handouts and traces alike: a lane for the clients
//! and one per server, time flowing down, rows spaced by the time between them (a long gap drawn
//! short and marked), never two texts overlapping, no arrow over a fault's mark, and every client
//! line and reply written whole. The caller frames it (title, lanes' names, legend).

mod draw;
mod items;
pub mod metrics;
mod place;

use std::time::SystemTime;

use crate::trace::Row;
use herdctl_core::topology::NodeName;

pub use draw::{human, px};
pub use metrics::Font;
pub use place::COMPRESS_AFTER;

/// Where things go across the page.
pub struct Sheet {
    /// The clients' lane: their lines and the replies are written right of it, in the column up
    /// to the first server's lane.
    pub clients: f64,
    /// Each server's lane, left to right.
    pub lanes: Vec<(NodeName, f64)>,
    /// What may be drawn on, across.
    pub left: f64,
    pub right: f64,
    /// The first row's line is below this.
    pub top: f64,
    /// Where a column of each row's time ends (the trace's), if there is one.
    pub times: Option<f64>,
    /// Whether each arrow carries its whole message as a tooltip (the trace's, for a browser).
    pub tooltips: bool,
}

impl Sheet {
    /// Lanes spread evenly from `first` to `last`, in `nodes`' order.
    pub fn lanes(nodes: &[NodeName], first: f64, last: f64) -> Vec<(NodeName, f64)> {
        let step = if nodes.len() > 1 { (last - first) / (nodes.len() - 1) as f64 } else { 0.0 };
        nodes.iter().enumerate().map(|(i, node)| (node.clone(), first + step * i as f64)).collect()
    }

    pub fn lane(&self, name: &str) -> Option<f64> {
        self.lanes.iter().find(|(node, _)| &**node == name).map(|(_, x)| *x)
    }

    /// The clients' column: from their lane to the first server's.
    pub fn column(&self) -> f64 {
        self.lanes.first().map_or(self.right, |(_, x)| *x) - self.clients
    }
}

/// The time axis: where it starts (a section's start, say, so that a wait before its first event
/// shows), and the moment the times written beside the rows count from.
pub struct Clock {
    pub start: SystemTime,
    pub origin: SystemTime,
}

/// A diagram's body, ready to go in a frame, and how far down it reaches.
pub struct Diagram {
    pub svg: String,
    pub bottom: f64,
}

/// `rows` drawn on `sheet`, in their order (time order).
pub fn draw(rows: &[&Row], sheet: &Sheet, clock: &Clock) -> Diagram {
    let items = items::items(rows, sheet);
    let times: Vec<SystemTime> = rows.iter().map(|row| row.at).collect();
    let placed = place::place(&items, &times, clock.start, sheet);
    Diagram { svg: draw::body(&items, &placed, sheet, &times, clock), bottom: placed.bottom }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::items::{Rect, Shape};
    use super::*;
    use crate::trace::Kind;
    use herdctl_core::event::Arrival;

    const NODES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];

    fn sheet() -> Sheet {
        let nodes: Vec<NodeName> = NODES.iter().map(|&n| n.into()).collect();
        let lanes = Sheet::lanes(&nodes, 200.0, 724.0);
        Sheet { clients: 24.0, lanes, left: 8.0, right: 752.0, top: 74.0, times: None, tooltips: false }
    }

    /// A row `micros` after the epoch.
    fn row(micros: u64, node: &str, kind: Kind, peer: Option<&str>, text: &str) -> Row {
        Row {
            at: SystemTime::UNIX_EPOCH + Duration::from_micros(micros),
            node: node.into(),
            kind,
            peer: peer.map(Into::into),
            text: text.into(),
            record: None,
            hops: None,
            arrival: None,
            catch_up: None,
            fault: None,
            addr: None,
            value: None,
        }
    }

    fn message(micros: u64, from: &str, to: &str, kind: Kind, hops: u32) -> Row {
        let node = if kind == Kind::PeerSend { from } else { to };
        let peer = if kind == Kind::PeerSend { to } else { from };
        Row {
            record: Some("AT Riley +0.000106843 kiwi +34.068930-118.445127 1795690062.208300425".into()),
            hops: Some(hops),
            arrival: Some(Arrival::New),
            catch_up: Some(false),
            ..row(micros, node, kind, Some(peer), "kiwi")
        }
    }

    fn fault(micros: u64, node: &str, word: &'static str, peer: Option<&str>) -> Row {
        Row { fault: Some(word), ..row(micros, node, Kind::Fault, peer, "link to Campbell cut by the operator") }
    }

    /// A millisecond of a herd that is not conducted: messages in flight over lanes where faults
    /// happen, a client's line and its reply, a caption, all microseconds apart.
    fn a_busy_millisecond() -> Vec<Row> {
        vec![
            row(0, "Riley", Kind::ClientIn, None, "IAMAT kiwi +34.068930-118.445127 1795690062.208300425"),
            message(10, "Jaquez", "Bernard", Kind::PeerSend, 1),
            fault(20, "Juzang", "cut", Some("Campbell")),
            fault(30, "Campbell", "heal", Some("Juzang")),
            message(40, "Riley", "Juzang", Kind::PeerSend, 1),
            message(50, "Jaquez", "Bernard", Kind::PeerReceive, 1),
            row(
                60,
                "Riley",
                Kind::ClientOut,
                None,
                "AT Riley +0.000106843 kiwi +34.068930-118.445127 1795690062.208300425",
            ),
            message(70, "Bernard", "Riley", Kind::PeerSend, 2),
            fault(80, "Jaquez", "node_down", None),
            row(
                90,
                "herd",
                Kind::Caption,
                None,
                "While the messages fly, the operator cuts and heals, and a node dies.",
            ),
            message(100, "Riley", "Juzang", Kind::PeerReceive, 1),
            fault(110, "Campbell", "cut", Some("Bernard")),
            message(120, "Bernard", "Riley", Kind::PeerReceive, 2),
        ]
    }

    #[test]
    fn a_busy_millisecond_reads_with_no_text_over_another_and_no_arrow_over_a_mark() {
        let sheet = sheet();
        let rows = a_busy_millisecond();
        let rows: Vec<&Row> = rows.iter().collect();
        let items = items::items(&rows, &sheet);
        let times: Vec<SystemTime> = rows.iter().map(|row| row.at).collect();
        let placed = place::place(&items, &times, SystemTime::UNIX_EPOCH, &sheet);
        let ys = &placed.ys;
        assert!(ys.windows(2).all(|w| w[0] < w[1]), "time flows down: {ys:?}");
        assert!(placed.gaps.is_empty(), "no gap in a millisecond");
        assert!(placed.bottom - sheet.top < 400.0, "{}", placed.bottom);
        let placed_boxes: Vec<(usize, Rect)> = items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| item.boxes(&sheet).into_iter().map(move |b| (i, b.down(ys[i]))))
            .collect();
        for (n, (i, a)) in placed_boxes.iter().enumerate() {
            for (j, b) in &placed_boxes[n + 1..] {
                let apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.bottom <= b.top || b.bottom <= a.top;
                assert!(i == j || apart, "row {i} {a:?} overlaps row {j} {b:?}");
            }
        }
        let mut crossings = 0;
        for (i, item) in items.iter().enumerate() {
            let Shape::Message { receipt, from, to, .. } = item.shape else { continue };
            crossings += 1;
            let y = |x: f64| ys[i] + (ys[receipt] - ys[i]) * (x - from) / (to - from);
            for (k, other) in items.iter().enumerate().filter(|&(k, _)| k != i) {
                let Some(r) = other.obstacle().map(|r| r.down(ys[k])) else { continue };
                let (x0, x1) = (r.x0.max(from.min(to)), r.x1.min(from.max(to)));
                let clear = x0 >= x1 || y(x0).max(y(x1)) <= r.top || y(x0).min(y(x1)) >= r.bottom;
                assert!(clear, "the arrow of row {i} crosses row {k}'s {r:?}");
            }
        }
        assert_eq!(crossings, 3, "every message is drawn");
        // The reply, whole, over as many lines as the clients' column needs.
        let Shape::Client { text, .. } = &items[6].shape else { panic!("the reply") };
        assert!(text.lines.len() > 1);
        assert_eq!(text.lines.join(" "), rows[6].text);
    }

    #[test]
    fn a_burst_of_messages_in_flight_stays_compact() {
        // A thousand messages 10 µs apart, each in flight for a millisecond (a hundred at once,
        // across every lane), and faults among them: no room would clear every arrow, and the
        // diagram must not grow trying.
        let mut rows = Vec::new();
        for k in 0..1_000u64 {
            let (from, to) = (NODES[(k % 5) as usize], NODES[((k * 3 + 2) % 5) as usize]);
            let record = Some(format!("AT Riley +0.000100000 c{k} +1+1 1700000000.{k:09}"));
            rows.push(Row { record: record.clone(), ..message(k * 10, from, to, Kind::PeerSend, 1) });
            rows.push(Row { record, ..message(k * 10 + 1_000, from, to, Kind::PeerReceive, 1) });
            if k % 50 == 0 {
                rows.push(fault(k * 10 + 5, NODES[(k % 3) as usize], "cut", Some("Bernard")));
            }
        }
        rows.sort_by_key(|row| row.at);
        let rows: Vec<&Row> = rows.iter().collect();
        let clock = Clock { start: SystemTime::UNIX_EPOCH, origin: SystemTime::UNIX_EPOCH };
        let drawn = draw(&rows, &sheet(), &clock);
        assert!(drawn.bottom < 10.0 * rows.len() as f64, "{} rows, {} px", rows.len(), drawn.bottom);
    }

    #[test]
    fn rows_are_spaced_by_the_time_between_them_and_a_long_gap_is_drawn_short() {
        let sheet = sheet();
        let rows = [
            fault(0, "Riley", "cut", Some("Jaquez")),
            fault(1_000, "Riley", "heal", Some("Jaquez")),
            fault(51_000, "Riley", "cut", Some("Jaquez")),
            fault(2_051_000, "Riley", "heal", Some("Jaquez")),
        ];
        let rows: Vec<&Row> = rows.iter().collect();
        let items = items::items(&rows, &sheet);
        let times: Vec<SystemTime> = rows.iter().map(|row| row.at).collect();
        let placed = place::place(&items, &times, SystemTime::UNIX_EPOCH, &sheet);
        let ys = &placed.ys;
        assert!(ys[2] - ys[1] > ys[1] - ys[0], "50 ms is drawn longer than 1 ms: {ys:?}");
        assert_eq!(placed.gaps.len(), 1, "two seconds are drawn short");
        assert_eq!(placed.gaps[0].1, Duration::from_secs(2));
        assert!(ys[1] < placed.gaps[0].0 && placed.gaps[0].0 < ys[3]);
        assert!(ys[3] - ys[2] < 100.0, "{ys:?}");
    }
}
