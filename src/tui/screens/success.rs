//! The success dialog «Оповещение» (seed 003 figure 11): «Ваш ребенок успешно встал в очередь
//! под номером N», «Скачать документ о регистрации» (saved where the user says, by default in
//! the downloads folder) and «ОК», which leads to the journal.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use rust_i18n::t;

use crate::api::applications::{DocumentKind, SubmissionResult};
use crate::tui::format::document_file_name;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{self, Destination, main_menu::MainMenu};
use crate::tui::widgets::buttons::Button;
use crate::tui::widgets::dialog::Dialog;
use crate::tui::widgets::form::{Field, FieldKind};
use crate::tui::widgets::{self, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Ok,
    Download,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Ok,
        name: "ok",
        keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::key(KeyCode::Esc)],
        help: "tui.success.ok",
        hint: true,
    },
    Binding {
        command: Command::Download,
        name: "download",
        keys: &[KeyCombo::f(5)],
        help: "tui.success.download",
        hint: true,
    },
];

/// Where the download stands.
#[derive(Debug)]
enum Download {
    Idle,
    Running,
    Saved(PathBuf),
    Failed(CallError),
}

pub struct Success {
    keymap: Keymap<Command>,
    result: SubmissionResult,
    /// Where to save the registration notice; editable before F5.
    path: Field,
    download: Download,
}

impl Success {
    pub fn new(result: SubmissionResult, ctx: &Ctx) -> Success {
        // Named in the language of the screen, not the server's English file name.
        let file_name = document_file_name(DocumentKind::RegistrationNotice, &result.number)
            .unwrap_or_else(|| format!("{}.pdf", result.number));
        let default = ctx.downloads.join(file_name);
        Success {
            keymap: Keymap::new("success", KEYS),
            result,
            path: Field::new("path", "tui.success.save_to", FieldKind::Text)
                .with_value(&default.display().to_string()),
            download: Download::Idle,
        }
    }

    pub fn queue_number(&self) -> u32 {
        self.result.queue.general
    }

    fn download(&mut self) -> Vec<Effect> {
        let Some(document) = self
            .result
            .documents
            .iter()
            .find(|d| d.kind == DocumentKind::RegistrationNotice)
        else {
            return Vec::new();
        };
        self.download = Download::Running;
        vec![Effect::Call(Call::Download {
            number: self.result.number,
            document_id: document.id.clone(),
            path: PathBuf::from(self.path.value().trim()),
        })]
    }
}

impl Screen for Success {
    fn id(&self) -> &'static str {
        "success"
    }

    fn title(&self) -> String {
        t!("tui.success.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn busy(&self) -> bool {
        matches!(self.download, Download::Running)
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, true) {
            // At the ЦОН desk: back to the citizen's card, which shows the new application.
            Some(Command::Ok) if ctx.serving.is_some() => {
                Some(vec![Effect::Pop, Effect::DataChanged])
            }
            Some(Command::Ok) => {
                let mut effects: Vec<Effect> = vec![Effect::Reset(Box::new(MainMenu::new()))];
                if let Some(journal) = screens::open(Destination::Journal, ctx) {
                    effects.push(Effect::Push(journal));
                }
                Some(effects)
            }
            Some(Command::Download) => Some(self.download()),
            None => {
                self.path.handle_key(key);
                Some(Vec::new())
            }
        }
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        if let Reply::Saved(result) = reply {
            self.download = match result {
                Ok(path) => Download::Saved(path),
                Err(e) => Download::Failed(e),
            };
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let mut lines = vec![
            Line::from(Span::styled(
                t!("tui.success.queued", number = self.result.queue.general).to_uppercase(),
                theme.ok().add_modifier(ratatui::style::Modifier::BOLD),
            )),
            Line::raw(""),
            Line::raw(t!("tui.success.number", number = self.result.number).into_owned()),
        ];
        if self.result.queue.benefit > 0 {
            lines.push(Line::raw(
                t!(
                    "tui.success.benefit_number",
                    number = self.result.queue.benefit
                )
                .into_owned(),
            ));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw(t!("tui.success.save_to").into_owned()));
        // Broken after a slash, never inside the file name (the application number).
        for part in widgets::wrap_path(self.path.value(), Dialog::text_width(area)) {
            lines.push(Line::raw(part));
        }
        lines.push(match &self.download {
            Download::Idle => Line::raw(""),
            Download::Running => Line::from(Span::styled(
                format!(
                    "{} {}",
                    spinner::frame(ctx.tick),
                    t!("tui.success.downloading")
                ),
                theme.warning(),
            )),
            Download::Saved(path) => Line::from(Span::styled(
                t!("tui.success.saved", path = path.display()).into_owned(),
                theme.ok(),
            )),
            Download::Failed(e) => Line::from(Span::styled(e.message(), theme.error())),
        });
        Dialog {
            title: self.title(),
            lines,
            buttons: vec![
                Button::new(
                    t!("tui.success.download"),
                    self.keymap.keys_of(Command::Download),
                ),
                Button::new(t!("tui.success.ok"), self.keymap.keys_of(Command::Ok)),
            ],
            focused: Some(1),
            border: theme.ok(),
        }
        .render(frame, area, theme);
    }
}
