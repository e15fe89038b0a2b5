//! The Juspay Express Checkout / Direct OTP simulator over plain HTTP: every route, every magic
//! branch, the documented bad requests with their exact envelopes, and the side-effect counters.

use agentic_sandbox::{CounterSnapshot, Sandbox, magic};
use base64::Engine as _;
use serde_json::{Value, json};

const FORM: &str = "application/x-www-form-urlencoded";
const ROUTING: &str = "customer_1122";
const FUTURE_MONTH: &str = "12";
const FUTURE_YEAR: &str = "39";

/// A sandbox and a client that sends Basic auth and `x-merchantid` on every call.
struct Api {
    sandbox: Sandbox,
    agent: ureq::Agent,
    base: String,
    authorization: String,
    merchant_id: String,
}

/// One request.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    routing: Option<&'a str>,
    content_type: Option<&'a str>,
    body: Option<String>,
}

impl<'a> Call<'a> {
    fn get(path: &'a str) -> Self {
        Self {
            method: "GET",
            path,
            routing: None,
            content_type: None,
            body: None,
        }
    }

    fn post(path: &'a str) -> Self {
        Self {
            method: "POST",
            path,
            routing: None,
            content_type: None,
            body: None,
        }
    }

    fn routing(mut self, routing: &'a str) -> Self {
        self.routing = Some(routing);
        self
    }

    fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            serializer.append_pair(k, v);
        }
        self.body = Some(serializer.finish());
        self.content_type = Some(FORM);
        self
    }

    fn raw(mut self, content_type: Option<&'a str>, body: &str) -> Self {
        self.content_type = content_type;
        self.body = Some(body.to_owned());
        self
    }
}

/// A response: status, body text, body as JSON (`Null` when it is not JSON).
#[derive(Debug)]
struct Answer {
    status: u16,
    text: String,
    json: Value,
}

impl Api {
    fn start() -> Self {
        let sandbox = Sandbox::start().expect("sandbox starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let config = sandbox.config();
        let authorization = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", config.api_key))
        );
        let merchant_id = config.merchant_id.clone();
        let base = sandbox.base_url();
        Self {
            sandbox,
            agent,
            base,
            authorization,
            merchant_id,
        }
    }

    fn send(&self, call: Call<'_>) -> Answer {
        let url = format!("{}{}", self.base, call.path);
        let result = if call.method == "GET" {
            let mut request = self
                .agent
                .get(&url)
                .header("authorization", &self.authorization)
                .header("x-merchantid", &self.merchant_id);
            if let Some(routing) = call.routing {
                request = request.header("x-routing-id", routing);
            }
            request.call()
        } else {
            let mut request = self
                .agent
                .post(&url)
                .header("authorization", &self.authorization)
                .header("x-merchantid", &self.merchant_id);
            if let Some(routing) = call.routing {
                request = request.header("x-routing-id", routing);
            }
            if let Some(content_type) = call.content_type {
                request = request.header("content-type", content_type);
            }
            match call.body {
                Some(body) => request.send(body.as_str()),
                None => request.send_empty(),
            }
        };
        let mut response = result.expect("the sandbox answers");
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .expect("a readable body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, text, json }
    }

    fn counters(&self) -> CounterSnapshot {
        self.sandbox.counters()
    }

    fn create_order(&self, order_id: &str, amount: &str) -> Answer {
        let answer =
            self.send(Call::post("/orders").form(&[("order_id", order_id), ("amount", amount)]));
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer
    }

    fn card_form<'a>(&'a self, order_id: &'a str, card: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("order_id", order_id),
            ("merchant_id", self.merchant_id.as_str()),
            ("payment_method_type", "CARD"),
            ("card_number", card),
            ("card_exp_month", FUTURE_MONTH),
            ("card_exp_year", FUTURE_YEAR),
            ("card_security_code", "123"),
            ("save_to_locker", "true"),
            ("format", "json"),
            ("auth_type", "OTP"),
        ]
    }

    fn start_txn(&self, order_id: &str, card: &str) -> Answer {
        self.send(
            Call::post("/txns")
                .routing(ROUTING)
                .form(&self.card_form(order_id, card)),
        )
    }

    /// Creates an order and starts a native OTP transaction: `(txn_uuid, challenge_id)`.
    fn native_txn(&self, order_id: &str, amount: &str) -> (String, String) {
        self.create_order(order_id, amount);
        let txn = self.start_txn(order_id, magic::CARD_NATIVE_OTP);
        assert_eq!(txn.status, 200, "{}", txn.text);
        let params = &txn.json["payment"]["authentication"]["params"];
        (text(&params["id"]), text(&params["challenge_id"]))
    }

    fn authenticate(&self, txn: &str, challenge: &str, otp: &str) -> Answer {
        self.authenticate_with(txn, &[("challenge_id", challenge), ("answer.otp", otp)])
    }

    fn authenticate_with(&self, txn: &str, pairs: &[(&str, &str)]) -> Answer {
        self.send(
            Call::post(&format!("/v2/txns/{txn}/authenticate"))
                .routing(ROUTING)
                .form(pairs),
        )
    }

    fn resend(&self, txn: &str, challenge: &str) -> Answer {
        self.send(
            Call::post(&format!("/v2/txns/{txn}/authenticate/{challenge}/resend")).routing(ROUTING),
        )
    }

    fn order_status(&self, order_id: &str) -> Answer {
        self.send(Call::get(&format!("/orders/{order_id}")).routing(ROUTING))
    }

    /// Visits a bank-page URL the sandbox handed out (an absolute URL on this sandbox).
    fn visit(&self, url: &str) -> Answer {
        let path = url.strip_prefix(&self.base).expect("a URL on this sandbox");
        self.send(Call::get(path))
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

fn invalid(message: &str) -> Value {
    json!({"status": "invalid_request_error", "error_code": "invalid", "error_message": message})
}

fn assert_error(answer: &Answer, status: u16, body: &Value) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(&answer.json, body, "{}", answer.text);
}

