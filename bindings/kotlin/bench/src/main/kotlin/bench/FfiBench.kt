// FFI cost per step from Kotlin on the JVM (`cargo xtask bench`, section "FFI cost per step").
//
// Arguments: <recording file> quick|full [<ffi_reference> <standalone sandbox URL>].
//
// - Built-in transport (the budgeted figure; with the last two arguments): a client without a
//   host transport drives Direct OTP, Visa passkey, enrollment and purchase against the
//   sandbox, alternating in short batches with `ffi_reference live` (started here as a child
//   against the same sandbox: the identical drive in Rust). The Visa page's admin calls are left
//   out of the time on both sides. Prints `live`, `livestep` and `livedirect` lines (see
//   `liveBench`): per journey the Kotlin and Rust times and the time inside the SDK's exported
//   calls in Kotlin (`benchNanosInRust()`: the bench library is built with the `bench-probe`
//   feature), and per step the paired difference and the time outside the SDK.
// - App-supplied transport: replays the journeys `ffi_reference record` wrote
//   (crates/agentic-bench/src/bin/ffi_reference.rs documents the file) through an
//   HttpTransport written in Kotlin that answers every request with the next recorded response
//   from memory; `ffi_reference replay` times the identical drive in Rust. Prints `journey
//   <name> <steps> <responses> <median ns per journey>`, then `bare <median ns of
//   sdkVersion()>`, then `op <name> <ns> <ns outside the SDK>` lines (single operations of the
//   drive timed alone).
package bench

import agentic.CardDetails
import agentic.PageEvent
import java.io.BufferedInputStream
import java.io.ByteArrayOutputStream
import java.io.File
import java.net.Socket
import java.net.URI
import java.util.Base64
import java.util.Locale
import uniffi.agentic.AgenticClient
import uniffi.agentic.ClientSettings
import uniffi.agentic.DirectOtpParams
import uniffi.agentic.EnrollmentParams
import uniffi.agentic.HttpRequest
import uniffi.agentic.HttpResponse
import uniffi.agentic.HttpTransport
import uniffi.agentic.JourneySession
import uniffi.agentic.JuspaySettings
import uniffi.agentic.NewOrder
import uniffi.agentic.PromptView
import uniffi.agentic.PurchaseParams
import uniffi.agentic.SessionStep
import uniffi.agentic.OutcomeView
import uniffi.agentic.StepUpMethod
import uniffi.agentic.VisaAcceptanceSettings
import uniffi.agentic.VisaPasskeyParams
import uniffi.agentic.benchNanosInRust
import uniffi.agentic.sdkVersion

private fun unb64(text: String): ByteArray = Base64.getDecoder().decode(text)

private fun unb64Text(text: String): String = String(unb64(text), Charsets.UTF_8)

/** A response ready to hand to HttpResponse (decoded once, as an HTTP stack holds it). */
class Recorded(val status: UShort, val headers: Map<String, String>, val body: ByteArray)

class Step(val prompt: String, val call: String, val args: List<String>)

class Journey(val name: String, val kind: String) {
    val params = HashMap<String, String>()
    val steps = ArrayList<Step>()
    val responses = ArrayList<Recorded>()
    var outcome = ""
    var stepCount = 0
}

class Recording(val settings: Map<String, String>, val journeys: List<Journey>)

fun readRecording(path: String): Recording {
    val lines = File(path).readLines()
    require(lines.firstOrNull() == "agentic-ffi-replay 1") { "$path: not an agentic-ffi-replay 1 file" }
    return parseLines(path, lines.drop(1))
}

fun parseLines(path: String, lines: List<String>): Recording {
    val settings = HashMap<String, String>()
    val journeys = ArrayList<Journey>()
    for (line in lines) {
        val fields = line.split(" ")
        when (fields[0]) {
            "setting" -> settings[fields[1]] = unb64Text(fields[2])
            "journey" -> journeys.add(Journey(fields[1], fields[2]))
            "param" -> journeys.last().params[fields[1]] = unb64Text(fields[2])
            "step" -> journeys.last().steps.add(Step(fields[1], fields[2], fields.drop(3).map(::unb64Text)))
            "response" -> {
                val rest = fields.drop(3)
                val headers = HashMap<String, String>()
                for (i in rest.indices step 2) headers[unb64Text(rest[i])] = unb64Text(rest[i + 1])
                journeys.last().responses.add(Recorded(fields[1].toInt().toUShort(), headers, unb64(fields[2])))
            }
            "end" -> {
                journeys.last().outcome = fields[1]
                journeys.last().stepCount = fields[2].toInt()
            }
            else -> error("$path: unexpected line $line")
        }
    }
    return Recording(settings, journeys)
}

