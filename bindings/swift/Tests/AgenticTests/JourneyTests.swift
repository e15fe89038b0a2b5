import Agentic
import Foundation
import XCTest

/// Journeys end to end against the sandbox (see `Sandbox`), through the generated bindings and
/// the Rust library: a Direct OTP payment and a Visa Acceptance passkey with a step-up OTP, each
/// once on `URLSessionTransport` (every request the sandbox counted went through it) and once
/// on the library's own HTTP stack (skipped when the library was built with the mobile feature
/// set, which has none). Also: the errors a Swift app sees, and no secret in any printed value.
///
/// Run on a Mac: `scripts/build-xcframework.sh`, `cargo build -p agentic-cli`, then
/// `swift test` in bindings/swift. No Swift toolchain runs these in this repository's CI; there
/// `cargo xtask test` checks the generated bindings, header, library and API snapshot instead.
final class JourneyTests: XCTestCase {
    private var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox.shared()
    }

    // MARK: - Direct OTP (Juspay EC)

    func testDirectOtpWithTheNativeOtpOnURLSession() throws {
        try directOtpWithTheNativeOtp(.urlSession)
    }

    func testDirectOtpWithTheNativeOtpOnTheBuiltInStack() throws {
        try directOtpWithTheNativeOtp(.builtIn)
    }

    private func directOtpWithTheNativeOtp(_ stack: Stack) throws {
        let client = try TestClient(sandbox, stack)
        let pilot = Pilot(sandbox)
        let charges = try sandbox.counters()["charges"] ?? 0
        let params = Journeys.directOtp(cardBin: String(Magic.cardNativeOtp.prefix(6)))
        try counted(client, pilot) {
            let session = try client.client.startDirectOtp(
                params: params,
                card: CardDetails(
                    number: Magic.cardNativeOtp,
                    expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
                )
            )
            XCTAssertEqual(session.kind(), .directOtp)
            guard case let .paid(orderId, _, status) = try pilot.complete(session) else {
                return XCTFail("not paid")
            }
            XCTAssertEqual(orderId, params.orderId)
            XCTAssertEqual(status, "CHARGED")
        }
        XCTAssertEqual(pilot.prompts, ["EnterOtp"])
        XCTAssertEqual(try sandbox.counters()["charges"], charges + 1)
    }

    // MARK: - Visa Acceptance passkey

    func testVisaAcceptancePasskeyWithAStepUpOtpOnURLSession() throws {
        try visaAcceptancePasskeyWithAStepUpOtp(.urlSession)
    }

    func testVisaAcceptancePasskeyWithAStepUpOtpOnTheBuiltInStack() throws {
        try visaAcceptancePasskeyWithAStepUpOtp(.builtIn)
    }

    private func visaAcceptancePasskeyWithAStepUpOtp(_ stack: Stack) throws {
        let client = try TestClient(sandbox, stack)
        let pilot = Pilot(sandbox)
        let before = try sandbox.counters()
        try counted(client, pilot) {
            let session = try client.client.startVisaPasskey(params: Journeys.visaPasskey(sandbox))
            XCTAssertEqual(session.kind(), .visaPasskey)
            guard case let .passkeyVerified(action, assurance) = try pilot.complete(session) else {
                return XCTFail("the passkey was not verified")
            }
            XCTAssertEqual(action, .register)
            XCTAssertFalse(assurance.fidoBlob().isEmpty)
        }
        XCTAssertEqual(
            pilot.prompts,
            [
                "ProvideVisaSession", "ProvideVisaSession", "ChooseStepUp", "EnterOtp",
                "PasskeyCeremony(Register)",
            ]
        )
        let after = try sandbox.counters()
        XCTAssertEqual((after["otps_sent"] ?? 0) - (before["otps_sent"] ?? 0), 1)
        XCTAssertEqual(
            (after["passkeys_registered"] ?? 0) - (before["passkeys_registered"] ?? 0), 1
        )
    }

    // MARK: - Errors a Swift app sees

    func testAWrongOtpIsAPromptAgainNotAnError() throws {
        let client = try TestClient(sandbox, .urlSession)
        let session = try client.client.startDirectOtp(
            params: Journeys.directOtp(),
            card: CardDetails(
                number: Magic.cardNativeOtp,
                expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
            )
        )
        guard case .prompt(.enterOtp) = try session.advance() else {
            return XCTFail("expected EnterOtp")
        }
        // The answer runs on and returns the next step; advance() returns it again.
        let retry = try session.submitOtp(otp: Magic.wrongOtp)
        guard case let .prompt(.enterOtp(_, _, _, lastAttemptFailed, _)) = retry else {
            return XCTFail("expected EnterOtp again")
        }
        XCTAssertTrue(lastAttemptFailed)
        guard case .prompt(.enterOtp(_, _, _, true, _)) = try session.advance() else {
            return XCTFail("expected the same EnterOtp from advance()")
        }
        try session.cancel()
        guard case .failed(.cancelled) = try session.advance() else {
            return XCTFail("expected Cancelled")
        }
    }

    func testTheCardShowsNoField() {
        let card = CardDetails(
            number: Magic.cardNativeOtp, expMonth: Magic.expMonth, expYear: Magic.expYear,
            securityCode: Magic.cvv, nameOnCard: "Ada Lovelace"
        )
        for text in [String(describing: card), String(reflecting: card)] {
            XCTAssertEqual(text, "CardDetails(…)")
        }
        var dumped = ""
        dump(card, to: &dumped)
        XCTAssertFalse(dumped.contains(Magic.cardNativeOtp) || dumped.contains("Ada"), dumped)
    }

    func testAPageEventShowsNeitherPart() {
        let event = PageEvent(json: #"{"secureToken":"ezAwMX06"}"#, origin: sandbox.origin)
        for text in [String(describing: event), String(reflecting: event)] {
            XCTAssertEqual(text, "PageEvent(…)")
        }
        var dumped = ""
        dump(event, to: &dumped)
        XCTAssertFalse(dumped.contains("ezAwMX06"), dumped)
    }

    func testInvalidInputNamesTheField() throws {
        let client = try TestClient(sandbox, .urlSession)
        XCTAssertThrowsError(
            try client.client.startDirectOtp(
                params: Journeys.directOtp(),
                card: CardDetails(
                    number: "4242",
                    expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
                )
            )
        ) { error in
            guard let error = error as? AgenticError, case let .InvalidInput(field, _) = error
            else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
            XCTAssertFalse(field.isEmpty)
            XCTAssertFalse(String(describing: error).contains("4242"))
        }
    }

    func testAnAnswerToAnotherPromptIsInvalidState() throws {
        let client = try TestClient(sandbox, .urlSession)
        let session = try client.client.startDirectOtp(
            params: Journeys.directOtp(),
            card: CardDetails(
                number: Magic.cardNativeOtp,
                expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
            )
        )
        XCTAssertThrowsError(try session.redirectCompleted()) { error in
            guard let error = error as? AgenticError, case .InvalidState = error else {
                return XCTFail("expected InvalidState, got \(error)")
            }
        }
        try session.cancel()
    }

    func testATransportFailureBeforeSendingIsANetworkErrorNotSent() throws {
        let client = try TestClient(sandbox, .failing)
        let session = try client.client.startDirectOtp(
            params: Journeys.directOtp(),
            card: CardDetails(
                number: Magic.cardNativeOtp,
                expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
            )
        )
        XCTAssertThrowsError(try session.advance()) { error in
            guard let error = error as? AgenticError, case let .Network(_, maybeSent) = error
            else {
                return XCTFail("expected Network, got \(error)")
            }
            XCTAssertFalse(maybeSent)
        }
    }

    func testACheckpointResumesTheJourney() throws {
        let client = try TestClient(sandbox, .urlSession)
        let pilot = Pilot(sandbox)
        let charges = try sandbox.counters()["charges"] ?? 0
        let params = Journeys.directOtp()
        let session = try client.client.startDirectOtp(
            params: params,
            card: CardDetails(
                number: Magic.cardNativeOtp,
                expMonth: Magic.expMonth, expYear: Magic.expYear, securityCode: Magic.cvv
            )
        )
        guard case .prompt(.enterOtp) = try session.advance() else {
            return XCTFail("expected EnterOtp")
        }
        // The checkpoint is what an app stores to survive being killed at this prompt.
        let checkpoint = session.checkpoint()
        XCTAssertFalse(checkpoint.contains(Magic.cardNativeOtp))
        XCTAssertTrue(checkpoint.contains(params.orderId ?? "-"))
        XCTAssertEqual(try checkpointJourneyKind(checkpoint: checkpoint), .directOtp)
        let resumed = try client.client.resumeDirectOtp(checkpoint: checkpoint)
        guard case let .paid(orderId, _, _) = try pilot.complete(resumed) else {
            return XCTFail("not paid")
        }
        XCTAssertEqual(orderId, params.orderId)
        XCTAssertEqual(pilot.prompts, ["EnterOtp"])
        XCTAssertEqual(try sandbox.counters()["charges"], charges + 1)
        pilot.assertNoSecretPrinted()
    }

    // MARK: - Helpers

    /// Runs `body`; with a counting transport, checks that it carried every request the
    /// sandbox saw; then checks that no secret appears in anything the SDK printed.
    private func counted(_ client: TestClient, _ pilot: Pilot, _ body: () throws -> Void) throws {
        let before = try sandbox.counters()["requests"] ?? 0
        try body()
        let requests = (try sandbox.counters()["requests"] ?? 0) - before
        if let transport = client.transport {
            // The bank page is visited by the test's own URLSession, not the SDK's transport.
            XCTAssertEqual(requests, Int64(transport.count + pilot.bankPagesVisited))
            XCTAssertGreaterThan(transport.count, 0)
        }
        pilot.assertNoSecretPrinted()
    }
}