fn counters(otps_sent: u64, charges: u64) -> (u64, u64) {
    (otps_sent, charges)
}

fn otp_and_charges(api: &Api) -> (u64, u64) {
    let c = api.counters();
    (c.otps_sent, c.charges)
}

// -------------------------------------------------------------------------------------------
// GET /cardbins/{card_bin}
// -------------------------------------------------------------------------------------------

#[test]
fn card_bins_report_direct_otp_support() {
    let api = Api::start();
    let query = format!(
        "?merchant_id={}&options.check_direct_otp_support=true",
        api.merchant_id
    );

    let native = api.send(Call::get(&format!("/cardbins/424242{query}")));
    assert_eq!(native.status, 200, "{}", native.text);
    assert_eq!(native.json["id"], "424242");
    assert_eq!(native.json["object"], "cardbin");
    assert_eq!(native.json["brand"], "VISA");
    assert_eq!(native.json["type"], "CREDIT");
    assert_eq!(native.json["direct_otp_support"], true);

    for bin in ["400000", "400000000"] {
        let fallback = api.send(Call::get(&format!("/cardbins/{bin}{query}")));
        assert_eq!(fallback.status, 200, "{}", fallback.text);
        assert_eq!(fallback.json["id"], bin);
        assert_eq!(fallback.json["direct_otp_support"], false);
    }

    let nine = api.send(Call::get(&format!("/cardbins/424242424{query}")));
    assert_eq!(nine.json["direct_otp_support"], true);

    // Without the option there is no eligibility answer.
    let plain = api.send(Call::get(&format!(
        "/cardbins/524368?merchant_id={}",
        api.merchant_id
    )));
    assert_eq!(plain.status, 200);
    assert_eq!(plain.json["brand"], "MASTERCARD");
    assert!(
        plain.json.get("direct_otp_support").is_none(),
        "{}",
        plain.text
    );
}

#[test]
fn card_bins_refuse_bad_requests_with_the_documented_envelope() {
    let api = Api::start();
    let query = format!(
        "?merchant_id={}&options.check_direct_otp_support=true",
        api.merchant_id
    );
    let documented = json!({"status": "invalid_request_error", "error_code": "invalid"});
    for bin in ["12345", "1234567890", "42424a", "%20424242"] {
        let answer = api.send(Call::get(&format!("/cardbins/{bin}{query}")));
        assert_error(&answer, 400, &documented);
    }
    assert_error(
        &api.send(Call::get(
            "/cardbins/424242?options.check_direct_otp_support=true",
        )),
        400,
        &invalid("Missing mandatory parameter: merchant_id"),
    );
    assert_error(
        &api.send(Call::get("/cardbins/424242?merchant_id=someone_else")),
        400,
        &invalid("Invalid value for merchant_id: expected the authenticated merchant's id"),
    );
    assert_error(
        &api.send(Call::get(&format!(
            "/cardbins/424242?merchant_id={}&options.check_direct_otp_support=yes",
            api.merchant_id
        ))),
        400,
        &invalid("Invalid value for options.check_direct_otp_support: expected true or false"),
    );
}

// -------------------------------------------------------------------------------------------
// POST /orders
// -------------------------------------------------------------------------------------------

#[test]
fn orders_are_created_new_with_links_and_an_optional_client_auth_token() {
    let api = Api::start();
    let created = api.create_order("order1", "100.15");
    let body = &created.json;
    assert_eq!(body["status"], "NEW");
    assert_eq!(body["status_id"], 10);
    assert_eq!(body["order_id"], "order1");
    assert!(text(&body["id"]).starts_with("ordeh_"), "{}", created.text);
    for link in ["web", "mobile", "iframe"] {
        assert!(
            text(&body["payment_links"][link]).starts_with(&api.base),
            "{}",
            created.text
        );
    }
    assert!(body.get("juspay").is_none());

    let with_token = api.send(Call::post("/orders").routing(ROUTING).form(&[
        ("order_id", "order2"),
        ("amount", "1"),
        ("currency", "SGD"),
        ("customer_id", "cst_1"),
        ("customer_email", "a@example.com"),
        ("customer_phone", "919988665522"),
        ("return_url", "https://shop.example.com/done"),
        ("options.get_client_auth_token", "true"),
    ]));
    assert_eq!(with_token.status, 200, "{}", with_token.text);
    assert!(!text(&with_token.json["juspay"]["client_auth_token"]).is_empty());
    assert!(text(&with_token.json["juspay"]["client_auth_token_expiry"]).ends_with('Z'));

    let status = api.order_status("order2");
    assert_eq!(status.status, 200, "{}", status.text);
    assert_eq!(status.json["status"], "NEW");
    assert_eq!(status.json["status_id"], 10);
    assert_eq!(status.json["amount"], json!(1.0));
    assert_eq!(status.json["currency"], "SGD");
    assert_eq!(status.json["customer_id"], "cst_1");
    assert_eq!(status.json["id"], with_token.json["id"]);
    assert!(status.json.get("txn_id").is_none());

    let default_currency = api.order_status("order1");
    assert_eq!(default_currency.json["currency"], "INR");
    assert_eq!(default_currency.json["amount"], json!(100.15));
    assert_eq!(otp_and_charges(&api), counters(0, 0));
}

