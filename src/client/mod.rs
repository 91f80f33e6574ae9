//! The typed HTTP client the TUI and the load generator use to talk to a Kezek backend.
