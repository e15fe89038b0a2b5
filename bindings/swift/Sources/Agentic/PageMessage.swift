// Hand-written (not generated): the generated bindings (agentic.swift) map the SDK's
// `PageMessage` to this type (crates/agentic-ffi/uniffi.toml), so that no description of a
// prompt prints the message. Its public API is in api-snapshot.txt with the generated one.

/// A message for the Visa auth page, carried by the `provideVisaSession` and `passkeyCeremony`
/// prompts: post `json` to the page with the prompt's origin as the target origin.
///
/// **Secret**: the `AUTHENTICATE` message holds the signed payload. `description`,
/// `debugDescription` and the mirror show no text; never log `json`.
public struct PageMessage: Equatable, Hashable, Sendable {
    /// The message as JSON text, to `postMessage` to the page.
    public let json: String

    public init(json: String) {
        self.json = json
    }
}

extension PageMessage: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "PageMessage(…)" }
    public var debugDescription: String { "PageMessage(…)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
