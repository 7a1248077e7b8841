//! The JSON value tree (RFC 8259 §3).

use super::number::Number;

/// One JSON value: the six kinds of RFC 8259 §3.
///
/// Objects keep their members in document order, duplicates included
/// (RFC 8259 §4 leaves duplicate names to the application; ProtoJSON wants
/// to see them), see [`Value::duplicate_key`].
///
/// Dropping, cloning and comparing recurse once per nesting level, which
/// [`Limits::max_depth`](super::Limits::max_depth) bounds for parsed values.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its exact text.
    Number(Number),
    /// A string, unescaped.
    String(String),
    /// An array of values, in order.
    Array(Vec<Value>),
    /// An object's members (name, value), in document order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The value of the member named `key` if this is an object; the last
    /// such member if the name repeats (the one ProtoJSON keeps).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// The first member name of this object that an earlier member already
    /// used, or `None` (also for non-objects). Only this object is checked,
    /// not the objects inside it.
    pub fn duplicate_key(&self) -> Option<&str> {
        let members = self.as_object()?;
        let mut seen: std::collections::HashSet<&str> =
            std::collections::HashSet::with_capacity(members.len());
        members
            .iter()
            .map(|(name, _)| name.as_str())
            .find(|name| !seen.insert(name))
    }

    /// The string if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members in document order if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The number if this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an exact `u64`, see [`Number::as_u64`].
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number as an exact `i64`, see [`Number::as_i64`].
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number as the nearest `f64`, see [`Number::as_f64`].
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// The boolean if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.into())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}