/** Answers from memory, in order; the request is not read (only released). */
class ReplayTransport : HttpTransport {
    private var responses: List<Recorded> = emptyList()
    private var next = 0
    private val made = ArrayList<HttpResponse>()

    /** Rewinds to `list`, releasing the response objects of the previous journey. */
    fun load(list: List<Recorded>) {
        for (response in made) response.close()
        made.clear()
        responses = list
        next = 0
    }

    override fun send(request: HttpRequest): HttpResponse {
        request.close()
        val recorded = responses[next++]
        val response = HttpResponse(recorded.status, recorded.headers, recorded.body)
        made.add(response)
        return response
    }
}

private fun promptName(prompt: PromptView): String = when (prompt) {
    is PromptView.ProvideVisaSession -> "provide_visa_session"
    is PromptView.ChooseStepUp -> "choose_step_up"
    is PromptView.EnterOtp -> "enter_otp"
    is PromptView.CompleteStepUp -> "complete_step_up"
    is PromptView.PasskeyCeremony -> "passkey_ceremony"
    is PromptView.Redirect -> "redirect"
    is PromptView.ConfirmUnknownOutcome -> "confirm_unknown_outcome"
}

/** The journey's start call, its records built once (as an app holds its params). */
private fun starter(client: AgenticClient, journey: Journey): () -> JourneySession {
    val p = journey.params
    fun get(name: String) = p[name] ?: error("${journey.name}: param $name missing")
    return when (journey.kind) {
        "direct_otp" -> {
            val params = DirectOtpParams(
                orderId = p["order_id"],
                newOrder = NewOrder(amount = get("amount"), currency = p["currency"], customerId = p["customer_id"]),
                cardBin = p["card_bin"],
            )
            val card = CardDetails(get("card_number"), get("card_exp_month"), get("card_exp_year"), get("card_security_code"))
            return { client.startDirectOtp(params, card) }
        }
        "enrollment" -> {
            val params = EnrollmentParams(
                customerId = get("customer_id"),
                countryCode = get("country_code"),
                userAgent = get("user_agent"),
                ipAddress = get("ip_address"),
                deviceModel = get("device_model"),
                deviceBrand = get("device_brand"),
                deviceManufacturer = get("device_manufacturer"),
                amount = get("amount"),
                currency = get("currency"),
                pageOrigin = get("page_origin"),
                referenceId = p["reference_id"],
            )
            val card = CardDetails(get("card_number"), get("card_exp_month"), get("card_exp_year"), get("card_security_code"))
            return { client.startEnrollment(params, card) }
        }
        "visa_passkey" -> {
            val params = VisaPasskeyParams(
                tokenId = get("token_id"),
                amount = get("amount"),
                currency = get("currency"),
                merchantName = get("merchant_name"),
                merchantUrl = get("merchant_url"),
                buyerLanguage = get("buyer_language"),
                email = get("email"),
                pageOrigin = get("page_origin"),
                referenceId = p["reference_id"],
            )
            return { client.startVisaPasskey(params) }
        }
        "purchase" -> {
            val params = PurchaseParams(
                customerId = get("customer_id"),
                vProvisionedTokenId = get("v_provisioned_token_id"),
                amount = get("amount"),
                currency = get("currency"),
                instructionExpiresAtMs = get("instruction_expires_at_ms").toULong(),
                orderId = get("order_id"),
                pageOrigin = get("page_origin"),
                instructionLimit = p["instruction_limit"],
                referenceId = p["reference_id"],
            )
            return { client.startPurchase(params) }
        }
        else -> error("unknown journey kind ${journey.kind}")
    }
}

