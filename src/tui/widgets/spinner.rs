//! The spinner shown in the status bar and next to anything slow.

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The spinner character for animation frame `tick`.
pub fn frame(tick: u64) -> char {
    FRAMES[(tick % FRAMES.len() as u64) as usize]
}
