#![doc = include_str!("../README.md")]

pub mod auth;
pub mod config;
pub mod driver;
#[cfg(feature = "ureq")]
mod system_tls;
pub mod transport;
#[cfg(feature = "ureq")]
pub mod ureq_transport;

pub use config::{ClientConfig, ConfigError};
pub use driver::{Client, ClientBuildError, Clock, DriverError, Stop, SystemClock};
pub use transport::{Header, HeaderValue, Timeouts, Transport, TransportError, WireRequest};
