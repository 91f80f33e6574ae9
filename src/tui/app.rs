//! The application: a stack of screens, the shared context, the global keys, the chrome around
//! every screen (status bar, hint line, `?` overlay), and the event loop.
//!
//! [`App::update`] is pure: it takes a [`Message`] (an input event: a key, a reply, a tick; named so it never clashes with `domain::Action` or the action dialogs) and returns the [`Job`]s to run, so tests
//! drive it without a terminal or a runtime. [`run_loop`] feeds it keys, signals and replies,
//! runs the jobs in tokio tasks, and draws only when something changed, at most ~60 times a
//! second, each frame inside a synchronized update so SSH users never see half a frame.

use std::io::{self, Stdout};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, Event, KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::crossterm::{execute, queue};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use rust_i18n::t;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use unicode_width::UnicodeWidthStr;

use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, Reply};
use crate::tui::runner::Runner;
use crate::tui::screen::{Connection, Ctx, Effect, Screen};
use crate::tui::widgets;

/// The smallest terminal the client draws into; below it a message says so.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Message {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A request finished; its answer goes to the screen that asked.
    Reply {
        screen: ScreenKey,
        reply: Box<Reply>,
    },
    /// Spinner frame while something is in flight.
    Tick,
    /// SIGTERM, SIGINT or SIGHUP.
    Quit,
    /// The timer of [`UNREAD_EVERY`]: count the unread messages again.
    CountUnread,
}

/// Identifies one screen instance on the stack, so a late reply never reaches a screen that
/// replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenKey(u64);

/// The app's own requests (the status bar's count of unread messages): their replies go to no
/// screen, and they do not turn the spinner, as nobody waits for them.
const APP: ScreenKey = ScreenKey(u64::MAX);

/// How often the status bar's count of unread messages is asked for besides after sign-in and
/// after each signed document: a message the scheduler writes (a reminder, an expiry) shows
/// within this time.
pub const UNREAD_EVERY: Duration = Duration::from_secs(60);

/// A request to run, on behalf of a screen.
#[derive(Debug)]
pub struct Job {
    pub screen: ScreenKey,
    pub call: Call,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    Quit,
    Language,
    Help,
    Back,
}

const GLOBAL_KEYS: &[Binding<Global>] = &[
    Binding {
        command: Global::Quit,
        name: "quit",
        keys: &[KeyCombo::ctrl('q'), KeyCombo::ctrl('c')],
        help: "tui.keys.quit",
        hint: true,
    },
    Binding {
        command: Global::Language,
        name: "language",
        keys: &[KeyCombo::f(2)],
        help: "tui.keys.language",
        hint: true,
    },
    Binding {
        command: Global::Help,
        name: "help",
        keys: &[KeyCombo::char('?'), KeyCombo::f(1)],
        help: "tui.keys.help",
        hint: true,
    },
    Binding {
        command: Global::Back,
        name: "back",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.keys.back",
        // Shown whenever there is a screen to go back to (see `hint_items`).
        hint: false,
    },
];

/// Where a hint stands when the line is too short for all of them: lower ranks are kept first.
/// Help, back and language always show; then the screen's keys in table order; quit last.
const RANK_ALWAYS: u8 = 0;
const RANK_SCREEN: u8 = 1;
const RANK_QUIT: u8 = 2;

pub struct App {
    stack: Vec<(ScreenKey, Box<dyn Screen>)>,
    next_key: u64,
    pub ctx: Ctx,
    global: Keymap<Global>,
    help_open: bool,
    /// Quit was asked while a screen holds unsaved input: the app asks first.
    confirm_quit: bool,
    quit: bool,
    dirty: bool,
    in_flight: usize,
    /// The terminal's size, for mouse clicks on the hint line.
    size: (u16, u16),
}

impl App {
    pub fn new(ctx: Ctx, first: Box<dyn Screen>) -> App {
        App {
            stack: vec![(ScreenKey(0), first)],
            next_key: 1,
            ctx,
            global: Keymap::new("global", GLOBAL_KEYS),
            help_open: false,
            confirm_quit: false,
            quit: false,
            dirty: true,
            in_flight: 0,
            size: (MIN_WIDTH, MIN_HEIGHT),
        }
    }