#[test]
fn orders_refuse_documented_bad_requests() {
    let api = Api::start();
    api.create_order("dup1", "10");
    assert_error(
        &api.send(Call::post("/orders").form(&[("order_id", "dup1"), ("amount", "10")])),
        400,
        &json!({
            "status": "invalid_request_error",
            "error_code": "already_exists",
            "error_message": "Order with order_id dup1 already exists",
        }),
    );
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("amount", "10")], "Missing mandatory parameter: order_id"),
        (&[("order_id", "o1")], "Missing mandatory parameter: amount"),
        (
            &[("order_id", " "), ("amount", "10")],
            "Missing mandatory parameter: order_id",
        ),
        (
            &[("order_id", "order-1"), ("amount", "10")],
            "Invalid value for order_id: expected alphanumeric, shorter than 21 characters",
        ),
        (
            &[("order_id", "o23456789012345678901"), ("amount", "10")],
            "Invalid value for order_id: expected alphanumeric, shorter than 21 characters",
        ),
        (
            &[("order_id", "o1"), ("amount", "100.1532")],
            "Invalid value for amount: expected a positive number with up to two decimal places",
        ),
        (
            &[("order_id", "o1"), ("amount", "0")],
            "Invalid value for amount: expected a positive number with up to two decimal places",
        ),
        (
            &[("order_id", "o1"), ("amount", "-5")],
            "Invalid value for amount: expected a positive number with up to two decimal places",
        ),
        (
            &[("order_id", "o1"), ("amount", "ten")],
            "Invalid value for amount: expected a positive number with up to two decimal places",
        ),
        (
            &[("order_id", "o1"), ("amount", "1"), ("currency", "inr")],
            "Invalid value for currency: expected an ISO 4217 code such as INR",
        ),
        (
            &[
                ("order_id", "o1"),
                ("amount", "1"),
                ("options.get_client_auth_token", "1"),
            ],
            "Invalid value for options.get_client_auth_token: expected true or false",
        ),
    ];
    for (form, message) in cases {
        assert_error(
            &api.send(Call::post("/orders").form(form)),
            400,
            &invalid(message),
        );
    }
    let content_type = invalid("Content-Type must be application/x-www-form-urlencoded");
    assert_error(
        &api.send(Call::post("/orders").raw(
            Some("application/json"),
            r#"{"order_id":"o1","amount":"1"}"#,
        )),
        400,
        &content_type,
    );
    assert_error(
        &api.send(Call::post("/orders").raw(None, "order_id=o1&amount=1")),
        400,
        &content_type,
    );
    // None of the refused orders exists.
    assert_eq!(api.order_status("o1").status, 404);
    // A charset parameter is fine.
    let charset = api.send(Call::post("/orders").raw(
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        "order_id=o1&amount=1",
    ));
    assert_eq!(charset.status, 200, "{}", charset.text);
}

#[test]
fn unknown_orders_are_not_found() {
    let api = Api::start();
    assert_error(
        &api.order_status("nosuchorder"),
        404,
        &json!({"status": "error", "error_code": "not_found", "error_message": "Order not found"}),
    );
    // Even a path that is not valid UTF-8 gets an envelope, not a crash.
    let odd = api.send(Call::get("/orders/%FF%FE"));
    assert!(odd.status == 404 || odd.status == 400, "{}", odd.text);
    assert!(odd.json["status"].is_string(), "{}", odd.text);
}

// -------------------------------------------------------------------------------------------
// Native OTP
// -------------------------------------------------------------------------------------------

#[test]
fn native_otp_right_otp_charges_once() {
    let api = Api::start();
    api.create_order("native1", "92.65");
    let txn = api.start_txn("native1", magic::CARD_NATIVE_OTP);
    assert_eq!(txn.status, 200, "{}", txn.text);
    let body = &txn.json;
    assert_eq!(body["status"], "PENDING_VBV");
    assert_eq!(body["order_id"], "native1");
    assert_eq!(body["txn_id"], format!("{}-native1-1", api.merchant_id));
    let auth = &body["payment"]["authentication"];
    assert_eq!(auth["method"], "POST");
    let params = &auth["params"];
    let id = text(&params["id"]);
    let challenge = text(&params["challenge_id"]);
    assert_eq!(body["txn_uuid"], id.as_str());
    assert_eq!(
        auth["url"],
        format!("{}/v2/txns/{id}/authenticate", api.base)
    );
    assert_eq!(params["auth_type"], "OTP");
    assert_eq!(params["card_isin"], "424242");
    assert_eq!(params["card_issuer_bank_name"], "AXIS BANK LTD");
    assert_eq!(params["submit_otp_allowed"], true);
    assert_eq!(params["resend_otp_allowed"], true);
    assert_eq!(
        params["fallback_url"],
        format!("{}/v2/pay/start/guest/{id}?fallback=true", api.base)
    );
    assert_eq!(params["times_otp_sent"], 1);
    assert_eq!(params["max_otp_send_limit"], magic::EC_MAX_OTP_SENDS);
    assert_eq!(params["current_attempt"], 1);
    assert_eq!(params["max_attempts"], magic::EC_MAX_ATTEMPTS);
    assert_eq!(otp_and_charges(&api), counters(1, 0));

    let pending = api.order_status("native1");
    assert_eq!(pending.json["status"], "PENDING_VBV");
    assert_eq!(pending.json["status_id"], 23);
    assert_eq!(pending.json["txn_uuid"], id.as_str());
    assert_eq!(pending.json["txn_id"], body["txn_id"]);

    let charged = api.authenticate(&id, &challenge, magic::RIGHT_OTP);
    assert_eq!(charged.status, 200, "{}", charged.text);
    let c = &charged.json;
    assert_eq!(c["status"], "CHARGED");
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["order_id"], "native1");
    assert_eq!(c["txn_id"], body["txn_id"]);
    assert_eq!(c["resp_code"], "00");
    assert_eq!(c["gateway"], "DUMMY");
    assert_eq!(c["payment_info"]["payment_method_type"], "CARD");
    assert_eq!(c["payment_info"]["payment_method"], "VISA");
    assert_eq!(c["payment_info"]["card"]["last_four_digits"], "4242");
    assert_eq!(c["payment_info"]["card"]["card_isin"], "424242");
    assert_eq!(c["payment_info"]["card"]["saved_to_locker"], true);
    assert_eq!(
        c["payment"]["authentication"]["params"]["submit_otp_allowed"],
        false
    );
    assert_eq!(
        c["payment"]["authentication"]["params"]["resend_otp_allowed"],
        false
    );
    assert_eq!(c["payment_gateway_response"]["resp_code"], "00");
    assert!(text(&c["created"]).ends_with('Z'));
    assert_eq!(otp_and_charges(&api), counters(1, 1));

    let status = api.order_status("native1");
    assert_eq!(status.json["status"], "CHARGED");
    assert_eq!(status.json["status_id"], 21);
    assert_eq!(status.json["amount"], json!(92.65));
    assert_eq!(status.json["txn_uuid"], id.as_str());

    // Authenticating again changes nothing and charges nothing.
    assert_error(
        &api.authenticate(&id, &challenge, magic::RIGHT_OTP),
        400,
        &invalid("Transaction is already CHARGED"),
    );
    // Nor does the bank page.
    let page = api.visit(&text(&params["fallback_url"]));
    assert_eq!(page.status, 200);
    assert!(page.text.contains("CHARGED"), "{}", page.text);
    // A new payment attempt on a paid order is refused.
    assert_error(
        &api.start_txn("native1", magic::CARD_NATIVE_OTP),
        400,
        &invalid("Order is already paid"),
    );
    assert_eq!(otp_and_charges(&api), counters(1, 1));
    assert_eq!(api.order_status("native1").json["status"], "CHARGED");
}

