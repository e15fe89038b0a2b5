package agentic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import uniffi.agentic.AgenticException
import uniffi.agentic.OutcomeView

/**
 * Records and enums get a generated `toString()` that prints every field, so none may hold a
 * secret (DESIGN.md §4) other than the page message, whose own class hides it. Runs every
 * journey with one canary and checks the `toString()` of every value the SDK handed out or
 * took in — steps, prompts (with their page messages), step-up options, outcomes, errors, the
 * settings, parameter records and card, the secret-holding objects (credentials, passkey result, the
 * transport's requests and responses) — and every checkpoint
 * against every secret that went in or came out: card numbers, API key, shared secret, OTP,
 * `secureToken`, the page's `payload`, `fidoBlob` and token number. Values shorter than six
 * characters (CVV, the three-digit sandbox cryptogram) occur in any text by chance: the Rust and
 * C tests check those where the text is known.
 */
class SecretsTest {
    private val sandbox = Sandbox.instance

    @Test
    fun `a digit secret counts only as a whole word`() {
        assertTrue(holdsSecret("otp=456789&x=1", "456789"))
        assertTrue(holdsSecret("\"456789\"", "456789"))
        assertTrue(holdsSecret("1456789 and 456789", "456789"))
        assertFalse(holdsSecret("until=1700004567890", "456789"))
        assertFalse(holdsSecret("txn-9a456789b", "456789"))
        assertTrue(holdsSecret("x-ezAwMX06-y", "ezAwMX06"))
        assertTrue(holdsSecret("pan_4242424242424242", "4242424242424242"))
    }

    @Test
    fun `no toString of anything the SDK hands out holds a secret`() {
        val canary = Canary()
        TestClient(sandbox, Stack.JAVA_NET_HTTP).use { client ->
            val c = client.client
            val customer = unique("kt_customer_")
            val enrollment = Journeys.enrollment(sandbox, customer)
            val token = c.startEnrollment(enrollment, CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                .use { (Pilot(sandbox, canary).complete(it) as OutcomeView.Enrolled).vProvisionedTokenId }
            val purchase = Journeys.purchase(sandbox, customer, token)
            c.startPurchase(purchase).use { Pilot(sandbox, canary).complete(it) }
            val native = Journeys.directOtp()
            c.startDirectOtp(native, CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                .use { Pilot(sandbox, canary).complete(it) }
            c.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_3DS_FALLBACK, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                .use { Pilot(sandbox, canary).complete(it) }
            val visa = Journeys.visaPasskey(sandbox)
            c.startVisaPasskey(visa).use { Pilot(sandbox, canary).complete(it) }

            // A refused card number must not be quoted back.
            val badCard = "4242424242424241"
            canary.secret(badCard)
            val invalid = assertThrowsAgentic<AgenticException.InvalidInput> {
                c.startDirectOtp(Journeys.directOtp(), CardDetails(badCard, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
            }
            canary.text("an InvalidInput", "$invalid ${invalid.message}")

            val card = CardDetails(badCard, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV, nameOnCard = "Ada Lovelace")
            assertEquals("CardDetails(…)", card.toString())
            val event = PageEvent("""{"secureToken":"$badCard"}""", sandbox.origin)
            assertEquals("PageEvent(…)", event.toString())
            for (value in listOf(client.settings, enrollment, purchase, native, visa, card, event)) {
                canary.text("a record", value.toString())
            }
            val transported = client.transport!!.texts
            assertTrue(transported.size > 20, "${transported.size} requests and responses")
            transported.forEach { canary.text("a transported request or response", it) }
        }
        // A wrong key must not be quoted back.
        val wrongKey = "wrong_key_" + unique("")
        canary.secret(wrongKey)
        TestClient(sandbox, Stack.BUILT_IN, juspayApiKey = wrongKey).use { client ->
            client.client.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV)).use {
                val error = assertThrowsAgentic<AgenticException.Provider> { it.advance() }
                canary.text("a Provider error", "$error ${error.message}")
            }
        }
        canary.assertClean()
    }
}