    /// Starts the first screen (its `init` requests); call once before the loop.
    pub fn start(&mut self) -> Vec<Job> {
        let mut jobs = Vec::new();
        if let Some((key, screen)) = self.stack.last_mut() {
            let key = *key;
            let effects = screen.init(&self.ctx);
            self.apply(key, effects, &mut jobs);
        }
        jobs
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether the screen must be redrawn.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// Whether the spinner should turn.
    pub fn busy(&self) -> bool {
        self.in_flight > 0 || self.stack.iter().any(|(_, s)| s.busy())
    }

    /// The id of the screen on top, for tests and logs.
    pub fn top_id(&self) -> &'static str {
        self.stack.last().map(|(_, s)| s.id()).unwrap_or("none")
    }

    /// The ids of the screen stack, bottom first.
    pub fn stack_ids(&self) -> Vec<&'static str> {
        self.stack.iter().map(|(_, s)| s.id()).collect()
    }

    pub fn help_open(&self) -> bool {
        self.help_open
    }

    /// Whether the «quit and lose what you typed?» question is open.
    pub fn confirm_quit_open(&self) -> bool {
        self.confirm_quit
    }

    /// Applies one message; returns the requests to start.
    pub fn update(&mut self, message: Message) -> Vec<Job> {
        let mut jobs = Vec::new();
        match message {
            Message::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, &mut jobs),
            Message::Key(_) => return jobs,
            Message::Mouse(mouse) => self.on_mouse(mouse, &mut jobs),
            Message::Paste(text) => {
                if let Some((origin, screen)) = self.stack.last_mut() {
                    let origin = *origin;
                    let effects = screen.on_paste(&text, &self.ctx);
                    self.apply(origin, effects, &mut jobs);
                }
            }
            Message::Resize(width, height) => self.size = (width, height),
            Message::Reply { screen, reply } => {
                let reply = *reply;
                if screen != APP {
                    self.in_flight = self.in_flight.saturating_sub(1);
                }
                self.count_after(&reply, &mut jobs);
                if let Some(reached) = reply.reached_server() {
                    self.ctx.connection = if reached {
                        Connection::Online
                    } else {
                        Connection::Offline
                    };
                }
                if screen == APP {
                    // The count is taken above; nothing else waits for it.
                } else if let Some(pos) = self.stack.iter().position(|(k, _)| *k == screen) {
                    let effects = self.stack[pos].1.on_reply(reply, &self.ctx);
                    self.apply(screen, effects, &mut jobs);
                } else {
                    tracing::debug!("reply for a closed screen dropped");
                }
            }
            Message::Tick => {
                if !self.busy() {
                    return jobs;
                }
                self.ctx.tick = self.ctx.tick.wrapping_add(1);
            }
            Message::Quit => self.quit = true,
            Message::CountUnread => self.count_unread(&mut jobs),
        }
        self.dirty = true;
        jobs
    }

    /// Asks the server for the unread count, when someone is logged in.
    fn count_unread(&self, jobs: &mut Vec<Job>) {
        if self.ctx.session.is_some() {
            jobs.push(Job {
                screen: APP,
                call: Call::Inbox(crate::api::notices::InboxQuery { limit: Some(1) }),
            });
        }
    }

    /// The status bar's count from any inbox answer; a new count after what can write or read
    /// a message (a signed application or action, a message marked read).
    fn count_after(&mut self, reply: &Reply, jobs: &mut Vec<Job>) {
        match reply {
            Reply::Inbox(Ok(inbox)) if self.ctx.session.is_some() => {
                self.ctx.unread = Some(inbox.unread);
            }
            Reply::Sent(Ok(_)) | Reply::MarkedRead { result: Ok(()), .. } => {
                self.count_unread(jobs);
            }
            _ => {}
        }
    }

    /// The terminal's size at start; later sizes come with [`Message::Resize`].
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
    }

    /// Mouse (when switched on): the wheel scrolls as the arrows do, a click on a hint presses
    /// its key, so every screen's actions are clickable without a second table of areas.
    fn on_mouse(&mut self, mouse: MouseEvent, jobs: &mut Vec<Job>) {
        let combo = match mouse.kind {
            MouseEventKind::ScrollDown => Some(KeyCombo::key(KeyCode::Down)),
            MouseEventKind::ScrollUp => Some(KeyCombo::key(KeyCode::Up)),
            MouseEventKind::Down(MouseButton::Left) if mouse.row + 1 == self.size.1 => {
                hint_layout(self.hint_items(), self.size.0)
                    .into_iter()
                    .find(|(range, _)| range.contains(&mouse.column))
                    .and_then(|(_, item)| item.key)
            }
            _ => None,
        };
        if let Some(combo) = combo {
            self.on_key(KeyEvent::new(combo.code, combo.modifiers), jobs);
        }
    }

    fn on_key(&mut self, key: KeyEvent, jobs: &mut Vec<Job>) {
        self.ctx.notice = None;
        if self.confirm_quit {
            self.on_confirm_quit_key(key);
            return;
        }
        // Quit and language answer everywhere, even inside a text field or the help overlay.
        match self.global.command(&key, false) {
            Some(Global::Quit) => {
                self.ask_quit();
                return;
            }
            Some(Global::Language) => {
                self.ctx.lang = self.ctx.lang.next();
                self.ctx.lang.activate();
                return;
            }
            _ => {}
        }
        if self.help_open {
            self.help_open = false;
            return;
        }
        let Some((origin, screen)) = self.stack.last_mut() else {
            return;
        };
        let origin = *origin;
        if let Some(effects) = screen.on_key(key, &self.ctx) {
            self.apply(origin, effects, jobs);
            return;
        }
        match self.global.command(&key, false) {
            Some(Global::Help) => self.help_open = true,
            Some(Global::Back) if self.stack.len() > 1 => {
                self.stack.pop();
            }
            _ => {}
        }
    }

    /// Quits at once, unless a screen holds input that quitting would lose: then asks first.
    fn ask_quit(&mut self) {
        if self.stack.iter().any(|(_, s)| s.unsaved()) {
            self.help_open = false;
            self.confirm_quit = true;
        } else {
            self.quit = true;
        }
    }

    /// The question's keys: Enter, `y` or the quit key again leave; Esc or `n` stay.
    fn on_confirm_quit_key(&mut self, key: KeyEvent) {
        let leave = [KeyCombo::key(KeyCode::Enter), KeyCombo::char('y')];
        let stay = [KeyCombo::key(KeyCode::Esc), KeyCombo::char('n')];
        if leave.iter().any(|k| k.matches(&key))
            || self.global.command(&key, false) == Some(Global::Quit)
        {
            self.quit = true;
        } else if stay.iter().any(|k| k.matches(&key)) {
            self.confirm_quit = false;
        }
    }

    fn fresh_key(&mut self) -> ScreenKey {
        let key = ScreenKey(self.next_key);
        self.next_key += 1;
        key
    }

    /// Carries out a screen's effects. Navigation effects act on the position of the screen
    /// that returned them (`origin`), which is normally the top.
    fn apply(&mut self, origin: ScreenKey, effects: Vec<Effect>, jobs: &mut Vec<Job>) {
        for effect in effects {
            match effect {
                Effect::Push(screen) => {
                    let key = self.fresh_key();
                    self.stack.push((key, screen));
                    self.enter(jobs);
                }
                Effect::Pop => {
                    if let Some(pos) = self.stack.iter().position(|(k, _)| *k == origin)
                        && self.stack.len() > 1
                    {
                        self.stack.truncate(pos);
                    }
                }
                Effect::Replace(screen) => {
                    let key = self.fresh_key();
                    match self.stack.iter().position(|(k, _)| *k == origin) {
                        Some(pos) => {
                            self.stack.truncate(pos);
                            self.stack.push((key, screen));
                        }
                        None => self.stack.push((key, screen)),
                    }
                    self.enter(jobs);
                }
                Effect::Reset(screen) => {
                    let key = self.fresh_key();
                    self.stack.clear();
                    self.stack.push((key, screen));
                    self.enter(jobs);
                }
                Effect::Return(reply) => {
                    if let Some(pos) = self.stack.iter().position(|(k, _)| *k == origin)
                        && pos > 0
                    {
                        self.stack.truncate(pos);
                        let (below, screen) = self.stack.last_mut().expect("pos > 0");
                        let below = *below;
                        let effects = screen.on_reply(reply, &self.ctx);
                        self.apply(below, effects, jobs);
                    }
                }
                Effect::DataChanged => {
                    let others: Vec<ScreenKey> = self
                        .stack
                        .iter()
                        .map(|(k, _)| *k)
                        .filter(|k| *k != origin)
                        .collect();
                    for key in others {
                        if let Some((_, screen)) = self.stack.iter_mut().find(|(k, _)| *k == key) {
                            let effects = screen.on_data_changed(&self.ctx);
                            self.apply(key, effects, jobs);
                        }
                    }
                }
                Effect::Call(call) => {
                    self.in_flight += 1;
                    jobs.push(Job {
                        screen: origin,
                        call,
                    });
                }
                Effect::SignedIn(session) => {
                    self.ctx.session = Some(session);
                    self.count_unread(jobs);
                }
                Effect::Serve(serving) => self.ctx.serving = serving,
                Effect::SignedOut => {
                    // Every way out ends the session on the server and in the OS keyring.
                    self.ctx.session = None;
                    self.ctx.unread = None;
                    self.ctx.serving = None;
                    self.in_flight += 1;
                    jobs.push(Job {
                        screen: origin,
                        call: Call::Logout,
                    });
                }
                Effect::Region(region) => self.ctx.region = Some(region),
                Effect::KeyStoreUsed(store) => self.ctx.key_store = store,
                Effect::RememberKeystore(purpose, path) => {
                    self.ctx.remembered.remember(purpose, path);
                    self.in_flight += 1;
                    jobs.push(Job {
                        screen: origin,
                        call: Call::KeepRemembered(self.ctx.remembered.clone()),
                    });
                }
            }
        }
    }

    /// Runs the `init` of the screen just put on top.
    fn enter(&mut self, jobs: &mut Vec<Job>) {
        if let Some((key, screen)) = self.stack.last_mut() {
            let key = *key;
            let effects = screen.init(&self.ctx);
            self.apply(key, effects, jobs);
        }
    }

    /// Draws the whole frame: status bar, the screens (dialogs over what is below them), the
    /// hint line and the help overlay.
    pub fn view(&self, frame: &mut Frame) {
        let area = frame.area();
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            self.view_too_small(frame, area);
            return;
        }
        let [status, body, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.view_status(frame, status);
        // Draw from the topmost full screen upward so dialogs sit on what they cover.
        let base = self
            .stack
            .iter()
            .rposition(|(_, s)| !s.is_dialog())
            .unwrap_or(0);
        for (_, screen) in &self.stack[base..] {
            screen.view(frame, body, &self.ctx);
        }
        self.view_hints(frame, hints);
        if self.help_open {
            self.view_help(frame, body, &self.help());
        }
        if self.confirm_quit {
            self.view_confirm_quit(frame, body);
        }
    }

    /// The hint line's candidates with their ranks, in the order they are drawn: the top
    /// screen's hinted keys, then Esc (when there is somewhere to go back to and the screen does
    /// not use Esc itself), language, help and quit.
    fn hint_items(&self) -> Vec<(u8, KeyHelp)> {
        let esc = KeyCombo::key(KeyCode::Esc);
        if self.confirm_quit {
            return Vec::new();
        }
        let screen = self
            .stack
            .last()
            .map(|(_, s)| s.key_help())
            .unwrap_or_default();
        let screen_has_esc = screen.iter().any(|h| h.combos.contains(&esc));
        let mut items: Vec<(u8, KeyHelp)> = screen
            .into_iter()
            .filter(|h| h.hint)
            .map(|h| {
                let rank = if h.combos.contains(&esc) {
                    RANK_ALWAYS
                } else {
                    RANK_SCREEN
                };
                (rank, h)
            })
            .collect();
        // Back first among the global keys: it belongs with the screen's own.
        let mut globals = self.global.help();
        globals.sort_by_key(|h| h.name != "back");
        for mut h in globals {
            if h.name == "quit" {
                // Ctrl-C also quits, as everywhere in a terminal; the line names the one key.
                h.keys = h.key.map(|k| k.label()).unwrap_or_default();
            }
            let rank = match h.name {
                "back" if self.stack.len() > 1 && !screen_has_esc => RANK_ALWAYS,
                "back" => continue,
                "help" => RANK_ALWAYS,
                // A new user must find the language key on every screen.
                "language" => RANK_ALWAYS,
                _ => RANK_QUIT,
            };
            items.push((rank, h));
        }
        items
    }

    /// The keymap of the top screen followed by the global keys.
    fn help(&self) -> Vec<KeyHelp> {
        let mut help = self
            .stack
            .last()
            .map(|(_, s)| s.key_help())
            .unwrap_or_default();
        help.extend(self.global.help());
        help
    }

    fn view_too_small(&self, frame: &mut Frame, area: Rect) {
        let text = t!(
            "tui.too_small",
            min_width = MIN_WIDTH,
            min_height = MIN_HEIGHT,
            width = area.width,
            height = area.height
        );
        let paragraph = Paragraph::new(text.into_owned())
            .style(self.ctx.theme.error())
            .wrap(Wrap { trim: true });
        frame.render_widget(paragraph, area);
    }

    fn view_status(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.ctx.theme;
        let user = match &self.ctx.session {
            // An operator's ЦОН (the certificate's organisation) beside their name.
            Some(session) => match &session.organisation {
                Some(organisation) => format!(
                    "{} · {}",
                    session.full_name,
                    organisation.name.as_deref().unwrap_or(&organisation.bin)
                ),
                None => session.full_name.clone(),
            },
            None => t!("tui.status.guest").into_owned(),
        };
        let connection = match self.ctx.connection {
            Connection::Unknown => t!("tui.status.connecting"),
            Connection::Online => t!("tui.status.online"),
            Connection::Offline => t!("tui.status.offline"),
        };
        // The link's state and the language always show; a long name (an operator's ЦОН) gives
        // way first.
        let tail = format!(" │ {connection} │ {} ", self.ctx.lang.code().to_uppercase());
        let user = format!(" {user}");
        let right = format!("{user}{tail}");
        let mut left = vec![Span::styled(
            format!(" {} ", t!("tui.app_name")),
            theme.status_bar(),
        )];
        if let Some(unread) = self.ctx.unread.filter(|n| *n > 0) {
            left.push(Span::styled(
                format!("│ {} ", t!("tui.status.unread", count = unread)),
                theme
                    .status_bar()
                    .add_modifier(ratatui::style::Modifier::BOLD),
            ));
        }
        if let Some(region) = &self.ctx.region {
            // Settlement, district and region in the current language, as much as fits
            // beside the user and the connection; the settlement always.
            let lang = self.ctx.lang;
            let names = [
                region.settlement_name.get(lang),
                region.district_name.get(lang),
                region.region_name.get(lang),
            ];
            let used: usize = left.iter().map(|s| s.content.width()).sum();
            let room = (area.width as usize).saturating_sub(used + right.width());
            let place = (1..=names.len())
                .rev()
                .map(|n| names[..n].join(", "))
                .find(|place| place.width() + 3 <= room)
                .unwrap_or_else(|| names[0].to_owned());
            left.push(Span::styled(format!("│ {place} "), theme.status_bar()));
        }
        if self.busy() {
            left.push(Span::styled(
                format!("{} ", widgets::spinner::frame(self.ctx.tick)),
                theme.status_bar(),
            ));
        }
        let used: usize = left.iter().map(|s| s.content.width()).sum();
        let room = (area.width as usize).saturating_sub(used);
        let user = widgets::truncate(&user, room.saturating_sub(tail.width()));
        let right = widgets::truncate(&format!("{user}{tail}"), room);
        let pad = room.saturating_sub(right.width());
        left.push(Span::styled(" ".repeat(pad), theme.status_bar()));
        left.push(Span::styled(right, theme.status_bar()));
        frame.render_widget(Paragraph::new(Line::from(left)), area);
    }

    fn view_hints(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.ctx.theme;
        if let Some(notice) = self.ctx.notice {
            let text = widgets::truncate(&t!(notice), area.width as usize);
            frame.render_widget(Paragraph::new(text).style(theme.error()), area);
            return;
        }
        let mut spans = Vec::new();
        for (_, item) in hint_layout(self.hint_items(), area.width) {
            spans.push(Span::styled(item.keys.clone(), theme.key()));
            spans.push(Span::raw(format!(" {}  ", item.text)));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn view_help(&self, frame: &mut Frame, area: Rect, help: &[KeyHelp]) {
        let theme = &self.ctx.theme;
        let keys_width = help.iter().map(|h| h.keys.width()).max().unwrap_or(0);
        let lines: Vec<Line> = help
            .iter()
            .map(|h| {
                let pad = keys_width - h.keys.width();
                Line::from(vec![
                    Span::styled(format!("{}{}", h.keys, " ".repeat(pad)), theme.key()),
                    Span::raw(format!("  {}", h.text)),
                ])
            })
            .collect();
        let width = lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 4;
        let height = lines.len() as u16 + 2;
        let popup = widgets::centered(area, width, height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focused())
            .title(format!(" {} ", t!("tui.help.title")));
        frame.render_widget(Paragraph::new(lines).block(block), popup);
    }
}

impl App {
    /// «Quit? What you typed is not sent.» over the screen, with its two keys.
    fn view_confirm_quit(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.ctx.theme;
        let text = vec![
            Line::from(t!("tui.quit_confirm.text").into_owned()),
            Line::from(""),
            Line::from(vec![
                Span::styled("Enter", theme.key()),
                Span::raw(format!(" {}   ", t!("tui.quit_confirm.leave"))),
                Span::styled("Esc", theme.key()),
                Span::raw(format!(" {}", t!("tui.quit_confirm.stay"))),
            ]),
        ];
        let width = area.width.min(60);
        let inner_width = width.saturating_sub(4).max(1) as usize;
        let rows: usize = text
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_width))
            .sum();
        let popup = widgets::centered(area, width, rows as u16 + 2);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focused())
            .title(format!(" {} ", t!("tui.quit_confirm.title")));
        frame.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
            popup,
        );
    }
}

