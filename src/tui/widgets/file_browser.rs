//! A file browser over the key folders and the whole file system, showing only folders and the
//! files a purpose accepts (`.p12`/`.pfx` keystores, or PDF/JPEG/PNG scans). Folders are read
//! directly: a local directory listing is instant, unlike a request.

use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use rust_i18n::t;

use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::theme::Theme;
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{centered, truncate};

/// Which files a browser offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Keystore,
    Scan,
}

impl FileKind {
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Keystore => &["p12", "pfx"],
            FileKind::Scan => &["pdf", "jpg", "jpeg", "png"],
        }
    }

    /// Whether `path` has one of the extensions (case-insensitive: `AUTH_RSA256_….P12`).
    pub fn accepts(self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| self.extensions().iter().any(|x| e.eq_ignore_ascii_case(x)))
    }
}

#[derive(Debug, Clone)]
struct Item {
    path: PathBuf,
    label: String,
    is_dir: bool,
}

/// What the user did in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browse {
    /// Still browsing.
    Continue,
    Chosen(PathBuf),
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Choose,
    Up,
    Cancel,
}

/// The browser's keys; letters always go to the search line.
const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Choose,
        name: "choose",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "tui.files.key.choose",
        hint: true,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[
            KeyCombo::key(KeyCode::Left),
            KeyCombo::key(KeyCode::Backspace),
        ],
        help: "tui.files.key.up",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.files.key.cancel",
        hint: true,
    },
];

#[derive(Debug, Clone)]
pub struct FileBrowser {
    keymap: Keymap<Command>,
    kind: FileKind,
    /// The key folders (or the downloads folder), offered on the first page.
    places: Vec<PathBuf>,
    /// `None`: the first page (places and the file system root).
    dir: Option<PathBuf>,
    items: Vec<Item>,
    list: SelectList,
    /// The folder could not be read: the reason, shown above the list.
    error: Option<String>,
}

impl FileBrowser {
    pub fn new(kind: FileKind, places: Vec<PathBuf>) -> FileBrowser {
        let mut browser = FileBrowser {
            keymap: Keymap::new("file_browser", KEYS),
            kind,
            places,
            dir: None,
            items: Vec::new(),
            list: SelectList::new(Vec::new()),
            error: None,
        };
        browser.show_places();
        browser
    }

    /// Opens directly in `dir` (the folder of the last keystore used).
    pub fn at(mut self, dir: &Path) -> FileBrowser {
        self.open_dir(dir.to_path_buf());
        self
    }