#[test]
fn native_otp_wrong_then_right() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("wrong1", "10.00");
    let wrong = api.authenticate(&id, &challenge, "111111");
    assert_eq!(wrong.status, 200, "{}", wrong.text);
    assert_eq!(wrong.json["status"], "PENDING_VBV");
    let params = &wrong.json["payment"]["authentication"]["params"];
    assert_eq!(params["challenge_id"], challenge.as_str());
    assert_eq!(params["current_attempt"], 2);
    assert_eq!(params["max_attempts"], 3);
    assert_eq!(params["submit_otp_allowed"], true);
    assert!(wrong.json.get("payment_gateway_response").is_none());
    assert_eq!(otp_and_charges(&api), counters(1, 0));

    let charged = api.authenticate(&id, &challenge, magic::RIGHT_OTP);
    assert_eq!(charged.json["status"], "CHARGED", "{}", charged.text);
    assert_eq!(otp_and_charges(&api), counters(1, 1));
}

#[test]
fn native_otp_exhausted_attempts_fail_authentication_and_allow_a_new_attempt() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("exhaust1", "10");
    for attempt in 2..=magic::EC_MAX_ATTEMPTS {
        let wrong = api.authenticate(&id, &challenge, "000000");
        assert_eq!(wrong.json["status"], "PENDING_VBV", "{}", wrong.text);
        assert_eq!(
            wrong.json["payment"]["authentication"]["params"]["current_attempt"],
            attempt
        );
    }
    let failed = api.authenticate(&id, &challenge, "000000");
    assert_eq!(failed.status, 200, "{}", failed.text);
    assert_eq!(failed.json["status"], "AUTHENTICATION_FAILED");
    assert_eq!(failed.json["resp_code"], "AUTHENTICATION_FAILED");
    let params = &failed.json["payment"]["authentication"]["params"];
    assert_eq!(params["submit_otp_allowed"], false);
    assert_eq!(params["resend_otp_allowed"], false);
    assert_eq!(otp_and_charges(&api), counters(1, 0));

    // The right OTP is too late now; a resend too.
    assert_error(
        &api.authenticate(&id, &challenge, magic::RIGHT_OTP),
        400,
        &invalid("Transaction is already AUTHENTICATION_FAILED"),
    );
    assert_error(
        &api.resend(&id, &challenge),
        400,
        &invalid("Transaction is already AUTHENTICATION_FAILED"),
    );
    let status = api.order_status("exhaust1");
    assert_eq!(status.json["status"], "AUTHENTICATION_FAILED");
    assert_eq!(status.json["status_id"], 26);
    assert_eq!(otp_and_charges(&api), counters(1, 0));

    // A failed order takes a new attempt, with a new transaction and a new OTP.
    let retry = api.start_txn("exhaust1", magic::CARD_NATIVE_OTP);
    assert_eq!(retry.json["status"], "PENDING_VBV", "{}", retry.text);
    assert_eq!(
        retry.json["txn_id"],
        format!("{}-exhaust1-2", api.merchant_id)
    );
    let retry_id = text(&retry.json["txn_uuid"]);
    assert_ne!(retry_id, id);
    assert_eq!(otp_and_charges(&api), counters(2, 0));
    assert_eq!(api.order_status("exhaust1").json["status"], "PENDING_VBV");
    let retry_challenge = text(&retry.json["payment"]["authentication"]["params"]["challenge_id"]);
    assert_eq!(
        api.authenticate(&retry_id, &retry_challenge, magic::RIGHT_OTP)
            .json["status"],
        "CHARGED"
    );
    let paid = api.order_status("exhaust1");
    assert_eq!(paid.json["status"], "CHARGED");
    assert_eq!(paid.json["txn_uuid"], retry_id.as_str());
    assert_eq!(otp_and_charges(&api), counters(2, 1));
}

