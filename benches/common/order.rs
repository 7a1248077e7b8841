//! A representative gRPC payload, with its `Message` implementation written
//! by hand exactly as generated code would be.
//!
//! ```proto
//! syntax = "proto3";
//! package bench;
//!
//! enum OrderStatus {
//!   ORDER_STATUS_UNSPECIFIED = 0;
//!   ORDER_STATUS_PAID = 1;
//!   ORDER_STATUS_SHIPPED = 2;
//! }
//!
//! message LineItem {
//!   string sku = 1;
//!   uint32 quantity = 2;
//!   int64 unit_price_micros = 3;
//! }
//!
//! message Order {
//!   string id = 1;
//!   string customer_email = 2;
//!   int32 priority = 3;
//!   int64 created_unix_ms = 4;
//!   uint64 total_micros = 5;
//!   sint64 balance_delta_micros = 6;
//!   sint32 timezone_offset_minutes = 7;
//!   bool gift = 8;
//!   bool express = 9;
//!   OrderStatus status = 10;
//!   repeated int32 warehouse_ids = 11;   // packed, as proto3 does by default
//!   repeated LineItem items = 12;
//!   bytes signature = 13;
//!   map<string, string> labels = 14;
//!   string note = 15;
//! }
//! ```

use std::collections::BTreeMap;

use grpclite::wire::field::{self, Str};
use grpclite::wire::{DecodeError, Message, Reader, UnknownFields, WireType};

/// `bench.OrderStatus` values.
pub mod order_status {
    /// `ORDER_STATUS_PAID`.
    pub const PAID: i32 = 1;
}

/// `bench.LineItem`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineItem {
    /// Field 1.
    pub sku: String,
    /// Field 2.
    pub quantity: u32,
    /// Field 3.
    pub unit_price_micros: i64,
    /// Fields this schema does not know.
    pub unknown: UnknownFields,
}

