//! Direct OTP card payment (Juspay Express Checkout, API.md §5): optional BIN eligibility →
//! create the order (or use the host's) → `POST /txns` with `auth_type=OTP` → the native OTP
//! (submit, resend within limits) or the redirect / 3-D Secure fallback → a terminal status,
//! with the order status call to reconcile whenever the outcome is unknown.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> CheckBin: card BIN given
//!     [*] --> CreateOrder: new order
//!     [*] --> StartTxn: host's order
//!     CheckBin --> CreateOrder
//!     CheckBin --> StartTxn
//!     CreateOrder --> StartTxn
//!     StartTxn --> EnterOtp: method POST + challenge
//!     StartTxn --> Redirect: method GET (3DS fallback)
//!     StartTxn --> Paid: CHARGED / AUTHORIZED
//!     StartTxn --> PaymentFailed: AUTHENTICATION_FAILED / AUTHORIZATION_FAILED / JUSPAY_DECLINED
//!     StartTxn --> OrderStatus: other status (poll)
//!     EnterOtp --> ProcessOtp: Otp
//!     EnterOtp --> ResendOtp: ResendOtp (resends left)
//!     EnterOtp --> Redirect: ChooseAnotherMethod (fallback_url)
//!     ResendOtp --> EnterOtp
//!     ProcessOtp --> EnterOtp: wrong OTP
//!     ProcessOtp --> Paid
//!     ProcessOtp --> PaymentFailed
//!     ProcessOtp --> OrderStatus: other status (poll)
//!     Redirect --> OrderStatus: RedirectCompleted
//!     OrderStatus --> Paid
//!     OrderStatus --> PaymentFailed
//!     OrderStatus --> OrderStatus: pending (poll, at most 5)
//!     OrderStatus --> EnterOtp: reconciling authenticate, challenge still PENDING_VBV
//!     OrderStatus --> OutcomeUnknown: still pending (about the call being reconciled)
//! ```
//!
//! | Prompt | Valid inputs |
//! |---|---|
//! | `EnterOtp` | `Otp`, `ResendOtp` (when `resends_left > 0`), `ChooseAnotherMethod` (when a fallback URL exists), `Cancel` |
//! | `Redirect` | `RedirectCompleted`, `Cancel` |
//! | `ConfirmUnknownOutcome` | `Reconcile` (order status), `ResendAfterUnknownOutcome`, `Cancel` |
//!
//! Exactly once: `POST /orders`, `POST /txns`, authenticate and resend are never sent again
//! automatically once they may have reached Juspay; `Reconcile` asks the order status instead.
//! A status that is still pending after reconciling is polled a few times, then the host is
//! asked again about the *same* call (`/txns` or authenticate), so it can resend it with the
//! same order id or cancel — never answered by a new `/txns` on its own. An authenticate whose
//! challenge is still `PENDING_VBV` goes back to the OTP prompt.

use serde::Serialize;
use serde_json::Value;

use super::restore::{Corrupt, Fields, Restore, restore_unit_enum, unit, variant};
use super::{
    Input, Journey, JourneyError, JourneyFailure, Next, Outcome, Prompt, Script, Stage, UnixMillis,
};
use crate::error::{ApiError, ErrorCategory};
use crate::juspay_ec::{
    CardBinEligibilityRequest, CreateOrderRequest, NextStep, OrderStatusRequest, PaymentMethod,
    ProcessOtpRequest, ResendOtpRequest, StartAuthenticationRequest, TxnResponse, TxnStatus,
};
use crate::secret::{CardNumber, CardSecurityCode, CardToken, ExpiryMonth, ExpiryYear, Otp};
use crate::validate::{Amount, CardBin, Id, InvalidInput, OrderId, Problem};
use crate::wire::{Endpoint, HttpRequest, HttpResponse};

/// How many times a pending status is polled before the host is asked.
pub const MAX_STATUS_POLLS: u32 = 5;
/// The interval between status polls.
pub const STATUS_POLL_INTERVAL_MS: u64 = 2_000;

