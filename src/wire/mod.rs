//! The Protobuf wire format: varints, tags, length-delimited fields and the `Message` trait.
