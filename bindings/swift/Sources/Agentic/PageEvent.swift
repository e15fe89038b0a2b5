// Hand-written (not generated): the generated bindings (agentic.swift) map the SDK's
// `PageEvent` to this type (crates/agentic-ffi/uniffi.toml), so that no description prints the
// message. Its public API is in api-snapshot.txt with the generated one.

/// A message the Visa auth page posted, for `visaMessage`: the message's data as JSON text
/// (`event.data`) and the origin the web view reported for it (`event.origin`). The SDK refuses
/// a message from any other origin than the prompt's.
///
/// **Secret**: the page's messages carry the `secureToken` and the passkey result.
/// `description`, `debugDescription` and the mirror show neither part (were the two swapped,
/// the origin would hold the message); never log `json`.
public struct PageEvent: Equatable, Hashable, Sendable {
    /// The message as JSON text, as the page posted it.
    public let json: String
    /// The origin the web view reported for the message.
    public let origin: String

    public init(json: String, origin: String) {
        self.json = json
        self.origin = origin
    }
}

extension PageEvent: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "PageEvent(…)" }
    public var debugDescription: String { "PageEvent(…)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension PageEvent {
    /// The form the SDK reads: the origin, a NUL (which neither holds), the message.
    var fields: String { origin + "\u{0}" + json }

    /// The SDK never returns an event; this reads its format back all the same.
    init(fields: String) {
        let parts = fields.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(
            json: parts.count > 1 ? String(parts[1]) : fields,
            origin: parts.count > 1 ? String(parts[0]) : ""
        )
    }
}
