import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// The sandbox the tests run against, started once per test process.
///
/// - `AGENTIC_SANDBOX_URL=http://127.0.0.1:PORT`: a sandbox someone else started with the
///   default credentials (`cargo run -p agentic-cli -- sandbox`). The only way on an iOS
///   simulator (pass it as `TEST_RUNNER_AGENTIC_SANDBOX_URL` to `xcodebuild test`).
/// - otherwise (macOS, Linux) `AGENTIC_SANDBOX_BINARY` (default: `target/debug/agentic` of this
///   checkout, `cargo build -p agentic-cli`) is started as
///   `agentic sandbox --addr 127.0.0.1:0 --until-stdin-closes`; its first line gives the URL,
///   the `export AGENTIC_…=` lines the credentials. Its standard input is a pipe of this
///   process: when the tests end, however they end, the pipe closes and the sandbox stops.
final class Sandbox: @unchecked Sendable {
    let baseUrl: String
    let juspayApiKey: String
    let juspayMerchantId: String
    let visaMerchantId: String
    let visaKeyId: String
    let visaSharedSecret: String
    /// Kept open for the sandbox's lifetime (its end of file stops the sandbox).
    private let stdin: Pipe?

    /// The Visa page's origin (the sandbox's own).
    var origin: String { baseUrl }

    /// The sandbox's default credentials (crates/agentic-sandbox/README.md).
    private static let defaults = [
        "AGENTIC_JUSPAY_API_KEY": "sandbox_api_key_5f2c",
        "AGENTIC_JUSPAY_MERCHANT_ID": "agentic_sandbox",
        "AGENTIC_VISA_MERCHANT_ID": "agentic_visa_sandbox",
        "AGENTIC_VISA_KEY_ID": "08c94330-f618-42a3-b09d-e1e43be5efda",
        "AGENTIC_VISA_SHARED_SECRET": "c2FuZGJveC1zaGFyZWQtc2VjcmV0LWFnZW50aWMtMzI=",
    ]

    private init(baseUrl: String, credentials: [String: String], stdin: Pipe?) {
        self.baseUrl = baseUrl
        let value = { (name: String) in credentials[name] ?? Sandbox.defaults[name] ?? "" }
        juspayApiKey = value("AGENTIC_JUSPAY_API_KEY")
        juspayMerchantId = value("AGENTIC_JUSPAY_MERCHANT_ID")
        visaMerchantId = value("AGENTIC_VISA_MERCHANT_ID")
        visaKeyId = value("AGENTIC_VISA_KEY_ID")
        visaSharedSecret = value("AGENTIC_VISA_SHARED_SECRET")
        self.stdin = stdin
    }

    /// The shared sandbox (started on first use; a failure to start is remembered).
    static func shared() throws -> Sandbox {
        try holder.get()
    }

    private static let holder = Holder()

    private final class Holder: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<Sandbox, Error>?