/// The sandbox's magic values (crates/agentic-sandbox/README.md).
enum Magic {
    static let rightOtp = "456789"
    static let wrongOtp = "111111"
    /// Juspay EC: the native OTP challenge.
    static let cardNativeOtp = "4242424242424242"
    static let cvv = "123"
    static let expMonth = "12"
    /// Four years from now, two digits.
    static let expYear: String = {
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        return String(format: "%02d", (year + 4) % 100)
    }()
}

/// Which HTTP stack a client sends with.
enum Stack {
    /// `URLSessionTransport`, counted.
    case urlSession
    /// The library's own (ureq + rustls); absent from the mobile feature set.
    case builtIn
    /// A transport that fails every request before sending it.
    case failing
}

/// `prefix` + 10 random lowercase alphanumerics.
func unique(_ prefix: String) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return prefix + String((0..<10).map { _ in alphabet.randomElement()! })
}

/// Counts the requests that go through the app's transport.
final class CountingTransport: HttpTransport, @unchecked Sendable {
    private let inner: HttpTransport
    private let lock = NSLock()
    private var sent = 0

    init(_ inner: HttpTransport) { self.inner = inner }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    func send(request: HttpRequest) throws -> HttpResponse {
        lock.lock()
        sent += 1
        lock.unlock()
        return try inner.send(request: request)
    }
}

