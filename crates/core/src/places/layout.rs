//! Writing JSON the way Google's Places web service does: three-space indentation and
//! `"key" : value`, so that a herdctl reply looks like the course's.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// serde_json's pretty printer with Google's indentation and a space before each colon.
struct GoogleFormatter(PrettyFormatter<'static>);

impl Formatter for GoogleFormatter {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b" : ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// The document as Google would write it.
pub fn to_google_text(value: &impl Serialize) -> String {
    let mut out = Vec::with_capacity(1024);
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, GoogleFormatter(PrettyFormatter::with_indent(b"   ")));
    // Serializing a JSON value into memory cannot fail.
    value.serialize(&mut serializer).expect("JSON serializes into memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn writes_googles_layout() {
        let text = super::to_google_text(
            &json!({"html_attributions": [], "results": [{"name": "UCLA", "types": ["school", "point_of_interest"]}], "status": "OK"}),
        );
        let expected = "{\n   \"html_attributions\" : [],\n   \"results\" : [\n      {\n         \"name\" : \"UCLA\",\n         \"types\" : [\n            \"school\",\n            \"point_of_interest\"\n         ]\n      }\n   ],\n   \"status\" : \"OK\"\n}";
        assert_eq!(text, expected);
    }
}