#[test]
fn resend_counts_sends_up_to_the_limit() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("resend1", "10");
    for sent in 2..=magic::EC_MAX_OTP_SENDS {
        let resent = api.resend(&id, &challenge);
        assert_eq!(resent.status, 200, "{}", resent.text);
        assert_eq!(resent.json["status"], "PENDING_VBV");
        assert_eq!(resent.json["order_id"], "resend1");
        let auth = &resent.json["payment"]["authentication"];
        assert_eq!(auth["method"], "POST");
        assert_eq!(
            auth["url"],
            format!("{}/v2/txns/{id}/authenticate", api.base)
        );
        let params = &auth["params"];
        assert_eq!(params["id"], id.as_str());
        assert_eq!(params["challenge_id"], challenge.as_str());
        assert_eq!(params["auth_method"], "OTP", "J-ROTP's spelling");
        assert_eq!(params["times_otp_sent"], sent);
        assert_eq!(params["max_otp_send_limit"], magic::EC_MAX_OTP_SENDS);
        assert_eq!(params["current_attempt"], 1);
        assert_eq!(params["resend_otp_allowed"], sent < magic::EC_MAX_OTP_SENDS);
        assert_eq!(otp_and_charges(&api), counters(u64::from(sent), 0));
    }
    assert_error(
        &api.resend(&id, &challenge),
        400,
        &json!({"status": "Invalid Request", "error_code": "max_limit_exceeded", "error_message": "Max OTP send limit exceeded."}),
    );
    assert_eq!(
        otp_and_charges(&api),
        counters(u64::from(magic::EC_MAX_OTP_SENDS), 0)
    );

    // The challenge is still answerable; a wrong OTP keeps the send count.
    let wrong = api.authenticate(&id, &challenge, "222222");
    assert_eq!(
        wrong.json["payment"]["authentication"]["params"]["times_otp_sent"],
        magic::EC_MAX_OTP_SENDS
    );
    assert_eq!(
        api.authenticate(&id, &challenge, magic::RIGHT_OTP).json["status"],
        "CHARGED"
    );
    assert_error(
        &api.resend(&id, &challenge),
        400,
        &invalid("Transaction is already CHARGED"),
    );
    assert_eq!(
        otp_and_charges(&api),
        counters(u64::from(magic::EC_MAX_OTP_SENDS), 1)
    );
}

#[test]
fn resend_refuses_unknown_ids() {
    let api = Api::start();
    let (id, _challenge) = api.native_txn("resend2", "10");
    let not_found = |what: &str| json!({"status": "error", "error_code": "not_found", "error_message": format!("{what} not found")});
    assert_error(
        &api.resend("eulnosuchtxn", "ch_x"),
        404,
        &not_found("Transaction"),
    );
    assert_error(&api.resend(&id, "ch_other"), 404, &not_found("Challenge"));
    assert_eq!(otp_and_charges(&api), counters(1, 0));
}

// -------------------------------------------------------------------------------------------
// Terminal statuses
// -------------------------------------------------------------------------------------------

#[test]
fn auto_capture_false_authorizes() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("auth1", "20");
    let authorized = api.authenticate_with(
        &id,
        &[
            ("challenge_id", challenge.as_str()),
            ("answer.otp", magic::RIGHT_OTP),
            ("auto_capture", "false"),
        ],
    );
    assert_eq!(authorized.status, 200, "{}", authorized.text);
    assert_eq!(authorized.json["status"], "AUTHORIZED");
    assert_eq!(authorized.json["resp_code"], "00");
    assert_eq!(otp_and_charges(&api), counters(1, 1));
    let status = api.order_status("auth1");
    assert_eq!(status.json["status"], "AUTHORIZED");
    assert_eq!(status.json["status_id"], 25);
    assert_error(
        &api.start_txn("auth1", magic::CARD_NATIVE_OTP),
        400,
        &invalid("Order is already paid"),
    );
    assert_eq!(otp_and_charges(&api), counters(1, 1));
}

#[test]
fn magic_amount_fails_authorization_after_the_right_otp() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("authfail1", magic::AMOUNT_AUTHORIZATION_FAILED);
    let failed = api.authenticate(&id, &challenge, magic::RIGHT_OTP);
    assert_eq!(failed.status, 200, "{}", failed.text);
    assert_eq!(failed.json["status"], "AUTHORIZATION_FAILED");
    assert_eq!(failed.json["resp_code"], "05");
    assert_eq!(failed.json["payment_gateway_response"]["resp_code"], "05");
    assert_eq!(otp_and_charges(&api), counters(1, 0));
    let status = api.order_status("authfail1");
    assert_eq!(status.json["status"], "AUTHORIZATION_FAILED");
    assert_eq!(status.json["status_id"], 27);
    assert_eq!(status.json["amount"], json!(13.51));
}

#[test]
fn magic_amount_is_declined_at_txns() {
    let api = Api::start();
    api.create_order("declined1", magic::AMOUNT_JUSPAY_DECLINED);
    let declined = api.start_txn("declined1", magic::CARD_NATIVE_OTP);
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(declined.json["status"], "JUSPAY_DECLINED");
    assert_eq!(declined.json["order_id"], "declined1");
    assert!(declined.json.get("payment").is_none(), "{}", declined.text);
    assert!(declined.json["txn_uuid"].is_string());
    assert_eq!(otp_and_charges(&api), counters(0, 0));
    let status = api.order_status("declined1");
    assert_eq!(status.json["status"], "JUSPAY_DECLINED");
    assert_eq!(status.json["status_id"], 22);
    // Nothing to authenticate.
    let id = text(&declined.json["txn_uuid"]);
    assert_error(
        &api.authenticate(&id, "ch_x", magic::RIGHT_OTP),
        400,
        &invalid("OTP authentication is not available for this transaction"),
    );
}

// -------------------------------------------------------------------------------------------
// 3-D Secure fallback
// -------------------------------------------------------------------------------------------

