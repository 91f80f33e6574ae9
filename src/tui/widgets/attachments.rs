//! The documents that prove a benefit: chosen through the file browser (PDF/JPEG/PNG), uploaded
//! at once (`POST /attachments`), listed with name, size and upload state, removable. The wizard's
//! step 2 and «Изменить льготность» both use it; the signed document then names the uploaded
//! scans by id and hash ([`Attachments::refs`]).

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::api::applications::AttachmentUploaded;
use crate::api::documents::AttachmentRef;
use crate::domain::wizard::{AttachmentInfo, FileKind as ScanKind};
use crate::tui::keymap::KeyHelp;
use crate::tui::protocol::{Call, CallError};
use crate::tui::screen::{Ctx, Effect};
use crate::tui::theme::Theme;
use crate::tui::widgets::file_browser::{Browse, FileBrowser, FileKind, human_size};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{fit, spinner, truncate};

/// One scan the applicant attached.
#[derive(Debug)]
pub struct Attachment {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub state: Upload,
}

#[derive(Debug)]
pub enum Upload {
    Running,
    Done(AttachmentUploaded),
    Failed(CallError),
}

/// The attached scans, the highlighted one, and the file browser while it is open.
#[derive(Debug, Default)]
pub struct Attachments {
    items: Vec<Attachment>,
    list: SelectList,
    browser: Option<FileBrowser>,
}

impl Attachments {
    pub fn new() -> Attachments {
        Attachments::default()
    }

    pub fn items(&self) -> &[Attachment] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the file browser is open (it then takes every key).
    pub fn browsing(&self) -> bool {
        self.browser.is_some()
    }

    /// The open browser's keys, for the hint line of the screen that opened it.
    pub fn browser_keys(&self) -> Option<Vec<KeyHelp>> {
        self.browser.as_ref().map(FileBrowser::key_help)
    }

    /// Whether an upload is still on its way.
    pub fn uploading(&self) -> bool {
        self.items
            .iter()
            .any(|a| matches!(a.state, Upload::Running))
    }

    /// Opens the file browser on the downloads folder and the key folders.
    pub fn browse(&mut self, ctx: &Ctx) {
        let mut places = vec![ctx.downloads.clone()];
        places.extend(ctx.key_folders.iter().cloned());
        self.browser = Some(FileBrowser::new(FileKind::Scan, places));
    }

    /// A key for the open browser; a chosen file is listed and its upload started. Returns
    /// whether a file was chosen, with the effects.
    pub fn on_browser_key(&mut self, key: KeyEvent) -> (bool, Vec<Effect>) {
        let Some(browser) = &mut self.browser else {
            return (false, Vec::new());
        };
        match browser.handle_key(key) {
            Browse::Continue => (false, Vec::new()),
            Browse::Cancelled => {
                self.browser = None;
                (false, Vec::new())
            }
            Browse::Chosen(path) => {
                self.browser = None;
                (true, vec![self.add(path)])
            }
        }
    }

    /// Lists `path` and starts its upload.
    pub fn add(&mut self, path: PathBuf) -> Effect {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.items.push(Attachment {
            path: path.clone(),
            name,
            size,
            state: Upload::Running,
        });
        self.refresh();
        self.list.select(self.items.len() - 1);
        Effect::Call(Call::UploadAttachment(path))
    }

    /// The server's answer to an upload of `path`.
    pub fn on_uploaded(&mut self, path: &PathBuf, result: Result<AttachmentUploaded, CallError>) {
        if let Some(a) = self
            .items
            .iter_mut()
            .find(|a| &a.path == path && matches!(a.state, Upload::Running))
        {
            a.state = match result {
                Ok(up) => Upload::Done(up),
                Err(e) => Upload::Failed(e),
            };
        }
    }

    /// Removes the highlighted scan.
    pub fn remove_selected(&mut self) {
        if let Some(i) = self.list.selected()
            && i < self.items.len()
        {
            self.items.remove(i);
            self.refresh();
        }
    }

    /// ↑/↓ move the highlight.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        self.list.handle_key(key)
    }

    fn refresh(&mut self) {
        let labels = self
            .items
            .iter()
            .map(|a| format!("{}  ({})", a.name, human_size(a.size)))
            .collect();
        let selected = self.list.selected();
        self.list = SelectList::new(labels);
        if let Some(i) = selected {
            self.list.select(i.min(self.items.len().saturating_sub(1)));
        }
    }

    /// The uploaded scans by id and hash, for the signed document.
    pub fn refs(&self) -> Vec<AttachmentRef> {
        self.uploaded()
            .map(|(_, up)| AttachmentRef {
                id: up.id.clone(),
                sha256: up.sha256.clone(),
            })
            .collect()
    }

    /// The uploaded scans as the domain's validation sees them.
    pub fn infos(&self) -> Vec<AttachmentInfo> {
        self.uploaded()
            .map(|(a, up)| AttachmentInfo {
                name: a.name.clone(),
                size: up.size,
                kind: ScanKind::of_mime(&up.content_type),
            })
            .collect()
    }

    fn uploaded(&self) -> impl Iterator<Item = (&Attachment, &AttachmentUploaded)> {
        self.items.iter().filter_map(|a| match &a.state {
            Upload::Done(up) => Some((a, up)),
            _ => None,
        })
    }

    /// The list: name, size and state a line, the highlighted one in reverse when `focused`;
    /// «no documents» when empty.
    pub fn render(&self, frame: &mut Frame, area: Rect, focused: bool, ctx: &Ctx) {
        let theme = &ctx.theme;
        let width = area.width as usize;
        if self.items.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    truncate(&t!("tui.wizard.no_documents"), width),
                    theme.muted(),
                )),
                area,
            );
            return;
        }
        let height = area.height as usize;
        let selected = self.list.selected().unwrap_or(0);
        let offset = (selected + 1).saturating_sub(height);
        let lines: Vec<Line> = self
            .items
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, a)| {
                let state = match &a.state {
                    Upload::Running => format!(
                        "{} {}",
                        spinner::frame(ctx.tick),
                        t!("tui.wizard.uploading_one")
                    ),
                    Upload::Done(_) => "✓".to_owned(),
                    Upload::Failed(e) => format!("✗ {}", e.message()),
                };
                let text = fit(
                    &format!("{}  {}  {}", a.name, human_size(a.size), state),
                    width,
                );
                if focused && selected == i {
                    Line::from(Span::styled(text, theme.selected()))
                } else if matches!(a.state, Upload::Failed(_)) {
                    Line::from(Span::styled(text, theme.error()))
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// The file browser over `area`, when open.
    pub fn render_browser(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(browser) = &self.browser {
            browser.render(frame, area, theme);
        }
    }
}
