//! Agentic purchase (Juspay VAT, API.md §2.1 "Purchase", §2.9 B): the cardholder approves a
//! payment with the passkey bound to this device, and the agent receives the payment
//! credentials (network token + cryptogram) to place the order with.
//!
//! 1. **Visa session**: the host opens the Visa auth page and relays its messages
//!    (`AUTH_READY` → `CREATE_AUTH_SESSION` → `AUTH_SESSION_CREATED`), or answers with the
//!    session it obtained itself ([`super::page`]).
//! 2. **Provision AUTHENTICATE** for the amount: `POST /provision-token-passkey` in purchase
//!    mode (`V_PROV_TOKEN_ID`, `PAYMENT` / `AUTHENTICATE`), with `shouldOpenAuthViaPopup` =
//!    the host's popup preference, or `true` when the page reported
//!    `requiresPopupForAuthenticate`. A step-up answer (the issuer challenged the device
//!    binding) or a `REGISTER` answer (no passkey for this device) ends the journey with
//!    [`JourneyFailure::RebindRequired`]: run the enrollment journey again first.
//! 3. **Passkey ceremony** (`AUTHENTICATE`) on the Visa page, in a popup when the host prefers
//!    one or the page requires it (VISA-POPUP: a popup closed during `AUTHENTICATE` is fatal).
//!    `AUTH_COMPLETE` yields the assurance data (`fidoBlob` + `identifier`).
//! 4. **Set up the payment instruction**: `POST /cards/setUpAgenticPaymentInstruction` with the
//!    passkey assurance and the *provisional* mandate (limit, currency, expiry).
//! 5. **Fetch the payment credentials**: `POST /cards/fetchAgenticTransactCreds` with the
//!    transaction details → [`Outcome::Authorised`] with the credentials as secrets.
//!
//! Every page failure (`AUTH_FAILED`, `AUTH_CANCELLED`, `AUTH_NOT_SUPPORTED`,
//! `AUTH_NOT_PERFORMED`, [`Input::PageClosed`]), in the session phase as in the ceremony
//! phase, ends the journey with [`JourneyFailure::Passkey`] `{failure, action: AUTHENTICATE}`.
//!
//! ```mermaid
//! stateDiagram-v2
//!     state "VisaSession (ProvideVisaSession)" as VisaSession
//!     state "PasskeyCeremony (AUTHENTICATE)" as PasskeyCeremony
//!     state "Provision (send)" as Provision
//!     state "SetupInstruction (send)" as SetupInstruction
//!     state "FetchCredentials (send)" as FetchCredentials
//!     [*] --> VisaSession
//!     VisaSession --> VisaSession: AUTH_READY, other page message
//!     VisaSession --> Provision: AUTH_SESSION_CREATED or VisaSession
//!     VisaSession --> Failed: page failure or PageClosed (Passkey)
//!     Provision --> PasskeyCeremony: actionToBePerformed AUTHENTICATE
//!     Provision --> Failed: stepUpResponse or REGISTER (RebindRequired)
//!     PasskeyCeremony --> PasskeyCeremony: other page message
//!     PasskeyCeremony --> SetupInstruction: AUTH_COMPLETE
//!     PasskeyCeremony --> Failed: page failure or PageClosed (Passkey)
//!     SetupInstruction --> FetchCredentials: instruction set up
//!     FetchCredentials --> Done: credentials (Authorised)
//!     Provision --> OutcomeUnknown: MaybeSent or 5xx
//!     SetupInstruction --> OutcomeUnknown: MaybeSent or 5xx
//!     FetchCredentials --> OutcomeUnknown: MaybeSent or 5xx
//!     OutcomeUnknown --> Provision: ResendAfterUnknownOutcome (same ids)
//!     OutcomeUnknown --> SetupInstruction: ResendAfterUnknownOutcome (same ids)
//!     OutcomeUnknown --> FetchCredentials: ResendAfterUnknownOutcome (same ids)
//!     Provision --> Failed: API error
//!     SetupInstruction --> Failed: API error
//!     FetchCredentials --> Failed: API error
//!     OutcomeUnknown --> Failed: Cancel
//!     Done --> [*]
//!     Failed --> [*]
//! ```
//!
//! The engine's retry rules apply to the three sends ([`super`]): none of them is idempotent,
//! so a failure before sending (`NotSent`) or a 429 is retried with back-off, and anything that
//! may have reached Juspay (`MaybeSent`, a 5xx, a success with an unreadable body) stops at
//! [`Prompt::ConfirmUnknownOutcome`] with `can_reconcile: false` — the VAT section documents no
//! status call. `Cancel` is accepted in every non-terminal state.
//!
//! # Prompt → valid inputs
//!
//! | Prompt (phase or stage) | Valid inputs | Leads to |
//! |---|---|---|
//! | [`Prompt::ProvideVisaSession`] ([`Phase::VisaSession`]) | [`Input::VisaMessage`] `AUTH_READY` or any other non-failure message | the same prompt (with `CREATE_AUTH_SESSION` to post once `AUTH_READY` was seen) |
//! | | [`Input::VisaMessage`] `AUTH_SESSION_CREATED`, [`Input::VisaSession`] | send [`Step::Provision`] |
//! | | [`Input::VisaMessage`] `AUTH_FAILED` / `AUTH_CANCELLED` / `AUTH_NOT_SUPPORTED` / `AUTH_NOT_PERFORMED`, [`Input::PageClosed`] | [`JourneyFailure::Passkey`] |
//! | | [`Input::Cancel`] | [`JourneyFailure::Cancelled`] |
//! | [`Prompt::PasskeyCeremony`] ([`Phase::PasskeyCeremony`]) | [`Input::VisaMessage`] `AUTH_COMPLETE` | send [`Step::SetupInstruction`] |
//! | | [`Input::VisaMessage`] of another non-failure type (`AUTH_READY` again …) | the same prompt |
//! | | [`Input::VisaMessage`] failure, [`Input::PageClosed`] | [`JourneyFailure::Passkey`] |
//! | | [`Input::Cancel`] | [`JourneyFailure::Cancelled`] |
//! | [`Prompt::ConfirmUnknownOutcome`] (`can_reconcile: false`) | [`Input::ResendAfterUnknownOutcome`] | the same step again, same `clientReferenceId` / `nwTransactionId` / `transactionId` |
//! | | [`Input::Cancel`] | [`JourneyFailure::Cancelled`] naming the call |
//!
//! Every other input is refused with [`JourneyError::InvalidEvent`] (state
//! `ProvideVisaSession`, `PasskeyCeremony`, `OutcomeUnknown`, `Sending`, `BackingOff`, `Done`
//! or `Failed`) and changes nothing; a page message from another origin or that is not a
//! protocol message is refused with [`JourneyError::PageMessage`] and changes nothing.
//!
//! # Reference ids
//!
//! The `clientReferenceId` is a [`ReferenceId`] the host mints (e.g.
//! [`ReferenceId::from_entropy`]) and passes to [`start`]; it is stored in the checkpoint and
//! sent by the provision, setup and fetch calls and by every retry or resend. It is also the
//! `client.id` of `CREATE_AUTH_SESSION`, and the `requestID` of `AUTHENTICATE` when the page
//! never said `AUTH_READY`.
//!
//! `nwTransactionId` and `transactionDetails[].transactionId` are the host's when given
//! ([`PurchaseTransaction::with_nw_transaction_id`],
//! [`PurchaseTransaction::with_transaction_id`]); otherwise they are derived once, at
//! [`start`], from the reference id: `nw-{clientReferenceId}` and `txn-{clientReferenceId}`.
//! Either way they are stored in the checkpoint and never change.
//!
//! # Secrets and checkpoints
//!
//! The `secureToken`, the Visa `payload` JWT, the `fidoBlob` and the fetched credentials live
//! only in [`PurchaseSecrets`] (not serialisable); [`Purchase`] (the checkpointed script) holds
//! ids and public data. Each secret is dropped as soon as its step is done. On
//! [`Journey::resume`] the host re-supplies what the stage needs (the error names it):
//!
//! | Stage | Secret needed |
//! |---|---|
//! | [`Phase::VisaSession`] | none |
//! | [`Step::Provision`] (sending, backing off, outcome unknown) | `secureToken` |
//! | [`Phase::PasskeyCeremony`] | `payload` |
//! | [`Step::SetupInstruction`] (sending, backing off, outcome unknown) | `fidoBlob` |
//! | [`Step::FetchCredentials`] | none |
//! | `Done` | none — see below |
//! | `Failed` | none |
//!
//! A checkpoint taken while a request was in flight resumes at
//! [`Prompt::ConfirmUnknownOutcome`] (engine rule: none of the three calls is idempotent, and
//! the request may have left before the app died); every other stage resumes to the same next
//! action.
//!
//! **Done after a resume without the credentials still answers** [`Outcome::Authorised`]: the
//! credentials were issued once and fetching them again would be a new, non-idempotent call,
//! so the journey does not refuse to resume a finished purchase. The answer's secret fields
//! (`token_number`, `expiry_month`, `expiry_year`, `cryptogram`) are `None` and `raw` is JSON
//! `null`; the public fields (`dynamic_data_type`, `transaction_reference`, `status`) come from
//! the checkpoint (a provider answer's `raw` is never `null`, so the host can tell the two
//! apart). A host that kept the credentials passes them back with
//! [`PurchaseSecrets::with_credentials`] and gets the full outcome.
//!
//! *Provisional* (DESIGN.md §3): the setup body after `verificationData.verifyType` and the
//! fetch response field names follow the Visa VIC equivalents (see
//! [`SetupAgenticPaymentInstructionRequest`], [`FetchPaymentCredentialsResponse`]). Hence:
//!
//! - the instruction's `status` (`ACTIVE`, `PENDING` …) is recorded
//!   ([`Purchase::instruction_status`]) but not interpreted: any `SUCCESS` answer goes on to
//!   the fetch, and Juspay refuses the fetch if the instruction is not usable;
//! - any `SUCCESS` answer to the fetch finishes [`Outcome::Authorised`], even when the
//!   provisional model finds no token number or cryptogram in it: the credentials were issued
//!   once, and the whole body is in `credentials.raw` for the host to read;
//! - the `dfpSessionID` of `AUTH_SESSION_CREATED` goes with the passkey result as
//!   `verificationData.dfpSessionId` (omitted when the page sent none, or when the host supplied
//!   the session itself);
//! - an `AUTH_COMPLETE` without `assuranceData.identifier` (the `code` form) echoes the
//!   ceremony's `identifier` (Cybersource: "On Error: AuthContext.identifier").

