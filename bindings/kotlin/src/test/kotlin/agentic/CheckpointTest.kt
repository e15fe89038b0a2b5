package agentic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import uniffi.agentic.AgenticException
import uniffi.agentic.JourneyKind
import uniffi.agentic.OutcomeView
import uniffi.agentic.PasskeyAction
import uniffi.agentic.PromptView
import uniffi.agentic.SessionStep
import uniffi.agentic.checkpointJourneyKind

/**
 * A journey checkpointed at a prompt continues in a new client (the app was killed and
 * restarted) with the secrets the checkpoint does not hold; the checkpoint holds none.
 */
class CheckpointTest {
    private val sandbox = Sandbox.instance

    @Test
    fun `Direct OTP resumes at the OTP prompt and charges once`() {
        val charges = sandbox.counters().getValue("charges")
        val pilot = Pilot(sandbox)
        val params = Journeys.directOtp()
        // The restarted app has the same configuration: Juspay binds the order to its routing id.
        val routingId = unique("kt_customer_")
        val checkpoint = TestClient(sandbox, Stack.BUILT_IN, routingId = routingId).use { client ->
            client.client.startDirectOtp(params, CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV)).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                session.checkpoint()
            }
        }
        assertEquals(JourneyKind.DIRECT_OTP, checkpointJourneyKind(checkpoint))
        assertFalse(checkpoint.contains(Magic.CARD_NATIVE_OTP), "no card number in the checkpoint")
        assertTrue(checkpoint.contains(params.orderId!!), "the order id is kept")
        pilot.canary.text("the checkpoint", checkpoint)

        TestClient(sandbox, Stack.JAVA_NET_HTTP, routingId = routingId).use { client ->
            client.client.resumeDirectOtp(checkpoint).use { session ->
                assertEquals(JourneyKind.DIRECT_OTP, session.kind())
                val prompt = (session.advance() as SessionStep.Prompt).prompt
                assertTrue(prompt is PromptView.EnterOtp, "$prompt")
                session.submitOtp(Magic.RIGHT_OTP)
                val end = session.advance()
                check(end is SessionStep.Done) { "$end" }
                val paid = end.outcome as OutcomeView.Paid
                assertEquals(params.orderId, paid.orderId)
                assertEquals("CHARGED", paid.status)
            }
        }
        assertEquals(charges + 1, sandbox.counters().getValue("charges"))
        pilot.canary.assertClean()
    }

    @Test
    fun `Visa Acceptance resumes at the OTP prompt with the secureToken it names`() {
        val pilot = Pilot(sandbox)
        val checkpoint = TestClient(sandbox, Stack.BUILT_IN).use { client ->
            client.client.startVisaPasskey(Journeys.visaPasskey(sandbox)).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                session.checkpoint()
            }
        }
        val token = checkNotNull(pilot.secureToken)
        pilot.canary.secret(token)
        pilot.canary.text("the checkpoint", checkpoint)
        assertEquals(JourneyKind.VISA_PASSKEY, checkpointJourneyKind(checkpoint))

        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val missing = assertThrowsAgentic<AgenticException.CannotResume> { client.client.resumeVisaPasskey(checkpoint) }
            assertTrue(missing.detail.contains("secureToken"), missing.detail)
            pilot.canary.text("an error", missing.toString())
            client.client.resumeVisaPasskey(checkpoint, secureToken = token).use { session ->
                val verified = pilot.complete(session) as OutcomeView.PasskeyVerified
                assertEquals(PasskeyAction.Register, verified.action)
            }
        }
        pilot.canary.assertClean()
    }

    @Test
    fun `enrollment resumes at the OTP prompt with the secureToken`() {
        val pilot = Pilot(sandbox)
        val customer = unique("kt_customer_")
        val checkpoint = TestClient(sandbox, Stack.BUILT_IN).use { client ->
            client.client.startEnrollment(
                Journeys.enrollment(sandbox, customer),
                CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                session.checkpoint()
            }
        }
        val secureToken = checkNotNull(pilot.secureToken)
        pilot.canary.text("the checkpoint", checkpoint)
        assertEquals(JourneyKind.ENROLLMENT, checkpointJourneyKind(checkpoint))
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            client.client.resumeEnrollment(checkpoint, secureToken = secureToken).use { session ->
                val prompt = (session.advance() as SessionStep.Prompt).prompt
                assertTrue(prompt is PromptView.EnterOtp, "$prompt")
                session.submitOtp(Magic.RIGHT_OTP)
                val enrolled = pilot.complete(session) as OutcomeView.Enrolled
                assertTrue(enrolled.vProvisionedTokenId.isNotBlank())
            }
        }
        pilot.canary.assertClean()
    }
}
