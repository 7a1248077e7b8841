//! Descriptors: the `google.protobuf.FileDescriptorSet` family of
//! descriptor.proto, as plain structs implementing [`crate::wire::Message`]
//! by hand. Fields are written in field-number order, as protoc writes them,
//! so a set encodes to the same bytes protoc produces;
//! [`convert`](super::convert) turns a [`Pool`](super::Pool) into these and back.
//!
//! Options messages are kept as their encoded fields ([`Options`]): the
//! standard options a pool honours are read from them by field number
//! (descriptor.proto), and everything else passes through unchanged.

use crate::wire::{field, DecodeError, Message, Reader, UnknownFields, UnknownValue, WireType};

/// Encodes an optional (proto2 explicit-presence) field if set.
macro_rules! encode_field {
    (string, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::string::encode($n, v, $buf)
        }
    };
    (bytes, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::bytes::encode($n, v, $buf)
        }
    };
    (int32, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::int32::encode($n, v, $buf)
        }
    };
    (int64, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::int64::encode($n, v, $buf)
        }
    };
    (uint64, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::uint64::encode($n, v, $buf)
        }
    };
    (double, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::double::encode($n, v, $buf)
        }
    };
    (boolean, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::bool::encode($n, v, $buf)
        }
    };
    (enumeration, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::enumeration::encode($n, v, $buf)
        }
    };
    (message, $n:literal, $v:expr, $buf:expr) => {
        if let Some(v) = $v {
            field::message::encode($n, v, $buf)
        }
    };
    (repeated_string, $n:literal, $v:expr, $buf:expr) => {
        field::string::encode_repeated($n, $v, $buf)
    };
    (repeated_int32, $n:literal, $v:expr, $buf:expr) => {
        field::int32::encode_repeated($n, $v, $buf)
    };
    (packed_int32, $n:literal, $v:expr, $buf:expr) => {
        field::int32::encode_packed($n, $v, $buf)
    };
    (repeated_message, $n:literal, $v:expr, $buf:expr) => {
        field::message::encode_repeated($n, $v, $buf)
    };
}

macro_rules! field_len {
    (string, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::string::encoded_len($n, v))
    };
    (bytes, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::bytes::encoded_len($n, v))
    };
    (int32, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::int32::encoded_len($n, v))
    };
    (int64, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::int64::encoded_len($n, v))
    };
    (uint64, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::uint64::encoded_len($n, v))
    };
    (double, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::double::encoded_len($n, v))
    };
    (boolean, $n:literal, $v:expr) => {
        $v.as_ref().map_or(0, |v| field::bool::encoded_len($n, v))
    };
    (enumeration, $n:literal, $v:expr) => {
        $v.as_ref()
            .map_or(0, |v| field::enumeration::encoded_len($n, v))
    };
    (message, $n:literal, $v:expr) => {
        $v.as_ref()
            .map_or(0, |v| field::message::encoded_len($n, v))
    };
    (repeated_string, $n:literal, $v:expr) => {
        field::string::encoded_len_repeated($n, $v)
    };
    (repeated_int32, $n:literal, $v:expr) => {
        field::int32::encoded_len_repeated($n, $v)
    };
    (packed_int32, $n:literal, $v:expr) => {
        field::int32::encoded_len_packed($n, $v)
    };
    (repeated_message, $n:literal, $v:expr) => {
        field::message::encoded_len_repeated($n, $v)
    };
}

