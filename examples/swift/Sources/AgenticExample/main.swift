// One Direct OTP payment against the sandbox: the SDK creates the order, starts the card
// payment, asks for the OTP the bank sent, and ends with the payment's status. Every request
// goes through URLSession (URLSessionTransport). The credentials are the sandbox's published
// test values (`agentic sandbox` prints them); a real app gets its own from Juspay.
import Agentic
import Foundation

let sandbox = CommandLine.arguments.dropFirst().first ?? "http://127.0.0.1:8080"
let settings = ClientSettings(
    juspay: JuspaySettings(
        environment: sandbox,
        merchantId: "agentic_sandbox",
        routingId: "customer_1"
    )
)
// Any future expiry: December, four years from now.
let expiryYear = String(
    format: "%02d", (Calendar(identifier: .gregorian).component(.year, from: Date()) + 4) % 100
)

do {
    let client = try AgenticClient(
        settings: settings,
        juspayApiKey: "sandbox_api_key_5f2c",
        transport: URLSessionTransport()
    )
    let session = try client.startDirectOtp(
        params: DirectOtpParams(newOrder: NewOrder(amount: "100.00", currency: "INR")),
        card: CardDetails(
            number: "4242424242424242", // the sandbox's native-OTP card
            expMonth: "12", expYear: expiryYear, securityCode: "123"
        )
    )
    print("agentic \(sdkVersion()): Direct OTP payment of 100.00 INR on \(sandbox)")
    // advance() and every answer block while the SDK talks to the provider (never call them
    // on the main thread of an app); each returns the next step.
    var step = try session.advance()
    journey: while true {
        switch step {
        case let .prompt(.enterOtp(attemptsLeft, _, _, _, _)):
            print("the bank sent an OTP (\(attemptsLeft) attempts left); entering the sandbox's")
            step = try session.submitOtp(otp: "456789")
        case let .prompt(other):
            print("this example does not handle \(other): cancelling")
            try session.cancel()
            step = try session.advance()
        case let .done(.paid(orderId, _, status)):
            print("paid: order \(orderId), status \(status)")
            break journey
        case let .done(outcome):
            print("done: \(outcome)")
            break journey
        case let .failed(failure):
            print("failed: \(failure)")
            exit(1)
        }
    }
} catch {
    print("error: \(error)")
    exit(1)
}
