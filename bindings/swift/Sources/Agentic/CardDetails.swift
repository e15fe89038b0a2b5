// Hand-written (not generated): the generated bindings (agentic.swift) map the SDK's
// `CardDetails` to this type (crates/agentic-ffi/uniffi.toml), so that no description prints
// the card. Its public API is in api-snapshot.txt with the generated one.

/// The card the user typed, for `startEnrollment`, `startDirectOtp` and their resumes. The SDK
/// checks every field (the number's Luhn digit, `MM`, `YY`, 3–4 digits) and names a bad one.
///
/// **Secret**: `description`, `debugDescription` and the mirror show no field; never log them.
public struct CardDetails: Equatable, Hashable, Sendable {
    /// The card number (PAN).
    public let number: String
    /// The expiry month, `MM`.
    public let expMonth: String
    /// The expiry year, `YY`.
    public let expYear: String
    /// The security code (CVV).
    public let securityCode: String
    /// The name on the card (enrollment's tokenize call), if the user gave it.
    public let nameOnCard: String?

    public init(number: String, expMonth: String, expYear: String, securityCode: String, nameOnCard: String? = nil) {
        self.number = number
        self.expMonth = expMonth
        self.expYear = expYear
        self.securityCode = securityCode
        self.nameOnCard = nameOnCard
    }
}

extension CardDetails: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "CardDetails(…)" }
    public var debugDescription: String { "CardDetails(…)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension CardDetails {
    /// The form the SDK reads: five fields joined by NUL, which none holds; the name marked with
    /// a leading `=` (the field empty when there is none).
    var fields: String {
        [number, expMonth, expYear, securityCode, nameOnCard.map { "=" + $0 } ?? ""]
            .joined(separator: "\u{0}")
    }

    /// The SDK never returns a card; this reads its format back all the same.
    init(fields: String) {
        let parts = fields.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
        func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
        self.init(
            number: part(0), expMonth: part(1), expYear: part(2), securityCode: part(3),
            nameOnCard: part(4).isEmpty ? nil : String(part(4).dropFirst())
        )
    }
}