#[test]
fn three_ds_fallback_redirects_and_the_bank_page_completes_the_payment() {
    let api = Api::start();
    api.create_order("threeds1", "49.99");
    let txn = api.start_txn("threeds1", magic::CARD_3DS_FALLBACK);
    assert_eq!(txn.status, 200, "{}", txn.text);
    assert_eq!(txn.json["status"], "PENDING_VBV");
    let id = text(&txn.json["txn_uuid"]);
    let auth = &txn.json["payment"]["authentication"];
    assert_eq!(auth["method"], "GET");
    assert_eq!(auth["url"], format!("{}/v2/pay/start/guest/{id}", api.base));
    assert!(auth.get("params").is_none(), "{}", txn.text);
    assert_eq!(
        otp_and_charges(&api),
        counters(0, 0),
        "no OTP on the 3DS path"
    );
    assert_eq!(api.order_status("threeds1").json["status"], "PENDING_VBV");

    assert_error(
        &api.authenticate(&id, "ch_x", magic::RIGHT_OTP),
        400,
        &invalid("OTP authentication is not available for this transaction"),
    );
    assert_error(
        &api.resend(&id, "ch_x"),
        400,
        &invalid("OTP authentication is not available for this transaction"),
    );

    let page = api.visit(&text(&auth["url"]));
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains(r#"<strong id="status">CHARGED</strong>"#),
        "{}",
        page.text
    );
    assert_eq!(otp_and_charges(&api), counters(0, 1));
    let status = api.order_status("threeds1");
    assert_eq!(status.json["status"], "CHARGED");
    assert_eq!(status.json["txn_uuid"], id.as_str());
    assert_eq!(status.json["card"]["card_isin"], "400000");

    // A second visit shows the result and charges nothing.
    let again = api.visit(&text(&auth["url"]));
    assert!(again.text.contains("CHARGED"));
    assert_eq!(otp_and_charges(&api), counters(0, 1));
    assert_eq!(
        api.visit(&format!("{}/v2/pay/start/guest/eulnosuch", api.base))
            .status,
        404
    );
}

#[test]
fn three_ds_with_the_authorization_failed_amount_fails_and_native_fallback_url_completes() {
    let api = Api::start();
    api.create_order("threeds2", magic::AMOUNT_AUTHORIZATION_FAILED);
    let txn = api.start_txn("threeds2", magic::CARD_3DS_FALLBACK);
    let page = api.visit(&text(&txn.json["payment"]["authentication"]["url"]));
    assert!(page.text.contains("AUTHORIZATION_FAILED"), "{}", page.text);
    assert_eq!(
        api.order_status("threeds2").json["status"],
        "AUTHORIZATION_FAILED"
    );

    // A native challenge's fallback_url is the same bank page.
    api.create_order("fallback1", "5");
    let native = api.start_txn("fallback1", magic::CARD_NATIVE_OTP);
    let fallback = text(&native.json["payment"]["authentication"]["params"]["fallback_url"]);
    assert!(api.visit(&fallback).text.contains("CHARGED"));
    assert_eq!(api.order_status("fallback1").json["status"], "CHARGED");
    assert_eq!(otp_and_charges(&api), counters(1, 1));
}

// -------------------------------------------------------------------------------------------
// x-routing-id and content types
// -------------------------------------------------------------------------------------------

#[test]
fn routing_id_is_required_on_txns_authenticate_and_resend() {
    let api = Api::start();
    let missing = invalid("Missing mandatory header: x-routing-id");
    api.create_order("route1", "10");
    let form = api.card_form("route1", magic::CARD_NATIVE_OTP);
    assert_error(&api.send(Call::post("/txns").form(&form)), 400, &missing);
    assert_error(
        &api.send(Call::post("/txns").routing("  ").form(&form)),
        400,
        &missing,
    );
    assert_eq!(otp_and_charges(&api), counters(0, 0));

    let txn = api.start_txn("route1", magic::CARD_NATIVE_OTP);
    let id = text(&txn.json["txn_uuid"]);
    let challenge = text(&txn.json["payment"]["authentication"]["params"]["challenge_id"]);
    assert_error(
        &api.send(Call::post(&format!("/v2/txns/{id}/authenticate")).form(&[
            ("challenge_id", challenge.as_str()),
            ("answer.otp", magic::RIGHT_OTP),
        ])),
        400,
        &missing,
    );
    assert_error(
        &api.send(Call::post(&format!(
            "/v2/txns/{id}/authenticate/{challenge}/resend"
        ))),
        400,
        &missing,
    );
    assert_eq!(otp_and_charges(&api), counters(1, 0));
    // Order status may omit it.
    assert_eq!(api.send(Call::get("/orders/route1")).status, 200);
}

#[test]
fn routing_id_must_stay_the_same_for_an_order() {
    let api = Api::start();
    let mismatch = invalid("x-routing-id does not match the one used for this order");

    // Bound by /txns.
    let (id, challenge) = api.native_txn("route2", "10");
    assert_error(
        &api.send(
            Call::post(&format!("/v2/txns/{id}/authenticate"))
                .routing("someone_else")
                .form(&[
                    ("challenge_id", challenge.as_str()),
                    ("answer.otp", magic::RIGHT_OTP),
                ]),
        ),
        400,
        &mismatch,
    );
    assert_error(
        &api.send(
            Call::post(&format!("/v2/txns/{id}/authenticate/{challenge}/resend"))
                .routing("someone_else"),
        ),
        400,
        &mismatch,
    );
    assert_error(
        &api.send(Call::get("/orders/route2").routing("someone_else")),
        400,
        &mismatch,
    );
    let other_txn = api.send(
        Call::post("/txns")
            .routing("someone_else")
            .form(&api.card_form("route2", magic::CARD_NATIVE_OTP)),
    );
    assert_error(&other_txn, 400, &mismatch);
    assert_eq!(
        otp_and_charges(&api),
        counters(1, 0),
        "refused calls send nothing and charge nothing"
    );
    // Nothing was consumed: the first answer is still attempt 1.
    let wrong = api.authenticate(&id, &challenge, "999999");
    assert_eq!(
        wrong.json["payment"]["authentication"]["params"]["current_attempt"],
        2
    );

    // Bound at order creation.
    let created = api.send(
        Call::post("/orders")
            .routing("cart_77")
            .form(&[("order_id", "route3"), ("amount", "3")]),
    );
    assert_eq!(created.status, 200);
    assert_error(
        &api.start_txn("route3", magic::CARD_NATIVE_OTP),
        400,
        &mismatch,
    );
    let matching = api.send(
        Call::post("/txns")
            .routing("cart_77")
            .form(&api.card_form("route3", magic::CARD_NATIVE_OTP)),
    );
    assert_eq!(matching.json["status"], "PENDING_VBV", "{}", matching.text);
}

