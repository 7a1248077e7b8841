//! The driver: a mio event loop that owns sockets, TLS and timers and feeds the sans-IO core.
