//! ProtoJSON: the canonical JSON form of protobuf messages (json.md), both
//! directions, over [`DynamicMessage`]s.
//!
//! - [`print()`] writes a message: lowerCamel (or `json_name`) keys, int64
//!   kinds as strings, bytes as padded standard base64, enums by name
//!   (number if unknown), NaN/Infinity as strings, fields without presence
//!   omitted at their defaults unless
//!   [`PrintOptions::always_print_fields_with_no_presence`], and the
//!   well-known types in their special forms.
//! - [`parse`] reads one: both the JSON name and the proto name as keys,
//!   integers as exact numbers or strings (exponent forms when integral),
//!   either base64 alphabet, enum names or numbers, `null` as "not set"
//!   (except for `google.protobuf.Value`), at most one member per oneof.
//!
//! Errors name the JSON path of the bad value and the rule it broke:
//! `$.items[2].price: expected a number or numeric string, found true`.
//!
//! ```
//! use std::sync::Arc;
//! use grpclite::schema::{protojson, MemorySourceTree, Pool};
//!
//! let mut tree = MemorySourceTree::new();
//! tree.add("t.proto", r#"
//!     syntax = "proto3";
//!     import "google/protobuf/duration.proto";
//!     message Job { int64 id = 1; google.protobuf.Duration timeout = 2; }
//! "#);
//! let mut pool = Pool::new();
//! pool.load(&tree, "t.proto").unwrap();
//! let pool = Arc::new(pool);
//! let job = pool.message_by_name("Job").unwrap();
//! let options = protojson::ParseOptions::default();
//! let m = protojson::parse(&pool, job, r#"{"id": 7, "timeout": "1.5s"}"#, &options).unwrap();
//! let text = protojson::print(&m, &protojson::PrintOptions::default()).unwrap();
//! assert_eq!(text, r#"{"id":"7","timeout":"1.500s"}"#);
//! let err = protojson::parse(&pool, job, r#"{"id": 1.5}"#, &options).unwrap_err();
//! assert_eq!(err.to_string(), "$.id: 1.5 is not an integer");
//! ```
//!
//! Fuzzing: parse arbitrary text as a fixed message type; when it parses,
//! `print` then `parse` again gives an equal message.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ast::ScalarType;
use super::dynamic::{default_value, has_explicit_presence, DynamicMessage, MapKey, Value};
use super::pool::{FieldDescriptor, FieldType, MessageDescriptor, MessageId, Pool};
use crate::json::{self, Number, Style, Writer};
use crate::wire::{DecodeError, Message};

/// Default for [`PrintOptions::max_depth`] and [`ParseOptions::max_depth`]:
/// the protobuf nesting limit of LIMITS.md. It bounds recursion, including
/// through `Any` values, which carry their own encoded messages.
pub const DEFAULT_MAX_DEPTH: usize = 100;

/// Printer settings (json.md "JSON Options").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintOptions {
    /// Also print fields without presence at their defaults (zero scalars,
    /// empty strings, empty repeated and map fields).
    pub always_print_fields_with_no_presence: bool,
    /// Use the proto field name as key instead of the JSON name.
    pub preserve_proto_field_names: bool,
    /// Print enum values as numbers instead of names.
    pub enums_as_ints: bool,
    /// Compact or indented text.
    pub style: Style,
    /// How deeply messages may nest; deeper is [`PrintErrorKind::TooDeep`].
    pub max_depth: usize,
}

impl Default for PrintOptions {
    fn default() -> Self {
        Self {
            always_print_fields_with_no_presence: false,
            preserve_proto_field_names: false,
            enums_as_ints: false,
            style: Style::Compact,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Parser settings (json.md "JSON Options").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Skip members that name no field, and enum names the enum does not
    /// list (the field is then left unset), instead of failing.
    pub ignore_unknown_fields: bool,
    /// How deeply messages may nest; deeper is [`ParseErrorKind::TooDeep`].
    /// The JSON text itself is also bounded by [`json::DEFAULT_MAX_DEPTH`].
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            ignore_unknown_fields: false,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// What was wrong with a JSON value for the message it was parsed as.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not JSON (RFC 8259).
    #[error("invalid JSON: {0}")]
    Json(json::Error),
    /// The value has the wrong JSON kind for the field.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the field's type accepts.
        expected: &'static str,
        /// What the JSON value was.
        found: &'static str,
    },
    /// A member names no field of the message.
    #[error("no field named {0:?}")]
    UnknownField(String),
    /// An enum name the enum does not list.
    #[error("enum {enum_name} has no value named {name:?}")]
    UnknownEnumName {
        /// The enum's full name.
        enum_name: String,
        /// The name given.
        name: String,
    },
    /// A number a closed (proto2) enum does not list.
    #[error("closed enum {enum_name} has no value {number}")]
    UnknownEnumNumber {
        /// The enum's full name.
        enum_name: String,
        /// The number given.
        number: i32,
    },
    /// A number with a nonzero fraction for an integer field (json.md "Out of range numeric values").
    #[error("{0} is not an integer")]
    NotAnInteger(String),
    /// A number outside the range of the field's type.
    #[error("{value} is out of range for {ty}")]
    OutOfRange {
        /// The number as written.
        value: String,
        /// The protobuf type.
        ty: &'static str,
    },
    /// A string that is not a number where a number was expected.
    #[error("{0:?} is not a number")]
    NotANumber(String),
    /// A `bytes` value that is not base64.
    #[error("invalid base64: {0}")]
    Base64(crate::base64::DecodeError),
    /// A Timestamp that is not an RFC 3339 date-time in 0001..9999.
    #[error("invalid Timestamp: {0}")]
    Timestamp(&'static str),
    /// A Duration that is not `[-]seconds[.fraction]s` within ±315576000000 s.
    #[error("invalid Duration: {0}")]
    Duration(&'static str),
    /// A FieldMask path that cannot be converted back to field names.
    #[error("invalid FieldMask path {0:?}")]
    FieldMask(String),
    /// A second member of a oneof (json.md "Duplicate values").
    #[error("oneof {0} already has a member set")]
    OneofConflict(String),
    /// `null` as an element of a repeated field or a map value.
    #[error("null is not allowed here")]
    NullElement,
    /// An Any without `@type`, or whose type the pool does not have.
    #[error("Any: {0}")]
    AnyType(String),
    /// A map key that does not read as the key type.
    #[error("invalid map key {0:?}")]
    MapKey(String),
    /// Messages nested past the `max_depth` option.
    #[error("messages nested deeper than the limit")]
    TooDeep,
}

/// A parse failure: where (a JSON path such as `$.items[2].price`) and what.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct ParseError {
    /// The path of the offending value from the document root `$`.
    pub path: String,
    /// What rule it broke.
    pub kind: ParseErrorKind,
}

/// Why a message could not be printed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PrintErrorKind {
    /// Timestamp seconds or nanos outside 0001-01-01..9999-12-31 / 0..1e9.
    #[error("Timestamp out of range")]
    TimestampOutOfRange,
    /// Duration outside ±315576000000 s, or nanos with the wrong sign.
    #[error("Duration out of range")]
    DurationOutOfRange,
    /// An Any whose type URL names no message in the pool.
    #[error("Any type {0:?} is not in the pool")]
    AnyType(String),
    /// An Any whose value does not decode as its type.
    #[error("Any value does not decode: {0}")]
    AnyValue(DecodeError),
    /// A `google.protobuf.Value` with no kind set, or a non-finite number.
    #[error("google.protobuf.Value has no JSON form: {0}")]
    InvalidValue(&'static str),
    /// A FieldMask path that has no lowerCamel form that reads back.
    #[error("FieldMask path {0:?} cannot be written in JSON")]
    FieldMask(String),
    /// Messages nested past the `max_depth` option.
    #[error("messages nested deeper than the limit")]
    TooDeep,
    /// A mistake of this printer's calls to the JSON writer.
    #[error("JSON writer: {0}")]
    Writer(json::WriteError),
}

/// A print failure: where in the output and what.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct PrintError {
    /// The JSON path of the value that could not be written.
    pub path: String,
    /// Why.
    pub kind: PrintErrorKind,
}

/// The well-known types with a special JSON form (json.md "Well-Known Types").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WellKnown {
    Any,
    Timestamp,
    Duration,
    Struct,
    Value,
    ListValue,
    FieldMask,
    /// A wrapper (`google.protobuf.Int32Value`, ...): its field 1 stands alone.
    Wrapper,
}

