//! The client's first frame: building the app with its first screen and drawing it, as happens
//! between start and the first picture (aim: under 50 ms). The backend's answer is not part
//! of it: the first frame shows the spinner while the regions load.

use criterion::{Criterion, criterion_group, criterion_main};
use kezek::i18n::Lang;
use kezek::tui::app::App;
use kezek::tui::screen::Ctx;
use kezek::tui::screens;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn first_frame(c: &mut Criterion) {
    Lang::Ru.activate();
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        c.bench_function(&format!("first frame {w}x{h}"), |b| {
            b.iter(|| {
                let ctx = Ctx::for_tests(Lang::Ru);
                let first = screens::start(&ctx);
                let mut app = App::new(ctx, first);
                let jobs = app.start();
                let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
                terminal.draw(|frame| app.view(frame)).expect("draw");
                jobs.len()
            })
        });
    }
}

criterion_group!(benches, first_frame);
criterion_main!(benches);
