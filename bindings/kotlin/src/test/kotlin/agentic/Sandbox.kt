package agentic

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * The sandbox every test runs against, started once per test JVM.
 *
 * - `-Dagentic.sandbox.url=http://127.0.0.1:PORT` (what `cargo xtask test` passes): a sandbox
 *   someone else started with the default credentials.
 * - otherwise `agentic.sandbox.binary` (default `target/debug/agentic` of this checkout) is
 *   started as `agentic sandbox --addr 127.0.0.1:0 --until-stdin-closes`; its first line gives
 *   the URL, the `export AGENTIC_…=` lines the credentials. Its standard input is this JVM's
 *   pipe: when the JVM ends, however it ends, the pipe closes and the sandbox stops.
 */
class Sandbox private constructor(
    val baseUrl: String,
    val juspayApiKey: String,
    val juspayMerchantId: String,
    val visaMerchantId: String,
    val visaKeyId: String,
    val visaSharedSecret: String,
    private val process: Process?,
) {
    /** The Visa page's origin (the sandbox's own). */
    val origin: String get() = baseUrl

    private val http: HttpClient = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build()

    private fun call(method: String, path: String, body: String? = null): HttpResponse<String> {
        val uri = if (path.startsWith("http")) URI(path) else URI("$baseUrl$path")
        val builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
        if (body != null) builder.header("content-type", "application/json")
        builder.method(method, body?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString())
    }

    /** The headless Visa page: `CREATE_AUTH_SESSION` JSON in, `AUTH_SESSION_CREATED` JSON out. */
    fun pageSession(createAuthSession: String): String {
        val response = call("POST", "/__sandbox/visa-page/session", createAuthSession)
        check(response.statusCode() == 200) { "page session: HTTP ${response.statusCode()}" }
        return response.body()
    }

    /** The headless Visa page: `AUTHENTICATE` JSON in, `AUTH_COMPLETE` (200) or `AUTH_FAILED` (400) out. */
    fun pageCeremony(authenticate: String): String {
        val response = call("POST", "/__sandbox/visa-page/ceremony", authenticate)
        check(response.statusCode() == 200 || response.statusCode() == 400) { "page ceremony: HTTP ${response.statusCode()}" }
        return response.body()
    }

    /** Visits a bank (3-D Secure) page like the cardholder's browser; returns the HTTP status. */
    fun visit(url: String): Int {
        require(url.startsWith("$baseUrl/")) { "the redirect leaves the sandbox: $url" }
        return call("GET", url).statusCode()
    }

    /** The side-effect counters (`charges`, `otps_sent`, `tokens_provisioned` …). */
    fun counters(): Map<String, Long> = numbers(call("GET", "/__sandbox/counters").body())

    /** Calls per operation since the sandbox started. */
    fun calls(operation: String): Long = numbers(call("GET", "/__sandbox/calls").body())[operation] ?: 0

    /** Injects [fault] (`{"kind": "…"}`) on the next call of [operation]; returns after the sandbox accepted it. */
    fun faultNextCall(operation: String, fault: String) {
        val nth = calls(operation) + 1
        val response = call("POST", "/__sandbox/faults", """{"operation":"$operation","nth":$nth,"fault":$fault}""")
        check(response.statusCode() == 201) { "fault refused: HTTP ${response.statusCode()} ${response.body()}" }
    }

    fun clearFaults() {
        call("DELETE", "/__sandbox/faults")
    }

    companion object {
        /** The sandbox's default credentials (crates/agentic-sandbox/README.md), used with an external URL. */
        private val DEFAULTS = mapOf(
            "AGENTIC_JUSPAY_API_KEY" to "sandbox_api_key_5f2c",
            "AGENTIC_JUSPAY_MERCHANT_ID" to "agentic_sandbox",
            "AGENTIC_VISA_MERCHANT_ID" to "agentic_visa_sandbox",
            "AGENTIC_VISA_KEY_ID" to "08c94330-f618-42a3-b09d-e1e43be5efda",
            "AGENTIC_VISA_SHARED_SECRET" to "c2FuZGJveC1zaGFyZWQtc2VjcmV0LWFnZW50aWMtMzI=",
        )

        val instance: Sandbox by lazy { start() }

        private fun start(): Sandbox {
            val url = System.getProperty("agentic.sandbox.url").orEmpty().trim()
            if (url.isNotEmpty()) return of(url.trimEnd('/'), DEFAULTS, null)
            val binary = File(System.getProperty("agentic.sandbox.binary") ?: "../../target/debug/agentic")
            check(binary.canExecute()) {
                "no sandbox: pass -Dagentic.sandbox.url=… or build ${binary.absolutePath} (cargo build -p agentic-cli)"
            }
            val process = ProcessBuilder(binary.absolutePath, "sandbox", "--addr", "127.0.0.1:0", "--until-stdin-closes")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            val out = BufferedReader(InputStreamReader(process.inputStream, Charsets.UTF_8))
            val first = out.readLine() ?: error("the sandbox exited before printing its URL")
            val base = Regex("listening on (http://\\S+)").find(first)?.groupValues?.get(1)
                ?: error("unexpected first line from the sandbox: $first")
            val credentials = HashMap(DEFAULTS)
            while (true) {
                val line = out.readLine() ?: break
                Regex("export (AGENTIC_[A-Z_]+)=(\\S+)").find(line)?.let { credentials[it.groupValues[1]] = it.groupValues[2] }
                if (line.startsWith("Serving until")) break
            }
            // Keep draining its output so it never blocks on a full pipe.
            Thread({ out.useLines { lines -> lines.forEach { } } }, "sandbox-stdout").apply { isDaemon = true }.start()
            Runtime.getRuntime().addShutdownHook(Thread {
                runCatching { process.outputStream.close() } // end of stdin: it shuts down cleanly
                if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
            })
            return of(base, credentials, process)
        }

        private fun of(base: String, c: Map<String, String>, process: Process?) = Sandbox(
            base,
            c.getValue("AGENTIC_JUSPAY_API_KEY"),
            c.getValue("AGENTIC_JUSPAY_MERCHANT_ID"),
            c.getValue("AGENTIC_VISA_MERCHANT_ID"),
            c.getValue("AGENTIC_VISA_KEY_ID"),
            c.getValue("AGENTIC_VISA_SHARED_SECRET"),
            process,
        )

        /** `"name": 12` pairs of a flat JSON object. */
        private fun numbers(json: String): Map<String, Long> =
            Regex("\"([^\"]+)\"\\s*:\\s*(\\d+)").findAll(json).associate { it.groupValues[1] to it.groupValues[2].toLong() }
    }
}
