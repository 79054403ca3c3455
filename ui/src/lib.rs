//! herdctl-ui: the console's presentation: the view model it is given, the state of the
//! screen, the keys and clicks it takes (its own types), the key map from keys to intents, and
//! the widgets that draw them. It never imports the engine, nor a terminal library: the
//! console's glue (`src/console/` in herdctl) reads the terminal, fills in the view and carries
//! out the intents.

pub mod input;
pub mod intent;
pub mod keys;
pub mod render;
pub mod state;
pub mod text;
pub mod theme;
pub mod view;

pub use intent::{HerdAct, Intent, ScreenAct, StoryMove, TimeMove};
pub use render::{MIN_HEIGHT, MIN_WIDTH, render};
pub use state::{Caption, Feedback, Focus, Opened, Overlay, Running, Selection, UiState};
pub use theme::{Palette, Theme, ThemeChoice};
pub use view::*;
