//! The `.proto` parser: tokens in, one [`ast::File`](super::ast::File) out.
//!
//! It follows the grammar of proto2-spec.md and proto3-spec.md and the
//! checks protoc makes while parsing (labels, group names, proto3 rules that
//! need no other file). Rules that need names resolved (duplicate numbers,
//! types, defaults) are checked when the [`Pool`](super::pool::Pool) is built.
//!
//! Comments attach as protoc attaches them: a declaration's leading and
//! detached comments are those before its first token, its trailing comment
//! the one after the `;` or `{` that ends it.

use super::ast::*;
use super::error::{Position, SchemaError, Span};
use super::lexer::{tokenize, Token, TokenKind};

/// How deeply messages, and braces in aggregate option values, may nest.
/// A limit keeps a hostile file from exhausting the stack; protoc and the
/// wire codec use the same depth for messages.
pub const MAX_NESTING_DEPTH: usize = 100;

/// The largest source file the parser accepts, in bytes (16 MiB; the largest
/// `.proto` files in the wild are a few hundred KiB).
pub const MAX_SOURCE_LEN: usize = 16 << 20;

/// The highest field number (proto3.md "Assigning Field Numbers": 2^29 - 1).
pub const MAX_FIELD_NUMBER: i64 = 536_870_911;

/// Parses one file. `name` is the name it is imported by; it appears in errors.
pub fn parse_file(name: &str, source: &str) -> Result<File> {
    if source.len() > MAX_SOURCE_LEN {
        return Err(SchemaError::whole_file(
            name,
            format!(
                "file is {} bytes, more than the limit of {MAX_SOURCE_LEN} (MAX_SOURCE_LEN)",
                source.len()
            ),
        ));
    }
    let tokens = tokenize(name, source)?;
    let eof = tokens.last().cloned().unwrap_or(Token {
        kind: TokenKind::End,
        text: String::new(),
        start: Position::default(),
        end: Position::default(),
        pcol_start: 0,
        pcol_end: 0,
        comments: Default::default(),
    });
    let mut p = Parser {
        tokens,
        eof,
        pos: 0,
        file: name,
        source,
        upcoming_leading: None,
        upcoming_detached: Vec::new(),
        depth: 0,
        syntax: Syntax::Proto2,
        locations: Vec::new(),
    };
    p.file()
}

struct Parser<'a> {
    tokens: Vec<Token>,
    /// The final End token, returned when reading past the end.
    eof: Token,
    pos: usize,
    file: &'a str,
    source: &'a str,
    upcoming_leading: Option<String>,
    upcoming_detached: Vec<String>,
    depth: usize,
    syntax: Syntax,
    /// protoc's `SourceCodeInfo` locations, in the order they start.
    locations: Vec<SourceLocation>,
}

/// A 0-based line for source info.
fn line0(p: Position) -> i32 {
    i32::try_from(p.line).unwrap_or(i32::MAX).saturating_sub(1)
}