/// The card, held in memory only and re-supplied on resume.
#[derive(Debug, Clone)]
pub enum CardSecrets {
    /// Card details typed by the user.
    New {
        /// PAN.
        number: CardNumber,
        /// `MM`.
        exp_month: ExpiryMonth,
        /// `YY`.
        exp_year: ExpiryYear,
        /// CVV.
        security_code: CardSecurityCode,
    },
    /// A Juspay card token (`/card/list` or `/card/tokenize`), with the CVV when the token
    /// needs it.
    Saved {
        /// The token.
        token: CardToken,
        /// CVV for `/card/list` tokens.
        security_code: Option<CardSecurityCode>,
    },
}

/// The journey's secrets: never in a checkpoint.
#[derive(Debug, Clone, Default)]
pub struct DirectOtpSecrets {
    /// Needed until `POST /txns` has been answered.
    pub card: Option<CardSecrets>,
    /// The OTP being submitted; dropped once Juspay answered.
    pub otp: Option<Otp>,
}

/// The order to create (`POST /orders`), kept as validated text so it can be checkpointed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrder {
    amount: Amount,
    currency: Option<String>,
    customer_id: Option<String>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    return_url: Option<String>,
}

impl Restore for NewOrder {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            amount: fields.get("amount")?,
            currency: fields.get("currency")?,
            customer_id: fields.get("customer_id")?,
            customer_email: fields.get("customer_email")?,
            customer_phone: fields.get("customer_phone")?,
            return_url: fields.get("return_url")?,
        })
    }
}

impl NewOrder {
    /// An order for `amount` (a decimal with at most two places).
    ///
    /// # Errors
    /// [`InvalidInput`] for `amount`.
    pub fn new(amount: &str) -> Result<Self, InvalidInput> {
        Ok(Self {
            amount: Amount::parse("amount", amount)?,
            currency: None,
            customer_id: None,
            customer_email: None,
            customer_phone: None,
            return_url: None,
        })
    }

    /// Sets the optional fields; each is validated as `CreateOrderRequest` validates it.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the field.
    pub fn with(
        mut self,
        currency: Option<&str>,
        customer_id: Option<&str>,
        customer_email: Option<&str>,
        customer_phone: Option<&str>,
        return_url: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        self.currency = currency.map(str::to_owned);
        self.customer_id = customer_id.map(str::to_owned);
        self.customer_email = customer_email.map(str::to_owned);
        self.customer_phone = customer_phone.map(str::to_owned);
        self.return_url = return_url.map(str::to_owned);
        // Validate now, so building the request later cannot fail.
        self.request(&OrderId::new("order_id", "validation0")?)?;
        Ok(self)
    }

    fn request(&self, order_id: &OrderId) -> Result<CreateOrderRequest, InvalidInput> {
        let mut request = CreateOrderRequest::validated(order_id.clone(), self.amount);
        if let Some(v) = &self.currency {
            request = request.with_currency(v)?;
        }
        if let Some(v) = &self.customer_id {
            request = request.with_customer_id(v)?;
        }
        if let Some(v) = &self.customer_email {
            request = request.with_customer_email(v)?;
        }
        if let Some(v) = &self.customer_phone {
            request = request.with_customer_phone(v)?;
        }
        if let Some(v) = &self.return_url {
            request = request.with_return_url(v)?;
        }
        Ok(request)
    }
}

/// What to pay: validated before the journey starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectOtpParams {
    merchant_id: Id,
    order_id: OrderId,
    new_order: Option<NewOrder>,
    card_bin: Option<CardBin>,
    payment_method: Option<PaymentMethod>,
    save_to_locker: bool,
    auto_capture: Option<bool>,
}

impl Restore for DirectOtpParams {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            merchant_id: fields.get("merchant_id")?,
            order_id: fields.get("order_id")?,
            new_order: fields.get("new_order")?,
            card_bin: fields.get("card_bin")?,
            payment_method: fields.get("payment_method")?,
            save_to_locker: fields.get("save_to_locker")?,
            auto_capture: fields.get("auto_capture")?,
        })
    }
}

