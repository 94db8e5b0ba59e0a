// Checkpoint.swift — training checkpoints that make resuming exact: parameters, optimizer state,
// counters and random generator states in one directory that is replaced atomically.
//
// A checkpoint is a directory:
//
//     model.safetensors       parameters under their PyTorch-style names (`decoder.fc.weight`);
//                             metadata "config" (the model's JSON config, when given) and
//                             "glimpse.checkpoint_id"
//     optimizer.safetensors   `OptimizerState.tensors` (`exp_avg.decoder.fc.weight`, …) and the id
//     state.json              format, version, the id, step, epoch, learning rate, best metric,
//                             optimizer step, generator states and the caller's `extra` value
//
// UInt64 generator states are stored as decimal strings: JSON readers (Python's included) turn
// numbers into doubles, which are exact only up to 2^53.
//
// Atomicity. `save` writes the three files (each fsynced, state.json last) into a fresh sibling
// directory `.NAME.tmp-<pid>-<random>` and publishes it with one rename: rename(2) when NAME does
// not exist, renameat2(RENAME_EXCHANGE) to swap it with an existing checkpoint, whose old files
// (now under the temporary name) are then deleted. A save interrupted before that rename leaves the
// previous checkpoint untouched, and a stale temporary directory that nothing loads; after it, the
// new checkpoint is complete. On filesystems without RENAME_EXCHANGE the old checkpoint is first
// renamed to `.NAME.old-<pid>-<random>`, so an interruption between the two renames leaves NAME
// missing (never mixed) and the previous checkpoint recoverable from that directory. Independently,
// the three files carry the same random checkpoint id, and `load` refuses files from different
// saves (copied together by hand, say), or a directory without state.json, as incomplete. The
// next save to NAME deletes temporary directories left by processes that have died.
import Foundation
import GlimpseSupport
import GlimpseTensor

/// The training-loop state a checkpoint restores besides tensors.
public struct TrainingState: Sendable, Equatable {
    /// Training steps taken (batches seen), the loop's global counter.
    public var step: Int
    /// Completed epochs.
    public var epoch: Int
    /// The learning rate in force when the checkpoint was taken (restored into the optimizer).
    public var learningRate: Float
    /// The best validation metric so far, if any (e.g. for early stopping).
    public var bestMetric: Double?
    /// Named random generator states besides the parameter store's (data shuffling, dropout,
    /// augmentation), e.g. `["shuffle": shuffler.state]`; saved exactly.
    public var generators: [String: UInt64]

    public init(
        step: Int = 0, epoch: Int = 0, learningRate: Float = 0, bestMetric: Double? = nil,
        generators: [String: UInt64] = [:]
    ) {
        self.step = step
        self.epoch = epoch
        self.learningRate = learningRate
        self.bestMetric = bestMetric
        self.generators = generators
    }
}

/// A checkpoint that could not be saved, loaded or restored. Every case names the directory.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A file or directory could not be created, read, renamed or written.
    case file(FileError)
    /// model.safetensors or optimizer.safetensors is malformed.
    case safetensors(SafetensorsError)
    /// There is no checkpoint directory at `path`.
    case notFound(path: String)
    /// The directory lacks one of the checkpoint's files (an interrupted save, or not a
    /// checkpoint).
    case incomplete(path: String, missing: String)
    /// state.json is malformed.
    case invalidState(path: String, reason: String)
    /// A file's checkpoint id differs from state.json's: the files come from different saves.
    case mismatchedFiles(path: String, file: String)
    /// `save` refuses to replace something that is not a checkpoint.
    case notACheckpoint(path: String, reason: String)
    /// The caller's `extra` value could not be encoded or decoded.
    case extra(path: String, reason: String)
    /// The checkpoint's parameters do not fit the model (missing name, other shape, unused name).
    case parameters(path: String, ParameterError)
    /// The checkpoint's optimizer state does not fit the optimizer.
    case optimizer(path: String, ParameterError)

    public var description: String {
        switch self {
        case .file(let error): error.description
        case .safetensors(let error): error.description
        case .notFound(let path): "\(path): no checkpoint directory here"
        case .incomplete(let path, let missing):
            "\(path): incomplete checkpoint, \(missing) is missing (an interrupted save?"
                + " The previous checkpoint is kept whole until a save completes)"
        case .invalidState(let path, let reason): "\(path)/state.json: \(reason)"
        case .mismatchedFiles(let path, let file):
            "\(path): \(file) belongs to a different save than state.json (mixed checkpoint files)"
        case .notACheckpoint(let path, let reason):
            "\(path): \(reason); refusing to replace it with a checkpoint"
        case .extra(let path, let reason): "\(path): extra state: \(reason)"
        case .parameters(let path, let error): "\(path): \(error.description)"
        case .optimizer(let path, let error): "\(path): optimizer state: \(error.description)"
        }
    }

    public var errorDescription: String? { description }
}