/// Refuses every request as if the host could not be reached.
final class FailingTransport: HttpTransport, @unchecked Sendable {
    func send(request: HttpRequest) throws -> HttpResponse {
        throw HttpTransportError.Failed(reason: "offline (test)", maybeSent: false)
    }
}

/// A client for the sandbox on one stack.
final class TestClient {
    let client: AgenticClient
    let transport: CountingTransport?

    init(_ sandbox: Sandbox, _ stack: Stack) throws {
        let settings = ClientSettings(
            juspay: JuspaySettings(
                environment: sandbox.baseUrl,
                merchantId: sandbox.juspayMerchantId,
                routingId: unique("swift_customer_")
            ),
            visaAcceptance: VisaAcceptanceSettings(
                environment: sandbox.baseUrl,
                merchantId: sandbox.visaMerchantId,
                keyId: sandbox.visaKeyId
            ),
            connectTimeoutMs: 5_000,
            readTimeoutMs: 15_000,
            overallTimeoutMs: 20_000
        )
        let appTransport: HttpTransport?
        switch stack {
        case .urlSession:
            let counting = CountingTransport(URLSessionTransport())
            transport = counting
            appTransport = counting
        case .builtIn:
            transport = nil
            appTransport = nil
        case .failing:
            transport = nil
            appTransport = FailingTransport()
        }
        do {
            client = try AgenticClient(
                settings: settings,
                juspayApiKey: sandbox.juspayApiKey,
                visaSharedSecret: sandbox.visaSharedSecret,
                transport: appTransport
            )
        } catch let AgenticError.Configuration(detail) where stack == .builtIn {
            throw XCTSkip("the library has no HTTP stack of its own (mobile feature set): \(detail)")
        }
    }
}