/// Reads terminal events on a thread of its own (crossterm's reader blocks) and forwards them.
fn spawn_input_thread(tx: UnboundedSender<Message>) {
    std::thread::spawn(move || {
        while let Ok(event) = event::read() {
            let message = match event {
                Event::Key(key) => Message::Key(key),
                Event::Paste(text) => Message::Paste(text),
                Event::Mouse(mouse) => Message::Mouse(mouse),
                Event::Resize(width, height) => Message::Resize(width, height),
                Event::FocusGained | Event::FocusLost => continue,
            };
            if tx.send(message).is_err() {
                break;
            }
        }
    });
}

/// SIGTERM, SIGINT and SIGHUP end the loop normally, so the terminal guard restores the screen.
fn spawn_signal_task(tx: UnboundedSender<Message>) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Message::Quit);
    });
    Ok(())
}

/// Asks for the unread count every [`UNREAD_EVERY`] (the first time after one period: sign-in
/// asks at once). The request itself runs as any other job, so a slow server never holds up
/// the loop.
fn spawn_unread_timer(tx: UnboundedSender<Message>) {
    tokio::spawn(async move {
        let mut timer =
            tokio::time::interval_at(tokio::time::Instant::now() + UNREAD_EVERY, UNREAD_EVERY);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            timer.tick().await;
            if tx.send(Message::CountUnread).is_err() {
                break;
            }
        }
    });
}

