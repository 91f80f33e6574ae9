//! Keymap tables: one per screen, each binding a command to keys with a translated description.
//!
//! The same table feeds the hint line, the `?` overlay and the user's rebinds from the config file
//! (`[keys.<screen>] <binding name> = ["F10", "ctrl-s"]`). Letter keys also answer on the
//! Russian/Kazakh ЙЦУКЕН layout, because operators type Cyrillic all day and should not have to
//! switch layouts to press `q`.

use std::collections::HashMap;
use std::sync::OnceLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rust_i18n::t;

/// One key with its modifiers, as written in a keymap table or in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    pub const fn key(code: KeyCode) -> KeyCombo {
        KeyCombo {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn char(c: char) -> KeyCombo {
        KeyCombo::key(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> KeyCombo {
        KeyCombo {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    pub const fn f(n: u8) -> KeyCombo {
        KeyCombo::key(KeyCode::F(n))
    }

    /// Parses the config file's spelling: `F10`, `ctrl-s`, `alt-x`, `enter`, `esc`, `tab`,
    /// `shift-tab`, `up`, `down`, `left`, `right`, `pageup`, `pagedown`, `home`, `end`,
    /// `delete`, `backspace`, `space`, or a single character.
    pub fn parse(text: &str) -> Option<KeyCombo> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                    modifiers.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "backspace" => KeyCode::Backspace,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok().filter(|n| *n >= 1)?),
                _ => return None,
            },
        };
        Some(KeyCombo { code, modifiers })
    }

    /// How the key is written in the hint line and the help overlay.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                out.push(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::Delete => out.push_str("Del"),
            KeyCode::Insert => out.push_str("Ins"),
            KeyCode::Backspace => out.push_str("Backspace"),
            other => out.push_str(&format!("{other:?}")),
        }
        out
    }

    /// Whether a key press is this combo. Shift is ignored for characters (terminals disagree
    /// on reporting it) and a Cyrillic letter counts as the Latin letter on the same key.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        if event.kind == KeyEventKind::Release {
            return false;
        }
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        match (self.code, event.code) {
            (KeyCode::Char(want), KeyCode::Char(got)) => {
                let got = latin_key(got).unwrap_or(got);
                let same = if self.modifiers.contains(KeyModifiers::CONTROL) {
                    want.eq_ignore_ascii_case(&got)
                } else {
                    want == got
                };
                same && (self.modifiers & relevant) == (event.modifiers & relevant)
            }
            // crossterm reports Shift-Tab as BackTab *with* Shift set; the tables write BackTab
            // alone, so Shift is part of the key there, not a modifier to compare.
            (KeyCode::BackTab, KeyCode::BackTab) => self.modifiers == event.modifiers & relevant,
            (KeyCode::BackTab, KeyCode::Tab) if event.modifiers.contains(KeyModifiers::SHIFT) => {
                self.modifiers == event.modifiers & relevant
            }
            (want, got) => {
                want == got && self.modifiers == event.modifiers & (relevant | KeyModifiers::SHIFT)
            }
        }
    }

    /// A printable character typed without Ctrl or Alt: text for a focused field, not a hotkey.
    pub fn is_typing(event: &KeyEvent) -> bool {
        matches!(event.code, KeyCode::Char(_))
            && !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// The Latin letter on the same physical key of the ЙЦУКЕН layout (Russian and Kazakh share
/// the letter rows), keeping case; `None` for anything else.
pub fn latin_key(c: char) -> Option<char> {
    const LOWER: [(char, char); 33] = [
        ('й', 'q'),
        ('ц', 'w'),
        ('у', 'e'),
        ('к', 'r'),
        ('е', 't'),
        ('н', 'y'),
        ('г', 'u'),
        ('ш', 'i'),
        ('щ', 'o'),
        ('з', 'p'),
        ('х', '['),
        ('ъ', ']'),
        ('ф', 'a'),
        ('ы', 's'),
        ('в', 'd'),
        ('а', 'f'),
        ('п', 'g'),
        ('р', 'h'),
        ('о', 'j'),
        ('л', 'k'),
        ('д', 'l'),
        ('ж', ';'),
        ('э', '\''),
        ('я', 'z'),
        ('ч', 'x'),
        ('с', 'c'),
        ('м', 'v'),
        ('и', 'b'),
        ('т', 'n'),
        ('ь', 'm'),
        ('б', ','),
        ('ю', '.'),
        ('ё', '`'),
    ];
    let lower = c.to_lowercase().next()?;
    let latin = LOWER.iter().find(|(cyr, _)| *cyr == lower)?.1;
    Some(if c.is_uppercase() {
        latin.to_ascii_uppercase()
    } else {
        latin
    })
}

/// One row of a screen's keymap table.
#[derive(Debug, Clone, Copy)]
pub struct Binding<C: 'static> {
    pub command: C,
    /// Stable name used in the config file's `[keys.<screen>]` table.
    pub name: &'static str,
    pub keys: &'static [KeyCombo],
    /// i18n key of the description shown in the hint line and the help overlay.
    pub help: &'static str,
    /// Whether the hint line shows it (the overlay shows every binding).
    pub hint: bool,
}