use serde::Serialize;
use serde_json::Value;

use super::page::{self, Ceremony, CeremonyEvent, SessionEvent, SessionWait};
use super::restore::{Corrupt, Fields, Restore, restore_unit_enum, variant};
use super::{
    Input, Journey, JourneyError, JourneyFailure, Next, Outcome, PageFailure, Prompt, ReferenceId,
    Script, Stage, UnixMillis,
};
use crate::error::{ApiError, Provider};
use crate::juspay_vat::{
    DynamicDataType, FetchPaymentCredentialsRequest, FetchPaymentCredentialsResponse, Mandate,
    PasskeyAssurance, ProvisionContext, ProvisionTokenPasskeyRequest,
    ProvisionTokenPasskeyResponse, SetupAgenticPaymentInstructionRequest, ShippingAddress,
    TransactionAmount, TransactionDetail, TransactionType, VicStatus,
};
use crate::secret::{FidoBlob, SecureToken, VisaPayload};
use crate::validate::{self, Amount, CurrencyCode, Id, InvalidInput, Problem};
use crate::visa_page::{BrowserData, PasskeyAction, PlatformType, VisaPageOrigin};
use crate::wire::{Endpoint, HttpRequest, HttpResponse, RawJson};

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// The lifetime and spending limit of the payment instruction, sent as the *provisional*
/// `mandates[0]` of Setup Agentic Payment ([`Mandate`]: `declineThreshold{amount,
/// currencyCode}`, `effectiveUntilTime`, `description`). The currency is the purchase's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstructionLimit {
    expires_at: UnixMillis,
    limit: Option<String>,
    description: Option<String>,
}

