package agentic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import uniffi.agentic.JourneyKind
import uniffi.agentic.OutcomeView
import uniffi.agentic.PasskeyAction

/**
 * Every journey end to end against the sandbox, once on the SDK's own HTTP stack and once on
 * [agentic.jvm.JavaHttpTransport]. With the Java transport, every request the sandbox counted
 * went through it.
 */
class JourneyTest {
    private val sandbox = Sandbox.instance

    /** Runs [block] and checks that the Java transport (when used) carried every API request. */
    private fun <T> counted(client: TestClient, pilot: Pilot, block: () -> T): T {
        val before = sandbox.counters().getValue("requests")
        val sentBefore = client.transport?.count?.get() ?: 0
        val result = block()
        val requests = sandbox.counters().getValue("requests") - before
        client.transport?.let { transport ->
            val sent = transport.count.get() - sentBefore
            // The bank page is visited by the test's own HTTP client, not the SDK.
            assertEquals(requests, sent.toLong() + pilot.bankPagesVisited, "requests the sandbox saw")
            assertTrue(sent > 0)
        }
        pilot.canary.assertClean()
        return result
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `enrollment with an OTP step-up, then a purchase with the new passkey`(stack: Stack) {
        TestClient(sandbox, stack).use { client ->
            val customer = unique("kt_customer_")
            val pilot = Pilot(sandbox)
            val before = sandbox.counters()
            val token = counted(client, pilot) {
                client.client.startEnrollment(
                    Journeys.enrollment(sandbox, customer),
                    CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                ).use { session ->
                    assertEquals(JourneyKind.ENROLLMENT, session.kind())
                    val outcome = pilot.complete(session) as OutcomeView.Enrolled
                    assertTrue(outcome.vProvisionedTokenId.isNotBlank())
                    outcome.vProvisionedTokenId
                }
            }
            assertEquals(
                listOf("ProvideVisaSession", "ProvideVisaSession", "ChooseStepUp", "EnterOtp", "PasskeyCeremony(Register)"),
                pilot.prompts,
            )
            val after = sandbox.counters()
            assertEquals(1, after.getValue("tokens_provisioned") - before.getValue("tokens_provisioned"))
            assertEquals(1, after.getValue("otps_sent") - before.getValue("otps_sent"))
            assertEquals(1, after.getValue("passkeys_registered") - before.getValue("passkeys_registered"))
            assertEquals(1, after.getValue("enrollments") - before.getValue("enrollments"))
            val charges = after.getValue("charges")

            val buyer = Pilot(sandbox, pilot.canary)
            counted(client, buyer) {
                client.client.startPurchase(Journeys.purchase(sandbox, customer, token)).use { session ->
                    assertEquals(JourneyKind.PURCHASE, session.kind())
                    val outcome = buyer.complete(session) as OutcomeView.Authorised
                    outcome.credentials.use { credentials ->
                        assertNotNull(credentials.tokenNumber())
                        assertNotNull(credentials.cryptogram())
                        assertEquals("SUCCESS", credentials.status())
                    }
                }
            }
            assertTrue("PasskeyCeremony(Authenticate)" in buyer.prompts, "${buyer.prompts}")
            assertEquals(charges + 1, sandbox.counters().getValue("charges"), "the credentials were fetched once")
        }
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `Direct OTP with the native OTP`(stack: Stack) {
        TestClient(sandbox, stack).use { client ->
            val pilot = Pilot(sandbox)
            val charges = sandbox.counters().getValue("charges")
            val params = Journeys.directOtp(cardBin = Magic.CARD_NATIVE_OTP.take(6))
            counted(client, pilot) {
                client.client.startDirectOtp(params, CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV)).use { session ->
                    assertEquals(JourneyKind.DIRECT_OTP, session.kind())
                    val paid = pilot.complete(session) as OutcomeView.Paid
                    assertEquals(params.orderId, paid.orderId)
                    assertEquals("CHARGED", paid.status)
                }
            }
            assertEquals(listOf("EnterOtp"), pilot.prompts)
            assertEquals(charges + 1, sandbox.counters().getValue("charges"))
        }
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `Direct OTP falling back to 3-D Secure`(stack: Stack) {
        TestClient(sandbox, stack).use { client ->
            val pilot = Pilot(sandbox)
            val charges = sandbox.counters().getValue("charges")
            counted(client, pilot) {
                client.client.startDirectOtp(
                    Journeys.directOtp(), CardDetails(Magic.CARD_3DS_FALLBACK, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                ).use { session ->
                    val paid = pilot.complete(session) as OutcomeView.Paid
                    assertEquals("CHARGED", paid.status)
                }
            }
            assertEquals(listOf("Redirect"), pilot.prompts)
            assertEquals(1, pilot.bankPagesVisited)
            assertEquals(charges + 1, sandbox.counters().getValue("charges"))
        }
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `Visa Acceptance passkey with a step-up OTP`(stack: Stack) {
        TestClient(sandbox, stack).use { client ->
            val pilot = Pilot(sandbox)
            val before = sandbox.counters()
            counted(client, pilot) {
                client.client.startVisaPasskey(Journeys.visaPasskey(sandbox)).use { session ->
                    assertEquals(JourneyKind.VISA_PASSKEY, session.kind())
                    val verified = pilot.complete(session) as OutcomeView.PasskeyVerified
                    assertEquals(PasskeyAction.Register, verified.action)
                    assertTrue(verified.assurance.fidoBlob().isNotEmpty())
                }
            }
            assertEquals(
                listOf("ProvideVisaSession", "ProvideVisaSession", "ChooseStepUp", "EnterOtp", "PasskeyCeremony(Register)"),
                pilot.prompts,
            )
            val after = sandbox.counters()
            assertEquals(1, after.getValue("otps_sent") - before.getValue("otps_sent"))
            assertEquals(1, after.getValue("passkeys_registered") - before.getValue("passkeys_registered"))
        }
    }
}