/** Gives the recorded answer; returns the step it ran on to. */
private fun answer(session: JourneySession, step: Step): SessionStep {
    val a = step.args
    return when (step.call) {
        "submit_otp" -> session.submitOtp(a[0])
        "choose_step_up" -> session.chooseStepUp(a[0])
        "visa_message" -> session.visaMessage(PageEvent(a[0], a[1]))
        "submit_issuer_auth_code" -> session.submitIssuerAuthCode(a[0])
        "step_up_completed" -> session.stepUpCompleted()
        "redirect_completed" -> session.redirectCompleted()
        else -> error("unknown call ${step.call}")
    }
}

/** One replayed journey, as ffi_reference's `drive`; the session is closed unless `keep`. */
private fun drive(
    transport: ReplayTransport,
    journey: Journey,
    start: () -> JourneySession,
    keep: Boolean = false,
): JourneySession? {
    transport.load(journey.responses)
    val session = start()
    var count = 1
    try {
        var next = 0
        var step = session.advance()
        while (true) {
            val current = step
            try {
                when (step) {
                    is SessionStep.Prompt -> {
                        val prompt = step.prompt
                        val recorded = journey.steps[next++]
                        check(promptName(prompt) == recorded.prompt) {
                            "${journey.name}: prompt ${promptName(prompt)} where ${recorded.prompt} was recorded"
                        }
                        // What an app posts to the Visa page.
                        when (prompt) {
                            is PromptView.ProvideVisaSession -> prompt.messageToPost?.json
                            is PromptView.PasskeyCeremony -> prompt.messageToPost.json
                            else -> null
                        }
                        step = answer(session, recorded)
                        count++
                    }
                    is SessionStep.Done -> break
                    is SessionStep.Failed -> error("${journey.name}: failed: ${step.failure}")
                }
            } finally {
                current.destroy()
            }
        }
    } finally {
        if (!keep) session.close()
    }
    check(count == journey.stepCount) { "${journey.name}: $count steps, ${journey.stepCount} recorded" }
    return if (keep) session else null
}

class Plan(quick: Boolean) {
    val warmupNs: Long = if (quick) 300_000_000L else 1_000_000_000L
    val samples: Int = if (quick) 5 else 11
    val sampleNs: Long = if (quick) 100_000_000L else 200_000_000L
}

/** Median over `plan.samples` batches of the mean ns per call (as ffi_reference). */
private fun measure(plan: Plan, f: () -> Unit): Double = measureOp(plan, f).first

/**
 * [measure], also without the time spent inside the SDK's exported calls ([benchNanosInRust]):
 * (ns per call, ns per call outside the SDK), each the median over the samples.
 */
private fun measureOp(plan: Plan, f: () -> Unit): Pair<Double, Double> {
    val started = System.nanoTime()
    var runs = 0L
    while (System.nanoTime() - started < plan.warmupNs || runs < 3) {
        f()
        runs++
    }
    val perRun = (System.nanoTime() - started).toDouble() / runs
    val batch = maxOf(1L, (plan.sampleNs / perRun).toLong())
    val totals = DoubleArray(plan.samples)
    val outside = DoubleArray(plan.samples)
    for (i in 0 until plan.samples) {
        val inside = benchNanosInRust()
        val began = System.nanoTime()
        for (j in 0 until batch) f()
        val ns = (System.nanoTime() - began).toDouble()
        totals[i] = ns / batch
        outside[i] = (ns - (benchNanosInRust() - inside).toDouble()) / batch
    }
    totals.sort()
    outside.sort()
    return totals[totals.size / 2] to outside[outside.size / 2]
}

private const val LIVE_READY = """{"type":"AUTH_READY","requestID":"bench-ready-0001"}"""
private const val RIGHT_OTP = "456789"
private const val WRONG_OTP = "111111"

private fun clientFor(s: Map<String, String>, transport: HttpTransport?): AgenticClient {
    fun setting(name: String) = s[name] ?: error("setting $name missing")
    return AgenticClient(
        ClientSettings(
            juspay = JuspaySettings(
                environment = setting("juspay_environment"),
                merchantId = setting("juspay_merchant_id"),
                routingId = setting("juspay_routing_id"),
            ),
            visaAcceptance = VisaAcceptanceSettings(
                environment = setting("visa_environment"),
                merchantId = setting("visa_merchant_id"),
                keyId = setting("visa_key_id"),
            ),
            connectTimeoutMs = 5_000uL,
            readTimeoutMs = 10_000uL,
            overallTimeoutMs = 15_000uL,
        ),
        juspayApiKey = setting("juspay_api_key"),
        visaSharedSecret = setting("visa_shared_secret"),
        transport = transport,
    )
}