/// The public parameters of each journey as the tests run it.
enum Journeys {
    static func directOtp(amount: String = "100.00", cardBin: String? = nil) -> DirectOtpParams {
        DirectOtpParams(
            orderId: unique("sw"),
            newOrder: NewOrder(amount: amount, currency: "INR", customerId: "swift_customer"),
            cardBin: cardBin
        )
    }

    static func visaPasskey(_ sandbox: Sandbox) -> VisaPasskeyParams {
        VisaPasskeyParams(
            tokenId: unique("tkn_swift_"),
            amount: "25.00",
            currency: "USD",
            merchantName: "Agentic Swift Store",
            merchantUrl: "https://shop.agentic.invalid",
            buyerLanguage: "en-US",
            email: "cardholder@example.com",
            pageOrigin: sandbox.origin
        )
    }
}

/// Plays the app, its cardholder and the Visa page (the sandbox's headless page) for one
/// journey, like the CLI's autopilot: the right OTP, an OTP step-up method, the page's messages
/// relayed with the page's origin, the bank page visited. Remembers every secret it handled and
/// every text the SDK produced, to check that no secret was printed.
final class Pilot {
    private let sandbox: Sandbox
    private(set) var prompts: [String] = []
    private(set) var bankPagesVisited = 0
    private var secrets: Set<String> = []
    private var texts: [(String, String)] = []

    init(_ sandbox: Sandbox) {
        self.sandbox = sandbox
        secret(sandbox.juspayApiKey)
        secret(sandbox.visaSharedSecret)
        secret(Magic.rightOtp)
        secret(Magic.cardNativeOtp)
    }

    /// Advances once, then answers (each answer returns the next step) until the journey ends;
    /// returns its last step.
    func run(_ session: JourneySession, maxPrompts: Int = 30) throws -> SessionStep {
        var next = try session.advance()
        for _ in 0..<maxPrompts {
            let step = next
            texts.append(("a step", String(describing: step)))
            texts.append(("a checkpoint", session.checkpoint()))
            switch step {
            case let .prompt(prompt):
                next = try answer(session, prompt)
            case let .done(outcome):
                observe(outcome)
                return step
            case .failed:
                return step
            }
        }
        throw SandboxError("more than \(maxPrompts) prompts")
    }

    /// Runs the journey and returns its outcome; throws on any other end.
    func complete(_ session: JourneySession) throws -> OutcomeView {
        let step = try run(session)
        guard case let .done(outcome) = step else {
            throw SandboxError("the journey did not complete: \(step)")
        }
        return outcome
    }

    func assertNoSecretPrinted(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(secrets.isEmpty, file: file, line: line)
        for (place, text) in texts {
            for value in secrets where holdsSecret(text, value) {
                XCTFail("a secret (\(value.prefix(3))…) appears in \(place)", file: file, line: line)
            }
        }
    }

    private func secret(_ value: String?) {
        // Short values (a CVV, an expiry month) occur in any text by chance.
        if let value = value, value.count >= 6 { secrets.insert(value) }
    }

    private func observe(_ outcome: OutcomeView) {
        switch outcome {
        case let .authorised(credentials):
            secret(credentials.tokenNumber())
            secret(credentials.cryptogram())
        case let .passkeyVerified(_, assurance):
            secret(assurance.fidoBlob())
        case .enrolled, .paid:
            break
        }
        texts.append(("the outcome", String(describing: outcome)))
    }

