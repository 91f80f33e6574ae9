//! Pictures drawn with the terminal's own graphics protocol (kitty, iTerm2, sixel) where it has
//! one: `ratatui-image`'s detection asks the terminal once at start, after the alternate
//! screen is entered and before the loop reads a single key, and waits for its answer at most
//! [`QUERY_TIMEOUT`] (a terminal that keeps silent costs that, one that answers its round
//! trip). Everywhere else, and in tests and snapshots (whose context has no picker), the
//! half-block drawing of `screens::officer::scan` is used. `images = false` in the client's
//! configuration skips the query.

use std::time::{Duration, Instant};

use ratatui_image::picker::cap_parser::QueryStdioOptions;
use ratatui_image::picker::{Picker, ProtocolType};

/// How long the terminal has to answer the query: enough for an SSH round trip, so a late
/// answer does not arrive as keys.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(1000);

/// The terminal's graphics protocol, or `None` when it has none but half-blocks (which the
/// client draws itself) or when `enabled` is false.
pub fn detect(enabled: bool) -> Option<Picker> {
    if !enabled {
        return None;
    }
    let started = Instant::now();
    let mut options = QueryStdioOptions::default();
    options.timeout = QUERY_TIMEOUT;
    let picker = match Picker::from_query_stdio_with_options(options) {
        Ok(picker) => picker,
        Err(error) => {
            tracing::info!(%error, "the terminal's graphics were not detected");
            return None;
        }
    };
    let protocol = picker.protocol_type();
    tracing::info!(
        ?protocol,
        font = ?picker.font_size(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "terminal graphics"
    );
    (protocol != ProtocolType::Halfblocks).then_some(picker)
}
