package agentic

import agentic.jvm.JavaHttpTransport
import java.io.ByteArrayOutputStream
import java.io.InputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import uniffi.agentic.HttpRequest
import uniffi.agentic.HttpTransportException
import uniffi.agentic.NoHandle

/**
 * [JavaHttpTransport] on the wire, against a raw socket that records the request bytes: the
 * headers go out exactly as given (`host` included, thanks to
 * `-Djdk.httpclient.allowRestrictedHeaders=host` in surefire's argLine), and a failure says
 * whether the request may have left.
 */
class JavaHttpTransportTest {
    /** A request as the SDK hands it over (a stand-in object: no Rust behind it). */
    private class FakeRequest(
        private val method: String,
        private val url: String,
        private val headers: Map<String, String>,
        private val body: ByteArray = ByteArray(0),
        private val overallMs: ULong = 5_000u,
    ) : HttpRequest(NoHandle) {
        override fun method() = method
        override fun url() = url
        override fun headers() = headers
        override fun body() = body
        override fun operation() = "test.op"
        override fun connectTimeoutMs(): ULong = 2_000u
        override fun readTimeoutMs(): ULong = overallMs
        override fun overallTimeoutMs(): ULong = overallMs
    }

    /** What the raw server received: the request line, the header lines in order, the body. */
    private data class Received(val requestLine: String, val headers: List<Pair<String, String>>, val body: ByteArray)

    /** A one-thread HTTP/1.1 server that records each request and answers with [answer]. */
    private class RawServer(private val answer: (Socket, Received) -> Unit) : AutoCloseable {
        val socket = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
        val port get() = socket.localPort
        val received = LinkedBlockingQueue<Received>()
        private val thread = Thread {
            while (!socket.isClosed) {
                val connection = runCatching { socket.accept() }.getOrNull() ?: break
                connection.use { c ->
                    val request = read(c.getInputStream()) ?: return@use
                    received += request
                    answer(c, request)
                }
            }
        }.apply { isDaemon = true; start() }

        private fun line(input: InputStream): String? {
            val out = ByteArrayOutputStream()
            while (true) {
                val b = input.read()
                if (b < 0) return null
                if (b == '\n'.code) return out.toString(Charsets.ISO_8859_1).trimEnd('\r')
                out.write(b)
            }
        }

        private fun read(input: InputStream): Received? {
            val requestLine = line(input) ?: return null
            val headers = mutableListOf<Pair<String, String>>()
            while (true) {
                val l = line(input) ?: return null
                if (l.isEmpty()) break
                val colon = l.indexOf(':')
                headers += l.substring(0, colon) to l.substring(colon + 1).trim()
            }
            val length = headers.firstOrNull { it.first.equals("content-length", true) }?.second?.toInt() ?: 0
            return Received(requestLine, headers, input.readNBytes(length))
        }

        override fun close() {
            socket.close()
            thread.join(2_000)
        }
    }

    private val servers = mutableListOf<RawServer>()

    private fun server(answer: (Socket, Received) -> Unit = { s, _ -> ok(s) }) = RawServer(answer).also { servers += it }

    @AfterEach
    fun close() = servers.forEach { it.close() }

    @Test
    fun `headers go out exactly as given, host and date included`() {
        val srv = server()
        val headers = linkedMapOf(
            "host" to "api.visa-acceptance.example",
            "date" to "Sun, 22 Nov 2026 05:00:00 GMT",
            "digest" to "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "v-c-merchant-id" to "merchant_1",
            "signature" to "keyid=\"k\", algorithm=\"HmacSHA256\", headers=\"host date\", signature=\"c2ln\"",
            "content-type" to "application/json",
            "user-agent" to "agentic/0.1.0",
        )
        val body = """{"otp":"918273"}""".toByteArray()
        val response = JavaHttpTransport().send(FakeRequest("POST", "http://127.0.0.1:${srv.port}/tms/v2/x?y=1", headers, body))
        assertEquals(200, response.status().toInt())
        val got = srv.received.poll(5, TimeUnit.SECONDS) ?: fail("nothing arrived")
        assertEquals("POST /tms/v2/x?y=1 HTTP/1.1", got.requestLine)
        for ((name, value) in headers) {
            assertEquals(listOf(value), got.headers.filter { it.first.equals(name, true) }.map { it.second }, name)
        }
        // The JDK adds only the body's length.
        assertEquals(
            (headers.keys + "content-length").sorted(),
            got.headers.map { it.first.lowercase() }.sorted(),
        )
        assertArrayEquals(body, got.body)
    }

    @Test
    fun `without the JVM's permission a host the JDK would write itself goes, any other is refused unsent`() {
        val srv = server()
        val strict = JavaHttpTransport(allowedRestrictedHeaders = emptySet())
        val same = "127.0.0.1:${srv.port}"
        strict.send(FakeRequest("GET", "http://$same/a", mapOf("host" to same, "content-length" to "0")))
        val got = srv.received.poll(5, TimeUnit.SECONDS) ?: fail("nothing arrived")
        assertEquals(listOf(same), got.headers.filter { it.first.equals("host", true) }.map { it.second })

        val error = try {
            strict.send(FakeRequest("GET", "http://$same/b", mapOf("host" to "other.example")))
            fail("sent")
        } catch (e: HttpTransportException.Failed) {
            e
        }
        assertFalse(error.maybeSent)
        assertTrue(error.reason.contains("allowRestrictedHeaders=host"), error.reason)
        assertNull(srv.received.poll(300, TimeUnit.MILLISECONDS), "nothing left")
    }

    @Test
    fun `redirects are answered as they are`() {
        val srv = server { s, _ ->
            s.getOutputStream().write(
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nX-Request-Id: r-1\r\nContent-Length: 0\r\n\r\n".toByteArray(),
            )
        }
        val response = JavaHttpTransport().send(FakeRequest("GET", "http://127.0.0.1:${srv.port}/", emptyMap()))
        assertEquals(302, response.status().toInt())
        assertEquals(1, srv.received.size)
    }

    @Test
    fun `connection refused is not sent`() {
        val port = ServerSocket(0).use { it.localPort }
        val error = failure(FakeRequest("POST", "http://127.0.0.1:$port/", emptyMap(), "{}".toByteArray()))
        assertFalse(error.maybeSent, error.reason)
    }

    @Test
    fun `a connection closed after the request was written may have been sent`() {
        val srv = server { _, _ -> /* read it, close without a byte */ }
        val error = failure(FakeRequest("POST", "http://127.0.0.1:${srv.port}/", emptyMap(), "{}".toByteArray()))
        assertTrue(error.maybeSent, error.reason)
        assertEquals(1, srv.received.size)
    }

    @Test
    fun `a timeout waiting for the answer may have been sent`() {
        val srv = server { _, _ -> Thread.sleep(2_000) }
        val error = failure(FakeRequest("POST", "http://127.0.0.1:${srv.port}/", emptyMap(), "{}".toByteArray(), overallMs = 300u))
        assertTrue(error.maybeSent, error.reason)
    }

    private fun failure(request: HttpRequest): HttpTransportException.Failed = try {
        JavaHttpTransport().send(request)
        fail("answered")
    } catch (e: HttpTransportException.Failed) {
        e
    }

    private companion object {
        fun ok(socket: Socket) {
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".toByteArray())
        }
    }
}