fn well_known(desc: &MessageDescriptor) -> Option<WellKnown> {
    Some(match desc.full_name.as_str() {
        "google.protobuf.Any" => WellKnown::Any,
        "google.protobuf.Timestamp" => WellKnown::Timestamp,
        "google.protobuf.Duration" => WellKnown::Duration,
        "google.protobuf.Struct" => WellKnown::Struct,
        "google.protobuf.Value" => WellKnown::Value,
        "google.protobuf.ListValue" => WellKnown::ListValue,
        "google.protobuf.FieldMask" => WellKnown::FieldMask,
        "google.protobuf.DoubleValue"
        | "google.protobuf.FloatValue"
        | "google.protobuf.Int64Value"
        | "google.protobuf.UInt64Value"
        | "google.protobuf.Int32Value"
        | "google.protobuf.UInt32Value"
        | "google.protobuf.BoolValue"
        | "google.protobuf.StringValue"
        | "google.protobuf.BytesValue" => WellKnown::Wrapper,
        _ => return None,
    })
}

fn is_null_value_enum(pool: &Pool, ty: FieldType) -> bool {
    match ty {
        FieldType::Enum(e) => pool
            .enumeration(e)
            .is_some_and(|e| e.full_name == "google.protobuf.NullValue"),
        _ => false,
    }
}

fn is_value_message(pool: &Pool, ty: FieldType) -> bool {
    match ty {
        FieldType::Message(m) => pool
            .message(m)
            .is_some_and(|m| m.full_name == "google.protobuf.Value"),
        _ => false,
    }
}

/// Timestamp range: 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z (timestamp.proto).
const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;
/// Duration range: about ±10000 years (duration.proto).
const MAX_DURATION_SECONDS: i64 = 315_576_000_000;

// ---------------------------------------------------------------------------
// Printing

/// Writes `message` as ProtoJSON text.
pub fn print(message: &DynamicMessage, options: &PrintOptions) -> Result<String, PrintError> {
    let mut w = Writer::new(options.style);
    write(message, options, &mut w)?;
    w.finish().map_err(|e| PrintError {
        path: "$".into(),
        kind: PrintErrorKind::Writer(e),
    })
}

/// Writes `message` as one JSON value into `w` (e.g. inside a larger document).
pub fn write(
    message: &DynamicMessage,
    options: &PrintOptions,
    w: &mut Writer,
) -> Result<(), PrintError> {
    Printer { options, depth: 0 }.message(message, w, "$")
}

struct Printer<'o> {
    options: &'o PrintOptions,
    depth: usize,
}

fn print_err(path: &str, kind: PrintErrorKind) -> PrintError {
    PrintError {
        path: path.to_owned(),
        kind,
    }
}

fn scalar_i64(m: &DynamicMessage, number: i32) -> i64 {
    match m.get(number) {
        Some(Value::I64(v)) => *v,
        _ => 0,
    }
}

fn scalar_i32(m: &DynamicMessage, number: i32) -> i32 {
    match m.get(number) {
        Some(Value::I32(v)) => *v,
        _ => 0,
    }
}

/// `.123`, `.123456` or `.123456789`: the shortest of 0, 3, 6 or 9 digits (json.md).
fn fraction(nanos: u32) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

/// The shortest decimal that reads back as the same `f32` (not the `f64`
/// widening, whose digits would not round-trip through another printer).
fn f32_number(v: f32) -> Option<Number> {
    if !v.is_finite() {
        return None;
    }
    let m = v.abs();
    let text = if m == 0.0 || (1e-7..1e21).contains(&m) {
        format!("{v}")
    } else {
        format!("{v:e}")
    };
    Number::from_lexeme(&text).ok()
}

