// Cutting an encoded text into the parallel streams and chunks that truncated
// backpropagation through time trains on (as char-rnn does).

/// B parallel streams over one text; chunk k of every stream is T consecutive characters and
/// its targets are the characters that follow each of them.
///
/// Stream b covers characters [b·L, (b+1)·L) with L = ⌊(count − 1) / B⌋, so consecutive chunks
/// continue each other and the recurrent state can be carried from one to the next. After the
/// last whole chunk the streams start again from the beginning (a new epoch).
public struct TextBatches: Sendable {
    public let ids: [Int]
    public let batchSize: Int
    public let sequenceLength: Int
    /// Characters per stream.
    public let streamLength: Int
    /// Whole chunks per stream (one epoch).
    public let chunksPerEpoch: Int

    public init(ids: [Int], batchSize: Int, sequenceLength: Int) {
        precondition(
            batchSize > 0 && sequenceLength > 0, "batch and sequence length must be positive")
        self.ids = ids
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        streamLength = max(0, ids.count - 1) / batchSize
        chunksPerEpoch = streamLength / sequenceLength
    }

    /// Inputs and targets of chunk `step` (counted over all epochs), time-major: element
    /// t·B + b is time t of stream b. Also whether the chunk starts an epoch (state resets).
    public func chunk(_ step: Int) -> (inputs: [Int], targets: [Int], startsEpoch: Bool) {
        precondition(chunksPerEpoch > 0, "text too short for one chunk")
        let k = step % chunksPerEpoch
        var inputs = [Int](repeating: 0, count: sequenceLength * batchSize)
        var targets = inputs
        for b in 0..<batchSize {
            let start = b * streamLength + k * sequenceLength
            for t in 0..<sequenceLength {
                inputs[t * batchSize + b] = ids[start + t]
                targets[t * batchSize + b] = ids[start + t + 1]
            }
        }
        return (inputs, targets, k == 0)
    }
}