/// One frame, inside a synchronized update.
fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, app: &App) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| app.view(frame))?;
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// Starts each job in a tokio task that reports back as an [`Message::Reply`].
fn spawn_jobs(jobs: Vec<Job>, runner: &Runner, tx: &UnboundedSender<Message>) {
    for job in jobs {
        let tx = tx.clone();
        let runner = runner.clone();
        tokio::spawn(async move {
            let reply = runner.run(job.call).await;
            let _ = tx.send(Message::Reply {
                screen: job.screen,
                reply: Box::new(reply),
            });
        });
    }
}

/// The hints that fit a line of `width` columns, each with the columns it takes: what the hint
/// line draws and what a mouse click hits. When they do not all fit, the help key turns into
/// «? все клавиши» (the overlay lists every key), the lowest ranks are kept first, and what is
/// kept is drawn in its usual order.
fn hint_layout(items: Vec<(u8, KeyHelp)>, width: u16) -> Vec<(std::ops::Range<u16>, KeyHelp)> {
    // Each hint is «keys text» followed by two spaces, which the last one may do without.
    let taken = |item: &KeyHelp| item.keys.width() + item.text.width() + 3;
    let width = width as usize + 2;
    let total: usize = items.iter().map(|(_, item)| taken(item)).sum();
    let mut items = items;
    let mut keep = vec![true; items.len()];
    if total > width {
        for (_, item) in items.iter_mut().filter(|(_, item)| item.name == "help") {
            item.keys = item.key.map(|k| k.label()).unwrap_or_default();
            item.text = t!("tui.keys.all_keys").into_owned();
        }
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| items[i].0);
        let mut used = 0;
        for i in order {
            let cost = taken(&items[i].1);
            keep[i] = used + cost <= width;
            if keep[i] {
                used += cost;
            }
        }
    }
    let mut placed = Vec::new();
    let mut used = 0usize;
    for ((_, item), keep) in items.into_iter().zip(keep) {
        if !keep {
            continue;
        }
        let cost = taken(&item);
        placed.push((used as u16..(used + cost) as u16, item));
        used += cost;
    }
    placed
}

