//! The signing window «Формирование ЭЦП в формате XML» (seed 002 figures 8-9, seed 003 figures
//! 9-10): the key window for the SIGN key over the screen that asked. On «Подписать» the
//! document is built, signed and sent in one request; the server's answer is handed back to the
//! screen below (`Effect::Return`). Problems with the key, the signature or the connection stay
//! in the window so the user can try again; a refusal on the rules goes back with the answer.
//!
//! Any screen with a signed action opens it: `Effect::Push(Box::new(Signing::new(task, ctx)))`
//! and handles `Reply::Sent` in its `on_reply`.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::tui::keymap::KeyHelp;
use crate::tui::protocol::{Call, Reply, SignTask};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::session::Purpose;
use crate::tui::widgets::key_window::{KeyWindow, KeyWindowEvent, Store};

pub struct Signing {
    task: Option<SignTask>,
    window: KeyWindow,
    /// The keystore signed with: remembered for the next signing once the server accepted.
    signed_path: Option<std::path::PathBuf>,
    /// The storage type signed with, likewise.
    signed_store: Option<Store>,
}

impl Signing {
    /// A window that signs and sends `task`; the last SIGN keystore is already in the path.
    pub fn new(task: SignTask, ctx: &Ctx) -> Signing {
        let mut window = KeyWindow::new(
            Purpose::Sign,
            ctx.remembered.sign.clone(),
            ctx.key_folders.clone(),
        )
        .with_modules(ctx.pkcs11.clone());
        if ctx.key_store == Store::Computer
            && ctx.remembered.sign.is_none()
            && let Some(auth) = &ctx.remembered.auth
        {
            window = window.beside_login_key(auth);
        }
        Signing {
            task: Some(task),
            window,
            signed_path: None,
            signed_store: None,
        }
    }
}

impl Screen for Signing {
    fn id(&self) -> &'static str {
        "signing"
    }

    fn title(&self) -> String {
        rust_i18n::t!("tui.key.title_sign").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.window.key_help()
    }

    fn is_dialog(&self) -> bool {
        true
    }

    fn busy(&self) -> bool {
        self.window.busy()
    }

    /// A key from a device at login: the window starts on that device and lists its slots.
    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        match ctx.key_store {
            Store::Computer => Vec::new(),
            store @ Store::Device(_) => match self.window.use_store(store) {
                KeyWindowEvent::Load(call) => vec![Effect::Call(*call)],
                _ => Vec::new(),
            },
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        Some(match self.window.handle_key(key, ctx.now) {
            KeyWindowEvent::Nothing => Vec::new(),
            KeyWindowEvent::Cancel => vec![Effect::Pop],
            KeyWindowEvent::Load(call) => vec![Effect::Call(*call)],
            KeyWindowEvent::Sign { key, path } => match self.task.clone() {
                Some(task) => {
                    self.signed_path = path;
                    self.signed_store = Some(self.window.store());
                    vec![Effect::Call(Call::SignAndSend { key, task })]
                }
                None => Vec::new(),
            },
        })
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.window.paste(text);
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        // The key window's own loads (keystore, slots, token) stay in it.
        let Some(reply) = self.window.on_reply(reply) else {
            return Vec::new();
        };
        match reply {
            Reply::Sent(Ok(sent)) => {
                self.task = None;
                // Like the login key: a keystore is remembered once the server accepted it.
                let mut effects: Vec<Effect> = self
                    .signed_path
                    .take()
                    .map(|path| Effect::RememberKeystore(Purpose::Sign, path))
                    .into_iter()
                    .collect();
                effects.extend(
                    self.signed_store
                        .take()
                        .filter(|store| *store != ctx.key_store)
                        .map(Effect::KeyStoreUsed),
                );
                effects.push(Effect::Return(Reply::Sent(Ok(sent))));
                effects
            }
            Reply::Sent(Err(e)) if e.stays_in_signing_window() => {
                self.window.fail(e);
                Vec::new()
            }
            Reply::Sent(Err(e)) => {
                self.task = None;
                vec![Effect::Return(Reply::Sent(Err(e)))]
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        self.window.render(frame, area, &ctx.theme, ctx.tick);
    }
}
