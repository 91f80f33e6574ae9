//! A small form: labelled fields, one focus, validation as you type and on submit (jumping to
//! the first invalid field). Field kinds cover the seeds' forms: free text, e-mail, phone, IIN
//! with live check-digit validation, date `ДД.ММ.ГГГГ`, masked password, and a flag.
//!
//! Errors are kept as i18n keys and translated when drawn, so F2 re-words them live.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;
use unicode_width::UnicodeWidthStr;
use zeroize::Zeroizing;

use crate::domain::Iin;
use crate::domain::limits::Text;
use crate::domain::wizard::{is_email, normalize_phone};
use crate::tui::theme::Theme;
use crate::tui::widgets::fit;

/// A message to show, kept as its i18n key and values so it is worded at draw time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl Message {
    pub fn new(key: &str) -> Message {
        Message {
            key: key.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Message {
        self.args.push((name.to_owned(), value.to_string()));
        self
    }

    /// The message in the current language with its values filled in.
    pub fn text(&self) -> String {
        let text = t!(&self.key);
        let names: Vec<&str> = self.args.iter().map(|(n, _)| n.as_str()).collect();
        let values: Vec<String> = self.args.iter().map(|(_, v)| v.clone()).collect();
        rust_i18n::replace_patterns(&text, &names, &values)
    }
}

/// What a field holds; decides which keys it takes and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    /// 12 digits, checked as typed (length, date, check digit).
    Iin,
    /// `ДД.ММ.ГГГГ`; the dots are put in as the digits come.
    Date,
    /// Masked; the text is zeroized when dropped and never leaves through `Debug`.
    Password,
    /// A yes/no box toggled with Space.
    Flag,
}

/// One labelled field.
pub struct Field {
    pub id: &'static str,
    /// i18n key of the label.
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Filled by the system (registry, certificate): shown but not editable.
    pub read_only: bool,
    /// The most characters the field takes, as the server's limit for it (`domain::limits`):
    /// typing stops there and the field says so. E-mail and phone fields have theirs from the
    /// start.
    pub limit: Option<Text>,
    input: Input,
    secret: Zeroizing<String>,
    checked: bool,
    /// Shown once the user has left the field or tried to submit, not while first typing.
    touched: bool,
    /// An error set by the screen (e.g. from the server), shown until the value changes.
    external: Option<Message>,
    /// A character was refused at the limit: said until the next edit, not an error.
    at_limit: bool,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.kind == FieldKind::Password {
            "***"
        } else {
            self.input.value()
        };
        f.debug_struct("Field")
            .field("id", &self.id)
            .field("value", &value)
            .finish()
    }
}

