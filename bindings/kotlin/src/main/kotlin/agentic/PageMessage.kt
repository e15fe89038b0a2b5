// Hand-written (not generated): the generated bindings map the SDK's `PageMessage` to this class
// (crates/agentic-ffi/uniffi.toml), so that no generated `toString()` prints the message.
package agentic

/**
 * A message for the Visa auth page, carried by the `ProvideVisaSession` and `PasskeyCeremony`
 * prompts: post [json] to the page with the prompt's origin as the target origin.
 *
 * **Secret**: the `AUTHENTICATE` message holds the signed payload. [toString] shows no text;
 * never log [json].
 */
class PageMessage(
    /** The message as JSON text, to `postMessage` to the page. */
    val json: String,
) {
    override fun toString(): String = "PageMessage(…)"

    override fun equals(other: Any?): Boolean = other is PageMessage && other.json == json

    override fun hashCode(): Int = json.hashCode()
}