macro_rules! merge_field {
    (string, $wt:expr, $v:expr, $r:expr) => {
        field::string::merge($wt, $v.get_or_insert_with(Default::default), $r)
    };
    (bytes, $wt:expr, $v:expr, $r:expr) => {
        field::bytes::merge($wt, $v.get_or_insert_with(Default::default), $r)
    };
    (int32, $wt:expr, $v:expr, $r:expr) => {
        field::int32::merge($wt, $v.get_or_insert(0), $r)
    };
    (int64, $wt:expr, $v:expr, $r:expr) => {
        field::int64::merge($wt, $v.get_or_insert(0), $r)
    };
    (uint64, $wt:expr, $v:expr, $r:expr) => {
        field::uint64::merge($wt, $v.get_or_insert(0), $r)
    };
    (double, $wt:expr, $v:expr, $r:expr) => {
        field::double::merge($wt, $v.get_or_insert(0.0), $r)
    };
    (boolean, $wt:expr, $v:expr, $r:expr) => {
        field::bool::merge($wt, $v.get_or_insert(false), $r)
    };
    (enumeration, $wt:expr, $v:expr, $r:expr) => {
        field::enumeration::merge($wt, $v.get_or_insert(0), $r)
    };
    (message, $wt:expr, $v:expr, $r:expr) => {
        field::message::merge($wt, $v.get_or_insert_with(Default::default), $r)
    };
    (repeated_string, $wt:expr, $v:expr, $r:expr) => {
        field::string::merge_repeated($wt, $v, $r)
    };
    (repeated_int32, $wt:expr, $v:expr, $r:expr) => {
        field::int32::merge_repeated($wt, $v, $r)
    };
    (packed_int32, $wt:expr, $v:expr, $r:expr) => {
        field::int32::merge_repeated($wt, $v, $r)
    };
    (repeated_message, $wt:expr, $v:expr, $r:expr) => {
        field::message::merge_repeated($wt, $v, $r)
    };
}

macro_rules! field_type {
    (string) => { Option<String> };
    (bytes) => { Option<Vec<u8>> };
    (int32) => { Option<i32> };
    (int64) => { Option<i64> };
    (uint64) => { Option<u64> };
    (double) => { Option<f64> };
    (boolean) => { Option<bool> };
    (enumeration) => { Option<i32> };
    (message $t:ty) => { Option<$t> };
    (repeated_string) => { Vec<String> };
    (repeated_int32) => { Vec<i32> };
    (packed_int32) => { Vec<i32> };
    (repeated_message $t:ty) => { Vec<$t> };
}

/// Declares a descriptor.proto message: a struct with one public field per
/// protobuf field (listed in field-number order) plus its unknown fields,
/// and its [`Message`] implementation.
macro_rules! descriptor_message {
    ($(#[$doc:meta])* $name:ident {
        $( $(#[$fdoc:meta])* $num:literal => $field:ident : $kind:ident $(<$t:ty>)? ),* $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: field_type!($kind $($t)?), )*
            /// Fields this definition does not know, re-emitted as read.
            pub unknown: UnknownFields,
        }

        impl Message for $name {
            fn encode_raw(&self, buf: &mut Vec<u8>) {
                $( encode_field!($kind, $num, &self.$field, buf); )*
                self.unknown.encode_raw(buf);
            }

            fn encoded_len(&self) -> usize {
                0 $( + field_len!($kind, $num, &self.$field) )* + self.unknown.encoded_len()
            }

            fn merge_field(&mut self, number: u32, wire_type: WireType, r: &mut Reader<'_>) -> Result<(), DecodeError> {
                match number {
                    $( $num => merge_field!($kind, wire_type, &mut self.$field, r), )*
                    _ => self.unknown.merge_field(number, wire_type, r),
                }
            }

            fn clear(&mut self) {
                *self = Self::default();
            }
        }
    };
}

/// An options message (`FileOptions`, `FieldOptions`, ...), kept as its
/// encoded fields in field-number order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// The encoded fields.
    pub fields: UnknownFields,
}

impl Options {
    /// The last value of bool field `number`, if present (last one wins).
    pub fn bool_field(&self, number: u32) -> Option<bool> {
        self.fields
            .iter()
            .filter(|f| f.field == number)
            .filter_map(|f| match f.value {
                UnknownValue::Varint(v) => Some(v != 0),
                _ => None,
            })
            .last()
    }
}

impl Message for Options {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        self.fields.encode_raw(buf);
    }

    fn encoded_len(&self) -> usize {
        self.fields.encoded_len()
    }

    fn merge_field(
        &mut self,
        number: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        self.fields.merge_field(number, wire_type, r)
    }

    fn clear(&mut self) {
        self.fields.clear();
    }
}

