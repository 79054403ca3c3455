//! herdctl-ui: the console presentation (view model, key map, widgets); it never imports the engine.