/**
 * The Visa page's admin calls: HTTP/1.1 over one blocking keep-alive socket, on the calling
 * thread only. `java.net.http.HttpClient` hands every exchange to its selector and executor
 * threads, which go on running after `send` returns; on two cores that work lands in the timed
 * FFI calls that follow, so the admin calls would not be left out of the figure.
 */
class AdminConnection(private val base: URI) {
    private var socket: Socket? = null
    private var input: BufferedInputStream? = null

    /** POSTs `body` (JSON) to `path`; the response body, for a 200. */
    fun post(path: String, body: String): String {
        val socket = socket ?: Socket(base.host, base.port).also {
            it.tcpNoDelay = true
            socket = it
            input = BufferedInputStream(it.getInputStream())
        }
        val input = input ?: error("no input stream")
        val bytes = body.toByteArray(Charsets.UTF_8)
        val head = "POST $path HTTP/1.1\r\nhost: ${base.host}:${base.port}\r\n" +
            "content-type: application/json\r\ncontent-length: ${bytes.size}\r\n\r\n"
        socket.getOutputStream().apply {
            write(head.toByteArray(Charsets.US_ASCII))
            write(bytes)
            flush()
        }
        val status = line(input)
        require(status.startsWith("HTTP/1.1 200")) { "admin $path: $status" }
        var length = -1
        while (true) {
            val header = line(input)
            if (header.isEmpty()) break
            val colon = header.indexOf(':')
            if (colon > 0 && header.substring(0, colon).trim().equals("content-length", ignoreCase = true)) {
                length = header.substring(colon + 1).trim().toInt()
            }
        }
        require(length >= 0) { "admin $path: no content-length" }
        val content = ByteArray(length)
        var read = 0
        while (read < length) {
            val n = input.read(content, read, length - read)
            require(n > 0) { "admin $path: truncated body" }
            read += n
        }
        return String(content, Charsets.UTF_8)
    }

    private fun line(input: BufferedInputStream): String {
        val out = ByteArrayOutputStream()
        while (true) {
            val b = input.read()
            require(b >= 0) { "admin: connection closed" }
            if (b == '\n'.code) break
            if (b != '\r'.code) out.write(b)
        }
        return out.toString(Charsets.US_ASCII)
    }
}

/** One live run: steps, ns without the page's admin calls, the end. */
class LiveRun(val steps: Int, val ns: Long, val outcome: OutcomeView)

/**
 * The built-in transport drive (`ffi_reference live` documents it; this is the same in Kotlin):
 * a client without a host transport against the standalone sandbox, every run a new order or
 * token, the Visa page played over `/__sandbox/visa-page/session` and `…/ceremony` (timed apart and left out).
 */
class Live(settings: Map<String, String>, journeys: List<Journey>) {
    private val byName = journeys.associateBy { it.name }
    private val url = settings["juspay_environment"] ?: error("no URL")
    private val pageAdmin = AdminConnection(URI.create(url))
    private val client = clientFor(settings, null)
    private var runs = 0L
    private val pid = ProcessHandle.current().pid()
    var enrolled = ""

    private fun page(route: String, message: String): String =
        pageAdmin.post("/__sandbox/visa-page/$route", message)

