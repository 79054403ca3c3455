//! Reading the SVG figures herdctl draws (traces and handouts) as a reader of a slide would: the
//! page's size, each text with the box it takes (measured with herdctl's own font metrics), each
//! line and dot, by what they are (their `class`), and what overlaps what.

use herdctl_teach::diagram::Font;
use quick_xml::events::{BytesStart, Event};

#[derive(Clone, Copy, Debug)]
pub struct Rect {
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Rect {
    /// Whether the two share more than half a pixel each way.
    fn overlaps(&self, other: &Rect) -> bool {
        self.x0.max(other.x0) + 0.5 < self.x1.min(other.x1)
            && self.top.max(other.top) + 0.5 < self.bottom.min(other.bottom)
    }
}

#[derive(Debug)]
pub struct Text {
    pub class: String,
    pub fill: String,
    /// Its lines (a `<tspan>` with its own `y` starts one), and the box of each.
    pub lines: Vec<String>,
    pub boxes: Vec<Rect>,
}

impl Text {
    pub fn joined(&self) -> String {
        self.lines.join(" ")
    }
}

#[derive(Debug)]
pub struct Line {
    pub class: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub stroke: String,
    pub dashed: bool,
    pub arrow: bool,
    /// Its tooltip, if it has one.
    pub title: String,
}

impl Line {
    /// Whether it passes through `r` (shrunk by half a pixel).
    fn crosses(&self, r: &Rect) -> bool {
        let (x0, x1) = ((r.x0 + 0.5).max(self.x1.min(self.x2)), (r.x1 - 0.5).min(self.x1.max(self.x2)));
        if x0 > x1 {
            return false;
        }
        let (a, b) = if (self.x2 - self.x1).abs() < 1e-9 {
            (self.y1.min(self.y2), self.y1.max(self.y2))
        } else {
            let y = |x: f64| self.y1 + (self.y2 - self.y1) * (x - self.x1) / (self.x2 - self.x1);
            (y(x0).min(y(x1)), y(x0).max(y(x1)))
        };
        a < r.bottom - 0.5 && b > r.top + 0.5
    }
}

#[derive(Debug)]
pub struct Circle {
    pub class: String,
    pub cx: f64,
    pub cy: f64,
    pub r: f64,
}

#[derive(Debug, Default)]
pub struct Figure {
    pub width: f64,
    pub height: f64,
    pub texts: Vec<Text>,
    pub lines: Vec<Line>,
    pub circles: Vec<Circle>,
}

fn attribute(tag: &BytesStart, name: &str) -> Option<String> {
    tag.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| a.unescape_value().map(|v| v.into_owned()).unwrap_or_default())
}

fn number(tag: &BytesStart, name: &str) -> Option<f64> {
    attribute(tag, name).and_then(|v| v.parse().ok())
}

/// A text being read: where its current line starts, and how it is set.
struct Open {
    class: String,
    fill: String,
    anchor: String,
    font: Font,
    x: f64,
    y: f64,
    lines: Vec<(f64, f64, String)>,
}

impl Open {
    fn close(self) -> Text {
        let font = self.font;
        let boxes = self
            .lines
            .iter()
            .map(|(x, y, line)| {
                let width = font.width(line);
                let x0 = match self.anchor.as_str() {
                    "end" => x - width,
                    "middle" => x - width / 2.0,
                    _ => *x,
                };
                Rect { x0, x1: x0 + width, top: y - font.ascent(), bottom: y + font.descent() }
            })
            .collect();
        let lines = self.lines.into_iter().map(|(_, _, line)| line).collect();
        Text { class: self.class, fill: self.fill, lines, boxes }
    }
}

