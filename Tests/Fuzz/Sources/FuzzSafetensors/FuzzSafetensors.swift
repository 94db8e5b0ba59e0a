// libFuzzer target: the safetensors header parser and tensor loading on arbitrary bytes must
// end in a SafetensorsError or tensors, never a crash or an allocation beyond the input.
import GlimpseTensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let header = try? Safetensors.decodeHeader(bytes) {
        _ = header.parameterCount
        _ = try? Safetensors.decode(bytes)
    }
    return 0
}
