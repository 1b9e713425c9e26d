//! Sets the linker flags a Node addon needs (undefined `napi_*` symbols on macOS).
fn main() {
    napi_build::setup();
}
