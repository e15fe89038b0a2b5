package agentic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import uniffi.agentic.AgenticClient
import uniffi.agentic.AgenticException
import uniffi.agentic.ClientSettings
import uniffi.agentic.ErrorCategory
import uniffi.agentic.JuspaySettings
import uniffi.agentic.OutcomeView
import uniffi.agentic.PromptView
import uniffi.agentic.Recovery
import uniffi.agentic.SessionStep

/** Every kind of `AgenticException` the app meets, and that each leaves the journey as it was. */
class ErrorTest {
    private val sandbox = Sandbox.instance
    private val wrongKey = "wrong_api_key_" + unique("")

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `a wrong API key is the provider's UNAUTHORIZED, and the key is not in the error`(stack: Stack) {
        TestClient(sandbox, stack, juspayApiKey = wrongKey).use { client ->
            val pilot = Pilot(sandbox)
            val session = client.client.startEnrollment(
                Journeys.enrollment(sandbox, unique("kt_customer_")),
                CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            )
            val error = assertThrowsAgentic<AgenticException.Provider> { pilot.run(session) }
            assertEquals("JUSPAY_VAT", error.provider.name)
            assertEquals(401, error.httpStatus.toInt())
            assertEquals("UNAUTHORIZED", error.code)
            assertEquals(ErrorCategory.AUTHENTICATION, error.category)
            assertEquals(Recovery.CHECK_CREDENTIALS, error.recovery)
            assertFalse(error.retryable)
            assertFalse(error.toString().contains(wrongKey), error.toString())
            // The journey has ended: asked again, it answers the same.
            val again = assertThrowsAgentic<AgenticException.Provider> { session.advance() }
            assertEquals("UNAUTHORIZED", again.code)
            session.close()
        }
    }