descriptor_message!(
    /// `google.protobuf.FileDescriptorSet`: what `protoc --descriptor_set_out` writes.
    FileDescriptorSet {
        /// The files, dependencies first.
        1 => file: repeated_message<FileDescriptorProto>,
    }
);

descriptor_message!(
    /// `google.protobuf.FileDescriptorProto`: one `.proto` file.
    FileDescriptorProto {
        /// The file name, relative to the include path.
        1 => name: string,
        /// The package.
        2 => package: string,
        /// Imported file names.
        3 => dependency: repeated_string,
        /// Top-level messages.
        4 => message_type: repeated_message<DescriptorProto>,
        /// Top-level enums.
        5 => enum_type: repeated_message<EnumDescriptorProto>,
        /// Services.
        6 => service: repeated_message<ServiceDescriptorProto>,
        /// Top-level extensions.
        7 => extension: repeated_message<FieldDescriptorProto>,
        /// File options.
        8 => options: message<Options>,
        /// Positions and comments.
        9 => source_code_info: message<SourceCodeInfo>,
        /// Indexes into `dependency` of public imports.
        10 => public_dependency: repeated_int32,
        /// Indexes into `dependency` of weak imports.
        11 => weak_dependency: repeated_int32,
        /// "proto3", or absent for proto2.
        12 => syntax: string,
    }
);

descriptor_message!(
    /// `google.protobuf.DescriptorProto.ExtensionRange`: `start` inclusive, `end` exclusive.
    ExtensionRange {
        /// First number.
        1 => start: int32,
        /// One past the last number.
        2 => end: int32,
        /// Range options.
        3 => options: message<Options>,
    }
);

descriptor_message!(
    /// `google.protobuf.DescriptorProto.ReservedRange`: `start` inclusive, `end` exclusive.
    ReservedRange {
        /// First number.
        1 => start: int32,
        /// One past the last number.
        2 => end: int32,
    }
);

descriptor_message!(
    /// `google.protobuf.DescriptorProto`: a message type.
    DescriptorProto {
        /// Short name.
        1 => name: string,
        /// Fields.
        2 => field: repeated_message<FieldDescriptorProto>,
        /// Nested messages.
        3 => nested_type: repeated_message<DescriptorProto>,
        /// Nested enums.
        4 => enum_type: repeated_message<EnumDescriptorProto>,
        /// Extension ranges.
        5 => extension_range: repeated_message<ExtensionRange>,
        /// Nested extensions.
        6 => extension: repeated_message<FieldDescriptorProto>,
        /// Message options.
        7 => options: message<Options>,
        /// Oneofs.
        8 => oneof_decl: repeated_message<OneofDescriptorProto>,
        /// Reserved number ranges.
        9 => reserved_range: repeated_message<ReservedRange>,
        /// Reserved names.
        10 => reserved_name: repeated_string,
    }
);

descriptor_message!(
    /// `google.protobuf.FieldDescriptorProto`: a field or extension.
    FieldDescriptorProto {
        /// Name.
        1 => name: string,
        /// For extensions, the extended message (`.pkg.Msg`).
        2 => extendee: string,
        /// Number.
        3 => number: int32,
        /// `Label` value: 1 optional, 2 required, 3 repeated.
        4 => label: enumeration,
        /// `Type` value (1 double ... 18 sint64).
        5 => r#type: enumeration,
        /// For message, group and enum types: `.pkg.Type`.
        6 => type_name: string,
        /// The default, as protoc prints it.
        7 => default_value: string,
        /// Field options.
        8 => options: message<Options>,
        /// Index of the containing oneof.
        9 => oneof_index: int32,
        /// JSON name.
        10 => json_name: string,
        /// A proto3 `optional` field.
        17 => proto3_optional: boolean,
    }
);

