// A stage that is told which input each value comes from, so a writer can name its files after
// the input (`photos/cat.jpg` → `DIR/cat.png`) when the value itself does not say.

/// A step of a pipeline that sees, with each value, the identity of the run's input it comes
/// from: its path, or `file:line` for a row. Writers are the reason: a caption knows nothing
/// of the image file it describes, but the attention map drawn from it is named after that file.
///
/// `open()` and `close()` default to doing nothing, as for ``Stage``.
public protocol SourcedStage<Input, Output> {
    associatedtype Input
    associatedtype Output

    /// A short name for progress and error messages, e.g. `write-attention-maps`.
    var name: String { get }
    mutating func open() throws
    /// Processes the value that `source` (the run's input) led to.
    mutating func process(_ input: Input, source: String) throws -> Output
    mutating func close() throws
}

extension SourcedStage {
    public mutating func open() throws {}
    public mutating func close() throws {}
}