    /// Highlights the first file `pick` accepts (the SIGN keystore beside the login key).
    pub fn highlight(mut self, pick: impl Fn(&Path) -> bool) -> FileBrowser {
        if let Some(i) = self
            .items
            .iter()
            .position(|item| !item.is_dir && pick(&item.path))
        {
            self.list.select(i);
        }
        self
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn show_places(&mut self) {
        self.dir = None;
        self.error = None;
        let mut items: Vec<Item> = self
            .places
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| Item {
                path: p.clone(),
                label: format!("★ {}", p.display()),
                is_dir: true,
            })
            .collect();
        if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
            items.push(Item {
                label: format!("~ {}", home.display()),
                path: home,
                is_dir: true,
            });
        }
        items.push(Item {
            path: PathBuf::from("/"),
            label: "/".to_owned(),
            is_dir: true,
        });
        self.set_items(items);
    }

    fn open_dir(&mut self, dir: PathBuf) {
        match std::fs::read_dir(&dir) {
            Ok(read) => {
                let mut items: Vec<Item> = read
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .filter_map(|e| {
                        let path = e.path();
                        let is_dir = path.is_dir();
                        if !is_dir && !self.kind.accepts(&path) {
                            return None;
                        }
                        let name = e.file_name().to_string_lossy().into_owned();
                        let label = if is_dir {
                            format!("{name}/")
                        } else {
                            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                            format!("{name}  ({})", human_size(size))
                        };
                        Some(Item {
                            path,
                            label,
                            is_dir,
                        })
                    })
                    .collect();
                // Folders first, then files, each by name.
                items.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.label.cmp(&b.label)));
                items.insert(
                    0,
                    Item {
                        path: dir.parent().map(Path::to_path_buf).unwrap_or_default(),
                        label: "../".to_owned(),
                        is_dir: true,
                    },
                );
                self.error = None;
                self.dir = Some(dir);
                self.set_items(items);
            }
            Err(e) => {
                self.error =
                    Some(t!("tui.files.unreadable", path = dir.display(), reason = e).into_owned());
            }
        }
    }

    fn set_items(&mut self, items: Vec<Item>) {
        self.list = SelectList::new(items.iter().map(|i| i.label.clone()).collect()).searchable();
        self.items = items;
    }

    fn up(&mut self) {
        match self
            .dir
            .as_ref()
            .and_then(|d| d.parent())
            .map(Path::to_path_buf)
        {
            Some(parent) => self.open_dir(parent),
            None => self.show_places(),
        }
    }

    /// Enter opens a folder or chooses a file; Backspace (with an empty search) or ← goes up;
    /// Esc cancels; letters search the listing.
    pub fn handle_key(&mut self, key: KeyEvent) -> Browse {
        match self.keymap.command(&key, true) {
            Some(Command::Cancel) => return Browse::Cancelled,
            Some(Command::Choose) => {
                if let Some(item) = self.list.selected().map(|i| self.items[i].clone()) {
                    if item.label == "../" && self.dir.as_deref() == Some(Path::new("/")) {
                        self.show_places();
                    } else if item.is_dir && item.label == "../" {
                        self.up();
                    } else if item.is_dir {
                        self.open_dir(item.path);
                    } else {
                        return Browse::Chosen(item.path);
                    }
                }
            }
            // Backspace edits the search first; on an empty search it goes up.
            Some(Command::Up)
                if key.code == KeyCode::Backspace && !self.list.filter().is_empty() =>
            {
                self.list.handle_key(key);
            }
            Some(Command::Up) => self.up(),
            None => {
                self.list.handle_key(key);
            }
        }
        Browse::Continue
    }

    /// The browser's keys for the hint line and the help overlay, while it is open.
    pub fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    /// Draws the browser as a dialog over `area`.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let popup = centered(
            area,
            area.width.saturating_sub(4).min(100),
            area.height.saturating_sub(2),
        );
        frame.render_widget(Clear, popup);
        let title = match self.kind {
            FileKind::Keystore => t!("tui.files.title_keystore"),
            FileKind::Scan => t!("tui.files.title_scan"),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focused())
            .title(format!(" {title} "));
        let inner = block.inner(popup);
        frame.render_widget(block, popup);
        let [where_row, error_row, list_area, help_row] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(self.error.is_some())),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let location = match &self.dir {
            Some(dir) => dir.display().to_string(),
            None => t!("tui.files.places").into_owned(),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                truncate(&location, where_row.width as usize),
                theme.title(),
            )),
            where_row,
        );
        if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(error.clone(), theme.error())),
                error_row,
            );
        }
        self.list.render(frame, list_area, true, theme);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                t!("tui.files.help").into_owned(),
                theme.muted(),
            ))),
            help_row,
        );
    }
}

/// `1.2 MB`, `340 KB`, `12 B`: sizes as people read them.
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= KB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn shows_only_folders_and_keystores_and_chooses_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("AUTH_RSA256_x.P12"), b"x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("sub/RSA256_y.pfx"), b"xy").unwrap();
        let mut browser = FileBrowser::new(FileKind::Keystore, vec![dir.path().to_path_buf()]);
        // First page: the key folder is first.
        assert_eq!(browser.handle_key(key(KeyCode::Enter)), Browse::Continue);
        assert_eq!(browser.dir(), Some(dir.path()));
        let labels: Vec<_> = browser.items.iter().map(|i| i.label.clone()).collect();
        assert_eq!(labels, ["../", "sub/", "AUTH_RSA256_x.P12  (1 B)"]);
        // Search narrows to the folder, Enter opens it, the keystore is chosen.
        for c in "sub".chars() {
            browser.handle_key(key(KeyCode::Char(c)));
        }
        browser.handle_key(key(KeyCode::Enter));
        assert_eq!(browser.dir(), Some(dir.path().join("sub").as_path()));
        browser.handle_key(key(KeyCode::Down));
        assert_eq!(
            browser.handle_key(key(KeyCode::Enter)),
            Browse::Chosen(dir.path().join("sub/RSA256_y.pfx"))
        );
        browser.handle_key(key(KeyCode::Left));
        assert_eq!(browser.dir(), Some(dir.path()));
        assert_eq!(browser.handle_key(key(KeyCode::Esc)), Browse::Cancelled);
    }

    #[test]
    fn scans_are_pdf_jpeg_png() {
        assert!(FileKind::Scan.accepts(Path::new("a.PDF")));
        assert!(FileKind::Scan.accepts(Path::new("a.jpeg")));
        assert!(!FileKind::Scan.accepts(Path::new("a.p12")));
        assert_eq!(human_size(10 * 1024 * 1024), "10.0 MB");
        assert_eq!(human_size(2000), "2 KB");
    }
}
