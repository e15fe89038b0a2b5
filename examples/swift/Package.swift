// swift-tools-version:5.9
// A runnable Swift example: one Direct OTP payment against the sandbox, on URLSession.
//
//   cargo run -p agentic-cli -- sandbox --addr 127.0.0.1:8080      # in another terminal
//   bindings/swift/scripts/build-xcframework.sh                     # once, on a Mac
//   swift run --package-path examples/swift AgenticExample [http://127.0.0.1:8080]
//
// On Linux with a Swift toolchain: `cargo build -p agentic-ffi` instead of the XCFramework, and
//   LD_LIBRARY_PATH=target/debug swift run --package-path examples/swift \
//       -Xlinker -Ltarget/debug AgenticExample
import PackageDescription

let package = Package(
    name: "AgenticExample",
    platforms: [.macOS(.v11)],
    dependencies: [
        .package(path: "../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "AgenticExample",
            dependencies: [.product(name: "Agentic", package: "swift")],
            path: "Sources/AgenticExample"
        ),
    ]
)