fn non_finite_name(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// snake_case to lowerCamelCase, for FieldMask paths; `None` when the
/// result would not convert back (json.md "Non-Round Trippable FieldMasks").
fn path_to_camel(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            return None;
        }
        if c == '_' {
            if upper {
                return None;
            }
            upper = true;
            continue;
        }
        if upper {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    (!upper).then_some(out)
}

impl Printer<'_> {
    fn message(
        &mut self,
        m: &DynamicMessage,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        if self.depth >= self.options.max_depth {
            return Err(print_err(path, PrintErrorKind::TooDeep));
        }
        self.depth += 1;
        let result = self.message_inner(m, w, path);
        self.depth -= 1;
        result
    }

    fn message_inner(
        &mut self,
        m: &DynamicMessage,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        let Some(desc) = m.descriptor() else {
            w.begin_object().end_object();
            return Ok(());
        };
        match well_known(desc) {
            Some(WellKnown::Any) => self.any(m, w, path),
            Some(wk) => self.special(wk, m, w, path),
            None => {
                w.begin_object();
                self.fields(m, desc, w, path)?;
                w.end_object();
                Ok(())
            }
        }
    }

    /// Writes the members of a plain message into an open object.
    fn fields(
        &mut self,
        m: &DynamicMessage,
        desc: &MessageDescriptor,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        let pool = m.pool();
        let mut order: Vec<&FieldDescriptor> = desc.fields.iter().collect();
        order.sort_by_key(|f| f.number);
        for fd in order {
            let owned;
            let value = match m.get(fd.number) {
                Some(v) => v,
                None => {
                    if !self.options.always_print_fields_with_no_presence
                        || has_explicit_presence(pool, desc, fd)
                    {
                        continue;
                    }
                    owned = default_value(pool, fd);
                    &owned
                }
            };
            let key = if self.options.preserve_proto_field_names {
                &fd.name
            } else {
                &fd.json_name
            };
            let field_path = format!("{path}.{key}");
            w.key(key);
            self.field_value(pool, fd, value, w, &field_path)?;
        }
        Ok(())
    }

    fn field_value(
        &mut self,
        pool: &Arc<Pool>,
        fd: &FieldDescriptor,
        value: &Value,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        match value {
            Value::List(items) => {
                w.begin_array();
                for (i, item) in items.iter().enumerate() {
                    self.element(pool, fd.ty, item, w, &format!("{path}[{i}]"))?;
                }
                w.end_array();
            }
            Value::Map(entries) => {
                let value_ty = match fd.ty {
                    FieldType::Message(entry) => pool
                        .message(entry)
                        .and_then(|e| e.field_by_number(2))
                        .map(|f| f.ty),
                    _ => None,
                };
                w.begin_object();
                for (key, v) in entries {
                    let key = match key {
                        MapKey::Bool(b) => b.to_string(),
                        MapKey::I32(n) => n.to_string(),
                        MapKey::I64(n) => n.to_string(),
                        MapKey::U32(n) => n.to_string(),
                        MapKey::U64(n) => n.to_string(),
                        MapKey::String(s) => s.clone(),
                    };
                    let entry_path = format!("{path}[{key:?}]");
                    w.key(&key);
                    if let Some(ty) = value_ty {
                        self.element(pool, ty, v, w, &entry_path)?;
                    } else {
                        w.null();
                    }
                }
                w.end_object();
            }
            v => self.element(pool, fd.ty, v, w, path)?,
        }
        Ok(())
    }

    /// One value of a field's type (an element, for repeated fields).
    fn element(
        &mut self,
        pool: &Pool,
        ty: FieldType,
        value: &Value,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        match value {
            Value::Bool(b) => {
                w.bool(*b);
            }
            Value::I32(n) => {
                w.i64(i64::from(*n));
            }
            Value::U32(n) => {
                w.u64(u64::from(*n));
            }
            // json.md "Strings for int64".
            Value::I64(n) => {
                w.string(&n.to_string());
            }
            Value::U64(n) => {
                w.string(&n.to_string());
            }
            Value::F32(v) => match f32_number(*v) {
                Some(n) => {
                    w.number(&n);
                }
                None => {
                    w.string(non_finite_name(f64::from(*v)));
                }
            },
            Value::F64(v) => {
                if v.is_finite() {
                    w.f64(*v);
                } else {
                    w.string(non_finite_name(*v));
                }
            }
            Value::String(s) => {
                w.string(s);
            }
            Value::Bytes(b) => {
                w.string(&crate::base64::encode(b));
            }
            Value::EnumNumber(n) => {
                if is_null_value_enum(pool, ty) {
                    w.null();
                } else {
                    let name = match ty {
                        FieldType::Enum(e) if !self.options.enums_as_ints => pool
                            .enumeration(e)
                            .and_then(|e| e.value_by_number(*n))
                            .map(|v| v.name.as_str()),
                        _ => None,
                    };
                    match name {
                        Some(name) => w.string(name),
                        None => w.i64(i64::from(*n)),
                    };
                }
            }
            Value::Message(m) => self.message(m, w, path)?,
            Value::List(_) | Value::Map(_) => {
                w.null();
            }
        }
        Ok(())
    }

    fn special(
        &mut self,
        wk: WellKnown,
        m: &DynamicMessage,
        w: &mut Writer,
        path: &str,
    ) -> Result<(), PrintError> {
        let pool = Arc::clone(m.pool());
        match wk {
            WellKnown::Timestamp => {
                let seconds = scalar_i64(m, 1);
                let nanos = scalar_i32(m, 2);
                if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds)
                    || !(0..=999_999_999).contains(&nanos)
                {
                    return Err(print_err(path, PrintErrorKind::TimestampOutOfRange));
                }
                let days = seconds.div_euclid(86_400);
                let secs = seconds.rem_euclid(86_400);
                let (y, mo, d) = civil_from_days(days);
                w.string(&format!(
                    "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{}Z",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60,
                    fraction(nanos.unsigned_abs())
                ));
            }
            WellKnown::Duration => {
                let seconds = scalar_i64(m, 1);
                let nanos = scalar_i32(m, 2);
                if !(-MAX_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds)
                    || !(-999_999_999..=999_999_999).contains(&nanos)
                    || (seconds > 0 && nanos < 0)
                    || (seconds < 0 && nanos > 0)
                {
                    return Err(print_err(path, PrintErrorKind::DurationOutOfRange));
                }
                let sign = if seconds < 0 || nanos < 0 { "-" } else { "" };
                w.string(&format!(
                    "{sign}{}{}s",
                    seconds.unsigned_abs(),
                    fraction(nanos.unsigned_abs())
                ));
            }
            WellKnown::Wrapper => {
                let value = m.get_or_default(1).unwrap_or(Value::Bool(false));
                let ty = m
                    .descriptor()
                    .and_then(|d| d.field_by_number(1))
                    .map_or(FieldType::Scalar(ScalarType::Bool), |f| f.ty);
                self.element(&pool, ty, &value, w, path)?;
            }
            WellKnown::FieldMask => {
                let mut paths = Vec::new();
                if let Some(Value::List(items)) = m.get(1) {
                    for item in items {
                        if let Value::String(p) = item {
                            let camel: Option<Vec<String>> =
                                p.split('.').map(path_to_camel).collect();
                            match camel {
                                Some(parts) => paths.push(parts.join(".")),
                                None => {
                                    return Err(print_err(
                                        path,
                                        PrintErrorKind::FieldMask(p.clone()),
                                    ))
                                }
                            }
                        }
                    }
                }
                w.string(&paths.join(","));
            }
            WellKnown::Struct => {
                w.begin_object();
                if let Some(Value::Map(entries)) = m.get(1) {
                    for (key, v) in entries {
                        if let (MapKey::String(k), Value::Message(v)) = (key, v) {
                            w.key(k);
                            self.message(v, w, &format!("{path}[{k:?}]"))?;
                        }
                    }
                }
                w.end_object();
            }
            WellKnown::ListValue => {
                w.begin_array();
                if let Some(Value::List(items)) = m.get(1) {
                    for (i, item) in items.iter().enumerate() {
                        if let Value::Message(v) = item {
                            self.message(v, w, &format!("{path}[{i}]"))?;
                        }
                    }
                }
                w.end_array();
            }
            WellKnown::Value => {
                let kind = (1..=6).find(|n| m.has(*n));
                match (kind, kind.and_then(|n| m.get(n))) {
                    (Some(1), _) => {
                        w.null();
                    }
                    (Some(2), Some(Value::F64(v))) => {
                        if !v.is_finite() {
                            return Err(print_err(
                                path,
                                PrintErrorKind::InvalidValue("number_value is not finite"),
                            ));
                        }
                        w.f64(*v);
                    }
                    (Some(3), Some(Value::String(s))) => {
                        w.string(s);
                    }
                    (Some(4), Some(Value::Bool(b))) => {
                        w.bool(*b);
                    }
                    (Some(5 | 6), Some(Value::Message(inner))) => {
                        self.message(inner, w, path)?;
                    }
                    _ => {
                        return Err(print_err(
                            path,
                            PrintErrorKind::InvalidValue("no kind is set"),
                        ))
                    }
                }
            }
            WellKnown::Any => self.any(m, w, path)?,
        }
        Ok(())
    }

    /// json.md "Any": `@type` then the packed message's members, or its
    /// special form under `"value"`.
    fn any(&mut self, m: &DynamicMessage, w: &mut Writer, path: &str) -> Result<(), PrintError> {
        let type_url = match m.get(1) {
            Some(Value::String(s)) => s.as_str(),
            _ => "",
        };
        let bytes: &[u8] = match m.get(2) {
            Some(Value::Bytes(b)) => b,
            _ => &[],
        };
        if type_url.is_empty() && bytes.is_empty() {
            w.begin_object().end_object();
            return Ok(());
        }
        let pool = m.pool();
        let name = type_url.rsplit('/').next().unwrap_or(type_url);
        let id = pool
            .message_by_name(name)
            .ok_or_else(|| print_err(path, PrintErrorKind::AnyType(type_url.to_owned())))?;
        let mut inner = DynamicMessage::empty_unchecked(Arc::clone(pool), id);
        inner
            .merge(bytes)
            .map_err(|e| print_err(path, PrintErrorKind::AnyValue(e)))?;
        let desc = inner
            .descriptor()
            .ok_or_else(|| print_err(path, PrintErrorKind::AnyType(type_url.to_owned())))?;
        w.begin_object();
        w.key("@type").string(type_url);
        match well_known(desc) {
            Some(_) => {
                w.key("value");
                self.message(&inner, w, &format!("{path}.value"))?;
            }
            None => {
                if self.depth >= self.options.max_depth {
                    return Err(print_err(path, PrintErrorKind::TooDeep));
                }
                self.depth += 1;
                let result = self.fields(&inner, desc, w, path);
                self.depth -= 1;
                result?;
            }
        }
        w.end_object();
        Ok(())
    }
}

