//! The application's API: client channels and call handles (blocking and
//! polling), built only from the public methods of `net` and `grpc`.

mod call;
mod channel;
mod client_config;
mod client_session;

pub use call::{Call, CallOptions, RawCall, Response, ServerStream};
pub use channel::{
    Channel, ChannelBuilder, ChannelError, PollingChannel, SendRefused, Target, IO_THREAD_NAME,
};
pub use client_config::{Backoff, ClientConfig, Interceptor, Keepalive};
pub use client_session::{CallId, ClientSession};