        func get() throws -> Sandbox {
            lock.lock()
            defer { lock.unlock() }
            if let result = result {
                return try result.get()
            }
            let started = Result { try Sandbox.start() }
            result = started
            return try started.get()
        }
    }

    private static func start() throws -> Sandbox {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["AGENTIC_SANDBOX_URL"]?.trimmingCharacters(in: .whitespaces),
           !url.isEmpty
        {
            var base = url
            while base.hasSuffix("/") { base.removeLast() }
            return Sandbox(baseUrl: base, credentials: [:], stdin: nil)
        }
        #if os(macOS) || os(Linux)
        return try spawn(binary: environment["AGENTIC_SANDBOX_BINARY"] ?? defaultBinary())
        #else
        throw SandboxError("set AGENTIC_SANDBOX_URL to a running sandbox (cargo run -p agentic-cli -- sandbox)")
        #endif
    }

    /// `target/debug/agentic` of the checkout this file is in (or of `CARGO_TARGET_DIR`).
    private static func defaultBinary() -> String {
        // bindings/swift/Tests/AgenticTests/Sandbox.swift → the repository root.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { root.deleteLastPathComponent() }
        let target = ProcessInfo.processInfo.environment["CARGO_TARGET_DIR"]
            .map { URL(fileURLWithPath: $0, relativeTo: root) } ?? root.appendingPathComponent("target")
        return target.appendingPathComponent("debug").appendingPathComponent("agentic").path
    }

    #if os(macOS) || os(Linux)
    private static func spawn(binary: String) throws -> Sandbox {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SandboxError(
                "no sandbox: set AGENTIC_SANDBOX_URL, or build \(binary) (cargo build -p agentic-cli)"
            )
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["sandbox", "--addr", "127.0.0.1:0", "--until-stdin-closes"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()

        let reader = LineReader(output.fileHandleForReading)
        guard let first = reader.next() else {
            throw SandboxError("the sandbox exited before printing its URL")
        }
        guard let range = first.range(of: "listening on ") else {
            throw SandboxError("unexpected first line from the sandbox: \(first)")
        }
        let base = String(first[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        var credentials: [String: String] = [:]
        while let line = reader.next() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("export AGENTIC_"),
               let assignment = trimmed.dropFirst("export ".count).split(separator: " ").first,
               let equals = assignment.firstIndex(of: "=")
            {
                let name = String(assignment[..<equals])
                credentials[name] = String(assignment[assignment.index(after: equals)...])
            }
            if trimmed.hasPrefix("Serving until") { break }
        }
        // Keep draining its output so that it never blocks on a full pipe.
        let handle = output.fileHandleForReading
        Thread {
            while !handle.availableData.isEmpty {}
        }.start()
        return Sandbox(baseUrl: base, credentials: credentials, stdin: input)
    }
    #endif

    // MARK: - The sandbox's own routes (the test plays the Visa page and the bank's page)

    /// The headless Visa page: `CREATE_AUTH_SESSION` JSON in, `AUTH_SESSION_CREATED` JSON out.
    func pageSession(_ createAuthSession: String) throws -> String {
        let (status, body) = try call("POST", "/__sandbox/visa-page/session", body: createAuthSession)
        guard status == 200 else { throw SandboxError("page session: HTTP \(status)") }
        return body
    }

    /// The headless Visa page: `AUTHENTICATE` JSON in, `AUTH_COMPLETE` (200) or `AUTH_FAILED`
    /// (400) out.
    func pageCeremony(_ authenticate: String) throws -> String {
        let (status, body) = try call("POST", "/__sandbox/visa-page/ceremony", body: authenticate)
        guard status == 200 || status == 400 else {
            throw SandboxError("page ceremony: HTTP \(status)")
        }
        return body
    }

    /// Visits a bank (3-D Secure) page like the cardholder's browser; returns the HTTP status.
    func visit(_ url: String) throws -> Int {
        guard url.hasPrefix(baseUrl + "/") else {
            throw SandboxError("the redirect leaves the sandbox: \(url)")
        }
        return try call("GET", url).status
    }

    /// The side-effect counters (`requests`, `charges`, `otps_sent`, `passkeys_registered` …).
    func counters() throws -> [String: Int64] {
        let (status, body) = try call("GET", "/__sandbox/counters")
        guard status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { throw SandboxError("counters: HTTP \(status)") }
        var counters: [String: Int64] = [:]
        for (name, value) in object {
            if let number = value as? NSNumber {
                counters[name] = number.int64Value
            } else if let number = value as? Int {
                counters[name] = Int64(number)
            }
        }
        return counters
    }

    /// One request to the sandbox with the tests' own URLSession (not the SDK's transport).
    private func call(_ method: String, _ path: String, body: String? = nil) throws
        -> (status: Int, body: String)
    {
        guard let url = URL(string: path.hasPrefix("http") ? path : baseUrl + path) else {
            throw SandboxError("bad URL \(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: 20)
        request.httpMethod = method
        if let body = body {
            request.setValue("application/json", forHTTPHeaderField: "content-type")
            request.httpBody = Data(body.utf8)
        }
        let finished = DispatchSemaphore(value: 0)
        let box = ResponseBox()
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(data, response, error)
            finished.signal()
        }.resume()
        finished.wait()
        let (data, response, error) = box.get()
        if let error = error { throw error }
        guard let http = response as? HTTPURLResponse else {
            throw SandboxError("\(method) \(path): no HTTP response")
        }
        return (http.statusCode, String(decoding: data ?? Data(), as: UTF8.self))
    }

    /// The first string value of `key` anywhere in the JSON text (nil when absent).
    static func jsonString(_ json: String, key: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else {
            return nil
        }
        return find(key, in: object)
    }

    private static func find(_ key: String, in value: Any) -> String? {
        if let object = value as? [String: Any] {
            if let found = object[key] as? String { return found }
            for (_, inner) in object {
                if let found = find(key, in: inner) { return found }
            }
        } else if let array = value as? [Any] {
            for inner in array {
                if let found = find(key, in: inner) { return found }
            }
        }
        return nil
    }
}

struct SandboxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Lines of a file handle, read as they arrive.
private final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = Data() }
                return String(decoding: buffer, as: UTF8.self)
            }
            buffer.append(chunk)
        }
    }
}

private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, URLResponse?, Error?) = (nil, nil, nil)

    func set(_ data: Data?, _ response: URLResponse?, _ error: Error?) {
        lock.lock()
        value = (data, response, error)
        lock.unlock()
    }

    func get() -> (Data?, URLResponse?, Error?) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