/// (year, month, day) of a day count from 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days from 1970-01-01 to a date (proleptic Gregorian); inputs already checked.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------
// Parsing

/// Parses ProtoJSON `text` as a message of type `message` of `pool`.
pub fn parse(
    pool: &Arc<Pool>,
    message: MessageId,
    text: &str,
    options: &ParseOptions,
) -> Result<DynamicMessage, ParseError> {
    let doc = json::parse(text).map_err(|e| ParseError {
        path: "$".into(),
        kind: ParseErrorKind::Json(e),
    })?;
    parse_value(pool, message, &doc, options)
}

/// Reads an already parsed JSON value as a message of type `message`.
pub fn parse_value(
    pool: &Arc<Pool>,
    message: MessageId,
    value: &json::Value,
    options: &ParseOptions,
) -> Result<DynamicMessage, ParseError> {
    let mut parser = Parser {
        pool,
        options,
        depth: 0,
    };
    parser.message(message, value, "$")
}

struct Parser<'a> {
    pool: &'a Arc<Pool>,
    options: &'a ParseOptions,
    depth: usize,
}

fn err(path: &str, kind: ParseErrorKind) -> ParseError {
    ParseError {
        path: path.to_owned(),
        kind,
    }
}

/// How a JSON value is described in errors.
fn found(v: &json::Value) -> &'static str {
    match v {
        json::Value::Null => "null",
        json::Value::Bool(true) => "true",
        json::Value::Bool(false) => "false",
        json::Value::Number(_) => "a number",
        json::Value::String(_) => "a string",
        json::Value::Array(_) => "an array",
        json::Value::Object(_) => "an object",
    }
}

fn expected(path: &str, what: &'static str, v: &json::Value) -> ParseError {
    err(
        path,
        ParseErrorKind::Expected {
            expected: what,
            found: found(v),
        },
    )
}

/// A number given as a JSON number or a string holding one (json.md: "Either numbers or strings are accepted").
fn numeric(path: &str, v: &json::Value, what: &'static str) -> Result<Number, ParseError> {
    match v {
        json::Value::Number(n) => Ok(n.clone()),
        json::Value::String(s) => {
            Number::from_lexeme(s).map_err(|_| err(path, ParseErrorKind::NotANumber(s.clone())))
        }
        other => Err(expected(path, what, other)),
    }
}

const INTEGER: &str = "an integer or integer string";

