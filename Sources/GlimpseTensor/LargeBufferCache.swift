// LargeBufferCache.swift — reuse of large tensor buffers.
//
// glibc serves allocations above its mmap threshold (at most 32 MB) with fresh pages from the
// kernel, which fault and are zeroed on first touch. A training step of the benchmark CNN
// allocates several 33 MB activations and gradients of the same sizes every step, so without
// reuse every step pays ~8 000 page faults per buffer. Freed buffers of 1 MB or more are kept
// here, by exact size, up to 256 MB in all, and handed out again for the same size.
import Synchronization

/// Recycles freed tensor buffers of 1 MB or more (see the file banner).
enum LargeBufferCache {
    /// Smaller buffers go straight to malloc, which recycles them well.
    static let minimumBytes = 1 << 20
    /// The most memory held for reuse.
    static let capacityBytes = 256 << 20

    private struct Pool: ~Copyable {
        var free: [Int: [UInt]] = [:]  // byte count -> addresses of free buffers
        var heldBytes = 0
    }
    private static let pool = Mutex(Pool())

    /// A 64-byte aligned buffer of `byteCount` bytes, reused when one of that size is free.
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumBytes {
            let reused = pool.withLock { pool -> UInt? in
                guard let address = pool.free[byteCount]?.popLast() else { return nil }
                pool.heldBytes -= byteCount
                return address
            }
            if let reused, let buffer = UnsafeMutableRawPointer(bitPattern: reused) {
                return buffer
            }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    /// Gives back a buffer from `allocate(byteCount:)`: kept for reuse while there is room, else
    /// freed.
    static func release(_ buffer: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumBytes {
            let address = UInt(bitPattern: buffer)
            let kept = pool.withLock { pool -> Bool in
                guard pool.heldBytes + byteCount <= capacityBytes else { return false }
                pool.free[byteCount, default: []].append(address)
                pool.heldBytes += byteCount
                return true
            }
            if kept { return }
        }
        buffer.deallocate()
    }
}