/// An index as a path element.
fn index_i32(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

fn join_path(base: &[i32], more: &[i32]) -> Vec<i32> {
    let mut p = Vec::with_capacity(base.len() + more.len());
    p.extend_from_slice(base);
    p.extend_from_slice(more);
    p
}

/// How many reserved ranges and names earlier statements declared.
fn reserved_counts(reserved: &[Reserved]) -> (usize, usize) {
    reserved.iter().fold((0, 0), |(r, n), x| match x {
        Reserved::Ranges(v, _, _) => (r + v.len(), n),
        Reserved::Names(v, _, _) => (r, n + v.len()),
    })
}

type Result<T> = std::result::Result<T, SchemaError>;

/// Whether a field is declared in a oneof, where labels are not allowed.
#[derive(Clone, Copy)]
enum Ctx {
    Message,
    Oneof,
}

impl<'a> Parser<'a> {
    // ---- token access ----

    fn peek(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&self.eof)
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        self.tokens
            .get(self.pos.saturating_add(ahead))
            .unwrap_or(&self.eof)
    }

    fn at(&self, text: &str) -> bool {
        let t = self.peek();
        t.kind != TokenKind::Str && t.kind != TokenKind::End && t.text == text
    }

    fn at_kind(&self, kind: TokenKind) -> bool {
        self.peek().kind == kind
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.kind != TokenKind::End {
            self.pos += 1;
        }
        t
    }

    fn prev_end(&self) -> Position {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => t.end,
            None => Position { line: 1, column: 1 },
        }
    }

    fn span_from(&self, start: Position) -> Span {
        Span {
            start,
            end: self.prev_end(),
        }
    }

    fn error_at(&self, at: Position, message: impl Into<String>) -> SchemaError {
        SchemaError::at(self.file, self.source, at, message)
    }

    fn found(&self) -> String {
        let t = self.peek();
        match t.kind {
            TokenKind::End => "end of file".to_string(),
            _ => format!("`{}`", t.text),
        }
    }

    /// "expected X, found Y" at the current token.
    fn expected(&self, what: &str) -> SchemaError {
        self.error_at(
            self.peek().start,
            format!("expected {what}, found {}", self.found()),
        )
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.at(text) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, text: &str, context: &str) -> Result<Token> {
        if self.at(text) {
            Ok(self.bump())
        } else {
            Err(self.expected(&format!("`{text}` {context}")))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, Span)> {
        if self.at_kind(TokenKind::Ident) {
            let t = self.bump();
            Ok((
                t.text,
                Span {
                    start: t.start,
                    end: t.end,
                },
            ))
        } else {
            Err(self.expected(what))
        }
    }

    /// `ident { "." ident }`.
    fn full_ident(&mut self, what: &str) -> Result<(String, Span)> {
        let (mut name, mut span) = self.ident(what)?;
        while self.at(".") {
            self.bump();
            let (part, s) = self.ident(&format!("an identifier after `.` in {what}"))?;
            name.push('.');
            name.push_str(&part);
            span.end = s.end;
        }
        Ok((name, span))
    }

    /// `[ "." ] { ident "." } ident`: a message or enum name.
    fn type_name(&mut self, what: &str) -> Result<(String, Span)> {
        let start = self.peek().start;
        let mut name = String::new();
        if self.eat(".") {
            name.push('.');
        }
        let (rest, _) = self.full_ident(what)?;
        name.push_str(&rest);
        Ok((name, self.span_from(start)))
    }

    // ---- comments ----

    /// Consumes the `;`, `{` or `}` that ends a declaration and hands out the
    /// declaration's comments (protoc's `ConsumeEndOfDeclaration`).
    fn end_of_declaration(
        &mut self,
        text: &str,
        context: &str,
        loc: Option<usize>,
    ) -> Result<Comments> {
        self.expect(text, context)?;
        let between = self.peek().comments.clone();
        let leading = std::mem::replace(&mut self.upcoming_leading, between.leading);
        if let Some(loc) = loc {
            let detached = std::mem::replace(&mut self.upcoming_detached, between.detached);
            let comments = Comments {
                leading: leading.filter(|s| !s.is_empty()),
                trailing: between.prev_trailing.filter(|s| !s.is_empty()),
                leading_detached: detached,
            };
            if let Some(l) = self.locations.get_mut(loc) {
                l.comments = comments.clone();
            }
            Ok(comments)
        } else {
            if text == "}" {
                self.upcoming_detached = between.detached;
            } else {
                self.upcoming_detached.extend(between.detached);
            }
            Ok(Comments::default())
        }
    }

    fn enter(&mut self, at: Position) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(self.error_at(
                at,
                format!("declarations nest more than {MAX_NESTING_DEPTH} levels deep (MAX_NESTING_DEPTH)"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- literals ----

    fn int_literal(&mut self, what: &str) -> Result<(u64, Span)> {
        if !self.at_kind(TokenKind::Int) {
            return Err(self.expected(what));
        }
        let t = self.bump();
        let span = Span {
            start: t.start,
            end: t.end,
        };
        parse_int(&t.text).map(|v| (v, span)).ok_or_else(|| {
            self.error_at(
                t.start,
                format!("integer literal `{}` does not fit in 64 bits", t.text),
            )
        })
    }

    /// A field or enum number: `[ "-" ] intLit` within the range of an i64.
    fn number(&mut self, what: &str, allow_negative: bool) -> Result<(i64, Span)> {
        let start = self.peek().start;
        let negative = allow_negative && self.eat("-");
        let (magnitude, _) = self.int_literal(what)?;
        let span = self.span_from(start);
        let value = i64::try_from(magnitude)
            .ok()
            .map(|v| if negative { -v } else { v })
            .ok_or_else(|| self.error_at(start, format!("{what}: the number is out of range")))?;
        Ok((value, span))
    }

    fn string_literal(&mut self, what: &str) -> Result<(Vec<u8>, Span)> {
        if !self.at_kind(TokenKind::Str) {
            return Err(self.expected(what));
        }
        let start = self.peek().start;
        let mut out = Vec::new();
        // Adjacent string literals are one string (proto2-spec.md "String Literals").
        while self.at_kind(TokenKind::Str) {
            let t = self.bump();
            unescape(&t.text, &mut out).map_err(|(offset, msg)| {
                let column = t
                    .start
                    .column
                    .saturating_add(u32::try_from(offset).unwrap_or(0));
                self.error_at(
                    Position {
                        line: t.start.line,
                        column,
                    },
                    msg,
                )
            })?;
        }
        Ok((out, self.span_from(start)))
    }

    fn utf8_string(&mut self, what: &str) -> Result<(String, Span)> {
        let start = self.peek().start;
        let (bytes, span) = self.string_literal(what)?;
        String::from_utf8(bytes)
            .map(|s| (s, span))
            .map_err(|_| self.error_at(start, format!("{what} must be valid UTF-8")))
    }

    // ---- source locations ----

    /// Starts a location at the current token, as protoc's `LocationRecorder`
    /// does: locations are listed in the order they start.
    fn loc_begin(&mut self, path: &[i32]) -> usize {
        let index = self.pos;
        self.loc_begin_at(path, index)
    }

    /// Starts a location at token `index`.
    fn loc_begin_at(&mut self, path: &[i32], index: usize) -> usize {
        let t = self.tokens.get(index).unwrap_or(&self.eof);
        let (line, column) = (line0(t.start), t.pcol_start);
        self.locations.push(SourceLocation {
            path: path.to_vec(),
            span: [line, column, line, column],
            comments: Comments::default(),
            is_option: false,
        });
        self.locations.len() - 1
    }

    /// Ends location `idx` at the end of the last consumed token.
    fn loc_end(&mut self, idx: usize) {
        let (line, column) = match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => (line0(t.end), t.pcol_end),
            None => (0, 0),
        };
        if let Some(l) = self.locations.get_mut(idx) {
            l.span[2] = line;
            l.span[3] = column;
        }
    }

    /// A location covering the tokens from `from` to the last consumed one.
    fn loc_since(&mut self, path: &[i32], from: usize) -> usize {
        let idx = self.loc_begin_at(path, from);
        self.loc_end(idx);
        idx
    }

    /// A location covering exactly token `index`.
    fn loc_token(&mut self, path: &[i32], index: usize) -> usize {
        let idx = self.loc_begin_at(path, index);
        let t = self.tokens.get(index).unwrap_or(&self.eof);
        let (line, column) = (line0(t.end), t.pcol_end);
        if let Some(l) = self.locations.get_mut(idx) {
            l.span[2] = line;
            l.span[3] = column;
        }
        idx
    }

    // ---- file ----

    fn file(&mut self) -> Result<File> {
        let first = self.peek().comments.clone();
        self.upcoming_leading = first.leading;
        self.upcoming_detached = first.detached;
        let mut file = File {
            name: self.file.to_string(),
            ..File::default()
        };
        if self.at("edition") {
            let start = self.peek().start;
            self.bump();
            let edition = if self.eat("=") && self.at_kind(TokenKind::Str) {
                self.string_literal("edition name")?.0
            } else {
                Vec::new()
            };
            return Err(self.error_at(
                start,
                format!(
                    "editions are not supported yet (edition {:?})",
                    String::from_utf8_lossy(&edition)
                ),
            ));
        }
        let root = self.loc_begin(&[]);
        if self.at("syntax") {
            let loc = self.loc_begin(&[12]);
            let start = self.bump().start;
            self.expect("=", "after `syntax`")?;
            let value_at = self.peek().start;
            let (value, _) =
                self.utf8_string("a string (\"proto2\" or \"proto3\") after `syntax =`")?;
            file.syntax = match value.as_str() {
                "proto2" => Syntax::Proto2,
                "proto3" => Syntax::Proto3,
                other => {
                    return Err(self.error_at(
                        value_at,
                        format!("unrecognized syntax {other:?}: expected \"proto2\" or \"proto3\""),
                    ))
                }
            };
            self.syntax = file.syntax;
            let comments = self.end_of_declaration(";", "after the syntax statement", Some(loc))?;
            self.loc_end(loc);
            file.syntax_decl = Some((self.span_from(start), comments));
        }
        loop {
            let t = self.peek().clone();
            match (t.kind, t.text.as_str()) {
                (TokenKind::End, _) => break,
                (TokenKind::Symbol, ";") => {
                    self.end_of_declaration(";", "", None)?;
                }
                (TokenKind::Ident, "import") => {
                    let public = file.imports.iter().filter(|i| i.kind == ImportKind::Public).count();
                    let weak = file.imports.iter().filter(|i| i.kind == ImportKind::Weak).count();
                    let index = file.imports.len();
                    let import = self.import(index, public, weak)?;
                    file.imports.push(import);
                }
                (TokenKind::Ident, "package") => {
                    if file.package.is_some() {
                        return Err(self.error_at(t.start, "a file may declare its package only once"));
                    }
                    let loc = self.loc_begin(&[2]);
                    self.bump();
                    let (name, _) = self.full_ident("a package name after `package`")?;
                    let comments = self.end_of_declaration(";", "after the package name", Some(loc))?;
                    self.loc_end(loc);
                    file.package = Some(Package {
                        name,
                        span: self.span_from(t.start),
                        comments,
                    });
                }
                (TokenKind::Ident, "option") => {
                    let option = self.option_statement("file", &[8])?;
                    file.options.push(option);
                }
                (TokenKind::Ident, "message") => {
                    let path = [4, index_i32(file.messages.len())];
                    let message = self.message(&path)?;
                    file.messages.push(message);
                }
                (TokenKind::Ident, "enum") => {
                    let path = [5, index_i32(file.enums.len())];
                    let e = self.enumeration(&path)?;
                    file.enums.push(e);
                }
                (TokenKind::Ident, "service") => {
                    let path = [6, index_i32(file.services.len())];
                    let s = self.service(&path)?;
                    file.services.push(s);
                }
                (TokenKind::Ident, "extend") => {
                    let before: usize = file.extends.iter().map(|e| e.fields.len()).sum();
                    let e = self.extend(&mut file.messages, &[4], &[7], before)?;
                    file.extends.push(e);
                }
                (TokenKind::Ident, "syntax") => {
                    return Err(self.error_at(t.start, "the syntax statement must be the first statement of the file"))
                }
                _ => {
                    return Err(self.expected(
                        "a top-level declaration (`message`, `enum`, `service`, `extend`, `import`, `package` or `option`)",
                    ))
                }
            }
        }
        self.loc_end(root);
        file.locations = std::mem::take(&mut self.locations);
        Ok(file)
    }

    /// `import [public|weak] "path";`: the `index`th import, after `public`
    /// public and `weak` weak ones.
    fn import(&mut self, index: usize, public: usize, weak: usize) -> Result<Import> {
        let loc = self.loc_begin(&[3, index_i32(index)]);
        let start = self.bump().start;
        let kind = if self.at("public") {
            self.loc_token(&[10, index_i32(public)], self.pos);
            self.bump();
            ImportKind::Public
        } else if self.at("weak") {
            self.loc_token(&[11, index_i32(weak)], self.pos);
            self.bump();
            ImportKind::Weak
        } else {
            ImportKind::Plain
        };
        let (path, _) = self.utf8_string("a file name in quotes after `import`")?;
        let comments = self.end_of_declaration(";", "after the imported file name", Some(loc))?;
        self.loc_end(loc);
        Ok(Import {
            path,
            kind,
            span: self.span_from(start),
            comments,
        })
    }

    // ---- options ----

    /// `option name = value;`; `options_path` is the path of the options
    /// message it sets (e.g. `[8]` for file options).
    fn option_statement(&mut self, owner: &str, options_path: &[i32]) -> Result<OptionDecl> {
        let statement = self.loc_begin(options_path);
        let loc = self.loc_begin(options_path);
        if let Some(l) = self.locations.get_mut(loc) {
            l.is_option = true;
        }
        let start = self.bump().start;
        let mut option = self.option_body(start)?;
        option.comments =
            self.end_of_declaration(";", &format!("after {owner} option"), Some(loc))?;
        self.loc_end(loc);
        self.loc_end(statement);
        option.span = self.span_from(start);
        option.location = vec![loc];
        Ok(option)
    }

    /// `optionName "=" constant`.
    fn option_body(&mut self, start: Position) -> Result<OptionDecl> {
        let mut name = Vec::new();
        loop {
            if self.eat("(") {
                let mut ext = String::new();
                if self.eat(".") {
                    ext.push('.');
                }
                let (n, _) = self.full_ident("an extension name after `(` in an option name")?;
                ext.push_str(&n);
                self.expect(")", "to close the extension name in an option name")?;
                name.push(OptionNamePart {
                    name: ext,
                    is_extension: true,
                });
            } else {
                let (n, _) = self.ident("an option name")?;
                name.push(OptionNamePart {
                    name: n,
                    is_extension: false,
                });
            }
            if !self.eat(".") {
                break;
            }
        }
        self.expect("=", "after the option name")?;
        let value_start = self.peek().start;
        let value = self.constant()?;
        Ok(OptionDecl {
            name,
            value,
            span: self.span_from(start),
            value_span: self.span_from(value_start),
            comments: Comments::default(),
            location: Vec::new(),
        })
    }

    /// `[ opt = value, ... ]` after a field, enum value or extension range;
    /// `options_path` is the path of the options message, `field_path` the
    /// field's path when `default` and `json_name` may appear.
    fn compact_options(
        &mut self,
        options_path: &[i32],
        field_path: Option<&[i32]>,
    ) -> Result<Vec<OptionDecl>> {
        let mut options = Vec::new();
        if !self.at("[") {
            return Ok(options);
        }
        let bracket = self.loc_begin(options_path);
        self.bump();
        loop {
            let start = self.peek().start;
            let special = field_path.filter(|_| self.at("default") || self.at("json_name"));
            if let Some(field_path) = special {
                // Not options in descriptors: protoc records them as the
                // field's `default_value` (7) and `json_name` (10).
                let is_default = self.at("default");
                let mut path = field_path.to_vec();
                path.push(if is_default { 7 } else { 10 });
                let whole = (!is_default).then(|| self.loc_begin(&path));
                let name = self.bump().text;
                self.expect("=", &format!("after `{name}`"))?;
                let value_loc = self.loc_begin(&path);
                let value_start = self.peek().start;
                let value = self.constant()?;
                self.loc_end(value_loc);
                if let Some(w) = whole {
                    self.loc_end(w);
                }
                options.push(OptionDecl {
                    name: vec![OptionNamePart {
                        name,
                        is_extension: false,
                    }],
                    value,
                    span: self.span_from(start),
                    value_span: self.span_from(value_start),
                    comments: Comments::default(),
                    location: Vec::new(),
                });
            } else {
                let loc = self.loc_begin(options_path);
                if let Some(l) = self.locations.get_mut(loc) {
                    l.is_option = true;
                }
                let mut option = self.option_body(start)?;
                self.loc_end(loc);
                option.location = vec![loc];
                options.push(option);
            }
            if self.eat(",") {
                continue;
            }
            self.expect("]", "or `,` after an option in `[...]`")?;
            self.loc_end(bracket);
            return Ok(options);
        }
    }

    /// `constant` (proto2-spec.md "Constant"); an aggregate is `{ text format }`.
    fn constant(&mut self) -> Result<Constant> {
        let t = self.peek().clone();
        match t.kind {
            TokenKind::Symbol if t.text == "{" => {
                let first = self.pos;
                let message = self.text_message("}")?;
                Ok(Constant::Aggregate(TextMessage {
                    text: self.joined_text(first + 1, self.pos.saturating_sub(1)),
                    ..message
                }))
            }
            TokenKind::Symbol if t.text == "-" || t.text == "+" => {
                self.bump();
                let negative = t.text == "-";
                self.signed_number(negative)
            }
            TokenKind::Int | TokenKind::Float => self.signed_number(false),
            TokenKind::Ident => {
                self.bump();
                Ok(Constant::Identifier(t.text))
            }
            TokenKind::Str => Ok(Constant::String(self.string_literal("a string")?.0)),
            _ => Err(self.expected("a constant (a number, string, identifier or `{`)")),
        }
    }

    fn signed_number(&mut self, negative: bool) -> Result<Constant> {
        let t = self.peek().clone();
        match t.kind {
            TokenKind::Int => {
                let (magnitude, _) = self.int_literal("an integer")?;
                Ok(Constant::Int {
                    negative,
                    magnitude,
                })
            }
            TokenKind::Float => {
                self.bump();
                let v: f64 = t.text.parse().map_err(|_| {
                    self.error_at(t.start, format!("invalid float literal `{}`", t.text))
                })?;
                Ok(Constant::Float(if negative { -v } else { v }))
            }
            TokenKind::Ident if matches!(t.text.as_str(), "inf" | "nan" | "infinity") => {
                self.bump();
                let v = if t.text == "nan" {
                    f64::NAN
                } else {
                    f64::INFINITY
                };
                Ok(Constant::Float(if negative { -v } else { v }))
            }
            _ => Err(self.expected("a number after the sign")),
        }
    }

    fn joined_text(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        for t in self.tokens.get(from..to).unwrap_or(&[]) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t.text);
        }
        out
    }

    /// A text-format message body between `{`/`<` and `close`.
    fn text_message(&mut self, close: &str) -> Result<TextMessage> {
        let open = self.bump();
        self.enter(open.start)?;
        let mut message = TextMessage::default();
        loop {
            if self.eat(close) {
                break;
            }
            if self.at_kind(TokenKind::End) {
                return Err(self.expected(&format!(
                    "`{close}` to close the aggregate value opened at {}",
                    open.start
                )));
            }
            let (name, is_extension) = if self.eat("[") {
                // `[pkg.ext]` or an Any type URL `[type.googleapis.com/pkg.T]`.
                let mut n = String::new();
                while !self.at("]") {
                    if self.at_kind(TokenKind::End) {
                        return Err(self.expected("`]` after an extension name"));
                    }
                    n.push_str(&self.bump().text);
                }
                self.bump();
                (n, true)
            } else {
                (self.ident("a field name in the aggregate value")?.0, false)
            };
            let has_colon = self.eat(":");
            let value = if !(has_colon || self.at("{") || self.at("<")) {
                return Err(self.expected(&format!("`:` or `{{` after `{name}`")));
            } else {
                self.text_value(true)?
            };
            message.fields.push(TextField {
                name,
                is_extension,
                value,
            });
            if !self.eat(",") {
                self.eat(";");
            }
        }
        self.leave();
        Ok(message)
    }

    fn text_value(&mut self, allow_list: bool) -> Result<TextValue> {
        if self.at("{") {
            return Ok(TextValue::Message(self.text_message("}")?));
        }
        if self.at("<") {
            return Ok(TextValue::Message(self.text_message(">")?));
        }
        if allow_list && self.at("[") {
            self.bump();
            let mut items = Vec::new();
            if !self.eat("]") {
                loop {
                    items.push(self.text_value(false)?);
                    if self.eat(",") {
                        continue;
                    }
                    self.expect("]", "or `,` in a list value")?;
                    break;
                }
            }
            return Ok(TextValue::List(items));
        }
        if self.at("-") {
            self.bump();
            return Ok(TextValue::Scalar(self.signed_number(true)?));
        }
        match self.peek().kind {
            TokenKind::Int | TokenKind::Float | TokenKind::Ident | TokenKind::Str => {
                Ok(TextValue::Scalar(self.constant()?))
            }
            _ => Err(self.expected("a value in the aggregate value")),
        }
    }

    // ---- messages ----

    /// `message Name { ... }` at `path` (e.g. `[4, 0]`).
    fn message(&mut self, path: &[i32]) -> Result<Message> {
        let loc = self.loc_begin(path);
        let start = self.bump().start;
        let name_from = self.pos;
        let (name, name_span) = self.ident("a message name after `message`")?;
        self.loc_since(&join_path(path, &[1]), name_from);
        let mut message = Message {
            name,
            name_span,
            ..Message::default()
        };
        self.message_body(&mut message, start, path, loc)?;
        self.loc_end(loc);
        Ok(message)
    }

    /// `"{" { element } "}"`, filling `message` at `path`, whose location is `loc`.
    fn message_body(
        &mut self,
        message: &mut Message,
        start: Position,
        path: &[i32],
        loc: usize,
    ) -> Result<()> {
        self.enter(start)?;
        let what = format!("after `message {}`", message.name);
        message.comments = self.end_of_declaration("{", &what, Some(loc))?;
        let nested_path = join_path(path, &[3]);
        loop {
            let t = self.peek().clone();
            match (t.kind, t.text.as_str()) {
                (TokenKind::Symbol, "}") => {
                    self.end_of_declaration("}", "", None)?;
                    break;
                }
                (TokenKind::End, _) => {
                    return Err(self.expected(&format!("`}}` to close message `{}`", message.name)));
                }
                (TokenKind::Symbol, ";") => {
                    self.end_of_declaration(";", "", None)?;
                }
                (TokenKind::Ident, "message") => {
                    let m =
                        self.message(&join_path(path, &[3, index_i32(message.messages.len())]))?;
                    message.messages.push(m);
                }
                (TokenKind::Ident, "enum") => {
                    let e =
                        self.enumeration(&join_path(path, &[4, index_i32(message.enums.len())]))?;
                    message.enums.push(e);
                }
                (TokenKind::Ident, "extend") => {
                    let before: usize = message.extends.iter().map(|e| e.fields.len()).sum();
                    let e = self.extend(
                        &mut message.messages,
                        &nested_path,
                        &join_path(path, &[6]),
                        before,
                    )?;
                    message.extends.push(e);
                }
                (TokenKind::Ident, "extensions") => {
                    let before: usize = message
                        .extension_ranges
                        .iter()
                        .map(|r| r.ranges.len())
                        .sum();
                    let r = self.extensions(path, before)?;
                    message.extension_ranges.push(r);
                }
                (TokenKind::Ident, "reserved") => {
                    let (ranges_before, names_before) = reserved_counts(&message.reserved);
                    let r = self.reserved(path, [9, 10], ranges_before, names_before)?;
                    message.reserved.push(r);
                }
                (TokenKind::Ident, "option") => {
                    let o = self.option_statement("a message", &join_path(path, &[7]))?;
                    message.options.push(o);
                }
                (TokenKind::Ident, "oneof") => self.oneof(message, path)?,
                _ => {
                    let field_path = join_path(path, &[2, index_i32(message.fields.len())]);
                    let field = self.field(
                        &mut message.messages,
                        &nested_path,
                        &field_path,
                        None,
                        Ctx::Message,
                        None,
                    )?;
                    message.fields.push(field);
                }
            }
        }
        message.span = self.span_from(start);
        self.leave();
        Ok(())
    }

    fn oneof(&mut self, message: &mut Message, message_path: &[i32]) -> Result<()> {
        let index = message.oneofs.len();
        let path = join_path(message_path, &[8, index_i32(index)]);
        let loc = self.loc_begin(&path);
        let start = self.bump().start;
        let name_from = self.pos;
        let (name, _) = self.ident("a oneof name after `oneof`")?;
        self.loc_since(&join_path(&path, &[1]), name_from);
        let comments = self.end_of_declaration("{", &format!("after `oneof {name}`"), Some(loc))?;
        message.oneofs.push(Oneof {
            name: name.clone(),
            options: Vec::new(),
            span: Span::default(),
            comments,
        });
        let nested_path = join_path(message_path, &[3]);
        let mut fields = 0usize;
        loop {
            if self.at("}") {
                self.end_of_declaration("}", "", None)?;
                break;
            }
            if self.at_kind(TokenKind::End) {
                return Err(self.expected(&format!("`}}` to close oneof `{name}`")));
            }
            if self.at(";") {
                self.end_of_declaration(";", "", None)?;
                continue;
            }
            if self.at("option") {
                let o = self.option_statement("a oneof", &join_path(&path, &[2]))?;
                if let Some(oneof) = message.oneofs.get_mut(index) {
                    oneof.options.push(o);
                }
                continue;
            }
            let field_path = join_path(message_path, &[2, index_i32(message.fields.len())]);
            let field = self.field(
                &mut message.messages,
                &nested_path,
                &field_path,
                Some(index),
                Ctx::Oneof,
                None,
            )?;
            message.fields.push(field);
            fields += 1;
        }
        self.loc_end(loc);
        if fields == 0 {
            return Err(self.error_at(
                start,
                format!("oneof `{name}` must have at least one field"),
            ));
        }
        let span = self.span_from(start);
        if let Some(oneof) = message.oneofs.get_mut(index) {
            oneof.span = span;
        }
        Ok(())
    }

    /// A field, group or map field at `field_path`. Group bodies and map
    /// entries are pushed onto `scope_messages` (the enclosing scope's nested
    /// messages, at `scope_path`). `extendee` holds the token range of the
    /// extended type's name for an extension.
    fn field(
        &mut self,
        scope_messages: &mut Vec<Message>,
        scope_path: &[i32],
        field_path: &[i32],
        oneof: Option<usize>,
        ctx: Ctx,
        extendee: Option<(usize, usize)>,
    ) -> Result<Field> {
        let field_from = self.pos;
        let loc = self.loc_begin(field_path);
        if let Some((from, to)) = extendee {
            let l = self.loc_begin_at(&join_path(field_path, &[2]), from);
            let t = self.tokens.get(to).unwrap_or(&self.eof);
            let (line, column) = (line0(t.end), t.pcol_end);
            if let Some(x) = self.locations.get_mut(l) {
                x.span[2] = line;
                x.span[3] = column;
            }
        }
        let start = self.peek().start;
        let label = if self.at("optional") {
            Some(Label::Optional)
        } else if self.at("required") {
            Some(Label::Required)
        } else if self.at("repeated") {
            Some(Label::Repeated)
        } else {
            None
        };
        if label.is_some() {
            if matches!(ctx, Ctx::Oneof) {
                return Err(self.error_at(
                    start,
                    "fields in oneofs must not have labels (`required`, `optional` or `repeated`)",
                ));
            }
            self.loc_token(&join_path(field_path, &[4]), self.pos);
            self.bump();
        }
        if label == Some(Label::Required) && self.syntax == Syntax::Proto3 {
            return Err(self.error_at(start, "required fields are not allowed in proto3"));
        }
        // `map<K, V>`: only when `map` is followed by `<` (a type may be named `map`).
        if self.at("map")
            && self.peek_at(1).text == "<"
            && self.peek_at(1).kind == TokenKind::Symbol
        {
            return self.map_field(scope_messages, label, oneof, start, field_path, loc);
        }
        let is_group = self.at("group")
            && self.peek_at(1).kind == TokenKind::Ident
            && self.peek_at(2).kind == TokenKind::Symbol
            && self.peek_at(2).text == "=";
        if label.is_none() && !matches!(ctx, Ctx::Oneof) && self.syntax == Syntax::Proto2 {
            return Err(self.expected(
                "a field label (`optional`, `required` or `repeated`) in a proto2 message",
            ));
        }
        if is_group {
            return self.group(
                scope_messages,
                scope_path,
                label,
                oneof,
                start,
                field_path,
                (loc, field_from),
            );
        }
        let type_from = self.pos;
        let type_start = self.peek().start;
        let ty = if let Some(scalar) = self.peek_scalar() {
            self.bump();
            TypeRef::Scalar(scalar)
        } else {
            TypeRef::Named(self.type_name("a field type")?.0)
        };
        let type_field = if matches!(ty, TypeRef::Scalar(_)) {
            5
        } else {
            6
        };
        self.loc_since(&join_path(field_path, &[type_field]), type_from);
        let type_span = self.span_from(type_start);
        let name_from = self.pos;
        let (name, name_span) = self.ident("a field name after the type")?;
        self.loc_since(&join_path(field_path, &[1]), name_from);
        self.expect("=", &format!("after field name `{name}`"))?;
        let number_from = self.pos;
        let (number, number_span) = self.field_number()?;
        self.loc_since(&join_path(field_path, &[3]), number_from);
        let options = self.compact_options(&join_path(field_path, &[8]), Some(field_path))?;
        let comments = self.end_of_declaration(";", "after field declaration", Some(loc))?;
        self.loc_end(loc);
        Ok(Field {
            name,
            label,
            ty,
            shape: FieldShape::Plain,
            number,
            options,
            oneof,
            span: self.span_from(start),
            name_span,
            type_span,
            number_span,
            comments,
        })
    }

    fn peek_scalar(&self) -> Option<ScalarType> {
        let t = self.peek();
        if t.kind != TokenKind::Ident {
            return None;
        }
        // `string.Foo` would be a type named in package `string`; protoc treats
        // a scalar keyword as the scalar type regardless, and so do we.
        ScalarType::from_keyword(&t.text)
    }

    fn field_number(&mut self) -> Result<(i64, Span)> {
        if self.at("-") {
            return Err(self.error_at(self.peek().start, "field numbers must be positive integers"));
        }
        self.number("a field number", false)
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        scope_messages: &mut Vec<Message>,
        scope_path: &[i32],
        label: Option<Label>,
        oneof: Option<usize>,
        start: Position,
        field_path: &[i32],
        (field_loc, field_from): (usize, usize),
    ) -> Result<Field> {
        if self.syntax == Syntax::Proto3 {
            return Err(self.error_at(start, "groups are not supported in proto3 syntax"));
        }
        // `group` is the field's type (TYPE_GROUP, 10).
        self.loc_token(&join_path(field_path, &[5]), self.pos);
        self.bump();
        let type_start = self.peek().start;
        let name_token = self.pos;
        let (group_name, name_span) = self.ident("a group name after `group`")?;
        self.loc_token(&join_path(field_path, &[1]), name_token);
        if !group_name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(self.error_at(
                name_span.start,
                "group names must start with a capital letter",
            ));
        }
        self.expect("=", &format!("after group name `{group_name}`"))?;
        let number_from = self.pos;
        let (number, number_span) = self.field_number()?;
        self.loc_since(&join_path(field_path, &[3]), number_from);
        let options = self.compact_options(&join_path(field_path, &[8]), Some(field_path))?;
        // A group declares a message and a field at once: protoc records
        // overlapping locations for both (the body's comments go to the message).
        let entry = scope_messages.len();
        let message_path = join_path(scope_path, &[index_i32(entry)]);
        let message_loc = self.loc_begin_at(&message_path, field_from);
        self.loc_token(&join_path(&message_path, &[1]), name_token);
        self.loc_token(&join_path(field_path, &[6]), name_token);
        let mut body = Message {
            name: group_name.clone(),
            name_span,
            ..Message::default()
        };
        self.message_body(&mut body, start, &message_path, message_loc)?;
        self.loc_end(message_loc);
        self.loc_end(field_loc);
        // protoc names the field after the group, lowercased.
        scope_messages.push(body);
        Ok(Field {
            name: group_name.to_ascii_lowercase(),
            label,
            ty: TypeRef::Named(group_name),
            shape: FieldShape::Group(entry),
            number,
            options,
            oneof,
            span: self.span_from(start),
            name_span,
            type_span: Span {
                start: type_start,
                end: name_span.end,
            },
            number_span,
            comments: Comments::default(),
        })
    }

    fn map_field(
        &mut self,
        scope_messages: &mut Vec<Message>,
        label: Option<Label>,
        oneof: Option<usize>,
        start: Position,
        field_path: &[i32],
        loc: usize,
    ) -> Result<Field> {
        if label.is_some() {
            return Err(self.error_at(
                start,
                "map fields cannot have labels (`required`, `optional` or `repeated`)",
            ));
        }
        if oneof.is_some() {
            return Err(self.error_at(start, "map fields are not allowed in oneofs"));
        }
        let type_from = self.pos;
        let type_start = self.bump().start;
        self.expect("<", "after `map`")?;
        let key_start = self.peek().start;
        let key = match self.peek_scalar() {
            Some(s) => {
                self.bump();
                TypeRef::Scalar(s)
            }
            None => TypeRef::Named(self.type_name("a map key type")?.0),
        };
        self.expect(",", "after the map key type")?;
        let value = match self.peek_scalar() {
            Some(s) => {
                self.bump();
                TypeRef::Scalar(s)
            }
            None => TypeRef::Named(self.type_name("a map value type")?.0),
        };
        self.expect(">", "after the map value type")?;
        self.loc_since(&join_path(field_path, &[6]), type_from);
        let type_span = self.span_from(type_start);
        let name_from = self.pos;
        let (name, name_span) = self.ident("a field name after the map type")?;
        self.loc_since(&join_path(field_path, &[1]), name_from);
        self.expect("=", &format!("after field name `{name}`"))?;
        let number_from = self.pos;
        let (number, number_span) = self.field_number()?;
        self.loc_since(&join_path(field_path, &[3]), number_from);
        let options = self.compact_options(&join_path(field_path, &[8]), Some(field_path))?;
        let comments = self.end_of_declaration(";", "after field declaration", Some(loc))?;
        self.loc_end(loc);
        let span = self.span_from(start);
        if let TypeRef::Scalar(s) = &key {
            if !s.is_map_key() {
                return Err(self.error_at(
                    key_start,
                    format!(
                        "`{}` cannot be a map key: key types are integral types, bool or string",
                        s.keyword()
                    ),
                ));
            }
        }
        // The map is sugar for a repeated nested `NameEntry { key = 1; value = 2; }`
        // with `option map_entry = true` (proto3.md "Backwards compatibility").
        let entry_name = map_entry_name(&name);
        // Entry fields carry no label, so proto3 does not read them as
        // proto3 `optional` (protoc gives them LABEL_OPTIONAL and no oneof).
        let entry_field = |field_name: &str, number: i64, ty: &TypeRef| Field {
            name: field_name.to_string(),
            label: None,
            ty: ty.clone(),
            shape: FieldShape::Plain,
            number,
            options: Vec::new(),
            oneof: None,
            span,
            name_span: span,
            type_span: span,
            number_span: span,
            comments: Comments::default(),
        };
        let entry = Message {
            name: entry_name.clone(),
            fields: vec![entry_field("key", 1, &key), entry_field("value", 2, &value)],
            options: vec![OptionDecl {
                name: vec![OptionNamePart {
                    name: "map_entry".to_string(),
                    is_extension: false,
                }],
                value: Constant::Identifier("true".to_string()),
                span,
                value_span: span,
                comments: Comments::default(),
                location: Vec::new(),
            }],
            is_map_entry: true,
            span,
            name_span: span,
            ..Message::default()
        };
        let index = scope_messages.len();
        scope_messages.push(entry);
        Ok(Field {
            name,
            label: Some(Label::Repeated),
            ty: TypeRef::Named(entry_name),
            shape: FieldShape::Map {
                key,
                value,
                entry: index,
            },
            number,
            options,
            oneof,
            span,
            name_span,
            type_span,
            number_span,
            comments,
        })
    }

    /// `range { "," range }`; each range gets a location at `path + [index]`
    /// with its start (1) and end (2), from index `first`.
    fn ranges(&mut self, max: bool, path: &[i32], first: usize) -> Result<Vec<NumberRange>> {
        let mut ranges = Vec::new();
        loop {
            let range_path = join_path(path, &[index_i32(first + ranges.len())]);
            let loc = self.loc_begin(&range_path);
            let start_pos = self.peek().start;
            let start_token = self.pos;
            let (start, _) = self.number("a number or range", true)?;
            self.loc_since(&join_path(&range_path, &[1]), start_token);
            let end = if self.eat("to") {
                let end_from = self.pos;
                let end = if max && self.eat("max") {
                    None
                } else {
                    Some(self.number("a number or `max` after `to`", true)?.0)
                };
                self.loc_since(&join_path(&range_path, &[2]), end_from);
                end
            } else {
                self.loc_token(&join_path(&range_path, &[2]), start_token);
                Some(start)
            };
            self.loc_end(loc);
            ranges.push(NumberRange {
                start,
                end,
                span: self.span_from(start_pos),
            });
            if !self.eat(",") {
                return Ok(ranges);
            }
        }
    }

    /// `extensions ranges [options];` in the message at `message_path`,
    /// whose earlier statements declared `before` ranges.
    fn extensions(&mut self, message_path: &[i32], before: usize) -> Result<ExtensionRanges> {
        let path = join_path(message_path, &[5]);
        let loc = self.loc_begin(&path);
        let start = self.bump().start;
        if self.syntax == Syntax::Proto3 {
            return Err(self.error_at(start, "extension ranges are not allowed in proto3"));
        }
        let ranges = self.ranges(true, &path, before)?;
        let mut options = Vec::new();
        if self.at("[") {
            // protoc parses the options once, for the first range, and copies
            // their locations to every range of the statement.
            let mark = self.locations.len();
            let options_path = join_path(&path, &[index_i32(before), 3]);
            options = self.compact_options(&options_path, None)?;
            let recorded: Vec<SourceLocation> = self.locations.split_off(mark);
            let index_at = path.len();
            let mut copies: Vec<Vec<usize>> = vec![Vec::new(); recorded.len()];
            for i in 0..ranges.len() {
                for (k, l) in recorded.iter().enumerate() {
                    let mut copy = l.clone();
                    if let Some(p) = copy.path.get_mut(index_at) {
                        *p = index_i32(before + i);
                    }
                    self.locations.push(copy);
                    if let Some(c) = copies.get_mut(k) {
                        c.push(self.locations.len() - 1);
                    }
                }
            }
            for o in &mut options {
                o.location = o
                    .location
                    .iter()
                    .filter_map(|&l| l.checked_sub(mark).and_then(|k| copies.get(k)))
                    .flatten()
                    .copied()
                    .collect();
            }
        }
        let comments = self.end_of_declaration(";", "after extension ranges", Some(loc))?;
        self.loc_end(loc);
        Ok(ExtensionRanges {
            ranges,
            options,
            span: self.span_from(start),
            comments,
        })
    }

    /// `reserved ...;` in the message or enum at `owner_path`; `fields` are
    /// the descriptor field numbers of its reserved ranges and names.
    fn reserved(
        &mut self,
        owner_path: &[i32],
        fields: [i32; 2],
        ranges_before: usize,
        names_before: usize,
    ) -> Result<Reserved> {
        let start_token = self.pos;
        let start = self.bump().start;
        if self.at_kind(TokenKind::Str) {
            let path = join_path(owner_path, &[fields[1]]);
            let loc = self.loc_begin_at(&path, start_token);
            let mut names = Vec::new();
            loop {
                let from = self.pos;
                let (name, span) = self.utf8_string("a reserved name in quotes")?;
                self.loc_since(
                    &join_path(&path, &[index_i32(names_before + names.len())]),
                    from,
                );
                // protoc 3.21 accepts any string here (newer versions warn).
                names.push((name, span));
                if !self.eat(",") {
                    break;
                }
            }
            let comments = self.end_of_declaration(";", "after reserved names", Some(loc))?;
            self.loc_end(loc);
            return Ok(Reserved::Names(names, self.span_from(start), comments));
        }
        if !self.at_kind(TokenKind::Int) && !self.at("-") {
            return Err(self.expected("reserved field numbers or names in quotes after `reserved`"));
        }
        let path = join_path(owner_path, &[fields[0]]);
        let loc = self.loc_begin_at(&path, start_token);
        let ranges = self.ranges(true, &path, ranges_before)?;
        let comments = self.end_of_declaration(";", "after reserved ranges", Some(loc))?;
        self.loc_end(loc);
        Ok(Reserved::Ranges(ranges, self.span_from(start), comments))
    }

    /// `extend Type { fields }`: group bodies go to `scope_messages` (at
    /// `scope_path`), the fields to the extension list at `extensions_path`
    /// from index `before`.
    fn extend(
        &mut self,
        scope_messages: &mut Vec<Message>,
        scope_path: &[i32],
        extensions_path: &[i32],
        before: usize,
    ) -> Result<Extend> {
        let loc = self.loc_begin(extensions_path);
        let start = self.bump().start;
        let extendee_from = self.pos;
        let (extendee, extendee_span) = self.type_name("a message name after `extend`")?;
        let extendee_to = self.pos.saturating_sub(1);
        let comments =
            self.end_of_declaration("{", &format!("after `extend {extendee}`"), Some(loc))?;
        let mut fields = Vec::new();
        loop {
            if self.at("}") {
                self.end_of_declaration("}", "", None)?;
                break;
            }
            if self.at_kind(TokenKind::End) {
                return Err(self.expected(&format!("`}}` to close `extend {extendee}`")));
            }
            if self.at(";") {
                self.end_of_declaration(";", "", None)?;
                continue;
            }
            if self.at("map") && self.peek_at(1).text == "<" {
                return Err(self.error_at(self.peek().start, "map fields cannot be extensions"));
            }
            if self.at("oneof") {
                return Err(self.error_at(
                    self.peek().start,
                    "oneofs are not allowed in an `extend` block",
                ));
            }
            let field_path = join_path(extensions_path, &[index_i32(before + fields.len())]);
            fields.push(self.field(
                scope_messages,
                scope_path,
                &field_path,
                None,
                Ctx::Message,
                Some((extendee_from, extendee_to)),
            )?);
        }
        self.loc_end(loc);
        Ok(Extend {
            extendee,
            extendee_span,
            fields,
            span: self.span_from(start),
            comments,
        })
    }

    // ---- enums ----

    fn enumeration(&mut self, path: &[i32]) -> Result<Enum> {
        let loc = self.loc_begin(path);
        let start = self.bump().start;
        let name_from = self.pos;
        let (name, name_span) = self.ident("an enum name after `enum`")?;
        self.loc_since(&join_path(path, &[1]), name_from);
        let comments = self.end_of_declaration("{", &format!("after `enum {name}`"), Some(loc))?;
        let mut e = Enum {
            name,
            name_span,
            comments,
            ..Enum::default()
        };
        loop {
            let t = self.peek().clone();
            match (t.kind, t.text.as_str()) {
                (TokenKind::Symbol, "}") => {
                    self.end_of_declaration("}", "", None)?;
                    break;
                }
                (TokenKind::End, _) => {
                    return Err(self.expected(&format!("`}}` to close enum `{}`", e.name)));
                }
                (TokenKind::Symbol, ";") => {
                    self.end_of_declaration(";", "", None)?;
                }
                (TokenKind::Ident, "option") => {
                    let o = self.option_statement("an enum", &join_path(path, &[3]))?;
                    e.options.push(o);
                }
                (TokenKind::Ident, "reserved") => {
                    let (ranges_before, names_before) = reserved_counts(&e.reserved);
                    let r = self.reserved(path, [4, 5], ranges_before, names_before)?;
                    e.reserved.push(r);
                }
                (TokenKind::Ident, _) => {
                    let v = self.enum_value(&join_path(path, &[2, index_i32(e.values.len())]))?;
                    e.values.push(v);
                }
                _ => {
                    return Err(
                        self.expected(&format!("an enum value name or `}}` in enum `{}`", e.name))
                    )
                }
            }
        }
        self.loc_end(loc);
        if e.values.is_empty() {
            return Err(self.error_at(
                start,
                format!("enum `{}` must have at least one value", e.name),
            ));
        }
        e.span = self.span_from(start);
        Ok(e)
    }

    fn enum_value(&mut self, path: &[i32]) -> Result<EnumValue> {
        let loc = self.loc_begin(path);
        let start = self.peek().start;
        let name_from = self.pos;
        let (name, _) = self.ident("an enum value name")?;
        self.loc_since(&join_path(path, &[1]), name_from);
        self.expect("=", &format!("after enum value name `{name}`"))?;
        let at = self.peek().start;
        let number_from = self.pos;
        let (number, number_span) = self.number("an enum value number", true)?;
        self.loc_since(&join_path(path, &[2]), number_from);
        if i32::try_from(number).is_err() {
            return Err(self.error_at(
                at,
                format!("enum value number {number} does not fit in an int32"),
            ));
        }
        let options = self.compact_options(&join_path(path, &[3]), None)?;
        let comments = self.end_of_declaration(";", "after enum value", Some(loc))?;
        self.loc_end(loc);
        Ok(EnumValue {
            name,
            number,
            options,
            span: self.span_from(start),
            number_span,
            comments,
        })
    }

    // ---- services ----

    fn service(&mut self, path: &[i32]) -> Result<Service> {
        let loc = self.loc_begin(path);
        let start = self.bump().start;
        let name_from = self.pos;
        let (name, _) = self.ident("a service name after `service`")?;
        self.loc_since(&join_path(path, &[1]), name_from);
        let comments =
            self.end_of_declaration("{", &format!("after `service {name}`"), Some(loc))?;
        let mut service = Service {
            name,
            methods: Vec::new(),
            options: Vec::new(),
            span: Span::default(),
            comments,
        };
        loop {
            let t = self.peek().clone();
            match (t.kind, t.text.as_str()) {
                (TokenKind::Symbol, "}") => {
                    self.end_of_declaration("}", "", None)?;
                    break;
                }
                (TokenKind::Symbol, ";") => {
                    self.end_of_declaration(";", "", None)?;
                }
                (TokenKind::Ident, "option") => {
                    let o = self.option_statement("a service", &join_path(path, &[3]))?;
                    service.options.push(o);
                }
                (TokenKind::Ident, "rpc") => {
                    let m =
                        self.method(&join_path(path, &[2, index_i32(service.methods.len())]))?;
                    service.methods.push(m);
                }
                _ => {
                    return Err(self.expected(&format!(
                        "`rpc`, `option` or `}}` in service `{}`",
                        service.name
                    )));
                }
            }
        }
        self.loc_end(loc);
        service.span = self.span_from(start);
        Ok(service)
    }

    fn method(&mut self, path: &[i32]) -> Result<Method> {
        let loc = self.loc_begin(path);
        let start = self.bump().start;
        let name_from = self.pos;
        let (name, _) = self.ident("a method name after `rpc`")?;
        self.loc_since(&join_path(path, &[1]), name_from);
        self.expect("(", &format!("after method name `{name}`"))?;
        let client_streaming = self.at("stream");
        if client_streaming {
            self.loc_token(&join_path(path, &[5]), self.pos);
            self.bump();
        }
        let input_from = self.pos;
        let (input, input_span) = self.type_name("a request message type")?;
        self.loc_since(&join_path(path, &[2]), input_from);
        self.expect(")", "after the request type")?;
        self.expect("returns", "after the request type")?;
        self.expect("(", "after `returns`")?;
        let server_streaming = self.at("stream");
        if server_streaming {
            self.loc_token(&join_path(path, &[6]), self.pos);
            self.bump();
        }
        let output_from = self.pos;
        let (output, output_span) = self.type_name("a response message type")?;
        self.loc_since(&join_path(path, &[3]), output_from);
        self.expect(")", "after the response type")?;
        let mut options = Vec::new();
        let options_block = self.at("{");
        let comments = if options_block {
            let comments = self.end_of_declaration("{", "", Some(loc))?;
            loop {
                if self.at("}") {
                    self.end_of_declaration("}", "", None)?;
                    break;
                }
                if self.at(";") {
                    self.end_of_declaration(";", "", None)?;
                    continue;
                }
                if self.at("option") {
                    options.push(self.option_statement("a method", &join_path(path, &[4]))?);
                    continue;
                }
                return Err(self.expected(&format!("`option` or `}}` in method `{name}`")));
            }
            comments
        } else {
            self.end_of_declaration(";", "or `{` after the method signature", Some(loc))?
        };
        self.loc_end(loc);
        Ok(Method {
            name,
            input,
            input_span,
            client_streaming,
            output,
            output_span,
            server_streaming,
            options,
            options_block,
            span: self.span_from(start),
            comments,
        })
    }
}

