package agentic

import agentic.jvm.JavaHttpTransport
import java.security.SecureRandom
import java.time.Year
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.fail
import uniffi.agentic.AgenticClient
import uniffi.agentic.AgenticException
import uniffi.agentic.ClientSettings
import uniffi.agentic.DirectOtpParams
import uniffi.agentic.EnrollmentParams
import uniffi.agentic.FailureView
import uniffi.agentic.HttpRequest
import uniffi.agentic.HttpResponse
import uniffi.agentic.HttpTransport
import uniffi.agentic.JourneySession
import uniffi.agentic.JuspaySettings
import uniffi.agentic.NewOrder
import uniffi.agentic.OutcomeView
import uniffi.agentic.PasskeyAction
import uniffi.agentic.PromptView
import uniffi.agentic.PurchaseParams
import uniffi.agentic.SessionStep
import uniffi.agentic.StepUpMethod
import uniffi.agentic.StepUpOption
import uniffi.agentic.VisaAcceptanceSettings
import uniffi.agentic.VisaPasskeyParams

/** The sandbox's magic values (crates/agentic-sandbox/README.md). */
object Magic {
    const val RIGHT_OTP = "456789"
    const val WRONG_OTP = "111111"
    /** VAT: device binding challenged (step-up); EC: native OTP. */
    const val CARD_CHALLENGED = "4242424242424242"
    const val CARD_NATIVE_OTP = "4242424242424242"
    /** EC: BIN 400000 falls back to 3-D Secure. */
    const val CARD_3DS_FALLBACK = "4000000000003220"
    const val CVV = "123"
    const val EXP_MONTH = "12"
    /** December, four years from now. */
    val EXP_YEAR: String = "%02d".format((Year.now().value + 4) % 100)
}

/** Which HTTP stack a client sends with. */
enum class Stack {
    /** The SDK's own (ureq + rustls). */
    BUILT_IN,

    /** [JavaHttpTransport] on `java.net.http.HttpClient`, counted. */
    JAVA_NET_HTTP,
}

private val random = SecureRandom()

/** `prefix` + 10 random alphanumerics. */
fun unique(prefix: String): String = prefix + (1..10).map { "abcdefghijklmnopqrstuvwxyz0123456789"[random.nextInt(36)] }.joinToString("")

/** Counts the requests that go through the app's transport and the operations they belong to. */
class CountingTransport(private val inner: HttpTransport) : HttpTransport {
    val count = AtomicInteger()
    val operations: MutableList<String> = Collections.synchronizedList(mutableListOf())

    /** `toString()` of every request and response object that passed. */
    val texts: MutableList<String> = Collections.synchronizedList(mutableListOf())

    override fun send(request: HttpRequest): HttpResponse {
        count.incrementAndGet()
        operations += request.operation()
        texts += request.toString()
        return inner.send(request).also { texts += it.toString() }
    }
}

/** A client for [sandbox] on [stack]; the counting transport, when there is one. */
class TestClient(
    val sandbox: Sandbox,
    val stack: Stack,
    juspayApiKey: String = sandbox.juspayApiKey,
    routingId: String = unique("kt_customer_"),
    readTimeoutMs: ULong = 15_000u,
    /** The app's transport on [Stack.JAVA_NET_HTTP]; [JavaHttpTransport] by default. */
    appTransport: HttpTransport = JavaHttpTransport(),
) : AutoCloseable {
    val transport: CountingTransport? = if (stack == Stack.JAVA_NET_HTTP) CountingTransport(appTransport) else null
    val settings = ClientSettings(
        juspay = JuspaySettings(environment = sandbox.baseUrl, merchantId = sandbox.juspayMerchantId, routingId = routingId),
        visaAcceptance = VisaAcceptanceSettings(
            environment = sandbox.baseUrl,
            merchantId = sandbox.visaMerchantId,
            keyId = sandbox.visaKeyId,
        ),
        connectTimeoutMs = 5_000u,
        readTimeoutMs = readTimeoutMs,
        overallTimeoutMs = readTimeoutMs + 5_000u,
    )
    val client = AgenticClient(
        settings,
        juspayApiKey = juspayApiKey,
        visaSharedSecret = sandbox.visaSharedSecret,
        transport = transport,
    )

    override fun close() = client.close()
}

/** The public parameters of each journey as the tests run it. */
object Journeys {
    fun enrollment(sandbox: Sandbox, customerId: String) = EnrollmentParams(
        customerId = customerId,
        countryCode = "US",
        userAgent = "agentic-kotlin-tests",
        ipAddress = "127.0.0.1",
        deviceModel = "JVM",
        deviceBrand = "agentic",
        deviceManufacturer = "agentic",
        amount = "92.65",
        currency = "SGD",
        pageOrigin = sandbox.origin,
        appName = "agentic Kotlin tests",
    )

    fun purchase(sandbox: Sandbox, customerId: String, token: String) = PurchaseParams(
        customerId = customerId,
        vProvisionedTokenId = token,
        amount = "92.65",
        currency = "SGD",
        instructionExpiresAtMs = (System.currentTimeMillis() + 24 * 3600 * 1000).toULong(),
        orderId = unique("kt-"),
        pageOrigin = sandbox.origin,
        instructionLimit = "500.00",
    )