#[test]
fn form_endpoints_refuse_other_content_types() {
    let api = Api::start();
    let wrong_type = invalid("Content-Type must be application/x-www-form-urlencoded");
    api.create_order("ctype1", "10");
    let json_body = json!({"order_id": "ctype1", "merchant_id": api.merchant_id}).to_string();
    assert_error(
        &api.send(
            Call::post("/txns")
                .routing(ROUTING)
                .raw(Some("application/json"), &json_body),
        ),
        400,
        &wrong_type,
    );
    assert_eq!(otp_and_charges(&api), counters(0, 0));
    let (id, challenge) = api.native_txn("ctype2", "10");
    let body = format!("challenge_id={challenge}&answer.otp={}", magic::RIGHT_OTP);
    for content_type in [
        Some("text/plain"),
        Some("application/json"),
        Some("multipart/form-data"),
        None,
    ] {
        assert_error(
            &api.send(
                Call::post(&format!("/v2/txns/{id}/authenticate"))
                    .routing(ROUTING)
                    .raw(content_type, &body),
            ),
            400,
            &wrong_type,
        );
    }
    assert_eq!(otp_and_charges(&api), counters(1, 0));
    let ok = api.send(
        Call::post(&format!("/v2/txns/{id}/authenticate"))
            .routing(ROUTING)
            .raw(
                Some("Application/X-WWW-Form-Urlencoded;charset=utf-8"),
                &body,
            ),
    );
    assert_eq!(ok.json["status"], "CHARGED", "{}", ok.text);
}

// -------------------------------------------------------------------------------------------
// Documented bad requests
// -------------------------------------------------------------------------------------------