/// A binding as the user sees it: keys and translated description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHelp {
    /// The binding's config name, for screens that hide a binding in some states.
    pub name: &'static str,
    pub keys: String,
    pub text: String,
    pub hint: bool,
    /// The first key, pressed for the user when they click the hint.
    pub key: Option<KeyCombo>,
    /// Every key bound, the first included.
    pub combos: Vec<KeyCombo>,
}

/// A screen's keymap after the user's rebinds.
#[derive(Debug, Clone)]
pub struct Keymap<C: Copy + 'static> {
    entries: Vec<(Binding<C>, Vec<KeyCombo>)>,
}

impl<C: Copy + PartialEq + 'static> Keymap<C> {
    /// The table of `screen` with the rebinds installed by [`install_overrides`] applied.
    pub fn new(screen: &str, bindings: &'static [Binding<C>]) -> Keymap<C> {
        let overrides = OVERRIDES.get().and_then(|o| o.get(screen));
        let entries = bindings
            .iter()
            .map(|b| {
                let keys = overrides
                    .and_then(|o| o.get(b.name))
                    .cloned()
                    .unwrap_or_else(|| b.keys.to_vec());
                (*b, keys)
            })
            .collect();
        Keymap { entries }
    }

    /// The command bound to `event`. While the user types into a field (`typing`), plain
    /// characters are text, not hotkeys.
    pub fn command(&self, event: &KeyEvent, typing: bool) -> Option<C> {
        if typing && KeyCombo::is_typing(event) {
            return None;
        }
        self.entries
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.matches(event)))
            .map(|(b, _)| b.command)
    }

    /// The keys currently bound to `command`, for labels such as «[F10] Далее».
    pub fn keys_of(&self, command: C) -> Option<String> {
        self.entries
            .iter()
            .find(|(b, _)| b.command == command)
            .and_then(|(_, keys)| keys.first())
            .map(KeyCombo::label)
    }

    /// Every binding with its keys and translated description, in table order.
    pub fn help(&self) -> Vec<KeyHelp> {
        self.entries
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(b, keys)| KeyHelp {
                name: b.name,
                keys: join_labels(keys),
                text: t!(b.help).into_owned(),
                hint: b.hint,
                key: keys.first().copied(),
                combos: keys.clone(),
            })
            .collect()
    }
}

/// The keys of one binding as written in hints: «F3/p», but «F3, /» when a key is the slash
/// itself, which «//F3» would hide.
fn join_labels(keys: &[KeyCombo]) -> String {
    let labels: Vec<String> = keys.iter().map(KeyCombo::label).collect();
    let separator = if labels.iter().any(|l| l == "/") {
        ", "
    } else {
        "/"
    };
    labels.join(separator)
}

/// The user's rebinds: screen id → binding name → keys.
pub type Overrides = HashMap<String, HashMap<String, Vec<KeyCombo>>>;

static OVERRIDES: OnceLock<Overrides> = OnceLock::new();

/// Installs the config file's rebinds for every keymap built afterwards. Rebinds are read once
/// at start, like the rest of the config; a second call is ignored.
pub fn install_overrides(overrides: Overrides) {
    let _ = OVERRIDES.set(overrides);
}