impl DirectOtpParams {
    /// Pays the order `order_id`, creating it first when `new_order` is given (otherwise the
    /// host created it). `order_id` is the journey's reference id: every call and retry uses it.
    ///
    /// # Errors
    /// [`InvalidInput`] for `merchant_id` or `order_id`.
    pub fn new(
        merchant_id: &str,
        order_id: &str,
        new_order: Option<NewOrder>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            merchant_id: Id::new("merchant_id", merchant_id)?,
            order_id: OrderId::new("order_id", order_id)?,
            new_order,
            card_bin: None,
            payment_method: None,
            save_to_locker: false,
            auto_capture: None,
        })
    }

    /// Checks the card BIN for Direct OTP support first (`GET /cardbins/{bin}`).
    ///
    /// # Errors
    /// [`InvalidInput`] for `card_bin` (6–9 digits).
    pub fn check_bin(mut self, card_bin: &str) -> Result<Self, InvalidInput> {
        self.card_bin = Some(CardBin::new("card_bin", card_bin)?);
        Ok(self)
    }

    /// `payment_method` (`VISA` …), `save_to_locker` and `auto_capture` (`false`: authorise
    /// only, the status ends `AUTHORIZED`).
    pub fn with_options(
        mut self,
        payment_method: Option<PaymentMethod>,
        save_to_locker: bool,
        auto_capture: Option<bool>,
    ) -> Self {
        self.payment_method = payment_method;
        self.save_to_locker = save_to_locker;
        self.auto_capture = auto_capture;
        self
    }
}

/// An OTP order id minted from random bytes: 20 hex characters (`order_id` must be
/// alphanumeric and shorter than 21).
pub fn order_id_from_entropy(bytes: [u8; 10]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The native OTP challenge Juspay returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// `{id}` of the authenticate and resend paths.
    pub txn_uuid: String,
    /// `challenge_id`.
    pub challenge_id: String,
    /// The bank page to fall back to.
    pub fallback_url: Option<String>,
    /// Submissions left: `max_attempts − current_attempt + 1` when Juspay sends both, else at
    /// least one.
    pub attempts_left: u32,
    /// Resends left.
    pub resends_left: u32,
}

impl Restore for Challenge {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            txn_uuid: fields.get("txn_uuid")?,
            challenge_id: fields.get("challenge_id")?,
            fallback_url: fields.get("fallback_url")?,
            attempts_left: fields.get("attempts_left")?,
            resends_left: fields.get("resends_left")?,
        })
    }
}

impl Challenge {
    /// Reads the counters: with `max_attempts` and `current_attempt` the entries left are
    /// `max − current + 1`; without them at least one entry is allowed (API.md §9 q13 leaves the
    /// semantics open). Resends: `max_otp_send_limit − times_otp_sent`, else 1 when
    /// `resend_allowed`.
    fn from_step(step: NextStep) -> Result<Self, NextStep> {
        let NextStep::NativeOtp {
            txn_uuid,
            challenge_id,
            resend_allowed,
            fallback_url,
            times_otp_sent,
            max_otp_send_limit,
            current_attempt,
            max_attempts,
        } = step
        else {
            return Err(step);
        };
        let attempts_left = match (max_attempts, current_attempt) {
            (Some(max), Some(current)) => max.saturating_sub(current.saturating_sub(1)),
            (Some(max), None) => max,
            _ => 1,
        };
        let resends_left = match (max_otp_send_limit, times_otp_sent) {
            _ if !resend_allowed => 0,
            (Some(max), Some(sent)) => max.saturating_sub(sent),
            _ => 1,
        };
        Ok(Self {
            txn_uuid,
            challenge_id,
            fallback_url,
            attempts_left,
            resends_left,
        })
    }
}

restore_unit_enum! {
    /// Why an order status is asked.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub enum StatusPurpose {
        /// Did `POST /orders` create the order?
        OrderCreated,
        /// Where is the payment (after the bank page, or a status that needs time)?
        Payment,
        /// Reconciling a `POST /txns` whose outcome was unknown: still pending means the host
        /// decides again about that `/txns` (resend with the same order id, or cancel).
        AfterStartTxn,
        /// Reconciling an authenticate whose outcome was unknown: a challenge still awaiting its
        /// OTP (`PENDING_VBV`) asks for the OTP again; otherwise the host decides again about it.
        AfterProcessOtp,
    }
}

/// Prompt phases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Ask for the OTP of the current challenge.
    EnterOtp {
        /// The last OTP was refused.
        last_attempt_failed: bool,
    },
    /// Send the user to the bank page.
    Redirect {
        /// The page.
        url: String,
    },
}

impl Restore for Phase {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        let fields = Fields::of(content)?;
        match name {
            "EnterOtp" => Ok(Self::EnterOtp {
                last_attempt_failed: fields.get("last_attempt_failed")?,
            }),
            "Redirect" => Ok(Self::Redirect {
                url: fields.get("url")?,
            }),
            _ => Err(Corrupt),
        }
    }
}

/// Requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Step {
    /// `GET /cardbins/{bin}` (idempotent).
    CheckBin,
    /// `POST /orders`.
    CreateOrder,
    /// `POST /txns`.
    StartTxn,
    /// `POST /v2/txns/{id}/authenticate`.
    ProcessOtp,
    /// `POST /v2/txns/{id}/authenticate/{challenge_id}/resend`.
    ResendOtp,
    /// `GET /orders/{order_id}` (idempotent).
    OrderStatus(StatusPurpose),
}

impl Restore for Step {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let (name, content) = variant(value)?;
        match name {
            "CheckBin" => unit(content, Self::CheckBin),
            "CreateOrder" => unit(content, Self::CreateOrder),
            "StartTxn" => unit(content, Self::StartTxn),
            "ProcessOtp" => unit(content, Self::ProcessOtp),
            "ResendOtp" => unit(content, Self::ResendOtp),
            "OrderStatus" => StatusPurpose::restore(content).map(Self::OrderStatus),
            _ => Err(Corrupt),
        }
    }
}

/// The Direct OTP payment script. Holds ids and public status only (it is checkpointed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectOtp {
    params: DirectOtpParams,
    direct_otp_supported: Option<bool>,
    txn_id: Option<String>,
    challenge: Option<Challenge>,
    status: Option<TxnStatus>,
    polls: u32,
}

impl Restore for DirectOtp {
    fn restore(value: &Value) -> Result<Self, Corrupt> {
        let fields = Fields::of(value)?;
        Ok(Self {
            params: fields.get("params")?,
            direct_otp_supported: fields.get("direct_otp_supported")?,
            txn_id: fields.get("txn_id")?,
            challenge: fields.get("challenge")?,
            status: fields.get("status")?,
            polls: fields.get("polls")?,
        })
    }
}

/// A running Direct OTP journey.
pub type DirectOtpJourney = Journey<DirectOtp>;

/// Starts a payment.
///
/// # Errors
/// [`InvalidInput`] for `card` when `secrets.card` is missing.
pub fn start(
    params: DirectOtpParams,
    secrets: DirectOtpSecrets,
) -> Result<DirectOtpJourney, InvalidInput> {
    if secrets.card.is_none() {
        return Err(InvalidInput::new("card", Problem::Empty));
    }
    let first = if params.card_bin.is_some() {
        Step::CheckBin
    } else if params.new_order.is_some() {
        Step::CreateOrder
    } else {
        Step::StartTxn
    };
    let script = DirectOtp {
        params,
        direct_otp_supported: None,
        txn_id: None,
        challenge: None,
        status: None,
        polls: 0,
    };
    Ok(Journey::start(script, secrets, Next::Send(first)))
}

impl DirectOtp {
    /// The order being paid.
    pub fn order_id(&self) -> &str {
        self.params.order_id.as_str()
    }

    /// Juspay's transaction id, once known.
    pub fn txn_id(&self) -> Option<&str> {
        self.txn_id.as_deref()
    }

    /// The last status Juspay reported.
    pub fn status(&self) -> Option<&TxnStatus> {
        self.status.as_ref()
    }

    /// What the BIN check said, when it ran and answered.
    pub fn direct_otp_supported(&self) -> Option<bool> {
        self.direct_otp_supported
    }

    /// The current OTP challenge.
    pub fn challenge(&self) -> Option<&Challenge> {
        self.challenge.as_ref()
    }

    fn after_bin(&self) -> Step {
        if self.params.new_order.is_some() {
            Step::CreateOrder
        } else {
            Step::StartTxn
        }
    }

    /// Asks the order status again after an interval, at most [`MAX_STATUS_POLLS`] times; then
    /// the host decides about the call the polling was for.
    fn poll(&mut self, purpose: StatusPurpose, now: UnixMillis) -> Next<Phase, Step> {
        self.polls += 1;
        if self.polls <= MAX_STATUS_POLLS {
            return Next::SendAfter {
                step: Step::OrderStatus(purpose),
                until: now.saturating_add(STATUS_POLL_INTERVAL_MS),
            };
        }
        self.polls = 0;
        Next::OutcomeUnknown(match purpose {
            StatusPurpose::AfterStartTxn => Step::StartTxn,
            StatusPurpose::AfterProcessOtp => Step::ProcessOtp,
            other => Step::OrderStatus(other),
        })
    }