impl Restore for InstructionLimit {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            expires_at: fields.get("expires_at")?,
            limit: fields.get("limit")?,
            description: fields.get("description")?,
        })
    }
}

impl InstructionLimit {
    /// An instruction that lapses at `expires_at` (Unix milliseconds, like every time in the
    /// journeys; sent as whole seconds in `effectiveUntilTime`). The limit defaults to the
    /// purchase amount.
    ///
    /// # Errors
    /// [`InvalidInput`] for `mandates.effectiveUntilTime` when `expires_at` is under one second.
    pub fn new(expires_at: UnixMillis) -> Result<Self, InvalidInput> {
        let limit = Self {
            expires_at,
            limit: None,
            description: None,
        };
        limit.effective_until_seconds()?;
        Ok(limit)
    }

    /// Sets the decline threshold (a decimal such as `100.00`); it must be at least the
    /// purchase amount (checked by [`PurchaseParams::new`]).
    ///
    /// # Errors
    /// [`InvalidInput`] for `mandates.declineThreshold.amount`.
    pub fn with_limit(mut self, limit: &str) -> Result<Self, InvalidInput> {
        let amount = Amount::parse("mandates.declineThreshold.amount", limit)?;
        self.limit = Some(amount.to_string());
        Ok(self)
    }

    /// Sets the mandate's description (shown to the cardholder by some issuers).
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `mandates.description`.
    pub fn with_description(mut self, description: &str) -> Result<Self, InvalidInput> {
        validate::non_empty("mandates.description", description)?;
        self.description = Some(description.to_owned());
        Ok(self)
    }

    /// When the instruction lapses (Unix milliseconds).
    pub fn expires_at(&self) -> UnixMillis {
        self.expires_at
    }

    fn effective_until_seconds(&self) -> Result<u64, InvalidInput> {
        match self.expires_at / 1000 {
            0 => Err(InvalidInput::new(
                "mandates.effectiveUntilTime",
                Problem::NotPositive,
            )),
            seconds => Ok(seconds),
        }
    }
}

/// `transactionDetails[].shippingAddress` as stored in checkpoints (the wire model
/// [`ShippingAddress`] is write-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Address {
    add_line1: String,
    city: String,
    state_add: String,
    postal_code: String,
    country_code: Option<String>,
}

impl Restore for Address {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            add_line1: fields.get("add_line1")?,
            city: fields.get("city")?,
            state_add: fields.get("state_add")?,
            postal_code: fields.get("postal_code")?,
            country_code: fields.get("country_code")?,
        })
    }
}

impl From<ShippingAddress> for Address {
    fn from(a: ShippingAddress) -> Self {
        Self {
            add_line1: a.add_line1,
            city: a.city,
            state_add: a.state_add,
            postal_code: a.postal_code,
            country_code: a.country_code,
        }
    }
}

impl From<&Address> for ShippingAddress {
    fn from(a: &Address) -> Self {
        Self {
            add_line1: a.add_line1.clone(),
            city: a.city.clone(),
            state_add: a.state_add.clone(),
            postal_code: a.postal_code.clone(),
            country_code: a.country_code.clone(),
        }
    }
}

/// The merchant transaction the credentials are fetched for (`transactionDetails[0]` and
/// `nwTransactionId` of Fetch Payment Credentials [J-FETCH]). The amount and currency are the
/// purchase's; `transactionType` is `PURCHASE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchaseTransaction {
    order_id: String,
    transaction_id: Option<String>,
    nw_transaction_id: Option<String>,
    sub_total: Option<String>,
    tax: Option<String>,
    shipping_address: Option<Address>,
}

impl Restore for PurchaseTransaction {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            order_id: fields.get("order_id")?,
            transaction_id: fields.get("transaction_id")?,
            nw_transaction_id: fields.get("nw_transaction_id")?,
            sub_total: fields.get("sub_total")?,
            tax: fields.get("tax")?,
            shipping_address: fields.get("shipping_address")?,
        })
    }
}

impl PurchaseTransaction {
    /// The merchant's order id (`transactionDetails[].orderId`, `merch-ord-123` in the sample).
    /// Without [`Self::with_breakdown`], `subTotalAmount` is the purchase amount and `tax` zero.
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `transactionDetails.orderId`.
    pub fn new(order_id: &str) -> Result<Self, InvalidInput> {
        Id::new("transactionDetails.orderId", order_id)?;
        Ok(Self {
            order_id: order_id.to_owned(),
            transaction_id: None,
            nw_transaction_id: None,
            sub_total: None,
            tax: None,
            shipping_address: None,
        })
    }

