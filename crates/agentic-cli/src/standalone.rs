//! `agentic sandbox`: the simulator as a standalone server for app developers. It prints its URL
//! (first line), the sandbox's test credentials — sandbox-only values, printed on purpose — and
//! the magic-value cheat sheet, then serves until the process is killed or, with
//! `--until-stdin-closes`, until standard input reaches end of file.

use std::io::{self, Read, Write};

use agentic_sandbox::{Sandbox, SandboxConfig, magic};

/// The first line: `agentic sandbox listening on http://127.0.0.1:PORT`.
pub fn listening_line(base_url: &str) -> String {
    format!("agentic sandbox listening on {base_url}")
}

/// Everything printed after the first line: credentials, page, admin routes, magic values.
pub fn cheat_sheet(base_url: &str, config: &SandboxConfig) -> String {
    let page = format!("{base_url}{}", agentic_sandbox::page::PAGE_PATH);
    format!(
        "\
Use it with the real-account commands (`agentic pay --env {base_url}` …) or your app.
Test credentials (sandbox only):
  export AGENTIC_JUSPAY_API_KEY={api_key}
  export AGENTIC_JUSPAY_MERCHANT_ID={merchant_id}
  export AGENTIC_JUSPAY_ROUTING_ID=customer_1   # any id; repeat it for every call of an order
  export AGENTIC_VISA_MERCHANT_ID={visa_merchant_id}
  export AGENTIC_VISA_KEY_ID={visa_key_id}
  export AGENTIC_VISA_SHARED_SECRET={visa_shared_secret}
Visa auth page: {page} (origin {base_url})
  headless: POST {base_url}/__sandbox/visa-page/session  (CREATE_AUTH_SESSION → AUTH_SESSION_CREATED)
            POST {base_url}/__sandbox/visa-page/ceremony (AUTHENTICATE → AUTH_COMPLETE)
Admin: GET {base_url}/__sandbox/counters, GET {base_url}/__sandbox/calls, GET|POST|DELETE {base_url}/__sandbox/faults
Magic values:
  OTP (every challenge)           {right_otp}; any other well-formed OTP is wrong
  Juspay VAT cards (tokenize)     {challenged} device binding CHALLENGED (step-up); {approved} APPROVED
                                  any future expiry (MM, YY), any 3- or 4-digit CVV
  Juspay VAT step-up method       {delivery_fails} fails OTP delivery
  Juspay EC cards (/txns)         {native} native OTP; {fallback} 3-D Secure fallback (redirect)
  Juspay EC order amounts         {auth_failed} ends AUTHORIZATION_FAILED; {declined} ends JUSPAY_DECLINED
  Juspay EC limits                {ec_attempts} wrong OTPs end AUTHENTICATION_FAILED; {ec_sends} OTP sends per challenge
  Visa Acceptance tokens          {registered} AUTHENTICATE; {approved_token} AUTHENTICATION_REGISTRATION;
                                  any other ({challenged_token}) STEP_UP_AUTHENTICATE
  Visa Acceptance issuer app code {issuer_code}
  OTP limits (VAT, Visa Acc.)     {max_verifications} entries, {max_requests} sends per method, expiry {expiry} minutes
  Card tokens (ctkn_…)            expire after {ttl} minutes",
        api_key = config.api_key,
        merchant_id = config.merchant_id,
        visa_merchant_id = config.visa_merchant_id,
        visa_key_id = config.visa_key_id,
        visa_shared_secret = config.visa_shared_secret,
        right_otp = magic::RIGHT_OTP,
        challenged = magic::CARD_CHALLENGED,
        approved = magic::CARD_APPROVED,
        delivery_fails = magic::METHOD_DELIVERY_FAILS,
        native = magic::CARD_NATIVE_OTP,
        fallback = magic::CARD_3DS_FALLBACK,
        auth_failed = magic::AMOUNT_AUTHORIZATION_FAILED,
        declined = magic::AMOUNT_JUSPAY_DECLINED,
        ec_attempts = magic::EC_MAX_ATTEMPTS,
        ec_sends = magic::EC_MAX_OTP_SENDS,
        registered = magic::TOKEN_REGISTERED,
        approved_token = magic::TOKEN_APPROVED,
        challenged_token = magic::TOKEN_CHALLENGED,
        issuer_code = agentic_sandbox::visa_acceptance::RIGHT_ISSUER_AUTH_CODE,
        max_verifications = magic::MAX_OTP_VERIFICATIONS,
        max_requests = magic::MAX_OTP_REQUESTS,
        expiry = magic::OTP_EXPIRY_MINUTES,
        ttl = magic::CARD_TOKEN_TTL_MS / 60_000,
    )
}

/// When the standalone sandbox stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// When the process is killed (SIGINT, SIGTERM).
    Killed,
    /// When standard input reaches end of file (then it shuts down cleanly).
    StdinCloses,
}

/// Starts the sandbox on `addr`, prints the URL and the cheat sheet to `out`, and serves.
///
/// # Errors
/// When the address cannot be bound or `out` fails.
pub fn run(addr: &str, until: Until, out: &mut dyn Write) -> io::Result<()> {
    let sandbox = Sandbox::start_with(SandboxConfig::default(), addr)?;
    let base = sandbox.base_url();
    writeln!(out, "{}", listening_line(&base))?;
    writeln!(out, "{}", cheat_sheet(&base, sandbox.config()))?;
    match until {
        Until::StdinCloses => {
            writeln!(out, "Serving until standard input closes.")?;
            out.flush()?;
            // Whatever arrives on stdin is ignored; end of file (or a read error) stops it.
            let mut stdin = io::stdin().lock();
            let mut buffer = [0_u8; 256];
            loop {
                match stdin.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            sandbox.shutdown();
            writeln!(out, "agentic sandbox stopped")?;
            out.flush()?;
            Ok(())
        }
        Until::Killed => {
            writeln!(out, "Serving until interrupted (Ctrl-C).")?;
            out.flush()?;
            loop {
                std::thread::park();
            }
        }
    }
}