    /// Where a transaction response leads (start, authenticate, resend).
    /// Taken by value: the ids and the status move into the script instead of being copied.
    fn on_txn(&mut self, txn: TxnResponse, wrong_otp: bool, now: UnixMillis) -> Next<Phase, Step> {
        let step = txn.next_step();
        if let Some(id) = txn.txn_id.or(txn.id) {
            self.txn_id = Some(id);
        }
        let status = self.status.insert(txn.status);
        if status.is_success() {
            return Next::Done;
        }
        if status.is_failure() {
            return Next::Fail(JourneyFailure::PaymentFailed {
                status: status.as_str().to_owned(),
            });
        }
        match Challenge::from_step(step) {
            Ok(challenge) => {
                self.challenge = Some(challenge);
                Next::Prompt(Phase::EnterOtp {
                    last_attempt_failed: wrong_otp,
                })
            }
            Err(NextStep::Redirect { url }) => Next::Prompt(Phase::Redirect { url }),
            Err(_) => self.poll(StatusPurpose::Payment, now),
        }
    }

    fn card_request(&self, card: &CardSecrets) -> Result<StartAuthenticationRequest, InvalidInput> {
        let p = &self.params;
        let mut request = match card.clone() {
            CardSecrets::New {
                number,
                exp_month,
                exp_year,
                security_code,
            } => StartAuthenticationRequest::new_card(
                p.order_id.as_str(),
                p.merchant_id.as_str(),
                number,
                exp_month,
                exp_year,
                security_code,
                p.save_to_locker,
            )?,
            CardSecrets::Saved {
                token,
                security_code,
            } => {
                let request = StartAuthenticationRequest::saved_card(
                    p.order_id.as_str(),
                    p.merchant_id.as_str(),
                    token,
                )?;
                match security_code {
                    Some(cvv) => request.with_card_security_code(cvv),
                    None => request,
                }
            }
        };
        if let Some(method) = &p.payment_method {
            request = request.with_payment_method(method.clone())?;
        }
        Ok(request)
    }

    fn challenge_or_error(&self) -> Result<&Challenge, JourneyError> {
        self.challenge.as_ref().ok_or(JourneyError::InvalidEvent {
            state: "EnterOtp",
            event: "no challenge",
        })
    }
}

fn missing(name: &'static str) -> JourneyError {
    JourneyError::Resume(format!("the secret `{name}` is needed to continue"))
}

impl Script for DirectOtp {
    const NAME: &'static str = "juspay_direct_otp";
    type Phase = Phase;
    type Step = Step;
    type Secrets = DirectOtpSecrets;

    fn request(
        &self,
        secrets: &DirectOtpSecrets,
        step: &Step,
    ) -> Result<HttpRequest, JourneyError> {
        let p = &self.params;
        Ok(match step {
            Step::CheckBin => {
                let bin = p.card_bin.as_ref().ok_or(JourneyError::InvalidEvent {
                    state: "CheckBin",
                    event: "no BIN",
                })?;
                CardBinEligibilityRequest::new(bin.as_str(), p.merchant_id.as_str())?.to_http()
            }
            Step::CreateOrder => {
                let order = p.new_order.as_ref().ok_or(JourneyError::InvalidEvent {
                    state: "CreateOrder",
                    event: "no order",
                })?;
                order.request(&p.order_id)?.to_http()
            }
            Step::StartTxn => {
                let card = secrets.card.as_ref().ok_or_else(|| missing("card"))?;
                self.card_request(card)?.to_http()
            }
            Step::ProcessOtp => {
                let challenge = self.challenge_or_error()?;
                let otp = secrets.otp.clone().ok_or_else(|| missing("otp"))?;
                let mut request =
                    ProcessOtpRequest::new(&challenge.txn_uuid, &challenge.challenge_id, otp)?;
                if let Some(capture) = p.auto_capture {
                    request = request.with_auto_capture(capture);
                }
                request.to_http()
            }
            Step::ResendOtp => {
                let challenge = self.challenge_or_error()?;
                ResendOtpRequest::new(&challenge.txn_uuid, &challenge.challenge_id)?.to_http()
            }
            Step::OrderStatus(_) => OrderStatusRequest::new(p.order_id.as_str())?.to_http(),
        })
    }