    /// The merchant's transaction id (`transactionDetails[].transactionId`); derived from the
    /// reference id when not given (see the module docs).
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `transactionDetails.transactionId`.
    pub fn with_transaction_id(mut self, transaction_id: &str) -> Result<Self, InvalidInput> {
        Id::new("transactionDetails.transactionId", transaction_id)?;
        self.transaction_id = Some(transaction_id.to_owned());
        Ok(self)
    }

    /// The "unique transaction id to identify the transaction" (`nwTransactionId`); derived
    /// from the reference id when not given (see the module docs).
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty `nwTransactionId`.
    pub fn with_nw_transaction_id(mut self, nw_transaction_id: &str) -> Result<Self, InvalidInput> {
        Id::new("nwTransactionId", nw_transaction_id)?;
        self.nw_transaction_id = Some(nw_transaction_id.to_owned());
        Ok(self)
    }

    /// `subTotalAmount` and `tax` (decimals; tax may be zero). They are not required to add up
    /// to the total: shipping or fees may make the difference.
    ///
    /// # Errors
    /// [`InvalidInput`] for `transactionDetails.transactionAmount.subTotalAmount` / `.tax`.
    pub fn with_breakdown(mut self, sub_total: &str, tax: &str) -> Result<Self, InvalidInput> {
        Amount::parse(
            "transactionDetails.transactionAmount.subTotalAmount",
            sub_total,
        )?;
        // Only the tax is checked here (zero allowed); the total and currency are the
        // purchase's, checked together in `PurchaseParams::new`.
        TransactionAmount::new("1", "1", tax, "XXX")?;
        self.sub_total = Some(sub_total.to_owned());
        self.tax = Some(tax.to_owned());
        Ok(self)
    }

    /// The shipping address (*provisional* names after `stateAdd`, see [`ShippingAddress`]).
    #[must_use]
    pub fn with_shipping_address(mut self, address: ShippingAddress) -> Self {
        self.shipping_address = Some(address.into());
        self
    }
}

/// Everything the purchase needs from the host, validated when built (and again when a
/// checkpoint is read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchaseParams {
    customer_id: String,
    v_provisioned_token_id: String,
    amount: String,
    currency: String,
    instruction: InstructionLimit,
    transaction: PurchaseTransaction,
    popup_preference: bool,
    platform: PlatformType,
    origin: VisaPageOrigin,
}

/// Checked again when read from a checkpoint: a checkpoint is input too.
impl Restore for PurchaseParams {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        let params = Self {
            customer_id: fields.get("customer_id")?,
            v_provisioned_token_id: fields.get("v_provisioned_token_id")?,
            amount: fields.get("amount")?,
            currency: fields.get("currency")?,
            instruction: fields.get("instruction")?,
            transaction: fields.get("transaction")?,
            popup_preference: fields.get("popup_preference")?,
            platform: fields.get("platform")?,
            origin: fields.get("origin")?,
        };
        params.check().map_err(|_| Corrupt)?;
        Ok(params)
    }
}

impl PurchaseParams {
    /// `customer_id` (`customerId`), the card's `v_provisioned_token_id` from enrollment, the
    /// purchase `amount` (a decimal such as `92.65`) in `currency` (ISO 4217, `SGD`), the
    /// instruction's limit and expiry, the merchant transaction, and the Visa page's `origin`.
    /// The platform defaults to `WEB` and the popup preference to `false` (hidden iframe).
    ///
    /// # Errors
    /// [`InvalidInput`] naming the wire field: `customerId`, `vProvisionedTokenId`,
    /// `amount.total`, `amount.currency`, `mandates.declineThreshold.amount` (also when the
    /// limit is below the amount), `transactionDetails.*`.
    pub fn new(
        customer_id: &str,
        v_provisioned_token_id: &str,
        amount: &str,
        currency: &str,
        instruction: InstructionLimit,
        transaction: PurchaseTransaction,
        origin: VisaPageOrigin,
    ) -> Result<Self, InvalidInput> {
        let mut params = Self {
            customer_id: customer_id.to_owned(),
            v_provisioned_token_id: v_provisioned_token_id.to_owned(),
            amount: amount.to_owned(),
            currency: currency.to_owned(),
            instruction,
            transaction,
            popup_preference: false,
            platform: PlatformType::Web,
            origin,
        };
        params.check()?;
        // Normalised (`92.6` → `92.60`); the wire value is the same number.
        params.amount = Amount::parse("amount.total", amount)?.to_string();
        Ok(params)
    }

    /// Whether the host prefers the Visa page in a popup (`shouldOpenAuthViaPopup`). The page
    /// may still require one (`requiresPopupForAuthenticate`), which wins.
    #[must_use]
    pub fn with_popup_preference(mut self, popup: bool) -> Self {
        self.popup_preference = popup;
        self
    }

    /// `platformType` of the provision call (`WEB`, `MOBILE_WEB`).
    #[must_use]
    pub fn with_platform(mut self, platform: PlatformType) -> Self {
        self.platform = platform;
        self
    }

    /// The Visa page origin every page message is checked against.
    pub fn origin(&self) -> &VisaPageOrigin {
        &self.origin
    }

    /// The purchase amount as sent (`92.65`).
    pub fn amount(&self) -> &str {
        &self.amount
    }

    /// The currency (`SGD`).
    pub fn currency(&self) -> &str {
        &self.currency
    }