impl Message for LineItem {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        if !field::string::is_default(&self.sku) {
            field::string::encode(1, &self.sku, buf);
        }
        if !field::uint32::is_default(&self.quantity) {
            field::uint32::encode(2, &self.quantity, buf);
        }
        if !field::int64::is_default(&self.unit_price_micros) {
            field::int64::encode(3, &self.unit_price_micros, buf);
        }
        self.unknown.encode_raw(buf);
    }

    fn encoded_len(&self) -> usize {
        let mut len = 0;
        if !field::string::is_default(&self.sku) {
            len += field::string::encoded_len(1, &self.sku);
        }
        if !field::uint32::is_default(&self.quantity) {
            len += field::uint32::encoded_len(2, &self.quantity);
        }
        if !field::int64::is_default(&self.unit_price_micros) {
            len += field::int64::encoded_len(3, &self.unit_price_micros);
        }
        len + self.unknown.encoded_len()
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match field {
            1 => field::string::merge(wire_type, &mut self.sku, r),
            2 => field::uint32::merge(wire_type, &mut self.quantity, r),
            3 => field::int64::merge(wire_type, &mut self.unit_price_micros, r),
            _ => self.unknown.merge_field(field, wire_type, r),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `bench.Order`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Order {
    /// Field 1.
    pub id: String,
    /// Field 2.
    pub customer_email: String,
    /// Field 3.
    pub priority: i32,
    /// Field 4.
    pub created_unix_ms: i64,
    /// Field 5.
    pub total_micros: u64,
    /// Field 6.
    pub balance_delta_micros: i64,
    /// Field 7.
    pub timezone_offset_minutes: i32,
    /// Field 8.
    pub gift: bool,
    /// Field 9.
    pub express: bool,
    /// Field 10, an `OrderStatus`.
    pub status: i32,
    /// Field 11.
    pub warehouse_ids: Vec<i32>,
    /// Field 12.
    pub items: Vec<LineItem>,
    /// Field 13.
    pub signature: Vec<u8>,
    /// Field 14; ordered, so its entries are written in key order.
    pub labels: BTreeMap<String, String>,
    /// Field 15.
    pub note: String,
    /// Fields this schema does not know.
    pub unknown: UnknownFields,
}

impl Message for Order {
    fn encode_raw(&self, buf: &mut Vec<u8>) {
        if !field::string::is_default(&self.id) {
            field::string::encode(1, &self.id, buf);
        }
        if !field::string::is_default(&self.customer_email) {
            field::string::encode(2, &self.customer_email, buf);
        }
        if !field::int32::is_default(&self.priority) {
            field::int32::encode(3, &self.priority, buf);
        }
        if !field::int64::is_default(&self.created_unix_ms) {
            field::int64::encode(4, &self.created_unix_ms, buf);
        }
        if !field::uint64::is_default(&self.total_micros) {
            field::uint64::encode(5, &self.total_micros, buf);
        }
        if !field::sint64::is_default(&self.balance_delta_micros) {
            field::sint64::encode(6, &self.balance_delta_micros, buf);
        }
        if !field::sint32::is_default(&self.timezone_offset_minutes) {
            field::sint32::encode(7, &self.timezone_offset_minutes, buf);
        }
        if !field::bool::is_default(&self.gift) {
            field::bool::encode(8, &self.gift, buf);
        }
        if !field::bool::is_default(&self.express) {
            field::bool::encode(9, &self.express, buf);
        }
        if !field::enumeration::is_default(&self.status) {
            field::enumeration::encode(10, &self.status, buf);
        }
        field::int32::encode_packed(11, &self.warehouse_ids, buf);
        field::message::encode_repeated(12, &self.items, buf);
        if !field::bytes::is_default(&self.signature) {
            field::bytes::encode(13, &self.signature, buf);
        }
        field::map::encode::<Str, Str, _>(14, &self.labels, buf);
        if !field::string::is_default(&self.note) {
            field::string::encode(15, &self.note, buf);
        }
        self.unknown.encode_raw(buf);
    }

    fn encoded_len(&self) -> usize {
        let mut len = 0;
        if !field::string::is_default(&self.id) {
            len += field::string::encoded_len(1, &self.id);
        }
        if !field::string::is_default(&self.customer_email) {
            len += field::string::encoded_len(2, &self.customer_email);
        }
        if !field::int32::is_default(&self.priority) {
            len += field::int32::encoded_len(3, &self.priority);
        }
        if !field::int64::is_default(&self.created_unix_ms) {
            len += field::int64::encoded_len(4, &self.created_unix_ms);
        }
        if !field::uint64::is_default(&self.total_micros) {
            len += field::uint64::encoded_len(5, &self.total_micros);
        }
        if !field::sint64::is_default(&self.balance_delta_micros) {
            len += field::sint64::encoded_len(6, &self.balance_delta_micros);
        }
        if !field::sint32::is_default(&self.timezone_offset_minutes) {
            len += field::sint32::encoded_len(7, &self.timezone_offset_minutes);
        }
        if !field::bool::is_default(&self.gift) {
            len += field::bool::encoded_len(8, &self.gift);
        }
        if !field::bool::is_default(&self.express) {
            len += field::bool::encoded_len(9, &self.express);
        }
        if !field::enumeration::is_default(&self.status) {
            len += field::enumeration::encoded_len(10, &self.status);
        }
        len += field::int32::encoded_len_packed(11, &self.warehouse_ids);
        len += field::message::encoded_len_repeated(12, &self.items);
        if !field::bytes::is_default(&self.signature) {
            len += field::bytes::encoded_len(13, &self.signature);
        }
        len += field::map::encoded_len::<Str, Str, _>(14, &self.labels);
        if !field::string::is_default(&self.note) {
            len += field::string::encoded_len(15, &self.note);
        }
        len + self.unknown.encoded_len()
    }

    fn merge_field(
        &mut self,
        field: u32,
        wire_type: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match field {
            1 => field::string::merge(wire_type, &mut self.id, r),
            2 => field::string::merge(wire_type, &mut self.customer_email, r),
            3 => field::int32::merge(wire_type, &mut self.priority, r),
            4 => field::int64::merge(wire_type, &mut self.created_unix_ms, r),
            5 => field::uint64::merge(wire_type, &mut self.total_micros, r),
            6 => field::sint64::merge(wire_type, &mut self.balance_delta_micros, r),
            7 => field::sint32::merge(wire_type, &mut self.timezone_offset_minutes, r),
            8 => field::bool::merge(wire_type, &mut self.gift, r),
            9 => field::bool::merge(wire_type, &mut self.express, r),
            10 => field::enumeration::merge(wire_type, &mut self.status, r),
            11 => field::int32::merge_repeated(wire_type, &mut self.warehouse_ids, r),
            12 => field::message::merge_repeated(wire_type, &mut self.items, r),
            13 => field::bytes::merge(wire_type, &mut self.signature, r),
            14 => {
                let (key, value) = field::map::merge_entry::<Str, Str>(wire_type, r)?;
                self.labels.insert(key, value);
                Ok(())
            }
            15 => field::string::merge(wire_type, &mut self.note, r),
            _ => self.unknown.merge_field(field, wire_type, r),
        }
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

impl Order {
    /// The message every wire benchmark encodes and decodes: about 500
    /// octets, the size of a typical unary request or response.
    pub fn sample() -> Self {
        let items = [
            ("SKU-4411-BLK-M", 2, 19_990_000),
            ("SKU-0932-WHT-L", 1, 54_500_000),
            ("SKU-7781-RED-S", 3, 7_250_000),
            ("SKU-1204-GRN-XL", 1, 129_000_000),
        ]
        .into_iter()
        .map(|(sku, quantity, unit_price_micros)| LineItem {
            sku: sku.to_string(),
            quantity,
            unit_price_micros,
            unknown: UnknownFields::default(),
        })
        .collect();
        let labels = [
            ("channel", "mobile-app"),
            ("region", "eu-west-1"),
            ("campaign", "black-friday-2026"),
            ("tenant", "acme-retail"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
        Self {
            id: "ord-2026-11-24-000123456".to_string(),
            customer_email: "jane.doe@example.com".to_string(),
            priority: 3,
            created_unix_ms: 1_795_996_800_123,
            total_micros: 367_730_000,
            balance_delta_micros: -12_500_000,
            timezone_offset_minutes: -300,
            gift: true,
            express: false,
            status: order_status::PAID,
            warehouse_ids: vec![12, 7, 301, 45, 9, 1024, 3, 88],
            items,
            // An Ed25519-sized signature and some framing: 100 octets.
            signature: (0..100u32).map(|i| (i * 37 + 11) as u8).collect(),
            labels,
            note: "Leave at the front desk; call on arrival.".to_string(),
            unknown: UnknownFields::default(),
        }
    }
}
