//! The `.proto` lexer: identifiers, numbers, strings, symbols, and the
//! comments between them.
//!
//! Comments are not tokens. Between two tokens the lexer sorts them the way
//! protoc does (descriptor.proto, `SourceCodeInfo.Location`): a comment on the
//! line of the previous token trails it; a run of comments directly above the
//! next token leads it; paragraphs separated by blank lines are detached.

use super::error::{Position, SchemaError};

/// What kind of token the lexer found (proto2-spec.md "Lexical Elements").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `letter { letter | decimalDigit | "_" }`.
    Ident,
    /// A decimal, octal or hex integer literal, without sign.
    Int,
    /// A floating-point literal, without sign.
    Float,
    /// A quoted string literal; `text` keeps the quotes and escapes.
    Str,
    /// One punctuation character.
    Symbol,
    /// The end of the file.
    End,
}

/// The comments found between the previous token and this one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CommentsBefore {
    /// Comments that trail the previous token (on its line, or the block
    /// directly below it when detached from the next token).
    pub prev_trailing: Option<String>,
    /// Paragraphs attached to neither token.
    pub detached: Vec<String>,
    /// The comment directly above this token.
    pub leading: Option<String>,
}

/// One token with its place in the file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub text: String,
    pub start: Position,
    pub end: Position,
    /// Start and end columns as protoc counts them for source info: 0-based
    /// bytes, a tab advancing to the next multiple of 8.
    pub pcol_start: i32,
    pub pcol_end: i32,
    pub comments: CommentsBefore,
}

/// The characters protoc treats as whitespace other than newline.
fn is_space_no_newline(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    column: u32,
    pcol: i32,
}

enum CommentStart {
    Line,
    Block,
    SlashNotComment,
    None,
}

/// Collects comment text between two tokens and decides where each belongs
/// (the rules of protoc's tokenizer, described in descriptor.proto).
#[derive(Default)]
struct Collector {
    out: CommentsBefore,
    buffer: String,
    has_comment: bool,
    is_line_comment: bool,
    can_attach_to_prev: bool,
}

impl Collector {
    fn for_line_comment(&mut self) -> &mut String {
        // Consecutive line comments merge; a block comment ends the run.
        if self.has_comment && !self.is_line_comment {
            self.flush();
        }
        self.has_comment = true;
        self.is_line_comment = true;
        &mut self.buffer
    }

    fn for_block_comment(&mut self) -> &mut String {
        if self.has_comment {
            self.flush();
        }
        self.has_comment = true;
        self.is_line_comment = false;
        &mut self.buffer
    }

    fn clear(&mut self) {
        self.buffer.clear();
        self.has_comment = false;
    }

    /// The buffered comment is complete and not connected to the next token.
    fn flush(&mut self) {
        if self.has_comment {
            let text = std::mem::take(&mut self.buffer);
            if self.can_attach_to_prev {
                self.out.prev_trailing = Some(text);
                self.can_attach_to_prev = false;
            } else {
                self.out.detached.push(text);
            }
            self.clear();
        }
    }