    fn on_response(
        &mut self,
        secrets: &mut DirectOtpSecrets,
        step: &Step,
        response: &HttpResponse,
        now: UnixMillis,
    ) -> Result<Next<Phase, Step>, ApiError> {
        match step {
            Step::CheckBin => {
                // Eligibility is advice: an error or "no" still lets Juspay decide (3DS fallback).
                self.direct_otp_supported = CardBinEligibilityRequest::decode(response)
                    .ok()
                    .map(|info| info.supports_direct_otp());
                Ok(Next::Send(self.after_bin()))
            }
            Step::CreateOrder => {
                CreateOrderRequest::decode(response)?;
                Ok(Next::Send(Step::StartTxn))
            }
            Step::StartTxn => {
                let txn = StartAuthenticationRequest::decode(response)?;
                // The card has done its job: drop it from memory.
                secrets.card = None;
                Ok(self.on_txn(txn, false, now))
            }
            Step::ProcessOtp => {
                let next = match ProcessOtpRequest::decode(response) {
                    Ok(txn) => {
                        let pending_again = txn.status == TxnStatus::PendingVbv;
                        self.on_txn(txn, pending_again, now)
                    }
                    // A wrong OTP's error body is undocumented (API.md §9 q13): a 4xx that is
                    // not about credentials counts as a refused OTP while attempts remain.
                    Err(e)
                        if matches!(
                            e.category,
                            ErrorCategory::InvalidRequest | ErrorCategory::Rejected
                        ) =>
                    {
                        match self.challenge.as_mut() {
                            Some(challenge) if challenge.attempts_left > 1 => {
                                challenge.attempts_left -= 1;
                                Next::Prompt(Phase::EnterOtp {
                                    last_attempt_failed: true,
                                })
                            }
                            _ => self.poll(StatusPurpose::Payment, now),
                        }
                    }
                    // Unchanged on `Err` (`Script::on_response`): the OTP stays for a resend
                    // after an unknown outcome.
                    Err(e) => return Err(e),
                };
                secrets.otp = None;
                Ok(next)
            }
            Step::ResendOtp => match ResendOtpRequest::decode(response) {
                Ok(txn) => Ok(self.on_txn(txn, false, now)),
                Err(e) if e.category == ErrorCategory::LimitExceeded => {
                    if let Some(challenge) = self.challenge.as_mut() {
                        challenge.resends_left = 0;
                    }
                    Ok(Next::Prompt(Phase::EnterOtp {
                        last_attempt_failed: false,
                    }))
                }
                Err(e) => Err(e),
            },
            Step::OrderStatus(purpose) => {
                let status = match OrderStatusRequest::decode(response) {
                    Ok(status) => status.status,
                    Err(e) if e.category == ErrorCategory::NotFound => TxnStatus::NotFound,
                    Err(e) => return Err(e),
                };
                match purpose {
                    StatusPurpose::OrderCreated if status == TxnStatus::NotFound => {
                        // The host asked: the order does not exist, so creating it is safe.
                        Ok(Next::Send(Step::CreateOrder))
                    }
                    StatusPurpose::OrderCreated => Ok(Next::Send(Step::StartTxn)),
                    StatusPurpose::Payment
                    | StatusPurpose::AfterStartTxn
                    | StatusPurpose::AfterProcessOtp => {
                        self.status = Some(status.clone());
                        if status.is_success() {
                            return Ok(Next::Done);
                        }
                        if status.is_failure() {
                            return Ok(Next::Fail(JourneyFailure::PaymentFailed {
                                status: status.as_str().to_owned(),
                            }));
                        }
                        let otp_still_awaited = status == TxnStatus::PendingVbv
                            && self.challenge.as_ref().is_some_and(|c| c.attempts_left > 0);
                        Ok(match purpose {
                            // No payment attempt on the order: the /txns never took effect.
                            StatusPurpose::AfterStartTxn if status == TxnStatus::New => {
                                self.polls = 0;
                                Next::OutcomeUnknown(Step::StartTxn)
                            }
                            // The challenge still waits for its OTP: the user types it again.
                            StatusPurpose::AfterProcessOtp if otp_still_awaited => {
                                self.polls = 0;
                                Next::Prompt(Phase::EnterOtp {
                                    last_attempt_failed: false,
                                })
                            }
                            _ => self.poll(*purpose, now),
                        })
                    }
                }
            }
        }
    }

