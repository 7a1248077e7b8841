//! HPACK header compression (RFC 7541): a sans-IO encoder and decoder.