    fun directOtp(amount: String = "100.00", cardBin: String? = null) = DirectOtpParams(
        orderId = unique("kt"),
        newOrder = NewOrder(amount = amount, currency = "INR", customerId = "kt_customer"),
        cardBin = cardBin,
    )

    fun visaPasskey(sandbox: Sandbox, tokenId: String = unique("tkn_kt_")) = VisaPasskeyParams(
        tokenId = tokenId,
        amount = "25.00",
        currency = "USD",
        merchantName = "Agentic Kotlin Store",
        merchantUrl = "https://shop.agentic.invalid",
        buyerLanguage = "en-US",
        email = "cardholder@example.com",
        pageOrigin = sandbox.origin,
    )
}

/**
 * Every secret value a test handed to the SDK or received from it, and every text the SDK
 * produced (each step's and error's `toString()`, checkpoints): at the end none of the texts
 * may contain any of the secrets.
 */
class Canary {
    private val secrets = Collections.synchronizedSet(mutableSetOf<String>())
    private val texts = Collections.synchronizedList(mutableListOf<Pair<String, String>>())

    fun secret(value: String?) {
        // Short values (a CVV, an expiry month) occur in any text by chance.
        if (value != null && value.length >= 6) secrets += value
    }

    fun text(where: String, value: String) {
        texts += where to value
    }

    fun assertClean() {
        val secrets = synchronized(secrets) { secrets.toList() }
        val texts = synchronized(texts) { texts.toList() }
        check(secrets.isNotEmpty())
        for ((where, text) in texts) for (secret in secrets) {
            assertFalse(holdsSecret(text, secret), "a secret (${secret.take(3)}…) appears in $where: $text")
        }
    }
}

/**
 * Whether [text] holds [secret]. A number of up to 8 digits (an OTP, the 3-digit cryptogram) counts
 * only as a whole word: "456789" inside the clock reading 1700004567890 is chance, while "456789"
 * or otp=456789 is a leak. Anything else (a card or token number, text) counts anywhere. The same
 * rule as the Rust, C, Python and Swift canaries.
 */
fun holdsSecret(text: String, secret: String): Boolean {
    if (secret.length !in 1..8 || !secret.all { it in '0'..'9' }) return text.contains(secret)
    fun isWord(at: Int) = at in text.indices &&
        text[at].let { it in '0'..'9' || it in 'a'..'z' || it in 'A'..'Z' || it == '_' }
    var at = text.indexOf(secret)
    while (at >= 0) {
        if (!isWord(at - 1) && !isWord(at + secret.length)) return true
        at = text.indexOf(secret, at + 1)
    }
    return false
}

/** How a journey ended. */
sealed class End {
    data class Done(val outcome: OutcomeView) : End()
    data class Failed(val failure: FailureView) : End()
}

/**
 * Plays the app, its cardholder and the Visa page (the sandbox's headless page) for one
 * journey, like the CLI's autopilot: the right OTP, the first OTP-by-SMS method, the page's
 * messages relayed with the page's origin, the bank page visited.
 */