    @Test
    fun `a wrong API key on Direct OTP is Juspay EC's access_denied`() {
        TestClient(sandbox, Stack.BUILT_IN, juspayApiKey = wrongKey).use { client ->
            val session = client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            )
            val error = assertThrowsAgentic<AgenticException.Provider> { session.advance() }
            assertEquals("JUSPAY_EC", error.provider.name)
            assertEquals("access_denied", error.code)
            assertEquals(Recovery.CHECK_CREDENTIALS, error.recovery)
            session.close()
        }
    }

    @Test
    fun `bad input is refused before anything is sent, naming the field`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val requests = sandbox.counters().getValue("requests")
            val c = client.client
            fun field(block: () -> Unit) = assertThrowsAgentic<AgenticException.InvalidInput>(block).also {
                assertTrue(it.problem.isNotBlank())
            }.field

            // A card number that fails the Luhn check; a month that is not MM; letters in a CVV.
            assertEquals("card_number", field {
                c.startDirectOtp(Journeys.directOtp(), CardDetails("4242424242424241", Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
            })
            assertEquals("card_exp_month", field {
                c.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, "13", Magic.EXP_YEAR, Magic.CVV))
            })
            assertEquals("card_security_code", field {
                c.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, "12a"))
            })
            assertEquals("card_bin", field {
                c.startDirectOtp(Journeys.directOtp(cardBin = "42"), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
            })
            // The name crosses as a fifth field: an empty one is a name, and refused.
            assertEquals("name_on_card", field {
                c.startEnrollment(
                    Journeys.enrollment(sandbox, unique("kt_customer_")),
                    CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV, nameOnCard = ""),
                )
            })
            assertEquals("customerId", field {
                c.startEnrollment(
                    Journeys.enrollment(sandbox, ""),
                    CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                )
            })
            assertEquals("page_origin", field {
                c.startVisaPasskey(Journeys.visaPasskey(sandbox).copy(pageOrigin = "not an origin"))
            })
            assertEquals(requests, sandbox.counters().getValue("requests"), "nothing was sent")
        }
    }

    @Test
    fun `a malformed OTP is refused and the prompt stays`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox)
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                assertEquals("otp", assertThrowsAgentic<AgenticException.InvalidInput> { session.submitOtp("12ab56") }.field)
                assertEquals("otp", assertThrowsAgentic<AgenticException.InvalidInput> { session.submitOtp("12") }.field)
                val again = (session.advance() as SessionStep.Prompt).prompt
                assertTrue(again is PromptView.EnterOtp, "$again")
                assertEquals(3u, (again as PromptView.EnterOtp).attemptsLeft, "no attempt was used")
                assertEquals("CHARGED", (pilot.complete(session) as OutcomeView.Paid).status)
            }
        }
    }

    @Test
    fun `a wrong OTP is a prompt again, not an error`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox, otps = listOf(Magic.WRONG_OTP, Magic.RIGHT_OTP))
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                // The answer runs on and returns the next step; advance() returns it again.
                val retry = (session.submitOtp(Magic.WRONG_OTP) as SessionStep.Prompt).prompt as PromptView.EnterOtp
                assertTrue(retry.lastAttemptFailed)
                assertEquals(2u, retry.attemptsLeft)
                assertEquals(retry, (session.advance() as SessionStep.Prompt).prompt)
                val done = session.submitOtp(Magic.RIGHT_OTP) as SessionStep.Done
                assertEquals("CHARGED", (done.outcome as OutcomeView.Paid).status)
            }
        }
    }

    @Test
    fun `input in the wrong state is InvalidState and changes nothing`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox)
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                // Before the first advance(): nothing has been asked yet.
                assertThrowsAgentic<AgenticException.InvalidState> { session.submitOtp(Magic.RIGHT_OTP) }
                pilot.runUntil(session) { it is PromptView.EnterOtp }
                val checkpoint = session.checkpoint()
                assertThrowsAgentic<AgenticException.InvalidState> { session.redirectCompleted() }
                assertThrowsAgentic<AgenticException.InvalidState> { session.reconcile() }
                assertThrowsAgentic<AgenticException.InvalidState> { session.stepUpCompleted() }
                assertThrowsAgentic<AgenticException.InvalidState> { session.pageClosed() }
                assertEquals(checkpoint, session.checkpoint(), "the journey did not change")
                session.submitOtp(Magic.RIGHT_OTP)
                val done = session.advance() as SessionStep.Done
                assertEquals("CHARGED", (done.outcome as OutcomeView.Paid).status)
                // After the end: the end again, and every input is refused.
                assertTrue(session.advance() is SessionStep.Done)
                assertThrowsAgentic<AgenticException.InvalidState> { session.submitOtp(Magic.RIGHT_OTP) }
                assertThrowsAgentic<AgenticException.InvalidState> { session.cancel() }
            }
        }
    }

    @Test
    fun `a page message from another origin is refused and the journey goes on`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            val pilot = Pilot(sandbox)
            client.client.startVisaPasskey(Journeys.visaPasskey(sandbox)).use { session ->
                val prompt = pilot.runUntil(session) { it is PromptView.ProvideVisaSession } as PromptView.ProvideVisaSession
                assertEquals(sandbox.origin, prompt.origin)
                val ready = """{"type":"AUTH_READY","requestID":"r1"}"""
                assertThrowsAgentic<AgenticException.PageMessageRefused> { session.visaMessage(PageEvent(ready, "https://evil.example")) }
                assertThrowsAgentic<AgenticException.PageMessageRefused> { session.visaMessage(PageEvent("not json", sandbox.origin)) }
                assertTrue(pilot.complete(session) is OutcomeView.PasskeyVerified)
            }
        }
    }

    @Test
    fun `configuration errors name the setting`() {
        val juspayOnly = ClientSettings(
            juspay = JuspaySettings(environment = sandbox.baseUrl, merchantId = sandbox.juspayMerchantId, routingId = "c1"),
        )
        AgenticClient(juspayOnly, juspayApiKey = sandbox.juspayApiKey).use { client ->
            val error = assertThrowsAgentic<AgenticException.Configuration> {
                client.startVisaPasskey(Journeys.visaPasskey(sandbox))
            }
            assertTrue(error.detail.contains("visa", ignoreCase = true), error.detail)
        }
        // Credentials in clear text to a host that is not loopback.
        val insecure = ClientSettings(juspay = JuspaySettings(environment = "http://juspay.example", merchantId = "m"))
        assertThrowsAgentic<AgenticException.Configuration> { AgenticClient(insecure, juspayApiKey = "k").close() }
        // Juspay without a key or token.
        assertThrowsAgentic<AgenticException.Configuration> { AgenticClient(juspayOnly).close() }
        // Direct OTP needs the routing id.
        val noRouting = ClientSettings(juspay = JuspaySettings(environment = sandbox.baseUrl, merchantId = sandbox.juspayMerchantId))
        AgenticClient(noRouting, juspayApiKey = sandbox.juspayApiKey).use { client ->
            val requests = sandbox.counters().getValue("requests")
            val error = assertThrows {
                client.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                    .use { it.advance() }
            }
            assertTrue(error is AgenticException.Configuration, "$error")
            assertTrue((error as AgenticException.Configuration).detail.contains("routing"), error.detail)
            assertEquals(requests, sandbox.counters().getValue("requests"), "nothing was sent")
        }
    }

    @Test
    fun `no answer after the automatic retries is a Network error that says nothing was sent`() {
        val closedPort = java.net.ServerSocket(0).use { it.localPort }
        for (stack in Stack.values()) {
            val transport = if (stack == Stack.JAVA_NET_HTTP) agentic.jvm.JavaHttpTransport() else null
            val settings = ClientSettings(
                juspay = JuspaySettings(environment = "http://127.0.0.1:$closedPort", merchantId = "m", routingId = "c1"),
                connectTimeoutMs = 1_000u,
            )
            AgenticClient(settings, juspayApiKey = "k", transport = transport).use { client ->
                client.startDirectOtp(
                    Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                ).use { session ->
                    val error = assertThrowsAgentic<AgenticException.Network> { session.advance() }
                    assertFalse(error.maybeSent, "$stack: $error")
                }
            }
        }
    }

    @Test
    fun `checkpoints that cannot be resumed`() {
        TestClient(sandbox, Stack.BUILT_IN).use { client ->
            assertThrowsAgentic<AgenticException.CannotResume> { client.client.resumeDirectOtp("not a checkpoint") }
            assertThrowsAgentic<AgenticException.CannotResume> { uniffi.agentic.checkpointJourneyKind("{}") }
            client.client.startDirectOtp(
                Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
            ).use { session ->
                val checkpoint = session.checkpoint()
                val error = assertThrowsAgentic<AgenticException.CannotResume> { client.client.resumePurchase(checkpoint) }
                assertTrue(error.detail.contains("direct", ignoreCase = true), error.detail)
                session.cancel()
                val end = session.advance()
                assertTrue(end is SessionStep.Failed && end.failure is uniffi.agentic.FailureView.Cancelled, "$end")
            }
        }
    }

    private fun assertThrows(block: () -> Unit): Throwable {
        try {
            block()
        } catch (t: Throwable) {
            return t
        }
        throw AssertionError("nothing was thrown")
    }
}