    /** The journey's start call, its records built for this run (a new order or token). */
    private fun start(journey: Journey, tag: String): JourneySession {
        val p = journey.params
        fun get(name: String) = p[name] ?: error("${journey.name}: param $name missing")
        return when (journey.kind) {
            "direct_otp" -> client.startDirectOtp(
                DirectOtpParams(
                    orderId = get("order_id").replace("#", tag),
                    newOrder = NewOrder(amount = get("amount"), currency = p["currency"], customerId = p["customer_id"]),
                    cardBin = p["card_bin"],
                ),
                CardDetails(get("card_number"), get("card_exp_month"), get("card_exp_year"), get("card_security_code")),
            )
            "enrollment" -> client.startEnrollment(
                EnrollmentParams(
                    customerId = get("customer_id"),
                    countryCode = get("country_code"),
                    userAgent = get("user_agent"),
                    ipAddress = get("ip_address"),
                    deviceModel = get("device_model"),
                    deviceBrand = get("device_brand"),
                    deviceManufacturer = get("device_manufacturer"),
                    amount = get("amount"),
                    currency = get("currency"),
                    pageOrigin = get("page_origin"),
                    referenceId = p["reference_id"],
                ),
                CardDetails(get("card_number"), get("card_exp_month"), get("card_exp_year"), get("card_security_code")),
            )
            "visa_passkey" -> client.startVisaPasskey(
                VisaPasskeyParams(
                    tokenId = get("token_id").replace("#", tag),
                    amount = get("amount"),
                    currency = get("currency"),
                    merchantName = get("merchant_name"),
                    merchantUrl = get("merchant_url"),
                    buyerLanguage = get("buyer_language"),
                    email = get("email"),
                    pageOrigin = get("page_origin"),
                    referenceId = p["reference_id"],
                ),
            )
            "purchase" -> client.startPurchase(
                PurchaseParams(
                    customerId = get("customer_id"),
                    vProvisionedTokenId = enrolled,
                    amount = get("amount"),
                    currency = get("currency"),
                    instructionExpiresAtMs = get("instruction_expires_at_ms").toULong(),
                    orderId = get("order_id").replace("#", tag),
                    pageOrigin = get("page_origin"),
                    instructionLimit = p["instruction_limit"],
                    referenceId = p["reference_id"],
                ),
            )
            else -> error("unknown journey kind ${journey.kind}")
        }
    }

    /** One run; the session and every step are released, the end is kept only if `keep`. */
    fun run(name: String, keep: Boolean = false): LiveRun {
        val journey = byName[name] ?: error("no journey $name")
        runs++
        val tag = "k" + (pid % 100_000).toString().padStart(5, '0') + runs.toString().padStart(7, '0')
        val started = System.nanoTime()
        var admin = 0L
        var otps = 0
        val session = start(journey, tag)
        try {
            var step = session.advance()
            var steps = 1
            while (true) {
                val current = step
                when (step) {
                    is SessionStep.Done -> {
                        val ns = System.nanoTime() - started - admin
                        if (!keep) step.destroy()
                        return LiveRun(steps, ns, step.outcome)
                    }
                    is SessionStep.Failed -> error("$name: failed: ${step.failure}")
                    is SessionStep.Prompt -> try {
                        step = when (val prompt = step.prompt) {
                            is PromptView.ProvideVisaSession -> {
                                val message = prompt.messageToPost
                                if (message == null) {
                                    session.visaMessage(PageEvent(LIVE_READY, url))
                                } else {
                                    val text = message.json
                                    val paused = System.nanoTime()
                                    val reply = page("session", text)
                                    admin += System.nanoTime() - paused
                                    session.visaMessage(PageEvent(reply, url))
                                }
                            }
                            is PromptView.PasskeyCeremony -> {
                                val text = prompt.messageToPost.json
                                val paused = System.nanoTime()
                                val reply = page("ceremony", text)
                                admin += System.nanoTime() - paused
                                session.visaMessage(PageEvent(reply, url))
                            }
                            is PromptView.ChooseStepUp -> {
                                val chosen = prompt.methods.first { it.method == StepUpMethod.OtpSms }
                                session.chooseStepUp(chosen.identifier)
                            }
                            is PromptView.EnterOtp -> {
                                otps++
                                val wrong = journey.kind == "direct_otp" && otps == 1
                                session.submitOtp(if (wrong) WRONG_OTP else RIGHT_OTP)
                            }
                            else -> error("$name: unexpected prompt ${promptName(prompt)}")
                        }
                        steps++
                    } finally {
                        current.destroy()
                    }
                }
            }
        } finally {
            session.close()
        }
    }

    /**
     * `count` runs: their steps, their ns and the ns of those spent inside the SDK's exported
     * calls (`benchNanosInRust()`, a bench build's probe).
     */
    fun batch(name: String, count: Int): LongArray {
        var steps = 0L
        var ns = 0L
        val inside = benchNanosInRust().toLong()
        repeat(count) {
            val run = run(name)
            steps += run.steps
            ns += run.ns
        }
        return longArrayOf(steps, ns, benchNanosInRust().toLong() - inside)
    }
}

