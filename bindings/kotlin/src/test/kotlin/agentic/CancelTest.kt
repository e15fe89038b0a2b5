package agentic

import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import uniffi.agentic.AgenticException
import uniffi.agentic.FailureView
import uniffi.agentic.PromptView
import uniffi.agentic.SessionStep

class CancelTest {
    private val sandbox = Sandbox.instance

    @Test
    fun `cancel at a prompt ends the journey and nothing is charged`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox)
            val charges = sandbox.counters().getValue("charges")
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                session.cancel()
                val end = session.advance()
                assertTrue(end is SessionStep.Failed, "$end")
                val cancelled = (end as SessionStep.Failed).failure as FailureView.Cancelled
                assertNull(cancelled.outcomeUnknownFor, "nothing was in flight")
                assertTrue(session.advance() is SessionStep.Failed, "the end, again")
                assertThrowsAgentic<AgenticException.InvalidState> { session.cancel() }
                assertThrowsAgentic<AgenticException.InvalidState> { session.submitOtp(Magic.RIGHT_OTP) }
            }
            assertEquals(charges, sandbox.counters().getValue("charges"))
        }
    }

    @Test
    fun `cancel at the Visa page ends the enrollment before any token is provisioned`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox)
            val tokens = sandbox.counters().getValue("tokens_provisioned")
            client.client.startEnrollment(
                Journeys.enrollment(sandbox, unique("kt_customer_")),
                CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.ProvideVisaSession }
                session.cancel()
                val end = session.advance() as SessionStep.Failed
                assertTrue(end.failure is FailureView.Cancelled, "$end")
            }
            assertEquals(tokens, sandbox.counters().getValue("tokens_provisioned"))
        }
    }

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `cancel from another thread while advance() waits for the provider`(stack: Stack) {
        TestClient(sandbox, stack).use { client ->
            val charges = sandbox.counters().getValue("charges")
            val operation = "juspay_ec.create_order"
            val calls = sandbox.calls(operation)
            sandbox.faultNextCall(operation, """{"kind":"delay","ms":1500}""")
            val pool = Executors.newSingleThreadExecutor()
            try {
                client.client.startDirectOtp(
                    Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                ).use { session ->
                    val advancing = pool.submit<SessionStep> { session.advance() }
                    // Wait until the request is at the sandox, then cancel from this thread.
                    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
                    while (sandbox.calls(operation) == calls) {
                        check(System.nanoTime() < deadline) { "the request never arrived" }
                        Thread.sleep(10)
                    }
                    session.cancel()
                    val end = advancing.get(10, TimeUnit.SECONDS)
                    assertTrue(end is SessionStep.Failed && end.failure is FailureView.Cancelled, "$end")
                    assertTrue(session.advance() is SessionStep.Failed)
                }
            } finally {
                pool.shutdownNow()
                sandbox.clearFaults()
            }
            assertEquals(charges, sandbox.counters().getValue("charges"))
        }
    }
}