    fn check(&self) -> Result<(), InvalidInput> {
        Id::new("customerId", &self.customer_id)?;
        Id::new("vProvisionedTokenId", &self.v_provisioned_token_id)?;
        let amount = Amount::parse("amount.total", &self.amount)?;
        CurrencyCode::new("amount.currency", &self.currency)?;
        if let Some(limit) = &self.instruction.limit {
            if Amount::parse("mandates.declineThreshold.amount", limit)? < amount {
                return Err(InvalidInput::new(
                    "mandates.declineThreshold.amount",
                    Problem::Format {
                        expected: "at least the purchase amount",
                    },
                ));
            }
        }
        if let Some(description) = &self.instruction.description {
            validate::non_empty("mandates.description", description)?;
        }
        self.mandate()?;
        Id::new("transactionDetails.orderId", &self.transaction.order_id)?;
        if let Some(id) = &self.transaction.transaction_id {
            Id::new("transactionDetails.transactionId", id)?;
        }
        if let Some(id) = &self.transaction.nw_transaction_id {
            Id::new("nwTransactionId", id)?;
        }
        self.transaction_amount()?;
        Ok(())
    }

    fn mandate(&self) -> Result<Mandate, InvalidInput> {
        Mandate::new(
            self.instruction.limit.as_deref().unwrap_or(&self.amount),
            &self.currency,
            self.instruction.effective_until_seconds()?,
            self.instruction.description.as_deref(),
        )
    }

    fn transaction_amount(&self) -> Result<TransactionAmount, InvalidInput> {
        TransactionAmount::new(
            &self.amount,
            self.transaction
                .sub_total
                .as_deref()
                .unwrap_or(&self.amount),
            self.transaction.tax.as_deref().unwrap_or("0"),
            &self.currency,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// The purchase's secrets, in memory only (not serialisable; `Debug` redacts every value).
/// A running journey fills them itself; after a resume the host re-supplies what the stage
/// needs (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct PurchaseSecrets {
    secure_token: Option<SecureToken>,
    payload: Option<VisaPayload>,
    fido_blob: Option<FidoBlob>,
    credentials: Option<FetchPaymentCredentialsResponse>,
}

impl PurchaseSecrets {
    /// No secrets (enough to resume in the session phase, the fetch step, or a finished
    /// journey).
    pub fn new() -> Self {
        Self::default()
    }

    /// The Visa session's `secureToken` (needed while provisioning).
    #[must_use]
    pub fn with_secure_token(mut self, secure_token: SecureToken) -> Self {
        self.secure_token = Some(secure_token);
        self
    }

    /// The `payload` JWT of the provision answer (needed during the ceremony).
    #[must_use]
    pub fn with_visa_payload(mut self, payload: VisaPayload) -> Self {
        self.payload = Some(payload);
        self
    }

    /// The `fidoBlob` of `AUTH_COMPLETE` (needed while setting up the instruction).
    #[must_use]
    pub fn with_fido_blob(mut self, fido_blob: FidoBlob) -> Self {
        self.fido_blob = Some(fido_blob);
        self
    }

    /// The credentials already fetched (for a finished journey's outcome).
    #[must_use]
    pub fn with_credentials(mut self, credentials: FetchPaymentCredentialsResponse) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Phases and steps
// ---------------------------------------------------------------------------------------------

/// Where the purchase waits for the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Prompt [`Prompt::ProvideVisaSession`]. Accepts [`Input::VisaMessage`] (`AUTH_READY` and
    /// unknown types keep waiting; `AUTH_SESSION_CREATED` sends [`Step::Provision`]; a failure
    /// message fails), [`Input::VisaSession`] (sends [`Step::Provision`]),
    /// [`Input::PageClosed`] (fails) and [`Input::Cancel`].
    VisaSession(SessionWait),
    /// Prompt [`Prompt::PasskeyCeremony`] (`AUTHENTICATE`). Accepts [`Input::VisaMessage`]
    /// (`AUTH_COMPLETE` sends [`Step::SetupInstruction`]; a failure message fails; any other
    /// type keeps waiting), [`Input::PageClosed`] (fails) and [`Input::Cancel`].
    PasskeyCeremony(Ceremony),
}

impl Restore for Phase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "VisaSession" => SessionWait::restore(content).map(Self::VisaSession),
            "PasskeyCeremony" => Ceremony::restore(content).map(Self::PasskeyCeremony),
            _ => Err(Corrupt),
        }
    }
}

restore_unit_enum! {
    /// The requests of the purchase. None is idempotent: each is sent once, and resent only on
    /// [`Input::ResendAfterUnknownOutcome`] (or automatically after `NotSent` / HTTP 429).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    pub enum Step {
        /// `POST /provision-token-passkey` in purchase mode. Needs the `secureToken`. Accepts a
        /// passkey-ceremony answer (`AUTHENTICATE` → [`Phase::PasskeyCeremony`]; `REGISTER` →
        /// [`JourneyFailure::RebindRequired`]) or a step-up answer
        /// ([`JourneyFailure::RebindRequired`]).
        Provision,
        /// `POST /cards/setUpAgenticPaymentInstruction`. Needs the `fidoBlob`. Success sends
        /// [`Step::FetchCredentials`].
        SetupInstruction,
        /// `POST /cards/fetchAgenticTransactCreds`. Success finishes with
        /// [`Outcome::Authorised`].
        FetchCredentials,
    }
}

// ---------------------------------------------------------------------------------------------
// The script
// ---------------------------------------------------------------------------------------------

/// What the Visa session told the journey (public parts only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Session {
    /// `AUTH_READY.requestID`, or the reference id when the page never said it.
    page_request_id: String,
    /// `requiresPopupForAuthenticate`.
    page_requires_popup: bool,
    /// The page's `browserData`, kept only until the provision call succeeded.
    browser_data: Option<BrowserData>,
    /// `dfpSessionID` of `AUTH_SESSION_CREATED`, sent with the passkey result at setup (an
    /// older checkpoint without it reads as `None`).
    dfp_session_id: Option<String>,
}

