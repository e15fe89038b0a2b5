// The SDK's HttpTransport on URLSession. Hand-written (not generated): the generated bindings
// are agentic.swift next to it.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The SDK's `HttpTransport` on `URLSession`: pass it to `AgenticClient(settings:…transport:)`
/// to send every request through the app's own HTTP stack (required when the library was built
/// with the mobile feature set, which has no HTTP stack of its own).
///
/// - One request per call, **no redirects** (a 3xx is returned as it is), no cookies, no cache.
/// - `send` **blocks** the calling thread (the thread that called `advance()`; never the main
///   thread) until the response, the overall timeout, or a failure.
/// - Headers are sent as the SDK gives them. `URLSession` writes `Host` and `Content-Length`
///   itself: they are checked to equal what it writes (Visa Acceptance signs `host`) and the
///   request fails *before sending* when they do not.
/// - Timeouts: `URLRequest.timeoutInterval` (the idle interval) is the larger of the SDK's
///   connect and read timeouts; the SDK's overall timeout bounds the whole call.
/// - Failures: no connection (DNS, refused, TLS, offline) is `maybeSent: false`; anything else
///   (timeouts, a dropped connection) is `maybeSent: true`, so the SDK never resends a call that
///   moves money on its own. Reasons name the `URLError` code, never the request.
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession

    /// A transport on an ephemeral session; `configure` may change the configuration (proxy,
    /// TLS, `httpMaximumConnectionsPerHost`) before the session is created.
    public init(configure: (URLSessionConfiguration) -> Void = { _ in }) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configure(configuration)
        session = URLSession(
            configuration: configuration,
            delegate: RefuseRedirects(),
            delegateQueue: nil
        )
    }

    deinit {
        // The session holds its delegate until it is invalidated.
        session.finishTasksAndInvalidate()
    }

    public func send(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url()) else {
            throw HttpTransportError.Failed(reason: "invalid URL", maybeSent: false)
        }
        let method = request.method().uppercased()
        let body = request.body()
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = method
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        urlRequest.httpShouldHandleCookies = false
        urlRequest.timeoutInterval = Self.seconds(
            max(request.connectTimeoutMs(), request.readTimeoutMs())
        )
        for (name, value) in request.headers() {
            switch name.lowercased() {
            case "host":
                guard value == Self.host(of: url) else {
                    throw HttpTransportError.Failed(
                        reason: "URLSession cannot send this host header", maybeSent: false
                    )
                }
            case "content-length":
                guard value.trimmingCharacters(in: .whitespaces) == String(body.count) else {
                    throw HttpTransportError.Failed(
                        reason: "content-length does not match the body", maybeSent: false
                    )
                }
            case "connection":
                break // hop-by-hop: URLSession manages the connection
            default:
                urlRequest.setValue(value, forHTTPHeaderField: name)
            }
        }
        if method != "GET" || !body.isEmpty {
            urlRequest.httpBody = body
        }

        let finished = DispatchSemaphore(value: 0)
        let completion = Completion()
        let task = session.dataTask(with: urlRequest) { data, response, error in
            completion.store(data: data, response: response, error: error)
            finished.signal()
        }
        task.resume()
        let overall = Self.seconds(request.overallTimeoutMs())
        if finished.wait(timeout: .now() + overall) == .timedOut {
            task.cancel()
            throw HttpTransportError.Failed(
                reason: "no response within the overall timeout", maybeSent: true
            )
        }
        let (data, response, error) = completion.load()
        if let error = error {
            throw Self.failure(error)
        }
        guard let http = response as? HTTPURLResponse else {
            throw HttpTransportError.Failed(reason: "not an HTTP response", maybeSent: true)
        }
        guard let status = UInt16(exactly: http.statusCode) else {
            throw HttpTransportError.Failed(
                reason: "HTTP status \(http.statusCode) out of range", maybeSent: true
            )
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            guard let name = key as? String else { continue }
            headers[name.lowercased()] = "\(value)"
        }
        return HttpResponse(status: status, headers: headers, body: data ?? Data())
    }

    /// Milliseconds as a `TimeInterval`, at least one millisecond.
    static func seconds(_ milliseconds: UInt64) -> TimeInterval {
        TimeInterval(max(milliseconds, 1)) / 1000
    }

    /// The `Host` URLSession writes for `url`: the host, with the port unless it is the
    /// scheme's default.
    static func host(of url: URL) -> String {
        var host = url.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") {
            host = "[\(host)]"
        }
        guard let port = url.port else { return host }
        let scheme = url.scheme?.lowercased()
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) {
            return host
        }
        return "\(host):\(port)"
    }

    /// A `URLSession` error as the SDK's transport failure.
    static func failure(_ error: Error) -> HttpTransportError {
        let nsError = error as NSError
        let reason = "URLSession failed (\(nsError.domain) \(nsError.code))"
        guard let code = (error as? URLError)?.code else {
            return .Failed(reason: reason, maybeSent: true)
        }
        switch code {
        case .badURL, .unsupportedURL, .cannotFindHost, .dnsLookupFailed, .cannotConnectToHost,
             .notConnectedToInternet, .secureConnectionFailed, .serverCertificateHasBadDate,
             .serverCertificateUntrusted, .serverCertificateHasUnknownRoot,
             .serverCertificateNotYetValid, .clientCertificateRejected,
             .clientCertificateRequired:
            return .Failed(reason: reason, maybeSent: false)
        default:
            return .Failed(reason: reason, maybeSent: true)
        }
    }
}

/// Answers every redirect with "do not follow": the task completes with the 3xx response.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// The result of one data task, handed from URLSession's queue to the waiting thread.
private final class Completion: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var response: URLResponse?
    private var error: Error?

    func store(data: Data?, response: URLResponse?, error: Error?) {
        lock.lock()
        defer { lock.unlock() }
        self.data = data
        self.response = response
        self.error = error
    }

    func load() -> (Data?, URLResponse?, Error?) {
        lock.lock()
        defer { lock.unlock() }
        return (data, response, error)
    }
}