fn integer_i64(path: &str, v: &json::Value, ty: &'static str) -> Result<i64, ParseError> {
    let n = numeric(path, v, INTEGER)?;
    n.as_i64().ok_or_else(|| range_or_fraction(path, &n, ty))
}

fn integer_u64(path: &str, v: &json::Value, ty: &'static str) -> Result<u64, ParseError> {
    let n = numeric(path, v, INTEGER)?;
    n.as_u64().ok_or_else(|| range_or_fraction(path, &n, ty))
}

/// Tells a fraction from an out-of-range integer, for the error.
fn range_or_fraction(path: &str, n: &Number, ty: &'static str) -> ParseError {
    // An integral value too large for 64 bits still has an integral f64 value.
    let integral = n.as_f64().is_none_or(|f| f.fract() == 0.0);
    if integral {
        err(
            path,
            ParseErrorKind::OutOfRange {
                value: n.as_str().to_owned(),
                ty,
            },
        )
    } else {
        err(path, ParseErrorKind::NotAnInteger(n.as_str().to_owned()))
    }
}

fn out_of_range(path: &str, value: impl ToString, ty: &'static str) -> ParseError {
    err(
        path,
        ParseErrorKind::OutOfRange {
            value: value.to_string(),
            ty,
        },
    )
}

fn float(path: &str, v: &json::Value, ty: &'static str) -> Result<f64, ParseError> {
    const FLOAT: &str = "a number or numeric string";
    if let json::Value::String(s) = v {
        match s.as_str() {
            "NaN" => return Ok(f64::NAN),
            "Infinity" => return Ok(f64::INFINITY),
            "-Infinity" => return Ok(f64::NEG_INFINITY),
            _ => {}
        }
    }
    let n = numeric(path, v, FLOAT)?;
    n.as_f64().ok_or_else(|| out_of_range(path, n.as_str(), ty))
}