    fn finish(mut self) -> CommentsBefore {
        // Whatever is still buffered leads the next token.
        if self.has_comment {
            self.out.leading = Some(std::mem::take(&mut self.buffer));
        }
        self.out
    }
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos.saturating_add(ahead)).copied()
    }

    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.pcol = 0;
        } else if b == b'\t' {
            self.pcol = self.pcol.saturating_add(8 - self.pcol % 8);
        } else {
            self.pcol = self.pcol.saturating_add(1);
        }
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            // Count characters, not UTF-8 continuation bytes.
            self.column = self.column.saturating_add(1);
        }
        Some(b)
    }

    fn try_bump(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_space_no_newline(&mut self) {
        while self.peek().is_some_and(is_space_no_newline) {
            self.bump();
        }
    }

    fn comment_start(&mut self) -> CommentStart {
        if self.peek() != Some(b'/') {
            return CommentStart::None;
        }
        match self.peek_at(1) {
            Some(b'/') => {
                self.bump();
                self.bump();
                CommentStart::Line
            }
            Some(b'*') => {
                self.bump();
                self.bump();
                CommentStart::Block
            }
            _ => CommentStart::SlashNotComment,
        }
    }

    /// The text after `//` up to and including the newline.
    fn line_comment(&mut self, into: &mut String) {
        let start = self.pos;
        while let Some(b) = self.bump() {
            if b == b'\n' {
                break;
            }
        }
        into.push_str(&String::from_utf8_lossy(
            self.bytes.get(start..self.pos).unwrap_or(&[]),
        ));
    }

    /// The text of a `/* */` comment, with each later line's indentation and
    /// leading `*` removed (descriptor.proto, `leading_comments`).
    fn block_comment(
        &mut self,
        into: &mut String,
        file: &str,
        source: &str,
    ) -> Result<(), SchemaError> {
        let opened = Position {
            line: self.line,
            column: self.column.saturating_sub(2),
        };
        let mut recording_from = Some(self.pos);
        loop {
            while self
                .peek()
                .is_some_and(|b| !matches!(b, b'*' | b'/' | b'\n'))
            {
                self.bump();
            }
            let here = self.pos;
            if self.try_bump(b'\n') {
                if let Some(s) = recording_from.take() {
                    into.push_str(&String::from_utf8_lossy(
                        self.bytes.get(s..self.pos).unwrap_or(&[]),
                    ));
                }
                self.skip_space_no_newline();
                if self.peek() == Some(b'*') {
                    self.bump();
                    if self.try_bump(b'/') {
                        return Ok(());
                    }
                }
                recording_from = Some(self.pos);
            } else if self.peek() == Some(b'*') {
                self.bump();
                if self.try_bump(b'/') {
                    if let Some(s) = recording_from.take() {
                        into.push_str(&String::from_utf8_lossy(
                            self.bytes.get(s..here).unwrap_or(&[]),
                        ));
                    }
                    return Ok(());
                }
            } else if self.peek() == Some(b'/') {
                self.bump();
                if self.peek() == Some(b'*') {
                    return Err(SchemaError::at(
                        file,
                        source,
                        self.position(),
                        "`/*` inside a block comment: block comments cannot be nested",
                    ));
                }
            } else {
                return Err(SchemaError::at(
                    file,
                    source,
                    opened,
                    "block comment is not closed: expected `*/` before the end of the file",
                ));
            }
        }
    }
}

