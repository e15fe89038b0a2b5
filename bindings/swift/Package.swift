// swift-tools-version:5.9
// The agentic SDK for Swift.
//
// - `Agentic` (the product): the Swift bindings uniffi generates from the Rust library,
//   committed in Sources/Agentic/agentic.swift (`cargo xtask test` fails when they are stale),
//   with the hand-written PageMessage.swift (the type they give the Visa page message),
//   PageEvent.swift (a message the page posted), CardDetails.swift (the card the user typed)
//   and URLSessionTransport.swift.
// - `agenticFFI`: the Rust library and its C header.
//   - Apple platforms: the binary target agenticFFI.xcframework (static framework slices for
//     iOS, the iOS simulator and macOS), built on a Mac by scripts/build-xcframework.sh.
//   - Linux with a Swift toolchain: a system-library target over Sources/agenticFFI (the same
//     header, committed, and a module map that links `libagentic`); build the library with
//     `cargo build -p agentic-ffi` and run
//     `swift test -Xlinker -L../../target/debug` with LD_LIBRARY_PATH=../../target/debug.
// - `AgenticTests`: journeys against the sandbox (`agentic sandbox`), see the test file.
import PackageDescription

#if os(Linux)
let ffi: Target = .systemLibrary(name: "agenticFFI", path: "Sources/agenticFFI")
#else
let ffi: Target = .binaryTarget(name: "agenticFFI", path: "agenticFFI.xcframework")
#endif

let package = Package(
    name: "Agentic",
    platforms: [.iOS(.v13), .macOS(.v11)],
    products: [
        .library(name: "Agentic", targets: ["Agentic"]),
    ],
    targets: [
        ffi,
        .target(name: "Agentic", dependencies: ["agenticFFI"], path: "Sources/Agentic"),
        .testTarget(name: "AgenticTests", dependencies: ["Agentic"], path: "Tests/AgenticTests"),
    ]
)