/// Everything needed to resume training exactly.
///
/// ```swift
/// // Saving, every N steps:
/// var checkpoint = Checkpoint(
///     store: store, optimizer: optimizer.state,
///     training: TrainingState(step: step, epoch: epoch, learningRate: optimizer.learningRate,
///                             generators: ["shuffle": shuffler.state]),
///     config: configJSON)
/// try checkpoint.setExtra(loopState)            // any Encodable, optional
/// try checkpoint.save(to: "runs/caption/last")
///
/// // Resuming:
/// let saved = try Checkpoint(contentsOf: "runs/caption/last")
/// try saved.restore(into: store, optimizer: &optimizer)   // parameters, generator, moments, lr
/// shuffler.state = saved.training.generators["shuffle"]!
/// let loopState = try saved.extra(LoopState.self)
/// ```
public struct Checkpoint: Sendable {
    /// Parameter name → value.
    public var parameters: [String: Tensor]
    /// The parameter store's generator state (`ParameterStore.generatorState`).
    public var parameterGenerator: UInt64
    /// The optimizer's step count and tensors.
    public var optimizer: OptimizerState
    /// Counters, learning rate and generator states of the training loop.
    public var training: TrainingState
    /// The model's configuration as JSON text, stored as "config" in model.safetensors' metadata.
    public var config: String?
    /// The directory this checkpoint was loaded from, used in error messages.
    public private(set) var directory: String?
    /// The caller's extra value, encoded as compact JSON.
    private var extraJSON: Data?

    /// The file names inside a checkpoint directory.
    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "state.json"
    static let idKey = "glimpse.checkpoint_id"
    static let format = "glimpse.checkpoint"
    static let version = 1

    public init(
        parameters: [String: Tensor], parameterGenerator: UInt64, optimizer: OptimizerState,
        training: TrainingState, config: String? = nil
    ) {
        self.parameters = parameters
        self.parameterGenerator = parameterGenerator
        self.optimizer = optimizer
        self.training = training
        self.config = config
    }

    /// A checkpoint of `store`'s current parameters and generator.
    public init(
        store: ParameterStore, optimizer: OptimizerState, training: TrainingState,
        config: String? = nil
    ) {
        self.init(
            parameters: store.tensors.mapValues { $0.detached() },
            parameterGenerator: store.generatorState, optimizer: optimizer, training: training,
            config: config)
    }

    /// A checkpoint of `module`'s current parameters (no parameter generator: a module's
    /// parameters all exist once it is built).
    public init(
        module: some Module, optimizer: OptimizerState, training: TrainingState,
        config: String? = nil
    ) {
        self.init(
            parameters: Dictionary(
                module.parameters.map { ($0.name, $0.value.detached()) },
                uniquingKeysWith: { first, _ in first }),
            parameterGenerator: 0, optimizer: optimizer, training: training, config: config)
    }

    // MARK: Extra state