/// Splits `source` into tokens, the last of kind [`TokenKind::End`].
pub(crate) fn tokenize(file: &str, source: &str) -> Result<Vec<Token>, SchemaError> {
    let mut cur = Cursor {
        bytes: source.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
        pcol: 0,
    };
    // A UTF-8 byte order mark at the start is ignored.
    if cur.bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        cur.pos = 3;
        // protoc's source-info columns still count its three bytes.
        cur.pcol = 3;
    }
    let mut tokens: Vec<Token> = Vec::new();
    loop {
        let comments = comments_before(&mut cur, tokens.is_empty(), file, source)?;
        let token = match comments {
            Gap::Token(c) => next_token(&mut cur, c, file, source)?,
            Gap::Slash(c) => {
                let start = cur.position();
                let pcol_start = cur.pcol;
                cur.bump();
                Token {
                    kind: TokenKind::Symbol,
                    text: "/".to_string(),
                    start,
                    end: cur.position(),
                    pcol_start,
                    pcol_end: cur.pcol,
                    comments: c,
                }
            }
        };
        let done = token.kind == TokenKind::End;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

enum Gap {
    Token(CommentsBefore),
    Slash(CommentsBefore),
}

/// Consumes whitespace and comments up to the next token and sorts the
/// comments (protoc's `Tokenizer::NextWithComments`).
fn comments_before(
    cur: &mut Cursor<'_>,
    first: bool,
    file: &str,
    source: &str,
) -> Result<Gap, SchemaError> {
    let mut c = Collector::default();
    let prev_line = cur.line;
    let mut trailing_end_line = None;
    if !first {
        c.can_attach_to_prev = true;
        // A comment on the same line as the previous token belongs to it.
        cur.skip_space_no_newline();
        match cur.comment_start() {
            CommentStart::Line => {
                trailing_end_line = Some(cur.line);
                let mut text = String::new();
                cur.line_comment(&mut text);
                c.for_line_comment().push_str(&text);
                // Comments on later lines do not join a trailing comment.
                c.flush();
            }
            CommentStart::Block => {
                let mut text = String::new();
                cur.block_comment(&mut text, file, source)?;
                c.for_block_comment().push_str(&text);
                trailing_end_line = Some(cur.line);
                cur.skip_space_no_newline();
                if !cur.try_bump(b'\n') {
                    // The next token is on the same line: the comment could
                    // belong to either, so it belongs to neither.
                    c.clear();
                    skip_to_token(cur, file, source)?;
                    return Ok(Gap::Token(CommentsBefore::default()));
                }
                c.flush();
            }
            CommentStart::SlashNotComment => return Ok(Gap::Slash(CommentsBefore::default())),
            CommentStart::None => {
                if !cur.try_bump(b'\n') {
                    return Ok(Gap::Token(CommentsBefore::default()));
                }
            }
        }
    }
    loop {
        cur.skip_space_no_newline();
        match cur.comment_start() {
            CommentStart::Line => {
                let mut text = String::new();
                cur.line_comment(&mut text);
                c.for_line_comment().push_str(&text);
            }
            CommentStart::Block => {
                let mut text = String::new();
                cur.block_comment(&mut text, file, source)?;
                c.for_block_comment().push_str(&text);
                // The rest of the line is not a blank line.
                cur.skip_space_no_newline();
                cur.try_bump(b'\n');
            }
            CommentStart::SlashNotComment => {
                c.flush();
                return Ok(Gap::Slash(c.finish()));
            }
            CommentStart::None => {
                if cur.try_bump(b'\n') {
                    // A blank line ends the paragraph and any trailing comment.
                    c.flush();
                    c.can_attach_to_prev = false;
                } else {
                    let next = cur.peek();
                    if next.is_none() || matches!(next, Some(b'}' | b']' | b')')) {
                        // At the end of a scope a comment cannot lead anything.
                        c.flush();
                    }
                    if next.is_some()
                        && (prev_line == cur.line || trailing_end_line == Some(cur.line))
                    {
                        maybe_detach(&mut c);
                    }
                    return Ok(Gap::Token(c.finish()));
                }
            }
        }
    }
}

/// When the next token shares a line with the previous one (or with the end
/// of its trailing comment), a lone comment is ambiguous and is detached.
fn maybe_detach(c: &mut Collector) {
    let count = c.out.detached.len()
        + usize::from(c.out.prev_trailing.is_some())
        + usize::from(c.has_comment);
    if count == 1 {
        if let Some(trail) = c.out.prev_trailing.take() {
            c.out.detached.insert(0, trail);
        }
        c.can_attach_to_prev = false;
        c.flush();
    }
}

/// Skips whitespace and comments without recording them.
fn skip_to_token(cur: &mut Cursor<'_>, file: &str, source: &str) -> Result<(), SchemaError> {
    loop {
        while cur
            .peek()
            .is_some_and(|b| is_space_no_newline(b) || b == b'\n')
        {
            cur.bump();
        }
        match cur.comment_start() {
            CommentStart::Line => cur.line_comment(&mut String::new()),
            CommentStart::Block => cur.block_comment(&mut String::new(), file, source)?,
            CommentStart::SlashNotComment | CommentStart::None => return Ok(()),
        }
    }
}

fn next_token(
    cur: &mut Cursor<'_>,
    comments: CommentsBefore,
    file: &str,
    source: &str,
) -> Result<Token, SchemaError> {
    let start = cur.position();
    let pcol_start = cur.pcol;
    let from = cur.pos;
    let Some(b) = cur.peek() else {
        return Ok(Token {
            kind: TokenKind::End,
            text: String::new(),
            start,
            end: start,
            pcol_start,
            pcol_end: pcol_start,
            comments,
        });
    };
    let kind = if b.is_ascii_alphabetic() || b == b'_' {
        while cur
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            cur.bump();
        }
        TokenKind::Ident
    } else if b.is_ascii_digit()
        || (b == b'.' && cur.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
    {
        number(cur, file, source)?
    } else if b == b'"' || b == b'\'' {
        cur.bump();
        loop {
            match cur.peek() {
                Some(q) if q == b => {
                    cur.bump();
                    break;
                }
                Some(b'\\') => {
                    cur.bump();
                    if cur.peek().is_some_and(|e| e != b'\n') {
                        cur.bump();
                    }
                }
                Some(b'\n') | None => {
                    return Err(SchemaError::at(
                        file,
                        source,
                        start,
                        "string literal is not closed: expected a closing quote before the end of the line",
                    ))
                }
                Some(_) => {
                    cur.bump();
                }
            }
        }
        TokenKind::Str
    } else if b.is_ascii_punctuation() {
        cur.bump();
        TokenKind::Symbol
    } else {
        let shown = source
            .get(from..)
            .and_then(|s| s.chars().next())
            .unwrap_or('?');
        return Err(SchemaError::at(
            file,
            source,
            start,
            format!("unexpected character {shown:?} in a .proto file"),
        ));
    };
    let text = String::from_utf8_lossy(cur.bytes.get(from..cur.pos).unwrap_or(&[])).into_owned();
    Ok(Token {
        kind,
        text,
        start,
        end: cur.position(),
        pcol_start,
        pcol_end: cur.pcol,
        comments,
    })
}

/// An integer or float literal (proto2-spec.md "Integer Literals",
/// "Floating-point Literals").
fn number(cur: &mut Cursor<'_>, file: &str, source: &str) -> Result<TokenKind, SchemaError> {
    let start = cur.position();
    let mut kind = TokenKind::Int;
    if cur.peek() == Some(b'0') && matches!(cur.peek_at(1), Some(b'x' | b'X')) {
        cur.bump();
        cur.bump();
        if !cur.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
            return Err(SchemaError::at(
                file,
                source,
                start,
                "expected hex digits after `0x`",
            ));
        }
        while cur.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
            cur.bump();
        }
    } else {
        while cur.peek().is_some_and(|b| b.is_ascii_digit()) {
            cur.bump();
        }
        if cur.peek() == Some(b'.') {
            kind = TokenKind::Float;
            cur.bump();
            while cur.peek().is_some_and(|b| b.is_ascii_digit()) {
                cur.bump();
            }
        }
        if matches!(cur.peek(), Some(b'e' | b'E')) {
            kind = TokenKind::Float;
            cur.bump();
            if matches!(cur.peek(), Some(b'+' | b'-')) {
                cur.bump();
            }
            if !cur.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(SchemaError::at(
                    file,
                    source,
                    start,
                    "expected digits in the exponent of a float literal",
                ));
            }
            while cur.peek().is_some_and(|b| b.is_ascii_digit()) {
                cur.bump();
            }
        }
    }
    if cur
        .peek()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(SchemaError::at(
            file,
            source,
            start,
            "a number must be followed by whitespace or punctuation",
        ));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        tokenize("t.proto", src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn splits_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("a.b = 0x1F 07 1.5e3 'x\\'' ;"),
            vec![
                (Ident, "a".into()),
                (Symbol, ".".into()),
                (Ident, "b".into()),
                (Symbol, "=".into()),
                (Int, "0x1F".into()),
                (Int, "07".into()),
                (Float, "1.5e3".into()),
                (Str, "'x\\''".into()),
                (Symbol, ";".into()),
                (End, "".into()),
            ]
        );
    }

    #[test]
    fn positions_are_one_based() {
        let t = tokenize("t.proto", "a\n  bc").unwrap();
        assert_eq!(t[1].start, Position { line: 2, column: 3 });
        assert_eq!(t[1].end, Position { line: 2, column: 5 });
    }

    #[test]
    fn sorts_comments() {
        let src = "a; // trail a\n// detached\n\n// lead b\nb;\n/* block\n * lead c */\nc;";
        let t = tokenize("t.proto", src).unwrap();
        // t: a ; b ; c ; END
        assert_eq!(t[2].comments.prev_trailing.as_deref(), Some(" trail a\n"));
        assert_eq!(t[2].comments.detached, vec![" detached\n".to_string()]);
        assert_eq!(t[2].comments.leading.as_deref(), Some(" lead b\n"));
        assert_eq!(t[4].comments.leading.as_deref(), Some(" block\n lead c "));
    }

    #[test]
    fn unterminated_block_comment_is_an_error() {
        let e = tokenize("t.proto", "a /* x").unwrap_err();
        assert_eq!(e.position, Some(Position { line: 1, column: 3 }));
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let e = tokenize("t.proto", "\"abc\n").unwrap_err();
        assert_eq!(e.position, Some(Position { line: 1, column: 1 }));
        assert!(e.message.starts_with("string literal is not closed"));
    }
}