impl Field {
    pub fn new(id: &'static str, label: &'static str, kind: FieldKind) -> Field {
        Field {
            id,
            label,
            kind,
            required: false,
            read_only: false,
            limit: match kind {
                FieldKind::Email => Some(Text::Email),
                FieldKind::Phone => Some(Text::Phone),
                _ => None,
            },
            input: Input::default(),
            secret: Zeroizing::new(String::new()),
            checked: false,
            touched: false,
            external: None,
            at_limit: false,
        }
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn read_only(mut self) -> Field {
        self.read_only = true;
        self
    }

    pub fn limited(mut self, limit: Text) -> Field {
        self.limit = Some(limit);
        self
    }

    /// Whether `key` would add a character to a field already at its limit.
    fn over_limit(&self, key: KeyEvent) -> bool {
        let inserts = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        inserts
            && self
                .limit
                .is_some_and(|limit| self.input.value().chars().count() >= limit.max_chars())
    }

    /// «Не более N символов» while the last character typed was refused at the limit.
    pub fn notice(&self) -> Option<Message> {
        let limit = self.limit.filter(|_| self.at_limit)?;
        Some(Message::new(Text::MESSAGE).with("max", limit.max_chars()))
    }

    pub fn with_value(mut self, value: &str) -> Field {
        self.set_value(value);
        self
    }

    /// The text of the field; for a flag `"1"` or `""`.
    pub fn value(&self) -> &str {
        match self.kind {
            FieldKind::Password => self.secret.as_str(),
            FieldKind::Flag if self.checked => "1",
            FieldKind::Flag => "",
            _ => self.input.value(),
        }
    }

    pub fn is_checked(&self) -> bool {
        self.checked
    }

    pub fn set_value(&mut self, value: &str) {
        match self.kind {
            FieldKind::Password => {
                self.secret.clear();
                self.secret.push_str(value);
            }
            FieldKind::Flag => self.checked = !value.is_empty(),
            _ => self.input = Input::new(value.to_owned()),
        }
        self.external = None;
    }

    /// Empties the field as a new one is: no value, and no error shown until the user has been
    /// in it again (a field cleared after its value was accepted is not «required» yet).
    pub fn clear(&mut self) {
        self.set_value("");
        self.touched = false;
    }

    /// Marks the field invalid with a message from outside (the server, a cross-field rule).
    pub fn set_error(&mut self, message: Message) {
        self.external = Some(message);
        self.touched = true;
    }

    /// What is wrong with the value, if anything.
    pub fn error(&self) -> Option<Message> {
        if let Some(message) = &self.external {
            return Some(message.clone());
        }
        let value = self.value().trim();
        let key = if value.is_empty() {
            (self.required && self.kind != FieldKind::Flag).then_some("tui.form.required")
        } else {
            match self.kind {
                FieldKind::Iin => Iin::parse(value).err().map(|e| e.message_key()),
                FieldKind::Email => (!is_email(value)).then_some("tui.form.bad_email"),
                FieldKind::Phone => normalize_phone(value)
                    .is_none()
                    .then_some("tui.form.bad_phone"),
                FieldKind::Date => parse_date(value).is_none().then_some("tui.form.bad_date"),
                FieldKind::Text | FieldKind::Password | FieldKind::Flag => None,
            }
        };
        key.map(Message::new)
    }

    /// The error to show now: only after the user has left the field or tried to submit,
    /// except for an IIN, whose digits are checked live once all twelve are there.
    pub fn visible_error(&self) -> Option<Message> {
        let live = self.kind == FieldKind::Iin && self.value().len() >= 12;
        if self.touched || live {
            self.error()
        } else {
            None
        }
    }

    /// Whether typed characters go into this field (and so are not hotkeys).
    pub fn takes_text(&self) -> bool {
        !self.read_only && self.kind != FieldKind::Flag
    }

    /// Edits the field; returns whether the key was used.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        if self.read_only {
            return false;
        }
        if self.over_limit(key) {
            // Swallowed like a letter in an IIN, and the limit said until the next edit.
            self.at_limit = true;
            return true;
        }
        let used = match self.kind {
            FieldKind::Flag => {
                if key.code == KeyCode::Char(' ') {
                    self.checked = !self.checked;
                    true
                } else {
                    false
                }
            }
            FieldKind::Password => self.edit_secret(key),
            FieldKind::Iin | FieldKind::Phone | FieldKind::Date => {
                if let KeyCode::Char(c) = key.code
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    self.insert_restricted(c)
                } else {
                    self.edit_text(key)
                }
            }
            FieldKind::Text | FieldKind::Email => self.edit_text(key),
        };
        if used {
            self.external = None;
            self.at_limit = false;
        }
        used
    }

    fn edit_text(&mut self, key: KeyEvent) -> bool {
        match to_input_request(&Event::Key(key)) {
            Some(request) => {
                self.input.handle(request);
                true
            }
            None => false,
        }
    }

    /// Digits only (and `+ ( ) -` spaces for phones); dates get their dots automatically.
    fn insert_restricted(&mut self, c: char) -> bool {
        let value = self.input.value();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let accepted = match self.kind {
            FieldKind::Iin => c.is_ascii_digit() && digits < 12,
            FieldKind::Phone => {
                (c.is_ascii_digit() && digits < 11) || matches!(c, '+' | '(' | ')' | '-' | ' ')
            }
            FieldKind::Date => (c.is_ascii_digit() && digits < 8) || c == '.',
            _ => false,
        };
        if !accepted {
            return true; // swallowed: a letter in an IIN is not a hotkey either
        }
        if self.kind == FieldKind::Date {
            let mut text: String = value.chars().filter(char::is_ascii_digit).collect();
            if c.is_ascii_digit() {
                text.push(c);
            }
            self.input = Input::new(format_date_digits(&text, c == '.'));
        } else {
            self.input.handle(tui_input::InputRequest::InsertChar(c));
        }
        true
    }

    fn edit_secret(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.secret.clear();
                true
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                self.secret.push(c);
                true
            }
            KeyCode::Backspace => {
                self.secret.pop();
                true
            }
            _ => false,
        }
    }

    /// Pasted text goes in as if typed, one character at a time, so restrictions hold.
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    /// What the value box shows: bullets for a password, a box for a flag.
    fn shown(&self) -> String {
        match self.kind {
            FieldKind::Password => "•".repeat(self.secret.chars().count()),
            FieldKind::Flag if self.checked => "[x]".to_owned(),
            FieldKind::Flag => "[ ]".to_owned(),
            _ => self.input.value().to_owned(),
        }
    }

    /// Draws `label: value` in one row; the label column is `label_width` wide. The required
    /// mark is `*` as in the seeds; an invalid field is marked `✗` besides its colour.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        label_width: u16,
        focused: bool,
        theme: &Theme,
    ) {
        self.render_showing(frame, area, label_width, focused, theme, None);
    }

    /// [`Field::render`], with `unfocused` shown instead of the value while the field has no
    /// focus (the key window's path shows the file name first). Without focus a field shows the
    /// beginning of its value, where the cursor is not.
    pub fn render_showing(
        &self,
        frame: &mut Frame,
        area: Rect,
        label_width: u16,
        focused: bool,
        theme: &Theme,
        unfocused: Option<String>,
    ) {
        let mut label = t!(self.label).into_owned();
        if self.required {
            label.push('*');
        }
        let error = self.visible_error();
        let label_style = if error.is_some() {
            theme.error()
        } else if focused {
            theme.focused()
        } else {
            theme.text()
        };
        let box_width = area.width.saturating_sub(label_width + 1) as usize;
        let shown = match unfocused {
            Some(text) if !focused => text,
            _ => self.shown(),
        };
        let (visible, cursor) = if !focused && self.kind != FieldKind::Password {
            (shown, 0)
        } else if self.kind == FieldKind::Password || self.kind == FieldKind::Flag {
            let tail = shown
                .chars()
                .rev()
                .take(box_width.saturating_sub(2))
                .collect::<String>();
            let tail: String = tail.chars().rev().collect();
            let cursor = tail.width();
            (tail, cursor)
        } else {
            let scroll = self.input.visual_scroll(box_width.saturating_sub(2));
            let visible: String = shown.chars().skip(scroll).collect();
            (visible, self.input.visual_cursor().saturating_sub(scroll))
        };
        let marker = if error.is_some() { "✗" } else { " " };
        let value_style = if focused {
            theme.selected()
        } else if self.read_only {
            theme.muted()
        } else {
            theme
                .text()
                .add_modifier(ratatui::style::Modifier::UNDERLINED)
        };
        let line = Line::from(vec![
            Span::styled(fit(&label, label_width as usize), label_style),
            Span::raw(" "),
            Span::styled(fit(&visible, box_width.saturating_sub(1)), value_style),
            Span::styled(marker, theme.error()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if focused && self.takes_text() {
            let x = area.x + label_width + 1 + cursor.min(box_width.saturating_sub(2)) as u16;
            frame.set_cursor_position(Position::new(x, area.y));
        }
    }
}

/// Inserts the dots of `ДД.ММ.ГГГГ` into up to eight digits.
fn format_date_digits(digits: &str, dot_typed: bool) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i == 2 || i == 4 {
            out.push('.');
        }
        out.push(c);
    }
    if dot_typed && (digits.len() == 2 || digits.len() == 4) {
        out.push('.');
    }
    out
}

