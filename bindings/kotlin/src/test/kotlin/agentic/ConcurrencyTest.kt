package agentic

import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import uniffi.agentic.OutcomeView

/**
 * Eight journeys at once on one client (one transport, one connection pool), two of each
 * kind, each on its own thread: every one ends as it would alone, and the sandbox counts
 * exactly the side effects of eight journeys.
 */
class ConcurrencyTest {
    private val sandbox = Sandbox.instance

    @ParameterizedTest
    @EnumSource(Stack::class)
    fun `eight journeys at once on one client`(stack: Stack) {
        val threads = 8
        val before = sandbox.counters()
        val barrier = CyclicBarrier(threads)
        val pool = Executors.newFixedThreadPool(threads)
        val canary = Canary()
        var bankPages = 0
        TestClient(sandbox, stack).use { client ->
            val c = client.client
            val runs = (0 until threads).map { i ->
                pool.submit<Pair<String, Int>> {
                    val pilot = Pilot(sandbox, canary)
                    barrier.await(30, TimeUnit.SECONDS)
                    val result = when (i % 4) {
                        0 -> c.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_NATIVE_OTP, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                            .use { (pilot.complete(it) as OutcomeView.Paid).status }
                        1 -> c.startDirectOtp(Journeys.directOtp(), CardDetails(Magic.CARD_3DS_FALLBACK, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV))
                            .use { (pilot.complete(it) as OutcomeView.Paid).status }
                        2 -> c.startVisaPasskey(Journeys.visaPasskey(sandbox))
                            .use { Pilot.actionName((pilot.complete(it) as OutcomeView.PasskeyVerified).action) }
                        else -> {
                            val customer = unique("kt_customer_")
                            val token = c.startEnrollment(
                                Journeys.enrollment(sandbox, customer),
                                CardDetails(Magic.CARD_CHALLENGED, Magic.EXP_MONTH, Magic.EXP_YEAR, Magic.CVV),
                            ).use { (pilot.complete(it) as OutcomeView.Enrolled).vProvisionedTokenId }
                            c.startPurchase(Journeys.purchase(sandbox, customer, token))
                                .use { (pilot.complete(it) as OutcomeView.Authorised).credentials.status() ?: "?" }
                        }
                    }
                    result to pilot.bankPagesVisited
                }
            }
            val results = runs.map { it.get(120, TimeUnit.SECONDS) }
            pool.shutdown()
            bankPages = results.sumOf { it.second }
            assertEquals(
                listOf("CHARGED", "CHARGED", "Register", "SUCCESS", "CHARGED", "CHARGED", "Register", "SUCCESS"),
                results.map { it.first },
            )
            client.transport?.let { transport ->
                val requests = sandbox.counters().getValue("requests") - before.getValue("requests")
                assertEquals(requests, transport.count.get().toLong() + bankPages)
            }
        }
        val after = sandbox.counters()
        fun delta(name: String) = after.getValue(name) - before.getValue(name)
        assertEquals(6, delta("charges")) // 4 Direct OTP payments, 2 purchase credentials fetched
        assertEquals(2, delta("tokens_provisioned"))
        assertEquals(2, delta("enrollments"))
        assertEquals(4, delta("passkeys_registered"))
        assertEquals(6, delta("otps_sent")) // 2 × (Direct OTP native, Visa Acceptance step-up, enrollment)
        assertEquals(2, bankPages)
        canary.assertClean()
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS))
    }
}
