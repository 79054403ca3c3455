//! A placed diagram written as SVG: the compressed gaps, then every arrow, then every text and
//! mark above them, each text with a white halo so that a line passing behind it never hides it.
//! Each element says what it is in its `class` (`message`, `client`, `fault`, `story`, `gap`,
//! `time`), for a program that reads the figure.

use std::fmt::Write as _;
use std::time::SystemTime;

use super::items::{Item, SMALL, Shape, Text};
use super::place::Placed;
use super::{Clock, Sheet};
use crate::trace::escape;

/// A coordinate as the SVG writes it: to a tenth of a pixel.
pub fn px(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// How long a compressed gap really was, in words.
pub fn human(gap: std::time::Duration) -> String {
    if gap >= std::time::Duration::from_secs(1) {
        format!("{:.1} s", gap.as_secs_f64())
    } else {
        format!("{} ms", gap.as_millis())
    }
}

/// `text` as an SVG `<text>`, a `<tspan>` a line.
pub fn text(out: &mut String, class: &str, text: &Text, y: f64) {
    let anchor = if text.end { r#" text-anchor="end""# } else { "" };
    let style = match (text.italic, text.font.bold) {
        (true, _) => r#" font-style="italic""#,
        (false, true) => r#" font-weight="bold""#,
        (false, false) => "",
    };
    let first = y + text.dy;
    let _ = write!(
        out,
        r#"<text class="{class}" x="{}" y="{}" font-size="{}" fill="{}"{anchor}{style}>"#,
        px(text.x),
        px(first),
        text.font.size,
        text.fill
    );
    if let [line] = &text.lines[..] {
        out.push_str(&escape(line));
    } else {
        for (i, line) in text.lines.iter().enumerate() {
            let _ = write!(
                out,
                r#"<tspan x="{}" y="{}">{}</tspan>"#,
                px(text.x),
                px(first + text.font.line_height() * i as f64),
                escape(line)
            );
        }
    }
    out.push_str("</text>\n");
}

/// The diagram's body: what `items` draw where `placed` put them.
pub fn body(items: &[Item], placed: &Placed, sheet: &Sheet, times: &[SystemTime], clock: &Clock) -> String {
    let mut out = String::new();
    let ys = &placed.ys;
    for &(y, _) in &placed.gaps {
        let _ = writeln!(
            out,
            r##"<line class="gap" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#bbb" stroke-dasharray="2 4"/>"##,
            sheet.left,
            px(y),
            sheet.right,
            px(y)
        );
    }
    // The arrows first, so that every text and mark is drawn over them.
    for (i, item) in items.iter().enumerate() {
        let title = if sheet.tooltips { format!("<title>{}</title>", escape(&item.title)) } else { String::new() };
        let (from, to, y2, color, dashed) = match &item.shape {
            Shape::Message { receipt, from, to, color, dashed, .. } => (*from, *to, ys[*receipt], *color, *dashed),
            Shape::Client { from, to, color, .. } => (*from, *to, ys[i], *color, false),
            Shape::HalfArrow { from, to, .. } => (*from, *to, ys[i], "#999", true),
            _ => continue,
        };
        let dash = if dashed { r#" stroke-dasharray="5 3""# } else { "" };
        let _ = writeln!(
            out,
            r#"<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}"{dash} marker-end="url(#arrow)">{title}</line>"#,
            item.class,
            px(from),
            px(ys[i]),
            px(to),
            px(y2)
        );
    }
    out.push_str(r#"<g stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke">"#);
    out.push('\n');
    for &(y, gap) in &placed.gaps {
        let later = Text {
            lines: vec![format!("≈ {} later", human(gap))],
            x: sheet.clients + 5.0,
            end: false,
            dy: -3.0,
            font: SMALL,
            italic: false,
            fill: "#888",
        };
        text(&mut out, "gap", &later, y);
    }
    for (i, item) in items.iter().enumerate() {
        let y = ys[i];
        match &item.shape {
            Shape::Message { label, .. } => text(&mut out, "message", label, y),
            Shape::HalfArrow { label, .. } => text(&mut out, "half", label, y),
            Shape::Client { text: words, .. } => text(&mut out, "client", words, y),
            Shape::Banner { text: words } => text(&mut out, "story", words, y),
            Shape::Mark { x, text: words } => {
                let _ = write!(
                    out,
                    r##"<circle class="fault" cx="{}" cy="{}" r="3.5" fill="#a00"/>"##,
                    px(*x),
                    px(y - 3.5)
                );
                text(&mut out, "fault", words, y);
            }
            Shape::Nothing | Shape::Receipt { .. } => {}
        }
    }
    if let Some(right) = sheet.times {
        // Each row's time, where there is room for it under the last one written.
        let mut last = f64::NEG_INFINITY;
        for (i, &y) in ys.iter().enumerate() {
            if y + 3.0 - last < 11.0 {
                continue;
            }
            last = px(y + 3.0);
            let seconds = times[i].duration_since(clock.origin).unwrap_or_default().as_secs_f64();
            let _ = writeln!(
                out,
                r##"<text class="time" x="{right}" y="{last}" font-size="9" fill="#777" text-anchor="end">{seconds:.6}s</text>"##
            );
        }
    }
    out.push_str("</g>\n");
    out
}
