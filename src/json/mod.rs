//! A small strict JSON (RFC 8259) reader and writer, used by ProtoJSON and the test vectors.