impl Parser<'_> {
    fn message(
        &mut self,
        id: MessageId,
        v: &json::Value,
        path: &str,
    ) -> Result<DynamicMessage, ParseError> {
        if self.depth >= self.options.max_depth {
            return Err(err(path, ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        let result = self.message_inner(id, v, path);
        self.depth -= 1;
        result
    }

    fn message_inner(
        &mut self,
        id: MessageId,
        v: &json::Value,
        path: &str,
    ) -> Result<DynamicMessage, ParseError> {
        let pool = Arc::clone(self.pool);
        let mut m = DynamicMessage::empty_unchecked(Arc::clone(&pool), id);
        let Some(desc) = pool.message(id) else {
            return Ok(m);
        };
        match well_known(desc) {
            Some(wk) => self.special(wk, &mut m, desc, v, path)?,
            None => {
                let members = v
                    .as_object()
                    .ok_or_else(|| expected(path, "an object", v))?;
                self.fields(&mut m, desc, members, path)?;
            }
        }
        Ok(m)
    }

    /// Sets the fields named by `members` (a plain message's object).
    fn fields<'m>(
        &mut self,
        m: &mut DynamicMessage,
        desc: &MessageDescriptor,
        members: impl IntoIterator<Item = &'m (String, json::Value)>,
        path: &str,
    ) -> Result<(), ParseError> {
        // Which member set each oneof, so a second one is an error.
        let mut oneof_set: BTreeMap<usize, i32> = BTreeMap::new();
        for (key, value) in members {
            let field_path = format!("{path}.{key}");
            let fd = desc
                .fields
                .iter()
                .find(|f| f.json_name == *key)
                .or_else(|| desc.fields.iter().find(|f| f.name == *key));
            let Some(fd) = fd else {
                if self.options.ignore_unknown_fields {
                    continue;
                }
                return Err(err(&field_path, ParseErrorKind::UnknownField(key.clone())));
            };
            // A singular google.protobuf.Value or NullValue field reads null as a value.
            let null_is_value = !fd.is_repeated()
                && (is_value_message(self.pool, fd.ty) || is_null_value_enum(self.pool, fd.ty));
            if value.is_null() && !null_is_value {
                // json.md "Null values": the field stays unset.
                m.clear_field(fd.number);
                continue;
            }
            if let Some(oneof) = fd.oneof_index {
                let synthetic = desc.oneofs.get(oneof).is_some_and(|o| o.synthetic);
                if !synthetic {
                    if let Some(&other) = oneof_set.get(&oneof) {
                        if other != fd.number {
                            let name = desc
                                .oneofs
                                .get(oneof)
                                .map_or_else(String::new, |o| o.name.clone());
                            return Err(err(&field_path, ParseErrorKind::OneofConflict(name)));
                        }
                    }
                    oneof_set.insert(oneof, fd.number);
                }
            }
            if let Some(v) = self.field(fd, value, &field_path)? {
                // The value was built for this field's type, so it fits.
                let _ = m.set(fd.number, v);
            } else {
                m.clear_field(fd.number);
            }
        }
        Ok(())
    }

    /// The value of one field; `None` when an unknown enum name is ignored.
    fn field(
        &mut self,
        fd: &FieldDescriptor,
        v: &json::Value,
        path: &str,
    ) -> Result<Option<Value>, ParseError> {
        let pool = Arc::clone(self.pool);
        if let FieldType::Message(entry) = fd.ty {
            if let Some(entry_desc) = pool.message(entry).filter(|d| d.is_map_entry) {
                let (Some(kf), Some(vf)) =
                    (entry_desc.field_by_number(1), entry_desc.field_by_number(2))
                else {
                    return Ok(None);
                };
                let members = v
                    .as_object()
                    .ok_or_else(|| expected(path, "an object", v))?;
                let mut map = BTreeMap::new();
                for (key, value) in members {
                    let entry_path = format!("{path}[{key:?}]");
                    let key = map_key(kf.ty, key)
                        .ok_or_else(|| err(&entry_path, ParseErrorKind::MapKey(key.clone())))?;
                    if value.is_null() && !is_value_message(&pool, vf.ty) {
                        return Err(err(&entry_path, ParseErrorKind::NullElement));
                    }
                    if let Some(value) = self.element(vf.ty, value, &entry_path)? {
                        map.insert(key, value);
                    }
                }
                return Ok(Some(Value::Map(map)));
            }
        }
        if fd.is_repeated() {
            let items = v.as_array().ok_or_else(|| expected(path, "an array", v))?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                if item.is_null() && !is_value_message(&pool, fd.ty) {
                    return Err(err(&item_path, ParseErrorKind::NullElement));
                }
                if let Some(value) = self.element(fd.ty, item, &item_path)? {
                    list.push(value);
                }
            }
            return Ok(Some(Value::List(list)));
        }
        self.element(fd.ty, v, path)
    }

    /// One value of type `ty`; `None` when an unknown enum name is ignored.
    fn element(
        &mut self,
        ty: FieldType,
        v: &json::Value,
        path: &str,
    ) -> Result<Option<Value>, ParseError> {
        use ScalarType as S;
        let pool = Arc::clone(self.pool);
        Ok(Some(match ty {
            FieldType::Message(id) | FieldType::Group(id) => {
                Value::Message(Box::new(self.message(id, v, path)?))
            }
            FieldType::Enum(e) => {
                let Some(ed) = pool.enumeration(e) else {
                    return Ok(None);
                };
                if ed.full_name == "google.protobuf.NullValue" && v.is_null() {
                    return Ok(Some(Value::EnumNumber(0)));
                }
                match v {
                    json::Value::String(name) => match ed.value_by_name(name) {
                        Some(value) => Value::EnumNumber(value.number),
                        None if self.options.ignore_unknown_fields => return Ok(None),
                        None => {
                            return Err(err(
                                path,
                                ParseErrorKind::UnknownEnumName {
                                    enum_name: ed.full_name.clone(),
                                    name: name.clone(),
                                },
                            ))
                        }
                    },
                    json::Value::Number(_) => {
                        let n = integer_i64(path, v, "enum")?;
                        let n = i32::try_from(n).map_err(|_| out_of_range(path, n, "enum"))?;
                        if ed.closed && ed.value_by_number(n).is_none() {
                            return Err(err(
                                path,
                                ParseErrorKind::UnknownEnumNumber {
                                    enum_name: ed.full_name.clone(),
                                    number: n,
                                },
                            ));
                        }
                        Value::EnumNumber(n)
                    }
                    other => return Err(expected(path, "an enum name or number", other)),
                }
            }
            FieldType::Scalar(s) => match s {
                S::Bool => match v {
                    json::Value::Bool(b) => Value::Bool(*b),
                    other => return Err(expected(path, "true or false", other)),
                },
                S::String => match v {
                    json::Value::String(s) => Value::String(s.clone()),
                    other => return Err(expected(path, "a string", other)),
                },
                S::Bytes => match v {
                    json::Value::String(s) => Value::Bytes(
                        crate::base64::decode(s)
                            .map_err(|e| err(path, ParseErrorKind::Base64(e)))?,
                    ),
                    other => return Err(expected(path, "a base64 string", other)),
                },
                S::Int32 | S::Sint32 | S::Sfixed32 => {
                    let ty = s.keyword();
                    let n = integer_i64(path, v, ty)?;
                    Value::I32(i32::try_from(n).map_err(|_| out_of_range(path, n, ty))?)
                }
                S::Uint32 | S::Fixed32 => {
                    let ty = s.keyword();
                    let n = integer_u64(path, v, ty)?;
                    Value::U32(u32::try_from(n).map_err(|_| out_of_range(path, n, ty))?)
                }
                S::Int64 | S::Sint64 | S::Sfixed64 => {
                    Value::I64(integer_i64(path, v, s.keyword())?)
                }
                S::Uint64 | S::Fixed64 => Value::U64(integer_u64(path, v, s.keyword())?),
                S::Double => Value::F64(float(path, v, "double")?),
                S::Float => {
                    let f = float(path, v, "float")?;
                    // Out of range when it does not round to a finite float
                    // (f32::MAX prints as 3.4028235e38, just above it).
                    if f.is_finite() && !(f as f32).is_finite() {
                        let text = match v {
                            json::Value::Number(n) => n.as_str(),
                            json::Value::String(s) => s.as_str(),
                            _ => "",
                        };
                        return Err(out_of_range(path, text, "float"));
                    }
                    Value::F32(f as f32)
                }
            },
        }))
    }

    fn special(
        &mut self,
        wk: WellKnown,
        m: &mut DynamicMessage,
        desc: &MessageDescriptor,
        v: &json::Value,
        path: &str,
    ) -> Result<(), ParseError> {
        match wk {
            WellKnown::Timestamp => {
                let text = v
                    .as_str()
                    .ok_or_else(|| expected(path, "an RFC 3339 timestamp string", v))?;
                let (seconds, nanos) =
                    parse_timestamp(text).map_err(|e| err(path, ParseErrorKind::Timestamp(e)))?;
                let _ = m.set(1, Value::I64(seconds));
                let _ = m.set(2, Value::I32(nanos));
            }
            WellKnown::Duration => {
                let text = v
                    .as_str()
                    .ok_or_else(|| expected(path, "a duration string such as \"1.5s\"", v))?;
                let (seconds, nanos) =
                    parse_duration(text).map_err(|e| err(path, ParseErrorKind::Duration(e)))?;
                let _ = m.set(1, Value::I64(seconds));
                let _ = m.set(2, Value::I32(nanos));
            }
            WellKnown::Wrapper => {
                if let Some(fd) = desc.field_by_number(1) {
                    if let Some(value) = self.element(fd.ty, v, path)? {
                        let _ = m.set(1, value);
                    }
                }
            }
            WellKnown::FieldMask => {
                let text = v
                    .as_str()
                    .ok_or_else(|| expected(path, "a comma-separated FieldMask string", v))?;
                let mut paths = Vec::new();
                for p in text.split(',').filter(|p| !p.is_empty()) {
                    let snake = path_to_snake(p)
                        .ok_or_else(|| err(path, ParseErrorKind::FieldMask(p.to_owned())))?;
                    paths.push(Value::String(snake));
                }
                let _ = m.set(1, Value::List(paths));
            }
            WellKnown::Struct => {
                let members = v
                    .as_object()
                    .ok_or_else(|| expected(path, "an object", v))?;
                let Some(value_id) = self.pool.message_by_name("google.protobuf.Value") else {
                    return Ok(());
                };
                let mut map = BTreeMap::new();
                for (key, value) in members {
                    let inner = self.message(value_id, value, &format!("{path}[{key:?}]"))?;
                    map.insert(MapKey::String(key.clone()), Value::Message(Box::new(inner)));
                }
                let _ = m.set(1, Value::Map(map));
            }
            WellKnown::ListValue => {
                let items = v.as_array().ok_or_else(|| expected(path, "an array", v))?;
                let Some(value_id) = self.pool.message_by_name("google.protobuf.Value") else {
                    return Ok(());
                };
                let mut list = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let inner = self.message(value_id, item, &format!("{path}[{i}]"))?;
                    list.push(Value::Message(Box::new(inner)));
                }
                let _ = m.set(1, Value::List(list));
            }
            WellKnown::Value => {
                let lookup = |name: &str| self.pool.message_by_name(name);
                match v {
                    json::Value::Null => {
                        let _ = m.set(1, Value::EnumNumber(0));
                    }
                    json::Value::Number(n) => {
                        let f = n
                            .as_f64()
                            .ok_or_else(|| out_of_range(path, n.as_str(), "double"))?;
                        let _ = m.set(2, Value::F64(f));
                    }
                    json::Value::String(s) => {
                        let _ = m.set(3, Value::String(s.clone()));
                    }
                    json::Value::Bool(b) => {
                        let _ = m.set(4, Value::Bool(*b));
                    }
                    json::Value::Object(_) => {
                        if let Some(id) = lookup("google.protobuf.Struct") {
                            let inner = self.message(id, v, path)?;
                            let _ = m.set(5, Value::Message(Box::new(inner)));
                        }
                    }
                    json::Value::Array(_) => {
                        if let Some(id) = lookup("google.protobuf.ListValue") {
                            let inner = self.message(id, v, path)?;
                            let _ = m.set(6, Value::Message(Box::new(inner)));
                        }
                    }
                }
            }
            WellKnown::Any => self.any(m, v, path)?,
        }
        Ok(())
    }

    fn any(
        &mut self,
        m: &mut DynamicMessage,
        v: &json::Value,
        path: &str,
    ) -> Result<(), ParseError> {
        let members = v
            .as_object()
            .ok_or_else(|| expected(path, "an object", v))?;
        if members.is_empty() {
            return Ok(());
        }
        let type_url = match v.get("@type") {
            Some(json::Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(expected(
                    &format!("{path}.@type"),
                    "a type URL string",
                    other,
                ))
            }
            None => {
                return Err(err(
                    path,
                    ParseErrorKind::AnyType("missing \"@type\"".into()),
                ))
            }
        };
        let name = type_url.rsplit('/').next().unwrap_or(&type_url);
        let pool = Arc::clone(self.pool);
        let id = pool.message_by_name(name).ok_or_else(|| {
            err(
                path,
                ParseErrorKind::AnyType(format!("unknown type {type_url:?}")),
            )
        })?;
        let desc = pool.message(id).ok_or_else(|| {
            err(
                path,
                ParseErrorKind::AnyType(format!("unknown type {type_url:?}")),
            )
        })?;
        let rest = || members.iter().filter(|(k, _)| k != "@type");
        let inner = if well_known(desc).is_some() {
            let value_path = format!("{path}.value");
            if let Some((k, _)) = rest().find(|(k, _)| k != "value") {
                if !self.options.ignore_unknown_fields {
                    return Err(err(
                        &format!("{path}.{k}"),
                        ParseErrorKind::UnknownField(k.clone()),
                    ));
                }
            }
            let value = v.get("value").ok_or_else(|| {
                err(
                    &value_path,
                    ParseErrorKind::AnyType("missing \"value\"".into()),
                )
            })?;
            self.message(id, value, &value_path)?
        } else {
            if self.depth >= self.options.max_depth {
                return Err(err(path, ParseErrorKind::TooDeep));
            }
            self.depth += 1;
            let mut inner = DynamicMessage::empty_unchecked(Arc::clone(&pool), id);
            let result = self.fields(&mut inner, desc, rest(), path);
            self.depth -= 1;
            result?;
            inner
        };
        let _ = m.set(1, Value::String(type_url));
        let _ = m.set(2, Value::Bytes(inner.encode_to_vec()));
        Ok(())
    }
}

