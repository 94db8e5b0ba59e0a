// Control of the OpenBLAS library every matrix product runs on.
import COpenBLAS

/// The OpenBLAS library behind every matrix product. It always runs single-threaded: products
/// are split across threads by `Parallelism` (see Parallelism.swift for why).
public enum BLAS {
    /// The kernel family OpenBLAS chose for this CPU (for example `Haswell`, `SkylakeX`,
    /// `Cooperlake`); the `OPENBLAS_CORETYPE` environment variable overrides it.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
