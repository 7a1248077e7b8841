//! Frame padding (RFC 9113 §6.1, §6.2, §6.6): an optional Pad Length octet in
//! front and that many zero octets at the end, hiding the size of the content.

use bytes::Bytes;

use crate::h2::frame::{flags, FrameHeader, H2Error};
use crate::h2::ErrorCode;

/// Splits a PADDED payload into its pad length and the octets between the Pad
/// Length field and the padding. `fixed` is the number of octets of mandatory
/// fields the content must still hold (5 for HEADERS priority, 4 for the
/// promised stream id).
///
/// Both errors are connection errors: every padded frame type either carries a
/// field block or is DATA, which counts against the connection window (§4.2).
pub(crate) fn split_padding(
    header: &FrameHeader,
    payload: Bytes,
    fixed: usize,
) -> Result<(Option<u8>, Bytes), H2Error> {
    if !header.has(flags::PADDED) {
        if payload.len() < fixed {
            return Err(H2Error::connection(
                ErrorCode::FrameSizeError,
                "frame too short for its mandatory fields",
            ));
        }
        return Ok((None, payload));
    }
    let Some(&pad_len) = payload.first() else {
        return Err(H2Error::connection(
            ErrorCode::FrameSizeError,
            "PADDED frame has no Pad Length octet",
        ));
    };
    let after_pad_octet = payload.len() - 1;
    if after_pad_octet < fixed {
        return Err(H2Error::connection(
            ErrorCode::FrameSizeError,
            "frame too short for its mandatory fields",
        ));
    }
    // "If the length of the padding is the length of the frame payload or
    // greater, the recipient MUST treat this as a connection error ... of type
    // PROTOCOL_ERROR" (§6.1); padding over the mandatory fields is the same fault.
    if usize::from(pad_len) > after_pad_octet - fixed {
        return Err(H2Error::connection(
            ErrorCode::ProtocolError,
            "Pad Length leaves no room for the frame content",
        ));
    }
    let end = payload.len() - usize::from(pad_len);
    Ok((Some(pad_len), payload.slice(1..end)))
}

/// The octets padding adds to a payload: the Pad Length field and the padding.
pub(crate) fn padding_overhead(pad_len: Option<u8>) -> u32 {
    pad_len.map_or(0, |n| 1 + u32::from(n))
}

/// Appends `pad_len` zero octets; "Padding octets MUST be set to zero when
/// sending" (§6.1).
pub(crate) fn write_padding(pad_len: Option<u8>, dst: &mut Vec<u8>) {
    if let Some(n) = pad_len {
        dst.resize(dst.len() + usize::from(n), 0);
    }
}
