//! `kezek screenshots --out DIR`: the main screens drawn by the real app with demo data, written
//! as SVG pictures (for the README), one per screen and language.

use std::path::Path;

use rust_i18n::t;

use super::{Exit, Failure, Outcome, ScreenshotsArgs};
use crate::i18n::Lang;
use crate::tui::screen::{Connection, Ctx, RegionChoice};
use crate::tui::session::Session;
use crate::tui::showcase;
use crate::tui::theme::Theme;
use crate::tui::{sample, svg};

/// The size of the pictures: roomy enough to show the seeds' tables without scrolling.
const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;

pub fn run(args: ScreenshotsArgs) -> Outcome {
    let out = args.out.as_path();
    std::fs::create_dir_all(out).map_err(|e| write_failure(out, &e))?;
    let before = Lang::from_env();
    for lang in Lang::ALL {
        let ctx = demo_context(lang);
        for scene in showcase::scenes() {
            let picture = svg::render(&showcase::draw(&(scene.build)(&ctx), WIDTH, HEIGHT));
            let path = out.join(format!("{}_{lang}.svg", scene.name));
            std::fs::write(&path, picture).map_err(|e| write_failure(&path, &e))?;
            println!("{}", path.display());
        }
    }
    before.activate();
    Ok(Exit::Success)
}

/// A colour session of the demo applicant in Almaty, talking to an embedded backend.
fn demo_context(lang: Lang) -> Ctx {
    lang.activate();
    let applicant = sample::application_with_direction().applicant;
    let region = sample::regions().remove(0);
    Ctx {
        theme: Theme::COLOUR,
        session: Some(Session {
            full_name: applicant.full_name,
            iin: applicant.iin.to_string(),
            ..Session::default()
        }),
        region: Some(RegionChoice {
            region_code: region.code.clone(),
            region_name: region.name.clone(),
            district_name: region.districts[0].name.clone(),
            settlement_code: region.districts[0].settlements[0].code.clone(),
            settlement_name: region.districts[0].settlements[0].name.clone(),
        }),
        connection: Connection::Online,
        ..Ctx::for_tests(lang)
    }
}

fn write_failure(path: &Path, error: &std::io::Error) -> Failure {
    Failure::bad_input(t!(
        "cli.error.write_file",
        path = path.display(),
        reason = error
    ))
}
