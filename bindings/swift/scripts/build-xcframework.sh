#!/usr/bin/env bash
# Builds bindings/swift/agenticFFI.xcframework, the binary target of the Swift package.
# macOS only (needs Xcode's `xcodebuild` and `lipo`, and rustup).
#
#   bindings/swift/scripts/build-xcframework.sh [--desktop] [--zip]
#
# Steps:
#  1. Regenerates the Swift bindings from an unstripped host build of agentic-ffi and checks
#     that they equal the committed ones in bindings/swift/Sources (the Swift code and the
#     static libraries must come from the same Rust API, or uniffi's checksums fail at load).
#  2. `cargo build --release -p agentic-ffi` for every Apple target below, with the mobile
#     feature set (no bundled ureq/rustls: the app passes an `HttpTransport` on URLSession) or,
#     with --desktop, the default (desktop) set.
#  3. `lipo`s the two simulator architectures (and the macOS ones, if several) into one archive.
#  4. Wraps each archive in a static `agenticFFI.framework` (Headers/agenticFFI.h,
#     Modules/module.modulemap, Info.plist; a versioned bundle for macOS). Framework slices
#     rather than `-library/-headers` keep the module map out of Xcode's shared
#     `include/module.modulemap`, where it collides with any other XCFramework that ships one,
#     and let Xcode's explicit-module scanner find it.
#  5. `xcodebuild -create-xcframework` → bindings/swift/agenticFFI.xcframework; with --zip also
#     agenticFFI.xcframework.zip and its SwiftPM checksum (for a remote `.binaryTarget(url:)`).
#
# Environment: IPHONEOS_DEPLOYMENT_TARGET (13.0), MACOSX_DEPLOYMENT_TARGET (11.0),
# MACOS_TARGETS ("aarch64-apple-darwin"; add x86_64-apple-darwin for a universal macOS slice),
# BUNDLE_ID_PREFIX, CARGO_TARGET_DIR.
set -euo pipefail

features=(--no-default-features) # the mobile set: foreign HttpTransport only
zip=false
for arg in "$@"; do
    case "$arg" in
        --desktop) features=() ;;
        --zip) zip=true ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (see --help)" >&2
            exit 2
            ;;
    esac
done

if [[ "$(uname -s)" != Darwin ]]; then
    echo "build-xcframework.sh runs on macOS (xcodebuild, lipo); on Linux use cargo xtask test" >&2
    exit 1
fi
for tool in cargo rustup xcodebuild lipo; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

root="$(cd "$(dirname "$0")/../../.." && pwd)"
swift_dir="$root/bindings/swift"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
work="$target_dir/xcframework"
out="$swift_dir/agenticFFI.xcframework"
name=agenticFFI
bundle_prefix="${BUNDLE_ID_PREFIX:-dev.agentic}"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-13.0}"
export MACOSX_DEPLOYMENT_TARGET="${MACOSX_DEPLOYMENT_TARGET:-11.0}"
ios_device=aarch64-apple-ios
ios_simulator=(aarch64-apple-ios-sim x86_64-apple-ios)
read -r -a macos <<<"${MACOS_TARGETS:-aarch64-apple-darwin}"

cd "$root"
rm -rf "$work"
mkdir -p "$work"

# 1. Bindings from the unstripped host build (never from a stripped or release-stripped copy:
#    strip removes the metadata uniffi-bindgen reads). The bindgen binary is built on its own.
echo "== bindings"
cargo build -p agentic-ffi ${features[@]+"${features[@]}"}
cargo build -p uniffi-bindgen
"$target_dir/debug/uniffi-bindgen" generate "$target_dir/debug/libagentic.dylib" \
    --language swift --no-format --out-dir "$work/bindings"
stale=false
cmp -s "$work/bindings/agentic.swift" "$swift_dir/Sources/Agentic/agentic.swift" || stale=true
cmp -s "$work/bindings/$name.h" "$swift_dir/Sources/$name/$name.h" || stale=true
if $stale; then
    echo "the committed Swift bindings are stale: run \`cargo xtask swift-snapshot\` and commit" >&2
    diff -u "$swift_dir/Sources/Agentic/agentic.swift" "$work/bindings/agentic.swift" | head -40 >&2 || true
    exit 1