class Pilot(
    private val sandbox: Sandbox,
    val canary: Canary = Canary(),
    private val otps: List<String> = listOf(Magic.RIGHT_OTP),
    /** Answers `ConfirmUnknownOutcome`; the default fails the test. */
    private val onUnknownOutcome: (JourneySession, PromptView.ConfirmUnknownOutcome) -> Unit = { _, p ->
        fail("unexpected unknown outcome of ${p.operation}")
    },
) {
    /** The prompts answered, by name (`EnterOtp`, `PasskeyCeremony(Register)` …). */
    val prompts: MutableList<String> = Collections.synchronizedList(mutableListOf())
    var bankPagesVisited = 0
        private set
    /** The `secureToken` of the last Visa page session (an app keeps it to resume). */
    var secureToken: String? = null
        private set
    private var otpsEntered = 0

    init {
        canary.secret(sandbox.juspayApiKey)
        canary.secret(sandbox.visaSharedSecret)
        canary.secret(Magic.RIGHT_OTP)
        canary.secret(Magic.CARD_CHALLENGED)
        canary.secret(Magic.CARD_3DS_FALLBACK)
    }

    /**
     * Advances once, then answers (each answer returns the next step) until the journey ends;
     * every step goes through the canary.
     */
    fun run(session: JourneySession, maxPrompts: Int = 30): End {
        var next = session.advance()
        repeat(maxPrompts) {
            val step = next
            canary.text("a step", step.toString())
            canary.text("a checkpoint", session.checkpoint())
            when (step) {
                is SessionStep.Prompt -> next = answer(session, step.prompt)
                is SessionStep.Done -> return End.Done(step.outcome).also { observe(step.outcome) }
                is SessionStep.Failed -> return End.Failed(step.failure)
            }
        }
        fail<Unit>("more than $maxPrompts prompts")
        error("unreachable")
    }

    /**
     * Advances and answers until a prompt [stop] accepts (returned unanswered, with the
     * session's checkpoint taken there); fails the test if the journey ends first.
     */
    fun runUntil(session: JourneySession, stop: (PromptView) -> Boolean): PromptView {
        var next = session.advance()
        repeat(30) {
            val step = next
            canary.text("a step", step.toString())
            when (step) {
                is SessionStep.Prompt -> if (stop(step.prompt)) return step.prompt else next = answer(session, step.prompt)
                else -> fail<Unit>("the journey ended before the prompt: $step")
            }
        }
        fail<Unit>("the prompt never came")
        error("unreachable")
    }

    /** Runs [session] and returns its outcome; fails the test on any other end. */
    fun complete(session: JourneySession): OutcomeView = when (val end = run(session)) {
        is End.Done -> end.outcome
        is End.Failed -> fail("the journey failed: ${end.failure}")
    }

    private fun observe(outcome: OutcomeView) {
        when (outcome) {
            is OutcomeView.Authorised -> {
                canary.text("the credentials", outcome.credentials.toString())
                canary.secret(outcome.credentials.tokenNumber())
                canary.secret(outcome.credentials.cryptogram())
            }
            is OutcomeView.PasskeyVerified -> {
                canary.text("the assurance", outcome.assurance.toString())
                canary.secret(outcome.assurance.fidoBlob())
            }
            else -> Unit
        }
    }

    /** Answers one prompt as the app would; returns the step the answer ran on to. */
    fun answer(session: JourneySession, prompt: PromptView): SessionStep =
        when (prompt) {
            is PromptView.ProvideVisaSession -> {
                prompts += "ProvideVisaSession"
                val message = prompt.messageToPost
                if (message == null) {
                    // The page loaded: it posts AUTH_READY.
                    session.visaMessage(PageEvent("""{"type":"AUTH_READY","requestID":"${unique("ready")}"}""", sandbox.origin))
                } else {
                    check(jsonString(message.json, "type") == "CREATE_AUTH_SESSION") { "a ${jsonString(message.json, "type")} message" }
                    canary.text("a page message", message.toString())
                    val reply = sandbox.pageSession(message.json)
                    secureToken = jsonString(reply, "secureToken")
                    canary.secret(secureToken)
                    session.visaMessage(PageEvent(reply, sandbox.origin))
                }
            }
            is PromptView.ChooseStepUp -> {
                prompts += "ChooseStepUp"
                session.chooseStepUp(otpMethod(prompt.methods).identifier)
            }
            is PromptView.EnterOtp -> {
                prompts += "EnterOtp"
                val otp = otps.getOrElse(otpsEntered) { otps.last() }
                otpsEntered += 1
                session.submitOtp(otp)
            }
            is PromptView.CompleteStepUp -> {
                prompts += "CompleteStepUp"
                session.stepUpCompleted()
            }
            is PromptView.PasskeyCeremony -> {
                prompts += "PasskeyCeremony(${actionName(prompt.action)})"
                val authenticate = prompt.messageToPost.json
                canary.text("a page message", prompt.messageToPost.toString())
                canary.secret(jsonString(authenticate, "payload"))
                val reply = sandbox.pageCeremony(authenticate)
                canary.secret(jsonString(reply, "fidoBlob"))
                session.visaMessage(PageEvent(reply, sandbox.origin))
            }
            is PromptView.Redirect -> {
                prompts += "Redirect"
                check(sandbox.visit(prompt.url) == 200) { "the bank page did not open" }
                bankPagesVisited += 1
                session.redirectCompleted()
            }
            is PromptView.ConfirmUnknownOutcome -> {
                prompts += "ConfirmUnknownOutcome(${prompt.operation})"
                onUnknownOutcome(session, prompt)
                session.advance()
            }
        }

    companion object {
        /** OTP by SMS when offered, else the first method that sends an OTP. */
        fun otpMethod(methods: List<StepUpOption>): StepUpOption =
            methods.firstOrNull { it.method == StepUpMethod.OtpSms }
                ?: methods.first { it.method == StepUpMethod.OtpEmail || it.method == StepUpMethod.OtpOnlineBanking }

        fun actionName(action: PasskeyAction): String = when (action) {
            is PasskeyAction.Register -> "Register"
            is PasskeyAction.Authenticate -> "Authenticate"
            is PasskeyAction.Other -> "Other(${action.name})"
        }

        /** The first string value of `"key"` anywhere in [json]. */
        fun jsonString(json: String, key: String): String? =
            Regex("\"${Regex.escape(key)}\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").find(json)?.groupValues?.get(1)
    }
}

/** Runs [block] and returns the [AgenticException] of type [T] it throws. */
inline fun <reified T : AgenticException> assertThrowsAgentic(block: () -> Unit): T {
    try {
        block()
    } catch (e: AgenticException) {
        if (e is T) return e
        fail<Unit>("expected ${T::class.simpleName}, got $e")
    }
    fail<Unit>("expected ${T::class.simpleName}, nothing was thrown")
    error("unreachable")
}
