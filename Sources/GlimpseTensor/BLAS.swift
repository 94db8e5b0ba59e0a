// Control of the OpenBLAS library every matrix product runs on.
import COpenBLAS

/// OpenBLAS settings that matter for speed.
public enum BLAS {
    /// The number of threads OpenBLAS uses for one product.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// The kernel family OpenBLAS chose for this CPU (for example `Haswell`, `SkylakeX`,
    /// `Cooperlake`); the `OPENBLAS_CORETYPE` environment variable overrides it.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