/// A map key from its JSON object key (json.md: "All keys are converted to strings").
fn map_key(ty: FieldType, key: &str) -> Option<MapKey> {
    use ScalarType as S;
    let FieldType::Scalar(s) = ty else {
        return None;
    };
    let integer = || Number::from_lexeme(key).ok();
    Some(match s {
        S::String => MapKey::String(key.to_owned()),
        S::Bool => match key {
            "true" => MapKey::Bool(true),
            "false" => MapKey::Bool(false),
            _ => return None,
        },
        S::Int32 | S::Sint32 | S::Sfixed32 => {
            MapKey::I32(i32::try_from(integer()?.as_i64()?).ok()?)
        }
        S::Int64 | S::Sint64 | S::Sfixed64 => MapKey::I64(integer()?.as_i64()?),
        S::Uint32 | S::Fixed32 => MapKey::U32(u32::try_from(integer()?.as_u64()?).ok()?),
        S::Uint64 | S::Fixed64 => MapKey::U64(integer()?.as_u64()?),
        S::Float | S::Double | S::Bytes => return None,
    })
}

/// lowerCamelCase FieldMask path to snake_case; `None` if it holds `_`
/// (it would not read back) or is not a plain name.
fn path_to_snake(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c == '_' || !(c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Reads exactly `n` ASCII digits at the front of `s`.
fn digits(s: &[u8], n: usize) -> Option<(i64, &[u8])> {
    let (head, rest) = s.split_at_checked(n)?;
    let mut v: i64 = 0;
    for &b in head {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some((v, rest))
}

/// A fraction `.d{1,9}` at the front of `s`, as nanoseconds.
fn nanos_prefix(s: &[u8]) -> Result<(i32, &[u8]), &'static str> {
    let Some(rest) = s.strip_prefix(b".") else {
        return Ok((0, s));
    };
    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return Err("a '.' must be followed by digits");
    }
    if len > 9 {
        return Err("more than 9 fractional digits");
    }
    let (value, tail) = digits(rest, len).ok_or("bad fraction")?;
    let scale = 10i64.pow(9 - len as u32);
    Ok(((value * scale) as i32, tail))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// RFC 3339 `date-time` (uppercase `T` and `Z`, json.md "Timestamps") to
/// seconds and nanos since the epoch, within 0001..9999.
fn parse_timestamp(text: &str) -> Result<(i64, i32), &'static str> {
    const SHAPE: &str = "expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)";
    let s = text.as_bytes();
    let (year, s) = digits(s, 4).ok_or(SHAPE)?;
    let s = s.strip_prefix(b"-").ok_or(SHAPE)?;
    let (month, s) = digits(s, 2).ok_or(SHAPE)?;
    let s = s.strip_prefix(b"-").ok_or(SHAPE)?;
    let (day, s) = digits(s, 2).ok_or(SHAPE)?;
    let s = s.strip_prefix(b"T").ok_or(SHAPE)?;
    let (hour, s) = digits(s, 2).ok_or(SHAPE)?;
    let s = s.strip_prefix(b":").ok_or(SHAPE)?;
    let (minute, s) = digits(s, 2).ok_or(SHAPE)?;
    let s = s.strip_prefix(b":").ok_or(SHAPE)?;
    let (second, s) = digits(s, 2).ok_or(SHAPE)?;
    let (nanos, s) = nanos_prefix(s)?;
    let offset = match s {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, rest) = digits(rest, 2).ok_or(SHAPE)?;
            let rest = rest.strip_prefix(b":").ok_or(SHAPE)?;
            let (om, rest) = digits(rest, 2).ok_or(SHAPE)?;
            if !rest.is_empty() || oh > 23 || om > 59 {
                return Err(SHAPE);
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return Err(SHAPE),
    };
    if year < 1 {
        return Err("year before 0001");
    }
    let month_days = [
        31,
        if is_leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max_day = usize::try_from(month - 1)
        .ok()
        .and_then(|i| month_days.get(i))
        .ok_or("month out of range")?;
    if day < 1 || day > *max_day {
        return Err("day out of range for the month");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("time of day out of range");
    }
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err("outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z");
    }
    Ok((seconds, nanos))
}

/// `[-]seconds[.fraction]s` to seconds and nanos with the same sign (duration.proto).
fn parse_duration(text: &str) -> Result<(i64, i32), &'static str> {
    let body = text.strip_suffix('s').ok_or("missing the 's' suffix")?;
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let s = body.as_bytes();
    let len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return Err("expected digits before the 's'");
    }
    if len > 12 {
        return Err("seconds out of range");
    }
    let (seconds, rest) = digits(s, len).ok_or("bad seconds")?;
    let (nanos, rest) = nanos_prefix(rest)?;
    if !rest.is_empty() {
        return Err("expected [-]seconds[.fraction]s");
    }
    if seconds > MAX_DURATION_SECONDS {
        return Err("outside ±315576000000s");
    }
    Ok(if negative {
        (-seconds, -nanos)
    } else {
        (seconds, nanos)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::MemorySourceTree;

    #[test]
    fn timestamps_round_trip_at_the_range_ends() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok((0, 0)));
        assert_eq!(
            parse_timestamp("0001-01-01T00:00:00Z"),
            Ok((MIN_TIMESTAMP_SECONDS, 0))
        );
        assert_eq!(
            parse_timestamp("9999-12-31T23:59:59.999999999Z"),
            Ok((MAX_TIMESTAMP_SECONDS, 999_999_999))
        );
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Ok((0, 0)));
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:00.5Z"),
            Ok((951_782_400, 500_000_000))
        );
        assert!(parse_timestamp("1999-02-29T00:00:00Z").is_err());
        assert!(parse_timestamp("1970-01-01t00:00:00Z").is_err());
        assert!(parse_timestamp("1970-01-01T00:00:00z").is_err());
        assert!(parse_timestamp("0001-01-01T00:00:00+00:01").is_err());
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-719_162), (1, 1, 1));
    }

    #[test]
    fn durations_keep_the_sign_on_both_parts() {
        assert_eq!(parse_duration("1.5s"), Ok((1, 500_000_000)));
        assert_eq!(parse_duration("-0.000000001s"), Ok((0, -1)));
        assert_eq!(
            parse_duration("315576000000s"),
            Ok((MAX_DURATION_SECONDS, 0))
        );
        assert!(parse_duration("315576000001s").is_err());
        assert!(parse_duration("1").is_err());
        assert!(parse_duration("1.s").is_err());
        assert!(parse_duration("1.0000000001s").is_err());
        assert!(parse_duration("+1s").is_err());
    }

    #[test]
    fn field_mask_paths_convert_both_ways() {
        assert_eq!(path_to_camel("foo_bar.baz"), Some("fooBar.baz".into()));
        assert_eq!(path_to_camel("x_0"), None);
        assert_eq!(path_to_snake("fooBar.baz"), Some("foo_bar.baz".into()));
        assert_eq!(path_to_snake("foo_bar"), None);
    }

    #[test]
    fn nesting_is_bounded_both_ways() {
        let mut tree = MemorySourceTree::new();
        tree.add("t.proto", "syntax = \"proto3\"; message M { M m = 1; }");
        let mut pool = Pool::new();
        pool.load(&tree, "t.proto").unwrap();
        let pool = Arc::new(pool);
        let id = pool.message_by_name("M").unwrap();
        let nested = |n: usize| {
            format!(
                "{}{}",
                "{\"m\":".repeat(n),
                "{}".to_owned() + &"}".repeat(n)
            )
        };
        let options = ParseOptions {
            max_depth: 10,
            ..ParseOptions::default()
        };
        let m = parse(&pool, id, &nested(9), &options).unwrap();
        let e = parse(&pool, id, &nested(10), &options).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::TooDeep);
        assert_eq!(e.path, format!("${}", ".m".repeat(10)));
        let print_options = PrintOptions {
            max_depth: 9,
            ..PrintOptions::default()
        };
        let e = print(&m, &print_options).unwrap_err();
        assert_eq!(e.kind, PrintErrorKind::TooDeep);
        assert_eq!(print(&m, &PrintOptions::default()).unwrap(), nested(9));
    }

    #[test]
    fn errors_name_the_path_and_the_rule() {
        let mut tree = MemorySourceTree::new();
        tree.add(
            "t.proto",
            "syntax = \"proto3\"; message Item { double price = 1; } message M { repeated Item items = 1; }",
        );
        let mut pool = Pool::new();
        pool.load(&tree, "t.proto").unwrap();
        let pool = Arc::new(pool);
        let id = pool.message_by_name("M").unwrap();
        let e = parse(
            &pool,
            id,
            r#"{"items":[{},{"price":1},{"price":true}]}"#,
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "$.items[2].price: expected a number or numeric string, found true"
        );
    }
}