impl Restore for Session {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            page_request_id: fields.get("page_request_id")?,
            page_requires_popup: fields.get("page_requires_popup")?,
            browser_data: fields.get("browser_data")?,
            dfp_session_id: fields.get("dfp_session_id")?,
        })
    }
}

/// The instruction Juspay set up (*provisional* response model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Instruction {
    instruction_id: Option<String>,
    status: Option<VicStatus>,
}

impl Restore for Instruction {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            instruction_id: fields.get("instruction_id")?,
            status: fields.get("status")?,
        })
    }
}

/// The public parts of the fetched credentials, kept for an outcome after resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CredentialsSummary {
    dynamic_data_type: Option<DynamicDataType>,
    transaction_reference: Option<String>,
    status: Option<VicStatus>,
}

impl Restore for CredentialsSummary {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            dynamic_data_type: fields.get("dynamic_data_type")?,
            transaction_reference: fields.get("transaction_reference")?,
            status: fields.get("status")?,
        })
    }
}

/// The agentic purchase [`Script`]: ids and public data only (it is what a checkpoint holds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purchase {
    params: PurchaseParams,
    client_reference_id: ReferenceId,
    nw_transaction_id: String,
    transaction_id: String,
    session: Option<Session>,
    assurance_identifier: Option<String>,
    instruction: Option<Instruction>,
    credentials: Option<CredentialsSummary>,
}

impl Restore for Purchase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            params: fields.get("params")?,
            client_reference_id: fields.get("client_reference_id")?,
            nw_transaction_id: fields.get("nw_transaction_id")?,
            transaction_id: fields.get("transaction_id")?,
            session: fields.get("session")?,
            assurance_identifier: fields.get("assurance_identifier")?,
            instruction: fields.get("instruction")?,
            credentials: fields.get("credentials")?,
        })
    }
}

/// Starts a purchase: the first action is [`Prompt::ProvideVisaSession`].
/// `client_reference_id` is minted by the host once per purchase and reused by every call.
///
/// # Errors
/// [`InvalidInput`] for an empty `clientReferenceId`.
pub fn start(
    params: PurchaseParams,
    client_reference_id: ReferenceId,
) -> Result<Journey<Purchase>, InvalidInput> {
    Id::new("clientReferenceId", client_reference_id.as_str())?;
    let nw_transaction_id = params
        .transaction
        .nw_transaction_id
        .clone()
        .unwrap_or_else(|| format!("nw-{client_reference_id}"));
    let transaction_id = params
        .transaction
        .transaction_id
        .clone()
        .unwrap_or_else(|| format!("txn-{client_reference_id}"));
    let script = Purchase {
        params,
        client_reference_id,
        nw_transaction_id,
        transaction_id,
        session: None,
        assurance_identifier: None,
        instruction: None,
        credentials: None,
    };
    Ok(Journey::start(
        script,
        PurchaseSecrets::default(),
        Next::Prompt(Phase::VisaSession(SessionWait::default())),
    ))
}

fn missing(name: &str) -> JourneyError {
    JourneyError::Resume(format!("the secret `{name}` is needed to continue"))
}

fn not_in_checkpoint(what: &str) -> JourneyError {
    JourneyError::Resume(format!("the checkpoint lacks the {what}"))
}

fn passkey_failure(failure: PageFailure) -> Next<Phase, Step> {
    Next::Fail(JourneyFailure::Passkey {
        failure,
        action: PasskeyAction::Authenticate,
    })
}

impl Purchase {
    /// The journey's `clientReferenceId`.
    pub fn client_reference_id(&self) -> &ReferenceId {
        &self.client_reference_id
    }

    /// The `nwTransactionId` sent by the fetch call.
    pub fn nw_transaction_id(&self) -> &str {
        &self.nw_transaction_id
    }

    /// The `transactionDetails[0].transactionId` sent by the fetch call.
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The parameters the journey was started with.
    pub fn params(&self) -> &PurchaseParams {
        &self.params
    }

    /// Whether the Visa page runs (or will run) the ceremony in a popup: the host's preference,
    /// or the page's `requiresPopupForAuthenticate` once the session reported it. This is also
    /// the `shouldOpenAuthViaPopup` sent to Juspay.
    pub fn popup(&self) -> bool {
        self.params.popup_preference || self.session.as_ref().is_some_and(|s| s.page_requires_popup)
    }

    /// The instruction id Juspay returned, once set up (*provisional* field).
    pub fn instruction_id(&self) -> Option<&str> {
        self.instruction
            .as_ref()
            .and_then(|i| i.instruction_id.as_deref())
    }

    /// The instruction status Juspay returned, once set up (*provisional* field).
    pub fn instruction_status(&self) -> Option<&VicStatus> {
        self.instruction.as_ref().and_then(|i| i.status.as_ref())
    }

