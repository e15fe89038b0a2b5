//! The JSON arguments and results that hold secrets: the card, the resume secrets and the
//! secret parts of an outcome. Secrets are read straight into zeroizing types (never through a
//! `serde_json::Value`), and written into one zeroizing string.

use agentic_core::journey::Outcome;
use agentic_core::juspay_vat::FetchPaymentCredentialsResponse;
use agentic_core::secret::SecretText;
use agentic_core::visa_page::AssuranceData;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::boundary::{CError, DataError, parse_json};
use crate::engine::{CardFields, CardSource, ResumeSecrets, SavedCard, Secret};
use crate::error::AgenticError;

/// `card_json`: card details or a Juspay card token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardJson {
    number: Option<Secret>,
    exp_month: Option<Secret>,
    exp_year: Option<Secret>,
    security_code: Option<Secret>,
    name_on_card: Option<String>,
    token: Option<Secret>,
}

impl CardJson {
    fn into_source(self, argument: &str) -> Result<CardSource, AgenticError> {
        let refused = || AgenticError::InvalidInput {
            field: argument.to_owned(),
            problem: "give either `number`, `exp_month`, `exp_year` and `security_code`, or a \
                      card `token` (with `security_code` when the token needs one)"
                .to_owned(),
        };
        match self {
            Self {
                token: Some(token),
                number: None,
                exp_month: None,
                exp_year: None,
                name_on_card: None,
                security_code,
            } => Ok(CardSource::Saved(SavedCard {
                token,
                security_code,
            })),
            Self {
                token: None,
                number: Some(number),
                exp_month: Some(exp_month),
                exp_year: Some(exp_year),
                security_code: Some(security_code),
                name_on_card,
            } => Ok(CardSource::Details(CardFields {
                number,
                exp_month,
                exp_year,
                security_code,
                name_on_card,
            })),
            _ => Err(refused()),
        }
    }
}

/// Reads `card_json`.
pub fn card(text: &str) -> Result<CardSource, CError> {
    let card: CardJson = parse_json(text, "card_json", DataError::Input)?;
    Ok(card.into_source("card_json")?)
}

/// `secrets_json` of a resume.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeJson {
    card: Option<CardJson>,
    secure_token: Option<Secret>,
    visa_payload: Option<Secret>,
    fido_blob: Option<Secret>,
    otp: Option<Secret>,
    issuer_auth_code: Option<Secret>,
    credentials: Option<FetchPaymentCredentialsResponse>,
    assurance: Option<AssuranceJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssuranceJson {
    fido_blob: Secret,
    identifier: Option<String>,
    rp_id: Option<String>,
}

/// Reads `secrets_json`.
pub fn resume(text: &str) -> Result<ResumeSecrets, CError> {
    let parsed: ResumeJson = parse_json(text, "secrets_json", DataError::Input)?;
    let mut secrets = ResumeSecrets {
        secure_token: parsed.secure_token,
        visa_payload: parsed.visa_payload,
        fido_blob: parsed.fido_blob,
        otp: parsed.otp,
        issuer_auth_code: parsed.issuer_auth_code,
        credentials: parsed.credentials,
        ..ResumeSecrets::default()
    };
    match parsed.card.map(|c| c.into_source("card")).transpose()? {
        Some(CardSource::Details(card)) => secrets.card = Some(card),
        Some(CardSource::Saved(saved)) => secrets.saved_card = Some(saved),
        None => {}
    }
    if let Some(assurance) = parsed.assurance {
        secrets.assurance = Some(AssuranceData {
            fido_blob: assurance.fido_blob.fido_blob()?,
            identifier: assurance.identifier,
            rp_id: assurance.rp_id,
        });
    }
    Ok(secrets)
}

/// The secret parts of an outcome (`agentic_session_outcome_secrets`).
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutcomeSecrets<'a> {
    Enrolled,
    Authorised {
        token_number: Option<&'a str>,
        expiry_month: Option<&'a str>,
        expiry_year: Option<&'a str>,
        cryptogram: Option<&'a str>,
        dynamic_data_type: Option<&'a str>,
        transaction_reference: Option<&'a str>,
        status: Option<&'a str>,
        raw: &'a serde_json::Value,
    },
    Paid,
    PasskeyVerified {
        fido_blob: &'a str,
        identifier: Option<&'a str>,
        rp_id: Option<&'a str>,
    },
}

/// The JSON of [`OutcomeSecrets`], in a string that is zeroed when dropped.
pub fn outcome(outcome: &Outcome) -> Result<Zeroizing<String>, CError> {
    let view = match outcome {
        Outcome::Enrolled { .. } => OutcomeSecrets::Enrolled,
        Outcome::Authorised { credentials: c } => OutcomeSecrets::Authorised {
            token_number: c.token_number.as_ref().map(SecretText::expose_secret),
            expiry_month: c.expiry_month.as_ref().map(SecretText::expose_secret),
            expiry_year: c.expiry_year.as_ref().map(SecretText::expose_secret),
            cryptogram: c.cryptogram.as_ref().map(SecretText::expose_secret),
            dynamic_data_type: c.dynamic_data_type.as_ref().map(|d| d.as_str()),
            transaction_reference: c.transaction_reference.as_deref(),
            status: c.status.as_ref().map(|s| s.as_str()),
            raw: c.raw.expose(),
        },
        Outcome::Paid { .. } => OutcomeSecrets::Paid,
        Outcome::PasskeyVerified { assurance, .. } => OutcomeSecrets::PasskeyVerified {
            fido_blob: assurance.fido_blob.expose_secret(),
            identifier: assurance.identifier.as_deref(),
            rp_id: assurance.rp_id.as_deref(),
        },
    };
    secret_json(&view)
}

/// Counts the bytes written to it.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `value` as JSON in one exact allocation (measured first), so that no reallocation leaves an
/// unzeroed copy of a secret in freed memory.
fn secret_json(value: &impl Serialize) -> Result<Zeroizing<String>, CError> {
    let failed = || CError::internal("the outcome's secrets could not be written as JSON");
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value).map_err(|_| failed())?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *bytes, value).map_err(|_| failed())?;
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|_| failed())?;
    Ok(Zeroizing::new(text))
}
