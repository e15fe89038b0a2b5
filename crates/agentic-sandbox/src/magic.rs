//! Magic values that force every branch. The README's cheat sheet lists the same table; the
//! CLI prints it. Anything not listed takes the ordinary (successful) path.

/// The OTP every challenge accepts, as in Visa's own sandbox. Any other well-formed OTP is wrong.
pub const RIGHT_OTP: &str = "456789";

/// Juspay VAT / tokenize: a card whose device binding the issuer challenges (step-up needed).
pub const CARD_CHALLENGED: &str = "4242424242424242";
/// Juspay VAT / tokenize: a card whose device binding is approved (no step-up).
pub const CARD_APPROVED: &str = "4111111111111111";
/// Juspay VAT: choosing this step-up method fails OTP delivery ("selected validation method is
/// not available").
pub const METHOD_DELIVERY_FAILS: &str = "OTPEMAIL";

/// Juspay EC: a card that gets the native OTP challenge.
pub const CARD_NATIVE_OTP: &str = "4242424242424242";
/// Juspay EC: a card whose payment falls back to the 3-D Secure redirect.
pub const CARD_3DS_FALLBACK: &str = "4000000000003220";
/// Juspay EC: an order amount whose payment ends `AUTHORIZATION_FAILED` after the right OTP.
pub const AMOUNT_AUTHORIZATION_FAILED: &str = "13.51";
/// Juspay EC: an order amount whose payment ends `JUSPAY_DECLINED` at `/txns`.
pub const AMOUNT_JUSPAY_DECLINED: &str = "13.52";
/// Juspay EC: wrong OTPs allowed before the payment ends `AUTHENTICATION_FAILED`.
pub const EC_MAX_ATTEMPTS: u32 = 3;
/// Juspay EC: OTP sends allowed per challenge (the first send included).
pub const EC_MAX_OTP_SENDS: u32 = 3;

/// Visa Acceptance: a token whose device is registered (action `AUTHENTICATE`).
pub const TOKEN_REGISTERED: &str = "tkn_registered";
/// Visa Acceptance: a token the issuer approved (action `AUTHENTICATION_REGISTRATION`).
pub const TOKEN_APPROVED: &str = "tkn_approved";
/// Visa Acceptance: any other token is challenged (action `STEP_UP_AUTHENTICATE`).
pub const TOKEN_CHALLENGED: &str = "tkn_challenged";

/// OTP limits of VAT and Visa Acceptance challenges: entries, sends, expiry (minutes).
pub const MAX_OTP_VERIFICATIONS: u32 = 3;
/// See [`MAX_OTP_VERIFICATIONS`].
pub const MAX_OTP_REQUESTS: u32 = 3;
/// See [`MAX_OTP_VERIFICATIONS`].
pub const OTP_EXPIRY_MINUTES: u32 = 5;
/// Juspay temporary card tokens expire after 15 minutes [J-TOKENIZE].
pub const CARD_TOKEN_TTL_MS: u64 = 15 * 60 * 1000;
