// Hand-written (not generated): the generated bindings map the SDK's `PageEvent` to this class
// (crates/agentic-ffi/uniffi.toml), so that no generated `toString()` prints the message.
package agentic

/**
 * A message the Visa auth page posted, for `visaMessage`: the message's data as JSON text
 * (`event.data`) and the origin the web view reported for it (`event.origin`). The SDK refuses
 * a message from any other origin than the prompt's.
 *
 * **Secret**: the page's messages carry the `secureToken` and the passkey result. [toString]
 * shows neither part (were the two swapped, the origin would hold the message); never log
 * [json].
 */
class PageEvent(
    /** The message as JSON text, as the page posted it. */
    val json: String,
    /** The origin the web view reported for the message. */
    val origin: String,
) {
    /** The form the SDK reads: the origin, a NUL (which neither holds), the message. */
    internal val fields: String
        get() = origin + SEPARATOR + json

    override fun toString(): String = "PageEvent(…)"

    override fun equals(other: Any?): Boolean = other is PageEvent && other.fields == fields

    override fun hashCode(): Int = fields.hashCode()

    internal companion object {
        private const val SEPARATOR = "\u0000"

        /** The SDK never returns an event; this reads its format back all the same. */
        fun fromFields(fields: String): PageEvent {
            val origin = fields.substringBefore(SEPARATOR, "")
            return PageEvent(json = fields.substringAfter(SEPARATOR, fields), origin = origin)
        }
    }
}
