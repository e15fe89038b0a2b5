// A Direct OTP card payment (Juspay Express Checkout) from Kotlin, against the sandbox:
// create an order, pay it with a card, answer the native OTP prompt (or the 3-D Secure
// redirect), print the result.
//
//   cargo run -p agentic-cli -- sandbox --addr 127.0.0.1:8080     # another terminal
//   cargo xtask bindgen                                            # generates the Kotlin
//   mvn -q -f examples/kotlin/pom.xml compile exec:java            # -Dexec.args=<sandbox URL>
//
// The credentials default to the sandbox's; set AGENTIC_JUSPAY_API_KEY,
// AGENTIC_JUSPAY_MERCHANT_ID and AGENTIC_JUSPAY_ROUTING_ID (as `agentic sandbox` prints them)
// to use others.

import agentic.CardDetails
import java.time.Year
import kotlin.system.exitProcess
import uniffi.agentic.AgenticClient
import uniffi.agentic.AgenticException
import uniffi.agentic.ClientSettings
import uniffi.agentic.DirectOtpParams
import uniffi.agentic.JourneySession
import uniffi.agentic.JuspaySettings
import uniffi.agentic.NewOrder
import uniffi.agentic.OutcomeView
import uniffi.agentic.PromptView
import uniffi.agentic.SessionStep

fun main(args: Array<String>) {
    val baseUrl = args.firstOrNull() ?: "http://127.0.0.1:8080"
    val env = System.getenv()
    val customer = env["AGENTIC_JUSPAY_ROUTING_ID"] ?: "customer_1"
    val settings = ClientSettings(
        juspay = JuspaySettings(
            environment = baseUrl, // `sandbox` or `production` for Juspay's own hosts
            merchantId = env["AGENTIC_JUSPAY_MERCHANT_ID"] ?: "agentic_sandbox",
            routingId = customer,
        ),
    )
    // The API key is an argument, never a field of a record: records print every field.
    val client = AgenticClient(settings, juspayApiKey = env["AGENTIC_JUSPAY_API_KEY"] ?: "sandbox_api_key_5f2c")

    val order = DirectOtpParams(
        newOrder = NewOrder(amount = "100.00", currency = "INR", customerId = customer),
        cardBin = "424242", // ask Juspay first whether the card supports Direct OTP
    )
    val expiryYear = "%02d".format((Year.now().value + 4) % 100)
    val paid = client.use {
        val card = CardDetails(number = "4242424242424242", expMonth = "12", expYear = expiryYear, securityCode = "123")
        client.startDirectOtp(order, card).use { session ->
            println("Paying a new order of 100.00 INR at $baseUrl")
            try {
                pay(session)
            } catch (e: AgenticException.Provider) {
                println("Juspay refused (HTTP ${e.httpStatus}, ${e.code}): ${e.detail}; next: ${e.recovery}")
                false
            } catch (e: AgenticException.Network) {
                println("No answer from Juspay (${e.detail}); the request may have arrived: ${e.maybeSent}")
                false
            }
        }
    }
    if (!paid) exitProcess(1)
}

/** Answers the journey's prompts until it ends; whether it was paid. */
fun pay(session: JourneySession): Boolean {
    // advance() and every answer block while the SDK talks to Juspay (call them off the UI
    // thread); each returns the next step.
    var step = session.advance()
    while (true) {
        step = when (step) {
            is SessionStep.Prompt -> when (val prompt = step.prompt) {
                is PromptView.EnterOtp -> {
                    if (prompt.lastAttemptFailed) println("Wrong OTP, ${prompt.attemptsLeft} attempts left.")
                    session.submitOtp(askOtp())
                }
                is PromptView.Redirect -> {
                    // A real app opens this page in a browser or web view.
                    println("The bank asks for 3-D Secure: open ${prompt.url}, then come back.")
                    session.redirectCompleted()
                }
                is PromptView.ConfirmUnknownOutcome -> {
                    println("No answer to ${prompt.operation}: asking Juspay what happened.")
                    if (prompt.canReconcile) {
                        session.reconcile()
                    } else {
                        session.cancel()
                        session.advance()
                    }
                }
                else -> { // prompts of other journeys
                    session.cancel()
                    session.advance()
                }
            }
            is SessionStep.Done -> {
                val paid = step.outcome as OutcomeView.Paid
                println("Paid: order ${paid.orderId}, transaction ${paid.txnId}, status ${paid.status}")
                return true
            }
            is SessionStep.Failed -> {
                println("Not paid: ${step.failure}")
                return false
            }
        }
    }
}

/** The OTP the cardholder received: typed on a terminal, the sandbox's 456789 otherwise. */
fun askOtp(): String {
    val console = System.console() ?: return "456789".also { println("OTP: ****** (the sandbox's)") }
    val typed = console.readLine("OTP sent to the cardholder (sandbox: 456789): ")?.trim().orEmpty()
    return typed.ifEmpty { "456789" }
}