private fun quartiles(values: List<Double>): DoubleArray {
    val sorted = values.sorted()
    fun at(q: Double) = sorted[minOf(sorted.size - 1, (q * sorted.size).toInt())]
    return doubleArrayOf(at(0.25), sorted[sorted.size / 2], at(0.75))
}

private fun fmt(value: Double, digits: Int = 0) = String.format(Locale.ROOT, "%.${digits}f", value)

/**
 * Alternates with `ffi_reference live` (a child, against the same sandbox) in short batches;
 * prints `live <journey> <steps> <Kotlin ns> <Rust ns> <Kotlin − Rust ns> <ns inside the SDK in
 * Kotlin> <Kotlin ns outside the SDK>` per journey (medians over the rounds), then
 * `livestep <p25> <median> <p75> <rounds> <batch>`: the paired difference per step of each
 * round (all journeys) and its spread, `livedirect <p25> <median> <p75>`: the same for the
 * time outside the SDK per step, and `livebare <p25> <median> <p75>`: the bare call, timed in
 * batches of [BARE_BATCH] after each round's journeys.
 */
private fun liveBench(reference: String, url: String, quick: Boolean): List<String> {
    val child = ProcessBuilder(reference, "live", url)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start()
    val toChild = child.outputStream.bufferedWriter()
    val fromChild = child.inputStream.bufferedReader()
    val lines = ArrayList<String>()
    while (true) {
        val line = fromChild.readLine() ?: error("ffi_reference live stopped before it was ready")
        if (line == "ready") break
        lines.add(line)
    }
    val recording = parseLines("ffi_reference live", lines)
    val live = Live(recording.settings, recording.journeys)
    val enrolled = live.run("enrollment", keep = true).outcome
    live.enrolled = (enrolled as OutcomeView.Enrolled).vProvisionedTokenId

    fun rust(name: String, count: Int): LongArray {
        toChild.write("run $name $count\n")
        toChild.flush()
        val fields = (fromChild.readLine() ?: error("ffi_reference live stopped")).split(" ")
        check(fields.size == 4 && fields[0] == "ran") { "ffi_reference live: unexpected answer $fields" }
        return longArrayOf(fields[2].toLong(), fields[3].toLong())
    }

    val names = recording.journeys.map { it.name }
    val batch = if (quick) 5 else 10
    val rounds = if (quick) 20 else 80
    // The JVM's warm-up: every path JIT-compiled before anything is timed (the reference warms
    // up its connections alongside).
    val warmupUntil = System.nanoTime() + (if (quick) 4_000_000_000L else 12_000_000_000L)
    while (System.nanoTime() < warmupUntil) {
        for (name in names) {
            rust(name, 2)
            live.batch(name, batch)
        }
    }
    val host = names.associateWith { ArrayList<Double>() }
    val reference = names.associateWith { ArrayList<Double>() }
    val paired = names.associateWith { ArrayList<Double>() }
    val inside = names.associateWith { ArrayList<Double>() }
    val outside = names.associateWith { ArrayList<Double>() }
    val steps = HashMap<String, Long>()
    val perStep = ArrayList<Double>()
    val directPerStep = ArrayList<Double>()
    val bare = ArrayList<Double>()
    for (index in 0 until rounds) {
        var difference = 0.0
        var direct = 0.0
        var totalSteps = 0L
        for (name in names) {
            // The order flips every round, so a drift favours neither side.
            val r: LongArray
            val h: LongArray
            if (index % 2 == 0) {
                r = rust(name, batch)
                h = live.batch(name, batch)
            } else {
                h = live.batch(name, batch)
                r = rust(name, batch)
            }
            check(r[0] == h[0] && h[0] % batch == 0L) { "$name: ${h[0]} steps in Kotlin, ${r[0]} in Rust" }
            steps[name] = h[0] / batch
            host.getValue(name).add(h[1].toDouble() / batch)
            reference.getValue(name).add(r[1].toDouble() / batch)
            paired.getValue(name).add((h[1] - r[1]).toDouble() / batch)
            inside.getValue(name).add(h[2].toDouble() / batch)
            outside.getValue(name).add((h[1] - h[2]).toDouble() / batch)
            difference += (h[1] - r[1]).toDouble() / batch
            direct += (h[1] - h[2]).toDouble() / batch
            totalSteps += h[0] / batch
        }
        perStep.add(difference / totalSteps)
        directPerStep.add(direct / totalSteps)
        // The bare call in every round, right after its journeys: the ratio's two sides are
        // timed under the same conditions (one timing after all rounds swung 2x between runs).
        val bareStarted = System.nanoTime()
        repeat(BARE_BATCH) { sink = sdkVersion() }
        bare.add((System.nanoTime() - bareStarted).toDouble() / BARE_BATCH)
    }
    toChild.close()
    child.waitFor()
    val out = ArrayList<String>()
    for (name in names) {
        val medians = listOf(host, reference, paired, inside, outside)
            .joinToString(" ") { fmt(quartiles(it.getValue(name))[1]) }
        out.add("live $name ${steps[name]} $medians")
    }
    val q = quartiles(perStep)
    out.add("livestep ${fmt(q[0], 1)} ${fmt(q[1], 1)} ${fmt(q[2], 1)} $rounds $batch")
    val d = quartiles(directPerStep)
    out.add("livedirect ${fmt(d[0], 1)} ${fmt(d[1], 1)} ${fmt(d[2], 1)}")
    val b = quartiles(bare)
    out.add("livebare ${fmt(b[0], 1)} ${fmt(b[1], 1)} ${fmt(b[2], 1)}")
    return out
}