/// Parses the config's `[keys]` table, returning the rebinds and the spellings it did not
/// understand (the caller logs them; a typo must not stop the client).
pub fn parse_overrides(
    raw: &HashMap<String, HashMap<String, Vec<String>>>,
) -> (Overrides, Vec<String>) {
    let mut bad = Vec::new();
    let mut out = Overrides::new();
    for (screen, table) in raw {
        for (name, keys) in table {
            let mut combos = Vec::new();
            for key in keys {
                match KeyCombo::parse(key) {
                    Some(combo) => combos.push(combo),
                    None => bad.push(format!("keys.{screen}.{name}: {key}")),
                }
            }
            out.entry(screen.clone())
                .or_default()
                .insert(name.clone(), combos);
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn parses_config_spellings() {
        assert_eq!(KeyCombo::parse("F10"), Some(KeyCombo::f(10)));
        assert_eq!(KeyCombo::parse("ctrl-S"), Some(KeyCombo::ctrl('s')));
        assert_eq!(
            KeyCombo::parse("shift-tab"),
            Some(KeyCombo::key(KeyCode::BackTab))
        );
        assert_eq!(KeyCombo::parse("q"), Some(KeyCombo::char('q')));
        assert_eq!(KeyCombo::parse("й"), Some(KeyCombo::char('й')));
        assert_eq!(KeyCombo::parse("F0"), None);
        assert_eq!(KeyCombo::parse("hyper-x"), None);
    }

    #[test]
    fn cyrillic_layout_answers_latin_hotkeys() {
        let q = KeyCombo::char('q');
        assert!(q.matches(&press(KeyCode::Char('й'), KeyModifiers::NONE)));
        assert!(!q.matches(&press(KeyCode::Char('ц'), KeyModifiers::NONE)));
        let ctrl_c = KeyCombo::ctrl('c');
        assert!(ctrl_c.matches(&press(KeyCode::Char('с'), KeyModifiers::CONTROL)));
        assert!(ctrl_c.matches(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!ctrl_c.matches(&press(KeyCode::Char('c'), KeyModifiers::NONE)));
        assert_eq!(latin_key('Й'), Some('Q'));
        assert_eq!(latin_key('ә'), None);
    }

    #[test]
    fn shift_is_ignored_for_characters_only() {
        let help = KeyCombo::char('?');
        assert!(help.matches(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)));
        let tab = KeyCombo::key(KeyCode::Tab);
        assert!(!tab.matches(&press(KeyCode::Tab, KeyModifiers::SHIFT)));
    }

    #[test]
    fn slash_key_is_not_lost_among_separators() {
        assert_eq!(join_labels(&[KeyCombo::f(3), KeyCombo::char('p')]), "F3/p");
        assert_eq!(join_labels(&[KeyCombo::f(3), KeyCombo::char('/')]), "F3, /");
    }

    #[test]
    fn shift_tab_matches_however_the_terminal_reports_it() {
        let back = KeyCombo::key(KeyCode::BackTab);
        // crossterm's own report: BackTab with Shift set.
        assert!(back.matches(&press(KeyCode::BackTab, KeyModifiers::SHIFT)));
        assert!(back.matches(&press(KeyCode::BackTab, KeyModifiers::NONE)));
        // Terminals that send Tab with Shift.
        assert!(back.matches(&press(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(!back.matches(&press(KeyCode::Tab, KeyModifiers::NONE)));
        assert!(!back.matches(&press(KeyCode::BackTab, KeyModifiers::CONTROL)));
        let parsed = KeyCombo::parse("shift-tab").expect("parses");
        assert!(parsed.matches(&press(KeyCode::BackTab, KeyModifiers::SHIFT)));
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Cmd {
        Next,
        Quit,
    }

    const TABLE: &[Binding<Cmd>] = &[
        Binding {
            command: Cmd::Next,
            name: "next",
            keys: &[KeyCombo::f(10)],
            help: "tui.keys.next",
            hint: true,
        },
        Binding {
            command: Cmd::Quit,
            name: "quit",
            keys: &[KeyCombo::char('q')],
            help: "tui.keys.quit",
            hint: true,
        },
    ];

    #[test]
    fn typing_suppresses_letter_hotkeys() {
        let map = Keymap::new("test-typing", TABLE);
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.command(&q, false), Some(Cmd::Quit));
        assert_eq!(map.command(&q, true), None);
        assert_eq!(
            map.command(&press(KeyCode::F(10), KeyModifiers::NONE), true),
            Some(Cmd::Next)
        );
    }

    #[test]
    fn overrides_rebind_by_name() {
        let raw = HashMap::from([(
            "test-rebind".to_owned(),
            HashMap::from([(
                "next".to_owned(),
                vec!["ctrl-n".to_owned(), "bogus-key".to_owned()],
            )]),
        )]);
        let (overrides, bad) = parse_overrides(&raw);
        assert_eq!(bad, vec!["keys.test-rebind.next: bogus-key".to_owned()]);
        install_overrides(overrides);
        let map = Keymap::new("test-rebind", TABLE);
        assert_eq!(
            map.command(&press(KeyCode::Char('n'), KeyModifiers::CONTROL), false),
            Some(Cmd::Next)
        );
        assert_eq!(
            map.command(&press(KeyCode::F(10), KeyModifiers::NONE), false),
            None
        );
        assert_eq!(map.keys_of(Cmd::Next), Some("Ctrl-N".to_owned()));
    }
}
