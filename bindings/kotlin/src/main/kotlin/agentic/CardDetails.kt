// Hand-written (not generated): the generated bindings map the SDK's `CardDetails` to this class
// (crates/agentic-ffi/uniffi.toml), so that no generated `toString()` prints the card.
package agentic

/**
 * The card the user typed, for `startEnrollment`, `startDirectOtp` and their resumes. The SDK
 * checks every field (the number's Luhn digit, `MM`, `YY`, 3–4 digits) and names a bad one.
 *
 * **Secret**: [toString] shows no field; never log them.
 */
class CardDetails(
    /** The card number (PAN). */
    val number: String,
    /** The expiry month, `MM`. */
    val expMonth: String,
    /** The expiry year, `YY`. */
    val expYear: String,
    /** The security code (CVV). */
    val securityCode: String,
    /** The name on the card (enrollment's tokenize call), if the user gave it. */
    val nameOnCard: String? = null,
) {
    /**
     * The form the SDK reads: five fields joined by NUL, which none holds; the name marked with a
     * leading `=` (the field empty when there is none).
     */
    internal val fields: String
        get() = listOf(number, expMonth, expYear, securityCode, nameOnCard?.let { NAME_MARK + it } ?: "")
            .joinToString(SEPARATOR)

    override fun toString(): String = "CardDetails(…)"

    override fun equals(other: Any?): Boolean = other is CardDetails && other.fields == fields

    override fun hashCode(): Int = fields.hashCode()

    internal companion object {
        private const val SEPARATOR = "\u0000"
        private const val NAME_MARK = "="

        /** The SDK never returns a card; this reads its format back all the same. */
        fun fromFields(fields: String): CardDetails {
            val parts = fields.split(SEPARATOR)
            fun part(i: Int) = parts.getOrElse(i) { "" }
            return CardDetails(part(0), part(1), part(2), part(3), part(4).takeIf { it.isNotEmpty() }?.removePrefix(NAME_MARK))
        }
    }
}
