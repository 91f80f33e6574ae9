//! The journal holding 100 000 applications draws a frame in well under 5 ms: rows are built
//! only for the visible slice, wherever the selection is.
//!
//! `cargo bench --bench journal_render -- --quick`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use kezek::i18n::Lang;
use kezek::tui::sample;
use kezek::tui::screen::{Ctx, Screen};
use kezek::tui::screens::journal::JournalScreen;

const ROWS: u64 = 100_000;

fn journal_frame(c: &mut Criterion) {
    Lang::Ru.activate();
    let ctx = Ctx::for_tests(Lang::Ru);
    // The citizen's journal, and the officer's: the whole region, with its kindergarten filter.
    let officer = JournalScreen::with_rows(sample::journal_rows(ROWS))
        .of_officer()
        .with_kindergartens(sample::officer_kindergartens());
    let journals = [
        (
            "journal",
            JournalScreen::with_rows(sample::journal_rows(ROWS)),
        ),
        ("officer's journal", officer),
    ];
    for (journal, mut screen) in journals {
        for (name, width, height) in [("80x24", 80, 24), ("120x40", 120, 40), ("200x60", 200, 60)] {
            let mut terminal =
                Terminal::new(TestBackend::new(width, height)).expect("test backend");
            let mut row = 0u64;
            c.bench_function(&format!("{journal} 100k rows, frame {name}"), |b| {
                b.iter(|| {
                    // Scroll a page each frame so every frame draws different rows.
                    row = (row + 37) % ROWS;
                    let _ = screen.select(row);
                    terminal
                        .draw(|frame| screen.view(frame, frame.area(), &ctx))
                        .expect("draw");
                    black_box(terminal.backend().buffer().area);
                })
            });
        }
    }
}

criterion_group!(benches, journal_frame);
criterion_main!(benches);