descriptor_message!(
    /// `google.protobuf.OneofDescriptorProto`.
    OneofDescriptorProto {
        /// Name.
        1 => name: string,
        /// Oneof options.
        2 => options: message<Options>,
    }
);

descriptor_message!(
    /// `google.protobuf.EnumDescriptorProto.EnumReservedRange`: both ends inclusive.
    EnumReservedRange {
        /// First number.
        1 => start: int32,
        /// Last number (inclusive).
        2 => end: int32,
    }
);

descriptor_message!(
    /// `google.protobuf.EnumDescriptorProto`.
    EnumDescriptorProto {
        /// Name.
        1 => name: string,
        /// Values.
        2 => value: repeated_message<EnumValueDescriptorProto>,
        /// Enum options.
        3 => options: message<Options>,
        /// Reserved ranges.
        4 => reserved_range: repeated_message<EnumReservedRange>,
        /// Reserved names.
        5 => reserved_name: repeated_string,
    }
);

descriptor_message!(
    /// `google.protobuf.EnumValueDescriptorProto`.
    EnumValueDescriptorProto {
        /// Name.
        1 => name: string,
        /// Number.
        2 => number: int32,
        /// Value options.
        3 => options: message<Options>,
    }
);

descriptor_message!(
    /// `google.protobuf.ServiceDescriptorProto`.
    ServiceDescriptorProto {
        /// Name.
        1 => name: string,
        /// Methods.
        2 => method: repeated_message<MethodDescriptorProto>,
        /// Service options.
        3 => options: message<Options>,
    }
);

descriptor_message!(
    /// `google.protobuf.MethodDescriptorProto`.
    MethodDescriptorProto {
        /// Name.
        1 => name: string,
        /// Request type, `.pkg.Msg`.
        2 => input_type: string,
        /// Response type, `.pkg.Msg`.
        3 => output_type: string,
        /// Method options.
        4 => options: message<Options>,
        /// `stream` request.
        5 => client_streaming: boolean,
        /// `stream` response.
        6 => server_streaming: boolean,
    }
);

descriptor_message!(
    /// `google.protobuf.SourceCodeInfo`: where each element is and its comments.
    SourceCodeInfo {
        /// One per element.
        1 => location: repeated_message<Location>,
    }
);

descriptor_message!(
    /// `google.protobuf.SourceCodeInfo.Location`.
    Location {
        /// Path of field numbers and indexes from the FileDescriptorProto to the element.
        1 => path: packed_int32,
        /// `[start line, start column, end line, end column]` (or 3 items when on one line), 0-based.
        2 => span: packed_int32,
        /// Comment directly above.
        3 => leading_comments: string,
        /// Comment after.
        4 => trailing_comments: string,
        /// Detached paragraphs above.
        6 => leading_detached_comments: repeated_string,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_file() {
        let f = FileDescriptorProto {
            name: Some("a.proto".into()),
            message_type: vec![DescriptorProto {
                name: Some("M".into()),
                field: vec![FieldDescriptorProto {
                    name: Some("x".into()),
                    number: Some(1),
                    label: Some(1),
                    r#type: Some(5),
                    json_name: Some("x".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            syntax: Some("proto3".into()),
            ..Default::default()
        };
        let bytes = f.encode_to_vec();
        assert_eq!(
            bytes,
            b"\x0a\x07a.proto\x22\x11\x0a\x01M\x12\x0c\x0a\x01x\x18\x01\x20\x01\x28\x05\x52\x01x\x62\x06proto3"
        );
        assert_eq!(FileDescriptorProto::decode(&bytes), Ok(f));
    }

    #[test]
    fn options_read_bools() {
        let mut o = Options::default();
        o.fields.push_varint(2, 1);
        o.fields.push_varint(3, 0);
        assert_eq!(o.bool_field(2), Some(true));
        assert_eq!(o.bool_field(3), Some(false));
        assert_eq!(o.bool_field(7), None);
    }
}