/// `ДД.ММ.ГГГГ` as the seeds write dates.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%d.%m.%Y").ok()
}

/// Fields with one focus. Tab/Shift-Tab (and ↓/↑) move between editable fields.
#[derive(Debug)]
pub struct Form {
    pub fields: Vec<Field>,
    focus: usize,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        let mut form = Form { fields, focus: 0 };
        if form.fields.first().is_some_and(|f| f.read_only) {
            form.next();
        }
        form
    }

    pub fn focus(&self) -> usize {
        self.focus
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn focus_on(&mut self, id: &str) {
        if let Some(pos) = self.fields.iter().position(|f| f.id == id) {
            self.focus = pos;
        }
    }

    pub fn field(&self, id: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("form has no field {id}"))
    }

    pub fn field_mut(&mut self, id: &str) -> &mut Field {
        self.fields
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("form has no field {id}"))
    }

    pub fn value(&self, id: &str) -> &str {
        self.field(id).value()
    }

    /// Moves to the next editable field, wrapping; leaving a field shows its errors.
    pub fn next(&mut self) {
        self.step(1);
    }

    pub fn prev(&mut self) {
        self.step(self.fields.len().saturating_sub(1));
    }

    fn step(&mut self, by: usize) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.touched = true;
        }
        for _ in 0..n {
            self.focus = (self.focus + by) % n;
            if !self.fields[self.focus].read_only {
                return;
            }
        }
    }

    /// Whether plain characters are text for the focused field.
    pub fn typing(&self) -> bool {
        self.focused().is_some_and(Field::takes_text)
    }

    /// Handles Tab/Shift-Tab/↑/↓ and edits; returns whether the key was used.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Tab | KeyCode::Down => {
                self.next();
                true
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.prev();
                true
            }
            _ => self
                .fields
                .get_mut(self.focus)
                .is_some_and(|f| f.handle_key(key)),
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.paste(text);
        }
    }

    /// Checks every field as on «Далее»: marks them all, focuses the first invalid one, and
    /// says whether the form is valid.
    pub fn validate(&mut self) -> bool {
        for f in &mut self.fields {
            f.touched = true;
        }
        match self.fields.iter().position(|f| f.error().is_some()) {
            Some(pos) => {
                self.focus = pos;
                false
            }
            None => true,
        }
    }

    /// The message to show under the form: the focused field's error or limit, else the
    /// first visible error.
    pub fn message(&self) -> Option<Message> {
        self.focused()
            .and_then(|field| field.visible_error().or_else(|| field.notice()))
            .or_else(|| self.fields.iter().find_map(Field::visible_error))
    }

    /// The width of the widest label (with its `*`), for aligning a column.
    pub fn label_width(fields: &[Field]) -> u16 {
        fields
            .iter()
            .map(|f| t!(f.label).width() + usize::from(f.required))
            .max()
            .unwrap_or(0) as u16
    }

    /// Draws the fields one per row in `columns` columns filled top to bottom, and below them
    /// the translated error of the focused field (or the first visible one).
    pub fn render(&self, frame: &mut Frame, area: Rect, columns: u16, theme: &Theme) {
        let columns = columns.max(1);
        let per_column = self.fields.len().div_ceil(columns as usize);
        let col_width = area.width / columns;
        for (c, chunk) in self.fields.chunks(per_column.max(1)).enumerate() {
            let label_width = Form::label_width(chunk).min(col_width / 2);
            for (r, field) in chunk.iter().enumerate() {
                let y = area.y + r as u16;
                if y >= area.bottom() {
                    break;
                }
                let index = c * per_column + r;
                let rect = Rect::new(
                    area.x + c as u16 * col_width,
                    y,
                    col_width.saturating_sub(1),
                    1,
                );
                field.render(frame, rect, label_width, index == self.focus, theme);
            }
        }
        let message_y = area.y + per_column as u16 + 1;
        let message = self.message();
        if let Some(message) = message
            && message_y < area.bottom()
        {
            frame.render_widget(
                Paragraph::new(Span::styled(message.text(), theme.error())),
                Rect::new(area.x, message_y, area.width, 1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(message: Option<Message>) -> Option<String> {
        message.map(|m| m.key)
    }

    fn typed(field: &mut Field, text: &str) {
        for c in text.chars() {
            field.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn iin_takes_only_twelve_digits_and_checks_live() {
        let mut f = Field::new("iin", "tui.form.iin", FieldKind::Iin).required();
        typed(&mut f, "12a3456789011999");
        assert_eq!(f.value(), "123456789011");
        assert_eq!(key(f.visible_error()), Some("iin.error.century".into()));
        let first11 = [9, 5, 0, 4, 1, 2, 3, 5, 0, 4, 7];
        let check = crate::domain::iin::check_digit(&first11).expect("this serial has a digit");
        let mut ok = Field::new("iin", "tui.form.iin", FieldKind::Iin);
        typed(&mut ok, &format!("95041235047{check}"));
        assert_eq!(ok.visible_error(), None);
    }

    #[test]
    fn dates_get_their_dots() {
        let mut f = Field::new("d", "tui.form.birth_date", FieldKind::Date);
        typed(&mut f, "20042015");
        assert_eq!(f.value(), "20.04.2015");
        assert_eq!(f.error(), None);
        let mut bad = Field::new("d", "tui.form.birth_date", FieldKind::Date);
        typed(&mut bad, "31022015");
        assert_eq!(key(bad.error()), Some("tui.form.bad_date".into()));
    }

    #[test]
    fn password_is_masked_and_not_in_debug() {
        let mut f = Field::new("p", "tui.form.password", FieldKind::Password);
        typed(&mut f, "Qwerty12");
        assert_eq!(f.value(), "Qwerty12");
        assert_eq!(f.shown(), "••••••••");
        assert!(!format!("{f:?}").contains("Qwerty12"));
        f.handle_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(f.value(), "Qwerty1");
    }

    #[test]
    fn email_and_phone_use_the_domain_rules() {
        let mut email = Field::new("e", "tui.form.email", FieldKind::Email).with_value("1@gmail");
        assert_eq!(key(email.error()), Some("tui.form.bad_email".into()));
        email.set_value("1@gmail.com");
        assert_eq!(email.error(), None);
        let mut phone = Field::new("p", "tui.form.phone", FieldKind::Phone);
        typed(&mut phone, "+7 312 123 45 67");
        assert_eq!(key(phone.error()), Some("tui.form.bad_phone".into()));
        phone.set_value("8 (701) 234-56-78");
        assert_eq!(phone.error(), None);
    }

    #[test]
    fn typing_stops_at_the_servers_limit_and_says_so() {
        let mut reason = Field::new("reason", "application.dialog.reason", FieldKind::Text)
            .limited(Text::Reason);
        let max = Text::Reason.max_chars();
        reason.paste(&"ә".repeat(max + 50));
        assert_eq!(reason.value().chars().count(), max);
        let shown = reason.notice().expect("the limit is said");
        assert_eq!(shown.key, Text::MESSAGE);
        assert_eq!(shown.args, vec![("max".to_owned(), max.to_string())]);
        assert_eq!(reason.error(), None, "a text at the limit is fine");
        let form = Form::new(vec![reason]);
        assert_eq!(form.message(), Some(shown));
        let mut reason = form.fields.into_iter().next().unwrap();
        // The next edit takes the message away.
        reason.handle_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(reason.value().chars().count(), max - 1);
        assert_eq!(reason.notice(), None);
        typed(&mut reason, "ab");
        assert_eq!(reason.value().chars().count(), max);
        // E-mail and phone fields carry their limits from the start.
        let mut phone = Field::new("p", "tui.form.phone", FieldKind::Phone);
        typed(&mut phone, &" ".repeat(100));
        assert_eq!(phone.value().len(), Text::Phone.max_chars());
        let mut free = Field::new("path", "tui.key.path", FieldKind::Text);
        free.paste(&"x".repeat(5000));
        assert_eq!(
            free.value().len(),
            5000,
            "no limit where the server has none"
        );
    }

    #[test]
    fn submit_jumps_to_the_first_invalid_field() {
        let mut form = Form::new(vec![
            Field::new("name", "tui.form.iin", FieldKind::Text)
                .read_only()
                .with_value("АЙГЕРІМ"),
            Field::new("email", "tui.form.email", FieldKind::Email)
                .required()
                .with_value("a@b.kz"),
            Field::new("phone", "tui.form.phone", FieldKind::Phone).required(),
        ]);
        assert_eq!(form.focus(), 1, "read-only fields are skipped");
        assert_eq!(
            form.field("phone").visible_error(),
            None,
            "untouched: no error yet"
        );
        assert!(!form.validate());
        assert_eq!(form.focus(), 2);
        assert_eq!(
            key(form.field("phone").visible_error()),
            Some("tui.form.required".into())
        );
        form.field_mut("phone").set_value("+77011234567");
        assert!(form.validate());
    }
}
