//! Generates the tonic service and prost messages for `proto/bench.proto`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    tonic_prost_build::compile_protos("proto/bench.proto")?;
    Ok(())
}