    /// Stores any Encodable value (e.g. the data loader's position) in state.json under "extra".
    public mutating func setExtra<Value: Encodable>(_ value: Value) throws(CheckpointError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            extraJSON = try encoder.encode(value)
        } catch {
            throw .extra(path: directory ?? "checkpoint", reason: "\(error)")
        }
    }

    /// The value stored by `setExtra`, decoded as `Value`; nil when there is none.
    public func extra<Value: Decodable>(_ type: Value.Type) throws(CheckpointError) -> Value? {
        guard let extraJSON else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(Value.self, from: extraJSON)
        } catch {
            throw .extra(path: directory ?? "checkpoint", reason: "\(error)")
        }
    }

    // MARK: Restoring

    /// Loads the parameters into `store` (every name present with the model's shape, and, when
    /// `strict`, no unused names; nothing changes on failure) and restores its generator.
    public func restore(into store: ParameterStore, strict: Bool = true) throws(CheckpointError) {
        do {
            try store.load(parameters, strict: strict)
        } catch {
            throw .parameters(path: directory ?? "checkpoint", error)
        }
        store.generatorState = parameterGenerator
    }

    /// Restores the parameters and generator into `store` and the optimizer's state and learning
    /// rate into `optimizer`; the optimizer state is checked first, so a mismatch changes nothing.
    public func restore<O: Optimizer>(
        into store: ParameterStore, optimizer: inout O, strict: Bool = true
    ) throws(CheckpointError) {
        var restored = optimizer
        do {
            try restored.restore(self.optimizer)
        } catch {
            throw .optimizer(path: directory ?? "checkpoint", error)
        }
        try restore(into: store, strict: strict)
        restored.learningRate = training.learningRate
        optimizer = restored
    }

    /// Restores the parameters into `module` and the optimizer's state and learning rate into
    /// `optimizer`, checking everything before changing anything.
    public func restore<O: Optimizer>(
        into module: some Module, optimizer: inout O, strict: Bool = true
    ) throws(CheckpointError) {
        var restored = optimizer
        do {
            try restored.restore(self.optimizer)
        } catch {
            throw .optimizer(path: directory ?? "checkpoint", error)
        }
        do {
            try ParameterStore.load(parameters, into: module.parameters, strict: strict)
        } catch {
            throw .parameters(path: directory ?? "checkpoint", error)
        }
        restored.learningRate = training.learningRate
        optimizer = restored
    }

    // MARK: Saving

    /// Writes the checkpoint to the directory `path`, replacing a previous checkpoint there
    /// atomically (see the file comment). Refuses to replace a file or a directory holding
    /// anything but checkpoint files.
    public func save(to path: String) throws(CheckpointError) {
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let parent = target.deletingLastPathComponent().path
        let name = target.lastPathComponent
        try Self.checkReplaceable(target.path, shownAs: path)
        Self.removeStaleStaging(in: parent, name: name)

        let staging = "\(parent)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o755) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .file(FileError(path: path, reason: "cannot create \(staging): \(reason)"))
        }
        do throws(CheckpointError) {
            let id = UUID().uuidString.lowercased()
            var modelMetadata = [Self.idKey: id]
            if let config { modelMetadata["config"] = config }
            try Self.writeTensors(
                parameters, metadata: modelMetadata, to: "\(staging)/\(Self.modelFile)")
            try Self.writeTensors(
                optimizer.tensors, metadata: [Self.idKey: id],
                to: "\(staging)/\(Self.optimizerFile)")
            SaveHook.pause(at: "checkpoint")
            // state.json last: a directory with it is complete.
            do {
                try AtomicFile.write(try stateJSON(id: id), to: "\(staging)/\(Self.stateFile)")
            } catch {
                throw .file(error)
            }
            try Self.publish(staging, as: target.path, shownAs: path)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private static func writeTensors(
        _ tensors: [String: Tensor], metadata: [String: String], to path: String
    ) throws(CheckpointError) {
        do {
            try Safetensors.write(tensors, metadata: metadata, to: path)
        } catch {
            throw .safetensors(error)
        }
    }

    /// state.json's bytes: the fields in sorted order, then "extra" when set.
    private func stateJSON(id: String) throws(FileError) -> Data {
        let state = StateFile(
            format: Self.format, version: Self.version, checkpointID: id, step: training.step,
            epoch: training.epoch, learningRate: training.learningRate,
            bestMetric: training.bestMetric, optimizerStep: optimizer.step,
            parameterGenerator: String(parameterGenerator),
            generators: training.generators.mapValues { String($0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var json: Data
        do {
            json = try encoder.encode(state)
        } catch {
            throw FileError(path: Self.stateFile, reason: "cannot encode: \(error)")
        }
        // JSONEncoder cannot embed already-encoded JSON, so "extra" goes in before the final "}".
        if let extraJSON, let close = json.lastIndex(of: UInt8(ascii: "}")) {
            let end = json[..<close].lastIndex { !Set(" \n".utf8).contains($0) }.map { $0 + 1 }
            json.replaceSubrange(
                (end ?? close)...,
                with: Data(",\n  \"extra\" : ".utf8) + extraJSON + Data("\n}\n".utf8))
        } else {
            json.append(UInt8(ascii: "\n"))
        }
        return json
    }

    /// Throws unless `path` is absent, or a directory holding only checkpoint files (and hidden
    /// temporary files of interrupted writes).
    private static func checkReplaceable(_ path: String, shownAs shown: String)
        throws(CheckpointError)
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return
        }
        guard isDirectory.boolValue else {
            throw .notACheckpoint(path: shown, reason: "it is a file")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .file(
                FileError(path: shown, reason: "cannot list: \(error.localizedDescription)"))
        }
        let known: Set = [modelFile, optimizerFile, stateFile]
        if let stranger = entries.sorted().first(where: {
            !known.contains($0) && !($0.hasPrefix(".") && $0.hasSuffix(".tmp"))
        }) {
            throw .notACheckpoint(
                path: shown,
                reason: "the directory holds \(stranger), which is not a checkpoint file")
        }
    }

    /// Deletes the `.NAME.tmp-<pid>-<random>` directories of saves whose process has died.
    private static func removeStaleStaging(in parent: String, name: String) {
        let prefix = ".\(name).tmp-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }),
                pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(atPath: "\(parent)/\(entry)")
        }
    }

    /// Moves the complete directory `staging` to `target` atomically.
    private static func publish(_ staging: String, as target: String, shownAs shown: String)
        throws(CheckpointError)
    {
        func failure(_ what: String) -> CheckpointError {
            .file(FileError(path: shown, reason: "\(what): \(String(cString: strerror(errno)))"))
        }
        let parent = URL(fileURLWithPath: target).deletingLastPathComponent().path
        defer { syncDirectory(parent) }
        // Succeeds when target is absent (or an empty directory, which rename replaces).
        if rename(staging, target) == 0 { return }
        guard errno == ENOTEMPTY || errno == EEXIST else { throw failure("cannot rename") }
        if exchange(staging, target) {
            // `staging` now holds the previous checkpoint.
            try? FileManager.default.removeItem(atPath: staging)
            return
        }
        let name = URL(fileURLWithPath: target).lastPathComponent
        let aside = "\(parent)/.\(name).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard rename(target, aside) == 0 else { throw failure("cannot move the old checkpoint") }
        guard rename(staging, target) == 0 else {
            let error = failure("cannot rename")
            _ = rename(aside, target)
            throw error
        }
        try? FileManager.default.removeItem(atPath: aside)
    }

    // MARK: Loading

    /// Loads the checkpoint in `directory`, checking that it is complete and that its files
    /// belong to one save.
    public init(contentsOf directory: String) throws(CheckpointError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { throw .notFound(path: directory) }
        for file in [Self.stateFile, Self.modelFile, Self.optimizerFile]
        where !FileManager.default.fileExists(atPath: "\(directory)/\(file)") {
            throw .incomplete(path: directory, missing: file)
        }

        let stateBytes: [UInt8]
        do {
            stateBytes = try InputFile.read("\(directory)/\(Self.stateFile)", limit: 1 << 30)
        } catch {
            throw .file(error)
        }
        let state = try Self.decodeState(Data(stateBytes), directory: directory)

        func read(_ file: String) throws(CheckpointError) -> SafetensorsFile {
            let contents: SafetensorsFile
            do {
                contents = try Safetensors.read(path: "\(directory)/\(file)")
            } catch {
                throw .safetensors(error)
            }
            guard contents.metadata[Self.idKey] == state.file.checkpointID else {
                throw .mismatchedFiles(path: directory, file: file)
            }
            return contents
        }
        let model = try read(Self.modelFile)
        let optimizer = try read(Self.optimizerFile)
        self.init(
            parameters: model.tensors, parameterGenerator: state.parameterGenerator,
            optimizer: OptimizerState(step: state.file.optimizerStep, tensors: optimizer.tensors),
            training: TrainingState(
                step: state.file.step, epoch: state.file.epoch,
                learningRate: state.file.learningRate, bestMetric: state.file.bestMetric,
                generators: state.generators),
            config: model.metadata["config"])
        self.directory = directory
        extraJSON = state.extra
    }

    private struct DecodedState {
        var file: StateFile
        var parameterGenerator: UInt64
        var generators: [String: UInt64]
        var extra: Data?
    }

    private static func decodeState(_ json: Data, directory: String)
        throws(CheckpointError) -> DecodedState
    {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let file: StateFile
        do {
            file = try decoder.decode(StateFile.self, from: json)
        } catch {
            throw .invalidState(path: directory, reason: "not a checkpoint state (\(error))")
        }
        guard file.format == format, file.version == version else {
            throw .invalidState(
                path: directory,
                reason: "format \(file.format) version \(file.version), expected \(format)"
                    + " version \(version)")
        }
        for (name, value) in [
            ("step", file.step), ("epoch", file.epoch), ("optimizer_step", file.optimizerStep),
        ] where value < 0 {
            throw .invalidState(path: directory, reason: "\(name) is \(value), must be ≥ 0")
        }
        guard file.learningRate.isFinite, file.learningRate >= 0 else {
            throw .invalidState(
                path: directory,
                reason: "learning_rate is \(file.learningRate), must be a finite number ≥ 0")
        }
        if let best = file.bestMetric, best.isNaN {
            throw .invalidState(path: directory, reason: "best_metric is not a number")
        }
        func generator(_ text: String, _ name: String) throws(CheckpointError) -> UInt64 {
            guard let value = UInt64(text) else {
                throw .invalidState(
                    path: directory, reason: "generator \(name): \"\(text)\" is not a UInt64")
            }
            return value
        }
        var generators: [String: UInt64] = [:]
        for (name, text) in file.generators { generators[name] = try generator(text, name) }
        // The caller's value, re-serialised alone (JSONSerialization keeps Int64 and Double exact).
        var extra: Data?
        if let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let value = object["extra"]
        {
            extra = try? JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
        }
        return DecodedState(
            file: file,
            parameterGenerator: try generator(file.parameterGenerator, "parameter_generator"),
            generators: generators, extra: extra)
    }
}

/// state.json (without "extra").
private struct StateFile: Codable {
    var format: String
    var version: Int
    var checkpointID: String
    var step: Int
    var epoch: Int
    var learningRate: Float
    var bestMetric: Double?
    var optimizerStep: Int
    var parameterGenerator: String
    var generators: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, version, step, epoch, generators
        case checkpointID = "checkpoint_id"
        case learningRate = "learning_rate"
        case bestMetric = "best_metric"
        case optimizerStep = "optimizer_step"
        case parameterGenerator = "parameter_generator"
    }
}

// MARK: - Filesystem helpers

/// Atomically exchanges two paths with renameat2(RENAME_EXCHANGE) (Linux 3.15+; glibc 2.28+,
/// looked up at run time as Swift's Glibc module does not import it). False where unsupported.
private func exchange(_ a: String, _ b: String) -> Bool {
    typealias RenameAt2 =
        @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return false }
    let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
    let renameExchange: UInt32 = 1 << 1
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
}

/// Makes renames in `directory` durable.
private func syncDirectory(_ directory: String) {
    let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
}
