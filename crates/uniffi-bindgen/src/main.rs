//! `uniffi-bindgen generate <libagentic.so> --language python|kotlin|swift --out-dir <dir>`:
//! generates the foreign bindings from the metadata in an unstripped build of `agentic-ffi`
//! (library mode). Built on its own (`cargo build -p uniffi-bindgen`), never in the same cargo
//! invocation as the library: feature unification would make the library wait for
//! `uniffi_bindgen` (DESIGN.md §10).

fn main() {
    uniffi::uniffi_bindgen_main()
}
