//! Schema errors: where in which `.proto` file, and what was expected.
//!
//! An error renders like a compiler diagnostic, so a user can fix the schema
//! without a second tool:
//!
//! ```text
//! error: expected `;` after field declaration, found `}`
//!  --> foo.proto:3:15
//!   |
//! 3 |   int32 a = 1 }
//!   |               ^
//! ```

use std::fmt;

/// A position in a source file: 1-based line and column (columns count
/// characters, not bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line number, from 1.
    pub line: u32,
    /// Column number in characters, from 1.
    pub column: u32,
}

/// The stretch of source text a declaration covers, from its first token to
/// the end of its last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Where the first token starts.
    pub start: Position,
    /// Just past the last character of the last token.
    pub end: Position,
}

/// A schema that could not be loaded, parsed or resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct SchemaError {
    /// The file name as imported (relative to an include path), empty if the
    /// error is not about one file.
    pub file: String,
    /// Where in `file` the problem is; `None` when it concerns the whole file
    /// (for example a file that was not found).
    pub position: Option<Position>,
    /// The source line at `position`, kept so the error can show it.
    pub source_line: String,
    /// What was wrong, in the protocol's own words.
    pub message: String,
}

impl SchemaError {
    /// An error at `position` in `file`; `source` is the file's full text,
    /// from which the offending line is copied.
    pub fn at(file: &str, source: &str, position: Position, message: impl Into<String>) -> Self {
        let line_index = usize::try_from(position.line.saturating_sub(1)).unwrap_or(usize::MAX);
        let source_line = source
            .lines()
            .nth(line_index)
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        SchemaError {
            file: file.to_string(),
            position: Some(position),
            source_line,
            message: message.into(),
        }
    }

    /// An error about a whole file (or no file), with no position.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        SchemaError {
            file: file.to_string(),
            position: None,
            source_line: String::new(),
            message: message.into(),
        }
    }

    /// `file:line:column: message`, the one-line form protoc prints.
    pub fn short(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None if self.file.is_empty() => self.message.clone(),
            None => format!("{}: {}", self.file, self.message),
        }
    }

    /// The multi-line form with the source line and a caret under the column.
    pub fn render(&self) -> String {
        let mut out = format!("error: {}", self.message);
        let Some(p) = self.position else {
            if !self.file.is_empty() {
                out.push_str(&format!("\n --> {}", self.file));
            }
            return out;
        };
        let number = p.line.to_string();
        let gutter = " ".repeat(number.len());
        out.push_str(&format!(
            "\n{gutter}--> {}:{}:{}\n{gutter} |\n{number} | {}\n{gutter} | ",
            self.file, p.line, p.column, self.source_line
        ));
        // Keep tabs so the caret lines up under the same characters.
        for c in self
            .source_line
            .chars()
            .take(usize::try_from(p.column.saturating_sub(1)).unwrap_or(0))
        {
            out.push(if c == '\t' { '\t' } else { ' ' });
        }
        out.push('^');
        out
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_and_caret() {
        let src = "syntax = \"proto3\";\nmessage A {\n  int32 a = 1 }\n";
        let e = SchemaError::at(
            "foo.proto",
            src,
            Position {
                line: 3,
                column: 15,
            },
            "expected `;` after field declaration, found `}`",
        );
        assert_eq!(
            e.render(),
            "error: expected `;` after field declaration, found `}`\n --> foo.proto:3:15\n  |\n3 |   int32 a = 1 }\n  |               ^"
        );
        assert_eq!(
            e.short(),
            "foo.proto:3:15: expected `;` after field declaration, found `}`"
        );
    }

    #[test]
    fn whole_file_error_has_no_caret() {
        let e = SchemaError::whole_file("a.proto", "file not found");
        assert_eq!(e.render(), "error: file not found\n --> a.proto");
    }
}