    fn provision_request(
        &self,
        secure_token: Option<&SecureToken>,
    ) -> Result<ProvisionTokenPasskeyRequest, JourneyError> {
        let secure_token = secure_token.ok_or_else(|| missing("secureToken"))?;
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| not_in_checkpoint("Visa session"))?;
        let browser_data = session
            .browser_data
            .clone()
            .ok_or_else(|| not_in_checkpoint("browser data"))?;
        let p = &self.params;
        let context = ProvisionContext::new(
            &p.customer_id,
            self.client_reference_id.as_str(),
            secure_token.clone(),
            browser_data,
            p.platform.clone(),
            &p.currency,
            &p.amount,
        )?;
        Ok(ProvisionTokenPasskeyRequest::purchase(
            context,
            &p.v_provisioned_token_id,
            self.popup(),
        )?)
    }

    fn setup_request(
        &self,
        fido_blob: Option<&FidoBlob>,
    ) -> Result<SetupAgenticPaymentInstructionRequest, JourneyError> {
        let fido_blob = fido_blob.ok_or_else(|| missing("fidoBlob"))?;
        let identifier = self
            .assurance_identifier
            .as_deref()
            .ok_or_else(|| not_in_checkpoint("passkey identifier"))?;
        let p = &self.params;
        Ok(SetupAgenticPaymentInstructionRequest::new(
            self.client_reference_id.as_str(),
            &p.v_provisioned_token_id,
            &p.customer_id,
            PasskeyAssurance::new(
                identifier,
                fido_blob.clone(),
                self.session
                    .as_ref()
                    .and_then(|s| s.dfp_session_id.as_deref()),
            )?,
            p.mandate()?,
        )?)
    }

    fn fetch_request(&self) -> Result<FetchPaymentCredentialsRequest, JourneyError> {
        let p = &self.params;
        let mut detail = TransactionDetail::new(
            &self.transaction_id,
            TransactionType::Purchase,
            p.transaction_amount()?,
            &p.transaction.order_id,
        )?;
        if let Some(address) = &p.transaction.shipping_address {
            detail = detail.with_shipping_address(address.into());
        }
        Ok(FetchPaymentCredentialsRequest::new(
            &p.v_provisioned_token_id,
            self.client_reference_id.as_str(),
            &self.nw_transaction_id,
            vec![detail],
        )?)
    }

    fn on_provisioned(
        &mut self,
        secrets: &mut PurchaseSecrets,
        response: &HttpResponse,
    ) -> Result<Next<Phase, Step>, ApiError> {
        let (action, preferences, platform_type, payload, identifier, endpoint) =
            match ProvisionTokenPasskeyRequest::decode(response)? {
                // The issuer challenged the device binding: only enrollment can step up.
                ProvisionTokenPasskeyResponse::StepUp { .. } => {
                    return Ok(Next::Fail(JourneyFailure::RebindRequired));
                }
                ProvisionTokenPasskeyResponse::PasskeyCeremony {
                    action_to_be_performed,
                    auth_preferences_enabled,
                    platform_type,
                    payload,
                    identifier,
                    endpoint,
                    ..
                } => (
                    action_to_be_performed,
                    auth_preferences_enabled,
                    platform_type,
                    payload,
                    identifier,
                    endpoint,
                ),
            };
        let malformed = |what: &str| {
            ApiError::malformed(
                Provider::JuspayVat,
                response,
                format!("juspay_vat.provision_token_passkey: {what}"),
            )
        };
        match action {
            PasskeyAction::Authenticate => {}
            // Visa wants a passkey registered: this device is not bound to the card any more.
            PasskeyAction::Register => return Ok(Next::Fail(JourneyFailure::RebindRequired)),
            PasskeyAction::Unknown(_) => {
                return Err(malformed(
                    "`actionToBePerformed` is neither AUTHENTICATE nor REGISTER",
                ));
            }
        }
        let Some(session) = self.session.as_mut() else {
            return Err(malformed("answered before a Visa session existed"));
        };
        let popup = self.params.popup_preference || session.page_requires_popup;
        let ceremony = Ceremony {
            action: PasskeyAction::Authenticate,
            identifier,
            endpoint,
            platform_type: platform_type.unwrap_or_else(|| self.params.platform.clone()),
            preferences,
            popup,
            request_id: session.page_request_id.clone(),
        };
        if page::check_ceremony(&ceremony, &payload).is_err() {
            return Err(malformed(
                "a passkey ceremony with an empty `identifier` or `endpoint`",
            ));
        }
        // The session is used up: drop what only the provision call needed.
        session.browser_data = None;
        secrets.secure_token = None;
        secrets.payload = Some(payload);
        Ok(Next::Prompt(Phase::PasskeyCeremony(ceremony)))
    }

    fn on_session_input(
        &mut self,
        secrets: &mut PurchaseSecrets,
        wait: &SessionWait,
        input: Input,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match page::on_session_input(&self.params.origin, wait, input)? {
            SessionEvent::Waiting(wait) => Ok(Next::Prompt(Phase::VisaSession(wait))),
            SessionEvent::Created {
                secure_token,
                browser_data,
                popup_for_authenticate,
                dfp_session_id,
                ..
            } => {
                let session = Session {
                    page_request_id: wait
                        .ready_request_id
                        .clone()
                        .unwrap_or_else(|| self.client_reference_id.to_string()),
                    page_requires_popup: popup_for_authenticate,
                    browser_data: Some(browser_data),
                    dfp_session_id,
                };
                // Checked before anything changes: the request must build.
                let mut candidate = self.clone();
                candidate.session = Some(session);
                candidate.provision_request(Some(&secure_token))?;
                *self = candidate;
                secrets.secure_token = Some(secure_token);
                Ok(Next::Send(Step::Provision))
            }
            SessionEvent::Failed(failure) => Ok(passkey_failure(failure)),
        }
    }

    fn on_ceremony_input(
        &mut self,
        secrets: &mut PurchaseSecrets,
        ceremony: &Ceremony,
        input: Input,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match page::on_ceremony_input(&self.params.origin, input)? {
            CeremonyEvent::Waiting => Ok(Next::Prompt(Phase::PasskeyCeremony(ceremony.clone()))),
            CeremonyEvent::Completed(assurance) => {
                // The `code` form has no identifier: the ceremony's own is the one to echo
                // (C-SDK: "On Error: AuthContext.identifier").
                let identifier = assurance
                    .identifier
                    .filter(|id| !id.trim().is_empty())
                    .unwrap_or_else(|| ceremony.identifier.clone());
                let mut candidate = self.clone();
                candidate.assurance_identifier = Some(identifier);
                candidate.setup_request(Some(&assurance.fido_blob))?;
                *self = candidate;
                secrets.fido_blob = Some(assurance.fido_blob);
                secrets.payload = None;
                Ok(Next::Send(Step::SetupInstruction))
            }
            CeremonyEvent::Failed(failure) => Ok(passkey_failure(failure)),
        }
    }

    /// The outcome rebuilt without the credentials (after a resume): public fields only.
    fn credentials_without_secrets(&self) -> FetchPaymentCredentialsResponse {
        let summary = self.credentials.clone();
        FetchPaymentCredentialsResponse {
            token_number: None,
            expiry_month: None,
            expiry_year: None,
            dynamic_data_type: summary.as_ref().and_then(|s| s.dynamic_data_type.clone()),
            cryptogram: None,
            transaction_reference: summary
                .as_ref()
                .and_then(|s| s.transaction_reference.clone()),
            status: summary.and_then(|s| s.status),
            raw: RawJson::from(Value::Null),
        }
    }
}