/// Reads `svg`, failing the test if it is not well-formed.
pub fn read(svg: &str) -> Figure {
    let mut figure = Figure::default();
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut open: Option<Open> = None;
    let (mut in_title, mut size) = (false, 11.0);
    loop {
        let event = reader.read_event().expect("well-formed SVG");
        match &event {
            Event::Eof => break,
            Event::Start(tag) | Event::Empty(tag) => match tag.name().as_ref() {
                b"svg" => {
                    figure.width = number(tag, "width").unwrap_or_default();
                    figure.height = number(tag, "height").unwrap_or_default();
                    size = number(tag, "font-size").unwrap_or(11.0);
                }
                b"text" => {
                    let font = Font {
                        size: number(tag, "font-size").unwrap_or(size),
                        bold: attribute(tag, "font-weight").as_deref() == Some("bold"),
                    };
                    let (x, y) = (number(tag, "x").unwrap_or_default(), number(tag, "y").unwrap_or_default());
                    open = Some(Open {
                        class: attribute(tag, "class").unwrap_or_default(),
                        fill: attribute(tag, "fill").unwrap_or_default(),
                        anchor: attribute(tag, "text-anchor").unwrap_or_default(),
                        font,
                        x,
                        y,
                        lines: Vec::new(),
                    });
                }
                b"tspan" => {
                    if let Some(text) = open.as_mut() {
                        if attribute(tag, "font-weight").as_deref() == Some("bold") {
                            text.font.bold = true;
                        }
                        // A tspan with its own place starts a line; one without goes on the line.
                        if let Some(y) = number(tag, "y") {
                            text.x = number(tag, "x").unwrap_or(text.x);
                            text.y = y;
                            text.lines.push((text.x, text.y, String::new()));
                        }
                    }
                }
                b"line" => figure.lines.push(Line {
                    class: attribute(tag, "class").unwrap_or_default(),
                    x1: number(tag, "x1").unwrap_or_default(),
                    y1: number(tag, "y1").unwrap_or_default(),
                    x2: number(tag, "x2").unwrap_or_default(),
                    y2: number(tag, "y2").unwrap_or_default(),
                    stroke: attribute(tag, "stroke").unwrap_or_default(),
                    dashed: attribute(tag, "stroke-dasharray").is_some(),
                    arrow: attribute(tag, "marker-end").is_some(),
                    title: String::new(),
                }),
                b"circle" => figure.circles.push(Circle {
                    class: attribute(tag, "class").unwrap_or_default(),
                    cx: number(tag, "cx").unwrap_or_default(),
                    cy: number(tag, "cy").unwrap_or_default(),
                    r: number(tag, "r").unwrap_or_default(),
                }),
                b"title" => in_title = true,
                _ => {}
            },
            Event::End(tag) => match tag.name().as_ref() {
                b"text" => figure.texts.extend(open.take().map(Open::close)),
                b"title" => in_title = false,
                _ => {}
            },
            Event::Text(_) | Event::GeneralRef(_) => {
                let words = match &event {
                    Event::Text(text) => text.decode().expect("UTF-8").into_owned(),
                    Event::GeneralRef(name) => match name.as_ref() {
                        b"amp" => "&".into(),
                        b"lt" => "<".into(),
                        b"gt" => ">".into(),
                        b"quot" => "\"".into(),
                        _ => "'".into(),
                    },
                    _ => unreachable!(),
                };
                if in_title {
                    if let Some(line) = figure.lines.last_mut() {
                        line.title.push_str(&words);
                    }
                } else if let Some(text) = open.as_mut() {
                    if text.lines.is_empty() {
                        text.lines.push((text.x, text.y, String::new()));
                    }
                    text.lines.last_mut().expect("a line").2.push_str(&words);
                }
            }
            _ => {}
        }
    }
    figure
}

impl Figure {
    pub fn texts_of<'a>(&'a self, class: &'a str) -> impl Iterator<Item = &'a Text> + 'a {
        self.texts.iter().filter(move |text| text.class == class)
    }

    pub fn lines_of<'a>(&'a self, class: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
        self.lines.iter().filter(move |line| line.class == class)
    }

    /// Every two texts (lines of different texts) whose boxes overlap.
    pub fn overlapping_texts(&self) -> Vec<String> {
        let boxes: Vec<(usize, &Rect, &str)> = self
            .texts
            .iter()
            .enumerate()
            .flat_map(|(i, text)| text.boxes.iter().zip(&text.lines).map(move |(b, line)| (i, b, line.as_str())))
            .collect();
        let mut found = Vec::new();
        for (n, (i, a, one)) in boxes.iter().enumerate() {
            for (j, b, other) in &boxes[n + 1..] {
                if i != j && a.overlaps(b) {
                    found.push(format!("{one:?} {a:?} overlaps {other:?} {b:?}"));
                }
            }
        }
        found
    }

    /// Every arrow (a message's or a client's) drawn across a fault's mark, or across a text that
    /// is not the story's (the story is written across the page, with a halo).
    pub fn arrows_over_marks_and_labels(&self) -> Vec<String> {
        let mut hidden: Vec<(String, Rect)> = self
            .texts
            .iter()
            .filter(|text| matches!(text.class.as_str(), "fault" | "message" | "client"))
            .flat_map(|text| text.lines.iter().zip(&text.boxes).map(|(line, b)| (line.clone(), *b)))
            .collect();
        hidden.extend(self.circles.iter().filter(|c| c.class == "fault").map(|c| {
            let r = Rect { x0: c.cx - c.r, x1: c.cx + c.r, top: c.cy - c.r, bottom: c.cy + c.r };
            (format!("the dot at ({}, {})", c.cx, c.cy), r)
        }));
        let mut found = Vec::new();
        for line in self.lines.iter().filter(|line| line.arrow) {
            for (what, r) in &hidden {
                if line.crosses(r) {
                    found.push(format!("the arrow {line:?} crosses {what:?} {r:?}"));
                }
            }
        }
        found
    }
}