/// The name of the entry message protoc generates for map field `field`:
/// `my_map` becomes `MyMapEntry`.
pub fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut cap_next = true;
    for c in field.chars() {
        if c == '_' {
            cap_next = true;
        } else if cap_next {
            out.push(c.to_ascii_uppercase());
            cap_next = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

/// Parses a decimal, octal (`0` prefix) or hex (`0x`) literal.
pub(crate) fn parse_int(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if text.len() > 1 && text.starts_with('0') {
        u64::from_str_radix(text.get(1..)?, 8).ok()
    } else {
        text.parse().ok()
    }
}

/// Decodes a quoted literal (with its quotes) into `out` (proto2-spec.md
/// "String Literals"). On error, gives the byte offset in `text` and why.
fn unescape(text: &str, out: &mut Vec<u8>) -> std::result::Result<(), (usize, String)> {
    let bytes = text.as_bytes();
    let inner = bytes.get(1..bytes.len().saturating_sub(1)).unwrap_or(&[]);
    let mut i = 0;
    while let Some(&b) = inner.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let at = i + 1;
        let Some(&e) = inner.get(i + 1) else {
            return Err((at, "a string literal ends with a lone `\\`".to_string()));
        };
        i += 2;
        match e {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => out.push(e),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 {
                    match inner.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                // `\377` is the largest octal escape that fits a byte.
                out.push(
                    u8::try_from(v)
                        .map_err(|_| (at, "octal escape is larger than \\377".to_string()))?,
                );
            }
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match inner.get(i).and_then(|d| char::from(*d).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    return Err((at, "expected hex digits after `\\x`".to_string()));
                }
                out.push(u8::try_from(v).unwrap_or(0));
            }
            b'u' | b'U' => {
                let len = if e == b'u' { 4 } else { 8 };
                let digits = inner
                    .get(i..i + len)
                    .and_then(|d| std::str::from_utf8(d).ok())
                    .and_then(|d| u32::from_str_radix(d, 16).ok());
                let c = digits.and_then(char::from_u32).ok_or((
                    at,
                    format!(
                        "expected {len} hex digits of a Unicode scalar value after `\\{}`",
                        char::from(e)
                    ),
                ))?;
                i += len;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            other => {
                return Err((
                    at,
                    format!(
                        "invalid escape sequence `\\{}` in string literal",
                        char::from(other)
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> File {
        match parse_file("t.proto", src) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    fn error(src: &str) -> String {
        parse_file("t.proto", src).unwrap_err().short()
    }

    #[test]
    fn parses_a_proto3_file() {
        let f = parse(
            "syntax = \"proto3\";\npackage a.b;\nimport public \"x.proto\";\noption java_package = \"p\";\n\
             message M { int32 a = 1; repeated string b = 2 [packed = false]; map<string, M> m = 3;\n\
             oneof o { bytes c = 4; } optional int64 d = 5; reserved 6, 9 to 11, 40 to max; reserved \"x\"; }\n\
             enum E { option allow_alias = true; A = 0; B = 1; C = 1 [deprecated = true]; }\n\
             service S { rpc Call (stream M) returns (M) { option deprecated = true; } }",
        );
        assert_eq!(f.syntax, Syntax::Proto3);
        assert_eq!(f.package.as_ref().map(|p| p.name.as_str()), Some("a.b"));
        assert_eq!(f.imports[0].kind, ImportKind::Public);
        let m = &f.messages[0];
        assert_eq!(m.fields.len(), 5);
        assert_eq!(m.fields[2].ty, TypeRef::Named("MEntry".into()));
        assert_eq!(m.messages[0].name, "MEntry");
        assert!(m.messages[0].is_map_entry);
        assert_eq!(m.fields[3].oneof, Some(0));
        assert_eq!(m.fields[4].label, Some(Label::Optional));
        let Reserved::Ranges(r, _, _) = &m.reserved[0] else {
            panic!("not ranges");
        };
        let r: Vec<_> = r.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(r, vec![(6, Some(6)), (9, Some(11)), (40, None)]);
        let s = &f.services[0].methods[0];
        assert!(s.client_streaming && !s.server_streaming);
        assert_eq!(s.options[0].name_text(), "deprecated");
    }

    #[test]
    fn parses_groups_extensions_and_aggregates() {
        let f = parse(
            "message M { optional group Result = 1 { required string url = 2; }\n\
             extensions 100 to 199 [(decl) = { number: 100 full_name: \".x\" list: [1, 2] sub < a: -1 > }];\n}\n\
             extend M { optional int32 e = 100; }\noption (my.opt).sub = -inf;",
        );
        let m = &f.messages[0];
        assert_eq!(m.fields[0].name, "result");
        assert_eq!(m.fields[0].shape, FieldShape::Group(0));
        assert_eq!(m.messages[0].name, "Result");
        let Constant::Aggregate(agg) = &m.extension_ranges[0].options[0].value else {
            panic!("not an aggregate");
        };
        assert_eq!(
            agg.text,
            "number : 100 full_name : \".x\" list : [ 1 , 2 ] sub < a : - 1 >"
        );
        assert_eq!(agg.fields.len(), 4);
        assert_eq!(f.extends[0].extendee, "M");
        assert_eq!(f.options[0].name_text(), "(my.opt).sub");
        assert_eq!(f.options[0].value, Constant::Float(f64::NEG_INFINITY));
    }

    #[test]
    fn decodes_string_escapes() {
        let f = parse("option a = \"\\x41\\101\\n\\u00e9\" 'b';");
        assert_eq!(
            f.options[0].value,
            Constant::String(b"AA\n\xc3\xa9b".to_vec())
        );
    }

    #[test]
    fn reports_what_was_expected() {
        assert_eq!(
            error("syntax = \"proto3\";\nmessage A {\n  int32 a = 1 }\n"),
            "t.proto:3:15: expected `;` after field declaration, found `}`"
        );
        assert_eq!(
            error("edition = \"2023\";"),
            "t.proto:1:1: editions are not supported yet (edition \"2023\")"
        );
        assert_eq!(
            error("message A { int32 a = 1; }"),
            "t.proto:1:13: expected a field label (`optional`, `required` or `repeated`) in a proto2 message, found `int32`"
        );
    }

    #[test]
    fn attaches_comments() {
        let f = parse(
            "// detached\n\n// leading M\nmessage M { // trailing M\n  // leading a\n  optional int32 a = 1; // trailing a\n}\n",
        );
        let m = &f.messages[0];
        assert_eq!(m.comments.leading_detached, vec![" detached\n".to_string()]);
        assert_eq!(m.comments.leading.as_deref(), Some(" leading M\n"));
        assert_eq!(m.comments.trailing.as_deref(), Some(" trailing M\n"));
        assert_eq!(
            m.fields[0].comments.leading.as_deref(),
            Some(" leading a\n")
        );
        assert_eq!(
            m.fields[0].comments.trailing.as_deref(),
            Some(" trailing a\n")
        );
    }

    #[test]
    fn map_entry_names() {
        assert_eq!(map_entry_name("my_map"), "MyMapEntry");
        assert_eq!(map_entry_name("m"), "MEntry");
        assert_eq!(map_entry_name("a__b1c"), "AB1cEntry");
    }

    #[test]
    fn nesting_is_bounded() {
        let src = "message A {".repeat(MAX_NESTING_DEPTH + 1);
        assert!(error(&src).contains("MAX_NESTING_DEPTH"));
    }
}