    fn prompt(&self, _: &DirectOtpSecrets, phase: &Phase) -> Prompt {
        match phase {
            Phase::EnterOtp {
                last_attempt_failed,
            } => {
                let (attempts_left, resends_left) = self
                    .challenge
                    .as_ref()
                    .map_or((0, 0), |c| (c.attempts_left, c.resends_left));
                Prompt::EnterOtp {
                    attempts_left,
                    resends_left,
                    expires_at: None,
                    last_attempt_failed: *last_attempt_failed,
                    expired: false,
                }
            }
            Phase::Redirect { url } => Prompt::Redirect { url: url.clone() },
        }
    }

    fn on_input(
        &mut self,
        secrets: &mut DirectOtpSecrets,
        phase: &Phase,
        input: Input,
        _: UnixMillis,
    ) -> Result<Next<Phase, Step>, JourneyError> {
        let refuse = |state: &'static str, input: &Input| JourneyError::InvalidEvent {
            state,
            event: input.name(),
        };
        match (phase, input) {
            (Phase::EnterOtp { .. }, Input::Otp(otp)) => {
                secrets.otp = Some(otp);
                self.polls = 0;
                Ok(Next::Send(Step::ProcessOtp))
            }
            (Phase::EnterOtp { .. }, Input::ResendOtp) => match &self.challenge {
                Some(c) if c.resends_left > 0 => Ok(Next::Send(Step::ResendOtp)),
                _ => Err(refuse("EnterOtp", &Input::ResendOtp)),
            },
            (Phase::EnterOtp { .. }, Input::ChooseAnotherMethod) => {
                match self.challenge.as_ref().and_then(|c| c.fallback_url.clone()) {
                    Some(url) => Ok(Next::Prompt(Phase::Redirect { url })),
                    None => Err(refuse("EnterOtp", &Input::ChooseAnotherMethod)),
                }
            }
            (Phase::Redirect { .. }, Input::RedirectCompleted) => {
                self.polls = 0;
                Ok(Next::Send(Step::OrderStatus(StatusPurpose::Payment)))
            }
            (Phase::EnterOtp { .. }, other) => Err(refuse("EnterOtp", &other)),
            (Phase::Redirect { .. }, other) => Err(refuse("Redirect", &other)),
        }
    }

    fn reconcile(&self, step: &Step) -> Option<Step> {
        match step {
            Step::CreateOrder => Some(Step::OrderStatus(StatusPurpose::OrderCreated)),
            Step::StartTxn => Some(Step::OrderStatus(StatusPurpose::AfterStartTxn)),
            Step::ProcessOtp => Some(Step::OrderStatus(StatusPurpose::AfterProcessOtp)),
            Step::OrderStatus(purpose) => Some(Step::OrderStatus(*purpose)),
            // A resend's effect cannot be observed; the BIN check is a read.
            Step::ResendOtp | Step::CheckBin => None,
        }
    }

    fn outcome(&self, _: &DirectOtpSecrets) -> Outcome {
        Outcome::Paid {
            order_id: self.params.order_id.as_str().to_owned(),
            txn_id: self.txn_id.clone(),
            status: self.status.clone().unwrap_or(TxnStatus::Charged),
        }
    }

    fn missing_secret(
        &self,
        secrets: &DirectOtpSecrets,
        stage: &Stage<Phase, Step>,
    ) -> Option<&'static str> {
        match stage {
            Stage::Sending {
                step: Step::ProcessOtp,
                ..
            }
            | Stage::BackingOff {
                step: Step::ProcessOtp,
                ..
            } if secrets.otp.is_none() => Some("otp"),
            // Until `/txns` is sent the card is still to come.
            Stage::Sending {
                step: Step::CheckBin | Step::CreateOrder | Step::StartTxn,
                ..
            }
            | Stage::BackingOff {
                step: Step::CheckBin | Step::CreateOrder | Step::StartTxn,
                ..
            }
            | Stage::OutcomeUnknown {
                step: Step::CheckBin | Step::CreateOrder,
            } if secrets.card.is_none() => Some("card"),
            _ => None,
        }
    }
}