@Volatile
private var sink: Any? = null

/** Bare calls timed per round of the built-in transport drive. */
private const val BARE_BATCH = 500

fun main(args: Array<String>) {
    require(args.size >= 2) { "usage: FfiBench <recording> quick|full [<ffi_reference> <sandbox url>]" }
    val quick = args[1] == "quick"
    if (args.size >= 4 && args[2].isNotBlank() && args[3].isNotBlank()) {
        // The built-in transport figure first: its own warm-up, its own alternation.
        println(liveBench(args[2], args[3], quick).joinToString("\n"))
    }
    val recording = readRecording(args[0])
    val transport = ReplayTransport()
    val client = clientFor(recording.settings, transport)
    val plan = Plan(quick)
    val starts = recording.journeys.map { starter(client, it) }

    // The JVM's warm-up: every path JIT-compiled before anything is timed.
    val warmupUntil = System.nanoTime() + (if (quick) 3_000_000_000L else 8_000_000_000L)
    while (System.nanoTime() < warmupUntil) {
        recording.journeys.forEachIndexed { i, journey -> drive(transport, journey, starts[i]) }
        repeat(1000) { sink = sdkVersion() }
    }

    val rows = recording.journeys.mapIndexed { i, journey ->
        val ns = measure(plan) { drive(transport, journey, starts[i]) }
        "journey ${journey.name} ${journey.stepCount} ${journey.responses.size} ${String.format(Locale.ROOT, "%.0f", ns)}"
    }
    val bare = measure(plan) { sink = sdkVersion() }
    println(rows.joinToString("\n"))
    println("bare ${String.format(Locale.ROOT, "%.1f", bare)}")

    // Where the time goes: single operations of the drive, each timed alone.
    val first = recording.journeys[0]
    check(first.kind == "direct_otp") { "the first recorded journey is ${first.kind}, not direct_otp" }
    val response = first.responses[0]
    val finished = drive(transport, first, starts[0], keep = true) ?: error("no session")
    val noHeaders = emptyMap<String, String>()
    val ops = listOf<Pair<String, () -> Unit>>(
        "http_response_new" to { HttpResponse(response.status, response.headers, response.body).close() },
        "http_response_new_no_headers" to { HttpResponse(response.status, noHeaders, response.body).close() },
        // A finished journey answers its end again.
        "advance_finished" to { finished.advance().destroy() },
        "session_kind" to { sink = finished.kind() },
    ) + recording.journeys.mapIndexed { i, journey ->
        // Each journey's start call (no request leaves before advance()), then its release.
        "start_${journey.kind}" to { starts[i]().close() }
    }
    for ((name, op) in ops) {
        val (total, outside) = measureOp(plan, op)
        println("op $name ${String.format(Locale.ROOT, "%.1f %.1f", total, outside)}")
    }
    finished.close()
    transport.load(emptyList())
}