#[test]
fn txns_refuse_bad_requests_without_sending_an_otp() {
    let api = Api::start();
    api.create_order("bad1", "10");
    let full = api.card_form("bad1", magic::CARD_NATIVE_OTP);
    for field in [
        "order_id",
        "merchant_id",
        "payment_method_type",
        "format",
        "auth_type",
        "card_number",
        "card_exp_month",
        "card_exp_year",
        "card_security_code",
        "save_to_locker",
    ] {
        let form: Vec<(&str, &str)> = full.iter().copied().filter(|(k, _)| *k != field).collect();
        assert_error(
            &api.send(Call::post("/txns").routing(ROUTING).form(&form)),
            400,
            &invalid(&format!("Missing mandatory parameter: {field}")),
        );
    }
    let replaced = |field: &str, value: &'static str| -> Vec<(String, String)> {
        full.iter()
            .map(|(k, v)| {
                (
                    (*k).to_owned(),
                    if *k == field {
                        value.to_owned()
                    } else {
                        (*v).to_owned()
                    },
                )
            })
            .collect()
    };
    let cases: &[(&str, &'static str, &str)] = &[
        (
            "payment_method_type",
            "NB",
            "Invalid value for payment_method_type: expected CARD",
        ),
        ("format", "xml", "Invalid value for format: expected json"),
        (
            "auth_type",
            "THREE_DS",
            "Invalid value for auth_type: expected OTP",
        ),
        (
            "merchant_id",
            "someone_else",
            "Invalid value for merchant_id: expected the authenticated merchant's id",
        ),
        (
            "card_number",
            "4242424242424241",
            "Invalid value for card_number: expected a valid card number",
        ),
        (
            "card_number",
            "4242",
            "Invalid value for card_number: expected a valid card number",
        ),
        (
            "card_number",
            "424242424242424x",
            "Invalid value for card_number: expected a valid card number",
        ),
        (
            "card_exp_month",
            "13",
            "Invalid value for card_exp_month: expected MM, 01 to 12",
        ),
        (
            "card_exp_month",
            "1",
            "Invalid value for card_exp_month: expected MM, 01 to 12",
        ),
        (
            "card_exp_year",
            "2039",
            "Invalid value for card_exp_year: expected YY, two digits",
        ),
        ("card_exp_year", "21", "Card expired"),
        (
            "card_security_code",
            "12",
            "Invalid value for card_security_code: expected 3 or 4 digits",
        ),
        (
            "save_to_locker",
            "yes",
            "Invalid value for save_to_locker: expected true or false",
        ),
        (
            "payment_method",
            "DISCOVER",
            "Invalid value for payment_method: expected one of VISA, MASTERCARD, MAESTRO, AMEX, RUPAY",
        ),
    ];
    for (field, value, message) in cases {
        let mut form = replaced(field, value);
        if !form.iter().any(|(k, _)| k == field) {
            form.push(((*field).to_owned(), (*value).to_owned()));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_error(
            &api.send(Call::post("/txns").routing(ROUTING).form(&pairs)),
            400,
            &invalid(message),
        );
    }
    let mut named = full.clone();
    named.push(("name_on_card", "R2 D2"));
    assert_error(
        &api.send(Call::post("/txns").routing(ROUTING).form(&named)),
        400,
        &invalid("Invalid value for name_on_card: expected alphabetical characters only"),
    );
    assert_error(
        &api.start_txn("nosuchorder", magic::CARD_NATIVE_OTP),
        404,
        &json!({"status": "error", "error_code": "not_found", "error_message": "Order not found"}),
    );
    assert_eq!(otp_and_charges(&api), counters(0, 0));
    assert_eq!(api.order_status("bad1").json["status"], "NEW");
}

#[test]
fn saved_card_token_gets_the_native_challenge() {
    let api = Api::start();
    api.create_order("saved1", "10");
    let txn = api.send(Call::post("/txns").routing(ROUTING).form(&[
        ("order_id", "saved1"),
        ("merchant_id", api.merchant_id.as_str()),
        ("payment_method_type", "CARD"),
        ("card_token", "tkn_abc"),
        ("card_security_code", "123"),
        ("format", "json"),
        ("auth_type", "OTP"),
    ]));
    assert_eq!(txn.status, 200, "{}", txn.text);
    let params = &txn.json["payment"]["authentication"]["params"];
    assert!(params.get("card_isin").is_none());
    assert_eq!(otp_and_charges(&api), counters(1, 0));
    let charged = api.authenticate(
        &text(&params["id"]),
        &text(&params["challenge_id"]),
        magic::RIGHT_OTP,
    );
    assert_eq!(charged.json["status"], "CHARGED");
    assert_eq!(
        charged.json["payment_info"]["card"]["using_saved_card"],
        true
    );
}

#[test]
fn authenticate_refuses_bad_requests_without_using_an_attempt() {
    let api = Api::start();
    let (id, challenge) = api.native_txn("badauth1", "10");
    assert_error(
        &api.authenticate("eulnosuchtxn", &challenge, magic::RIGHT_OTP),
        404,
        &json!({"status": "error", "error_code": "not_found", "error_message": "Transaction not found"}),
    );
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("answer.otp", magic::RIGHT_OTP)],
            "Missing mandatory parameter: challenge_id",
        ),
        (
            &[("challenge_id", "CH")],
            "Missing mandatory parameter: answer.otp",
        ),
        (
            &[("challenge_id", "CH"), ("answer.otp", "45ab89")],
            "Invalid value for answer.otp: expected 4 to 8 digits",
        ),
        (
            &[
                ("challenge_id", "CH"),
                ("answer.otp", magic::RIGHT_OTP),
                ("auto_capture", "later"),
            ],
            "Invalid value for auto_capture: expected true or false",
        ),
        (
            &[
                ("challenge_id", "ch_other"),
                ("answer.otp", magic::RIGHT_OTP),
            ],
            "Invalid value for challenge_id: expected the transaction's challenge",
        ),
    ];
    for (form, message) in cases {
        let form: Vec<(&str, &str)> = form
            .iter()
            .map(|(k, v)| (*k, if *v == "CH" { challenge.as_str() } else { *v }))
            .collect();
        assert_error(&api.authenticate_with(&id, &form), 400, &invalid(message));
    }
    let wrong = api.authenticate(&id, &challenge, "123456");
    assert_eq!(
        wrong.json["payment"]["authentication"]["params"]["current_attempt"], 2,
        "{}",
        wrong.text
    );
    assert_eq!(otp_and_charges(&api), counters(1, 0));
}

#[test]
fn garbage_never_crashes_the_simulator() {
    let api = Api::start();
    api.create_order("garbage1", "10");
    let bodies = [
        "%",
        "&&&",
        "=",
        "a=%FF%FE",
        "order_id=%00",
        "\u{0}\u{1}",
        "order_id=garbage1&order_id=other",
    ];
    for body in bodies {
        for path in ["/orders", "/txns", "/v2/txns/x/authenticate"] {
            let answer = api.send(Call::post(path).routing(ROUTING).raw(Some(FORM), body));
            assert!(
                (400..500).contains(&answer.status),
                "{path} {body:?}: {}",
                answer.text
            );
            assert!(
                answer.json["error_code"].is_string(),
                "{path} {body:?}: {}",
                answer.text
            );
        }
    }
    for path in [
        "/cardbins/%FF",
        "/orders/%FF",
        "/cardbins/424242?%FF=%FF",
        "/v2/pay/start/guest/%FF",
    ] {
        let answer = api.send(Call::get(path));
        assert!(
            (400..500).contains(&answer.status),
            "{path}: {}",
            answer.text
        );
    }
    let resend = api.send(Call::post("/v2/txns/%FF/authenticate/%FE/resend").routing(ROUTING));
    assert!((400..500).contains(&resend.status), "{}", resend.text);
    // The simulator still serves.
    assert_eq!(api.order_status("garbage1").json["status"], "NEW");
}

#[test]
fn concurrent_payments_charge_exactly_once_each() {
    let api = Api::start();
    let journeys = 16;
    std::thread::scope(|scope| {
        for n in 0..journeys {
            let api = &api;
            scope.spawn(move || {
                let order_id = format!("conc{n}");
                let (id, challenge) = api.native_txn(&order_id, "7.50");
                api.resend(&id, &challenge);
                assert_eq!(
                    api.authenticate(&id, &challenge, "000000").json["status"],
                    "PENDING_VBV"
                );
                assert_eq!(
                    api.authenticate(&id, &challenge, magic::RIGHT_OTP).json["status"],
                    "CHARGED"
                );
                assert_eq!(
                    api.authenticate(&id, &challenge, magic::RIGHT_OTP).status,
                    400
                );
                assert_eq!(api.order_status(&order_id).json["status"], "CHARGED");
            });
        }
    });
    assert_eq!(otp_and_charges(&api), counters(2 * journeys, journeys));
}