/// Runs the app until it quits: input, signals and replies in, frames out. `started`: when the
/// process began, for the log's first-frame time (the README's Measured table aims under 50 ms).
pub async fn run_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    mut app: App,
    runner: Runner,
    started: Instant,
) -> io::Result<()> {
    const FRAME: Duration = Duration::from_millis(16);
    let (tx, mut rx) = unbounded_channel();
    spawn_input_thread(tx.clone());
    spawn_signal_task(tx.clone())?;
    spawn_unread_timer(tx.clone());
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw: Option<Instant> = None;
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut first = Some(app.start());
    loop {
        if let Some(jobs) = first.take() {
            spawn_jobs(jobs, &runner, &tx);
        }
        let wait = last_draw.map_or(Duration::ZERO, |at| FRAME.saturating_sub(at.elapsed()));
        if app.dirty() && wait.is_zero() {
            draw(terminal, &app)?;
            app.drawn();
            if last_draw.is_none() {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                tracing::info!(after_start_ms = format!("{ms:.1}"), "first frame drawn");
            }
            last_draw = Some(Instant::now());
            continue;
        }
        let message = tokio::select! {
            message = rx.recv() => message,
            _ = ticker.tick(), if app.busy() => Some(Message::Tick),
            () = tokio::time::sleep(wait), if app.dirty() => continue,
        };
        let Some(message) = message else { break };
        // Batch everything already queued (a paste, a burst of keys) into one frame.
        let mut pending = vec![message];
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
        }
        for message in pending {
            app.ctx.now = chrono::Utc::now();
            let jobs = app.update(message);
            spawn_jobs(jobs, &runner, &tx);
        }
        if app.should_quit() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &'static str, keys: &str, text: &str, key: KeyCombo) -> KeyHelp {
        KeyHelp {
            name,
            keys: keys.to_owned(),
            text: text.to_owned(),
            hint: true,
            key: Some(key),
            combos: vec![key],
        }
    }

    fn line(placed: &[(std::ops::Range<u16>, KeyHelp)]) -> String {
        placed
            .iter()
            .map(|(_, h)| format!("{} {}", h.keys, h.text))
            .collect::<Vec<_>>()
            .join("  ")
    }

    #[test]
    fn a_short_line_keeps_help_and_back_and_says_there_is_more() {
        crate::i18n::Lang::Ru.activate();
        let items = vec![
            (
                RANK_SCREEN,
                item("open", "Enter", "Открыть", KeyCombo::key(KeyCode::Enter)),
            ),
            (
                RANK_SCREEN,
                item("search", "F3, /", "Поиск по журналу", KeyCombo::f(3)),
            ),
            (
                RANK_SCREEN,
                item("status", "f/F5", "Фильтр по статусу", KeyCombo::f(5)),
            ),
            (
                RANK_SCREEN,
                item("benefit", "b/F6", "Фильтр по льготе", KeyCombo::f(6)),
            ),
            (
                RANK_ALWAYS,
                item("back", "Esc", "Назад", KeyCombo::key(KeyCode::Esc)),
            ),
            (RANK_ALWAYS, item("language", "F2", "Язык", KeyCombo::f(2))),
            (
                RANK_ALWAYS,
                item("help", "?/F1", "Справка", KeyCombo::char('?')),
            ),
            (
                RANK_QUIT,
                item("quit", "Ctrl-Q", "Выход", KeyCombo::ctrl('q')),
            ),
        ];
        let wide = hint_layout(items.clone(), 200);
        assert_eq!(wide.len(), items.len());
        assert!(line(&wide).contains("?/F1 Справка"));
        let narrow = hint_layout(items, 60);
        let text = line(&narrow);
        assert!(text.contains("Esc Назад"), "{text}");
        assert!(text.ends_with("? все клавиши"), "{text}");
        assert!(
            text.starts_with("Enter Открыть"),
            "screen keys keep their order: {text}"
        );
        assert!(
            !text.contains("Выход"),
            "the lowest rank goes first: {text}"
        );
        let last = narrow.last().expect("hints").0.end;
        assert!(
            last <= 62,
            "fits (the last hint's two spaces aside): {last}"
        );
    }
}