fi

# 2. Static libraries for every Apple target.
echo "== static libraries"
rustup target add "$ios_device" "${ios_simulator[@]}" "${macos[@]}"
for target in "$ios_device" "${ios_simulator[@]}" "${macos[@]}"; do
    cargo build --release -p agentic-ffi --target "$target" ${features[@]+"${features[@]}"}
done

# 3. One archive per platform.
fat() { # fat OUTPUT TARGET...
    local output="$1"
    shift
    local inputs=()
    for target in "$@"; do inputs+=("$target_dir/$target/release/libagentic.a"); done
    mkdir -p "$(dirname "$output")"
    lipo -create "${inputs[@]}" -output "$output"
    lipo -info "$output"
}
fat "$work/libs/ios/libagentic.a" "$ios_device"
fat "$work/libs/ios-simulator/libagentic.a" "${ios_simulator[@]}"
fat "$work/libs/macos/libagentic.a" "${macos[@]}"

# 4. Static framework slices. The module map is uniffi's, declared as a framework module.
sed 's/^module /framework module /' "$work/bindings/$name.modulemap" >"$work/module.modulemap"

info_plist() { # info_plist PLATFORM MINIMUM_KEY MINIMUM_VERSION
    cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleDevelopmentRegion</key>
	<string>en</string>
	<key>CFBundleExecutable</key>
	<string>$name</string>
	<key>CFBundleIdentifier</key>
	<string>$bundle_prefix.$name</string>
	<key>CFBundleInfoDictionaryVersion</key>
	<string>6.0</string>
	<key>CFBundleName</key>
	<string>$name</string>
	<key>CFBundlePackageType</key>
	<string>FMWK</string>
	<key>CFBundleShortVersionString</key>
	<string>$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)</string>
	<key>CFBundleVersion</key>
	<string>1</string>
	<key>CFBundleSupportedPlatforms</key>
	<array>
		<string>$1</string>
	</array>
	<key>$2</key>
	<string>$3</string>
</dict>
</plist>
EOF
}

framework() { # framework SLICE PLATFORM MINIMUM_KEY MINIMUM_VERSION [versioned]
    local fw="$work/frameworks/$1/$name.framework"
    local contents="$fw"
    if [[ "${5:-}" == versioned ]]; then contents="$fw/Versions/A"; fi
    mkdir -p "$contents/Headers" "$contents/Modules"
    cp "$work/libs/$1/libagentic.a" "$contents/$name"
    cp "$work/bindings/$name.h" "$contents/Headers/$name.h"
    cp "$work/module.modulemap" "$contents/Modules/module.modulemap"
    if [[ "${5:-}" == versioned ]]; then
        mkdir -p "$contents/Resources"
        info_plist "$2" "$3" "$4" >"$contents/Resources/Info.plist"
        ln -s A "$fw/Versions/Current"
        for entry in "$name" Headers Modules Resources; do
            ln -s "Versions/Current/$entry" "$fw/$entry"
        done
    else
        info_plist "$2" "$3" "$4" >"$fw/Info.plist"
    fi
}
echo "== frameworks"
framework ios iPhoneOS MinimumOSVersion "$IPHONEOS_DEPLOYMENT_TARGET"
framework ios-simulator iPhoneSimulator MinimumOSVersion "$IPHONEOS_DEPLOYMENT_TARGET"
framework macos MacOSX LSMinimumSystemVersion "$MACOSX_DEPLOYMENT_TARGET" versioned

# 5. The XCFramework.
echo "== xcframework"
rm -rf "$out"
args=()
for slice in ios ios-simulator macos; do args+=(-framework "$work/frameworks/$slice/$name.framework"); done
xcodebuild -create-xcframework "${args[@]}" -output "$out"
if $zip; then
    rm -f "$out.zip"
    (cd "$swift_dir" && ditto -c -k --sequesterRsrc --keepParent "$name.xcframework" "$name.xcframework.zip")
    echo "checksum: $(cd "$swift_dir" && swift package compute-checksum "$name.xcframework.zip")"
fi
echo "built $out"
echo "next: cd bindings/swift && swift test   (starts the sandbox from target/debug/agentic)"
