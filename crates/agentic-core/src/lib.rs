#![doc = include_str!("../README.md")]

pub mod error;
pub mod journey;
pub mod json_path;
pub mod juspay_ec;
pub mod juspay_vat;
pub mod secret;
pub mod step_up;
pub mod validate;
pub mod visa_acceptance;
pub mod visa_page;
pub mod wire;

pub use error::{ApiError, ErrorCategory, Provider, Recovery};
pub use validate::{Amount, CardBin, CurrencyCode, Id, InvalidInput, OrderId, Problem};
pub use wire::{Body, Endpoint, HttpRequest, HttpResponse, Method};
