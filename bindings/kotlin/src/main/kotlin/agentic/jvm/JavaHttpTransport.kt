package agentic.jvm

import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpRequest as JdkRequest
import java.net.http.HttpResponse as JdkResponse
import java.nio.channels.UnresolvedAddressException
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import javax.net.ssl.SSLHandshakeException
import uniffi.agentic.HttpRequest
import uniffi.agentic.HttpResponse
import uniffi.agentic.HttpTransport
import uniffi.agentic.HttpTransportException

/**
 * The SDK's [HttpTransport] on the JDK's `java.net.http.HttpClient` (Java 11+).
 *
 * One request per call, HTTP/1.1, **no redirects** (a 3xx is answered as it is), keep-alive
 * through one pooled [HttpClient] per connect timeout. Headers are sent **exactly as the SDK
 * gives them**: Visa Acceptance signs `host` and `date`.
 *
 * ## The `Host` header
 * `java.net.http` refuses a `Host` header (`IllegalArgumentException: restricted header name`)
 * unless the JVM runs with `-Djdk.httpclient.allowRestrictedHeaders=host` (read once, when the
 * JDK's HTTP client classes load). With it, the SDK's `host` is sent verbatim. Without it, the
 * JDK writes its own `Host` from the URL; this transport then checks that the SDK's value is
 * exactly what the JDK writes (the usual case: the SDK derives it from the same URL) and fails
 * the request *before sending* (`maybeSent = false`) when it is not, rather than send a request
 * whose signature cannot match. `content-length` is treated the same way (the JDK writes it
 * from the body).
 *
 * Failures: no connection (refused, DNS, connect timeout, TLS handshake) is `maybeSent = false`;
 * anything after that (read timeout, reset) is `maybeSent = true`, so the SDK never resends a
 * call that moves money on its own.
 */
class JavaHttpTransport @JvmOverloads constructor(
    /** HTTP/1.1 by default: on `http://` the JDK's HTTP/2 default would add upgrade headers. */
    private val version: HttpClient.Version = HttpClient.Version.HTTP_1_1,
    /** Further settings of each [HttpClient] (proxy, SSL context, executor). */
    private val configure: (HttpClient.Builder) -> HttpClient.Builder = { it },
    /**
     * The restricted headers this JVM lets `java.net.http` send; by default those named by
     * `jdk.httpclient.allowRestrictedHeaders`, which the JDK reads once.
     */
    private val allowedRestrictedHeaders: Set<String> = restrictedHeadersAllowedByJvm(),
) : HttpTransport {

    private val clients = ConcurrentHashMap<Long, HttpClient>()

    private fun client(connectTimeoutMs: Long): HttpClient =
        clients.computeIfAbsent(connectTimeoutMs) { ms ->
            configure(
                HttpClient.newBuilder()
                    .version(version)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofMillis(ms)),
            ).build()
        }

    override fun send(request: HttpRequest): HttpResponse {
        val uri = try {
            URI(request.url())
        } catch (e: Exception) {
            throw failed("invalid URL", maybeSent = false)
        }
        val body = request.body()
        val builder = JdkRequest.newBuilder(uri)
            .timeout(Duration.ofMillis(request.overallTimeoutMs().toLong().coerceAtLeast(1)))
        for ((name, value) in request.headers()) {
            val lower = name.lowercase()
            if (lower in RESTRICTED && lower !in allowedRestrictedHeaders) {
                when (lower) {
                    "host" -> if (value != jdkHost(uri)) {
                        throw failed(
                            "java.net.http cannot send this `host` header: run the JVM with " +
                                "-Djdk.httpclient.allowRestrictedHeaders=host",
                            maybeSent = false,
                        )
                    }
                    "content-length" -> if (value.trim() != body.size.toString()) {
                        throw failed("`content-length` does not match the body", maybeSent = false)
                    }
                    // Hop-by-hop headers the JDK manages itself.
                    "connection" -> Unit
                    else -> throw failed(
                        "java.net.http cannot send a `$lower` header: run the JVM with " +
                            "-Djdk.httpclient.allowRestrictedHeaders=$lower",
                        maybeSent = false,
                    )
                }
                continue
            }
            builder.header(name, value)
        }
        when (val method = request.method().uppercase()) {
            "GET" -> builder.GET()
            else -> builder.method(method, JdkRequest.BodyPublishers.ofByteArray(body))
        }
        val jdkRequest = try {
            builder.build()
        } catch (e: IllegalArgumentException) {
            // A header name or value the JDK refuses (never quote the value: it may be a key).
            throw failed("java.net.http refused the request: ${e.javaClass.simpleName}", maybeSent = false)
        }
        val response = try {
            client(request.connectTimeoutMs().toLong()).send(jdkRequest, JdkResponse.BodyHandlers.ofByteArray())
        } catch (e: HttpConnectTimeoutException) {
            throw failed("connect timeout", maybeSent = false)
        } catch (e: ConnectException) {
            throw failed("could not connect: ${e.message ?: e.javaClass.simpleName}", maybeSent = false)
        } catch (e: SSLHandshakeException) {
            throw failed("TLS handshake failed", maybeSent = false)
        } catch (e: IOException) {
            if (e.cause is UnresolvedAddressException) throw failed("unknown host", maybeSent = false)
            throw failed("no response: ${e.javaClass.simpleName}: ${e.message}", maybeSent = true)
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw failed("interrupted", maybeSent = true)
        }
        val headers = response.headers().map().mapValues { (_, values) -> values.joinToString(", ") }
        return HttpResponse(response.statusCode().toUShort(), headers, response.body())
    }

    companion object {
        /** The headers `java.net.http` refuses unless `jdk.httpclient.allowRestrictedHeaders` names them. */
        private val RESTRICTED = setOf("connection", "content-length", "expect", "host", "upgrade")

        /** The restricted headers `-Djdk.httpclient.allowRestrictedHeaders=…` allows, in lowercase. */
        @JvmStatic
        fun restrictedHeadersAllowedByJvm(): Set<String> =
            (System.getProperty("jdk.httpclient.allowRestrictedHeaders") ?: "")
                .split(',').map { it.trim().lowercase() }.filter { it.isNotEmpty() }.toSet()

        /** The `Host` the JDK writes for [uri]: the host, with the port unless it is the scheme's default. */
        internal fun jdkHost(uri: URI): String {
            val host = uri.host ?: return ""
            val defaultPort = if (uri.scheme.equals("https", ignoreCase = true)) 443 else 80
            return if (uri.port == -1 || uri.port == defaultPort) host else "$host:${uri.port}"
        }

        private fun failed(reason: String, maybeSent: Boolean) = HttpTransportException.Failed(reason, maybeSent)
    }
}
