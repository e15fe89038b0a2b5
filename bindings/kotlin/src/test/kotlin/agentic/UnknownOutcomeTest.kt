package agentic

import agentic.jvm.JavaHttpTransport
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import uniffi.agentic.FailureView
import uniffi.agentic.HttpRequest
import uniffi.agentic.HttpResponse
import uniffi.agentic.HttpTransport
import uniffi.agentic.OutcomeView
import uniffi.agentic.PromptView
import uniffi.agentic.SessionStep

/**
 * The connection drops after the OTP was sent to Juspay (`connection_reset`): the request may
 * have arrived, so the SDK never resends it by itself — with either HTTP stack, which is what
 * [agentic.jvm.JavaHttpTransport]'s `maybeSent = true` is for. The app reconciles or resends,
 * and the payment is charged exactly once.
 */
class UnknownOutcomeTest {
    private val sandbox = Sandbox.instance
    private val operation = "juspay_ec.process_otp"

    @AfterEach
    fun clear() = sandbox.clearFaults()

    private fun pay(stack: Stack, answer: (uniffi.agentic.JourneySession, PromptView.ConfirmUnknownOutcome) -> Unit): Pilot {
        val charges = sandbox.counters().getValue("charges")
        val pilot = Pilot(sandbox, onUnknownOutcome = answer)
        TestClient(sandbox, stack).use { client ->
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                sandbox.faultNextCall(operation, """{"kind":"connection_reset"}""")
                session.submitOtp(Magic.RIGHT_OTP)
                assertEquals("CHARGED", (pilot.complete(session) as OutcomeView.Paid).status)
            }
        }
        assertTrue("ConfirmUnknownOutcome($operation)" in pilot.prompts, "${pilot.prompts}")
        assertEquals(charges + 1, sandbox.counters().getValue("charges"), "charged once")
        pilot.canary.assertClean()
        return pilot
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `reconcile asks Juspay, then the OTP prompt comes back`(stack: Stack) {
        val calls = sandbox.calls(operation)
        val pilot = pay(stack) { session, prompt ->
            assertTrue(prompt.canReconcile)
            session.reconcile()
        }
        // The reset call, then the OTP entered again after the status said the challenge waits.
        assertEquals(listOf("ConfirmUnknownOutcome($operation)", "EnterOtp"), pilot.prompts)
        assertEquals(calls + 2, sandbox.calls(operation))
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `resend after an unknown outcome sends the same OTP once more`(stack: Stack) {
        val calls = sandbox.calls(operation)
        val pilot = pay(stack) { session, _ -> session.resendAfterUnknownOutcome() }
        assertEquals(listOf("ConfirmUnknownOutcome($operation)"), pilot.prompts)
        assertEquals(calls + 2, sandbox.calls(operation))
    }

    @Test
    fun `an exception thrown by the app's transport is an unknown outcome, not a crash`() {
        val start = "juspay_ec.start_authentication"
        val throwing = object : HttpTransport {
            private val inner = JavaHttpTransport()
            override fun send(request: HttpRequest): HttpResponse {
                if (request.operation() == start) throw IllegalStateException("the app's HTTP stack broke")
                return inner.send(request)
            }
        }
        val charges = sandbox.counters().getValue("charges")
        TestClient(sandbox, Stack.JAVA_NET_HTTP, appTransport = throwing).use { client ->
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                // Not a NotSent failure: the SDK may not resend a payment on its own.
                val prompt = (session.advance() as SessionStep.Prompt).prompt
                assertTrue(prompt is PromptView.ConfirmUnknownOutcome && prompt.operation == start, "$prompt")
                session.cancel()
                val end = (session.advance() as SessionStep.Failed).failure
                assertEquals(FailureView.Cancelled(outcomeUnknownFor = start), end)
            }
            assertEquals(listOf("juspay_ec.create_order", start), client.transport!!.operations)
        }
        assertEquals(charges, sandbox.counters().getValue("charges"))
    }
}
