//! What the console's tests with a real herd share: the smallest herd whose floods come in one
//! order only.

/// Two neighbours on free ports, so that a flood's events come in one order only.
pub const PAIR: &str = r#"{
  "nodes": [
    {"name": "Riley", "host": "127.0.0.1", "port": 0, "peer_port": 0, "x": 0.0, "y": 0.5},
    {"name": "Jaquez", "host": "127.0.0.1", "port": 0, "peer_port": 0, "x": 1.0, "y": 0.5}
  ],
  "links": [["Riley", "Jaquez"]]
}"#;