impl Script for Purchase {
    const NAME: &'static str = "juspay_vat.purchase";
    type Phase = Phase;
    type Step = Step;
    type Secrets = PurchaseSecrets;

    fn request(&self, secrets: &PurchaseSecrets, step: &Step) -> Result<HttpRequest, JourneyError> {
        Ok(match step {
            Step::Provision => self
                .provision_request(secrets.secure_token.as_ref())?
                .to_http(),
            Step::SetupInstruction => self.setup_request(secrets.fido_blob.as_ref())?.to_http(),
            Step::FetchCredentials => self.fetch_request()?.to_http(),
        })
    }

    fn on_response(
        &mut self,
        secrets: &mut PurchaseSecrets,
        step: &Step,
        response: &HttpResponse,
        _now: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match step {
            Step::Provision => self.on_provisioned(secrets, response),
            Step::SetupInstruction => {
                let answer = SetupAgenticPaymentInstructionRequest::decode(response)?;
                self.instruction = Some(Instruction {
                    instruction_id: answer.instruction_id,
                    status: answer.status,
                });
                secrets.fido_blob = None;
                Ok(Next::Send(Step::FetchCredentials))
            }
            Step::FetchCredentials => {
                let credentials = FetchPaymentCredentialsRequest::decode(response)?;
                self.credentials = Some(CredentialsSummary {
                    dynamic_data_type: credentials.dynamic_data_type.clone(),
                    transaction_reference: credentials.transaction_reference.clone(),
                    status: credentials.status.clone(),
                });
                secrets.credentials = Some(credentials);
                Ok(Next::Done)
            }
        }
    }

    fn prompt(&self, secrets: &PurchaseSecrets, phase: &Phase) -> Prompt {
        let origin = &self.params.origin;
        match phase {
            Phase::VisaSession(wait) => {
                page::session_prompt(origin, wait, self.client_reference_id.as_str())
            }
            Phase::PasskeyCeremony(ceremony) => {
                match secrets
                    .payload
                    .as_ref()
                    .map(|p| page::ceremony_prompt(origin, ceremony, p))
                {
                    Some(Ok(prompt)) => prompt,
                    // Unreachable: the phase is entered only after this prompt was built once
                    // (`on_provisioned`), and a resume without a payload that builds it is
                    // refused (`missing_secret`). `prompt` cannot fail, so the page prompt
                    // without a message stands in.
                    Some(Err(_)) | None => Prompt::ProvideVisaSession {
                        origin: origin.as_str().to_owned(),
                        message_to_post: None,
                    },
                }
            }
        }
    }

    fn on_input(
        &mut self,
        secrets: &mut PurchaseSecrets,
        phase: &Phase,
        input: Input,
        _now: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        match phase {
            Phase::VisaSession(wait) => self.on_session_input(secrets, wait, input),
            Phase::PasskeyCeremony(ceremony) => self.on_ceremony_input(secrets, ceremony, input),
        }
    }

    /// The VAT section documents no status call.
    fn reconcile(&self, _step: &Step) -> Option<Step> {
        None
    }

    fn outcome(&self, secrets: &PurchaseSecrets) -> Outcome {
        Outcome::Authorised {
            credentials: secrets
                .credentials
                .clone()
                .unwrap_or_else(|| self.credentials_without_secrets()),
        }
    }

    fn missing_secret(
        &self,
        secrets: &PurchaseSecrets,
        stage: &Stage<Phase, Step>,
    ) -> Option<&'static str> {
        match stage {
            Stage::Sending { step, .. }
            | Stage::BackingOff { step, .. }
            | Stage::OutcomeUnknown { step } => match step {
                Step::Provision if secrets.secure_token.is_none() => Some("secureToken"),
                Step::SetupInstruction if secrets.fido_blob.is_none() => Some("fidoBlob"),
                _ => None,
            },
            Stage::Awaiting(Phase::PasskeyCeremony(ceremony)) => match &secrets.payload {
                Some(payload) if page::check_ceremony(ceremony, payload).is_ok() => None,
                _ => Some("payload"),
            },
            Stage::Awaiting(Phase::VisaSession(_)) | Stage::Done | Stage::Failed(_) => None,
        }
    }
}