    /// Answers one prompt as the app would; returns the step the answer ran on to.
    private func answer(_ session: JourneySession, _ prompt: PromptView) throws -> SessionStep {
        switch prompt {
        case let .provideVisaSession(_, messageToPost):
            prompts.append("ProvideVisaSession")
            if let message = messageToPost {
                XCTAssertEqual(Sandbox.jsonString(message.json, key: "type"), "CREATE_AUTH_SESSION")
                let reply = try sandbox.pageSession(message.json)
                secret(Sandbox.jsonString(reply, key: "secureToken"))
                return try session.visaMessage(event: PageEvent(json: reply, origin: sandbox.origin))
            } else {
                // The page loaded: it posts AUTH_READY.
                let ready = "{\"type\":\"AUTH_READY\",\"requestID\":\"\(unique("ready"))\"}"
                return try session.visaMessage(event: PageEvent(json: ready, origin: sandbox.origin))
            }
        case let .chooseStepUp(methods):
            prompts.append("ChooseStepUp")
            let otpMethod = methods.first { $0.method == .otpSms }
                ?? methods.first { $0.method == .otpEmail || $0.method == .otpOnlineBanking }
            guard let chosen = otpMethod else {
                throw SandboxError("no OTP method offered: \(methods)")
            }
            return try session.chooseStepUp(identifier: chosen.identifier)
        case .enterOtp:
            prompts.append("EnterOtp")
            return try session.submitOtp(otp: Magic.rightOtp)
        case .completeStepUp:
            prompts.append("CompleteStepUp")
            return try session.stepUpCompleted()
        case let .passkeyCeremony(messageToPost, _, _, action):
            prompts.append("PasskeyCeremony(\(Pilot.name(action)))")
            let authenticate = messageToPost.json
            texts.append(("a page message", String(reflecting: messageToPost)))
            texts.append(("a page message", String(describing: messageToPost)))
            secret(Sandbox.jsonString(authenticate, key: "payload"))
            let reply = try sandbox.pageCeremony(authenticate)
            secret(Sandbox.jsonString(reply, key: "fidoBlob"))
            return try session.visaMessage(event: PageEvent(json: reply, origin: sandbox.origin))
        case let .redirect(url):
            prompts.append("Redirect")
            XCTAssertEqual(try sandbox.visit(url), 200)
            bankPagesVisited += 1
            return try session.redirectCompleted()
        case let .confirmUnknownOutcome(operation, _):
            throw SandboxError("unexpected unknown outcome of \(operation)")
        }
    }

    static func name(_ action: PasskeyAction) -> String {
        switch action {
        case .register: return "Register"
        case .authenticate: return "Authenticate"
        case let .other(name): return "Other(\(name))"
        }
    }
}

/// Whether `text` holds `secret`. A number of up to 8 digits (an OTP, the 3-digit cryptogram)
/// counts only as a whole word: "456789" inside the clock reading 1700004567890 is chance, while
/// "456789" or otp=456789 is a leak. Anything else (a card or token number, text) counts anywhere.
/// The same rule as the Rust, C, Python and Kotlin canaries.
func holdsSecret(_ text: String, _ secret: String) -> Bool {
    guard (1...8).contains(secret.count), secret.allSatisfy({ ("0"..."9").contains($0) }) else {
        return text.contains(secret)
    }
    func isWord(_ character: Character?) -> Bool {
        guard let character = character else { return false }
        return character.isASCII && (character.isLetter || character.isNumber) || character == "_"
    }
    var from = text.startIndex
    while let found = text.range(of: secret, range: from..<text.endIndex) {
        let before: Character? =
            found.lowerBound > text.startIndex ? text[text.index(before: found.lowerBound)] : nil
        let after: Character? = found.upperBound < text.endIndex ? text[found.upperBound] : nil
        if !isWord(before) && !isWord(after) { return true }
        from = text.index(after: found.lowerBound)
    }
    return false
}
