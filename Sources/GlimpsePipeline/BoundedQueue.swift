// The queue between two steps: pushing waits while it is full, so a fast decoder cannot run
// ahead of the model by more than the queue holds.
import Foundation

final class BoundedQueue: @unchecked Sendable {
    let capacity: Int
    /// How long a batch waits for its next item before it goes partly filled: long enough that
    /// batches fill while inputs flow, short enough that a slow source (paths typed on
    /// standard input) still gets its results.
    static let batchWait: TimeInterval = 0.05

    private let condition = NSCondition()
    private var items: [Envelope] = []
    private var head = 0
    private var producers: Int

    init(capacity: Int, producers: Int) {
        self.capacity = capacity
        self.producers = producers
    }

    private var count: Int { items.count - head }

    /// Adds `item`, waiting while the queue is full.
    func push(_ item: Envelope) {
        push(contentsOf: CollectionOfOne(item))
    }

    /// Adds the items in order, waiting while the queue is full.
    func push<Items: Collection>(contentsOf newItems: Items) where Items.Element == Envelope {
        guard !newItems.isEmpty else { return }
        condition.lock()
        var rest = newItems[...]
        while !rest.isEmpty {
            while count >= capacity { condition.wait() }
            let room = capacity - count
            items.append(contentsOf: rest.prefix(room))
            rest = rest.dropFirst(room)
            condition.broadcast()
        }
        condition.unlock()
    }

    /// One producer is done; when all are, waiting consumers get what is left, then nothing.
    func finishProducing() {
        condition.lock()
        producers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Up to `limit` items in queue order: waits for the first, then (`waitingForMore`) for
    /// more until `limit` are there, the producers are done, or no item has come for
    /// ``batchWait``. Empty only when the producers are done and the queue is drained.
    func pop(upTo limit: Int, waitingForMore: Bool = true) -> [Envelope] {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while count == 0 && producers > 0 { condition.wait() }
            if !waitingForMore { break }
            var seen = count
            var deadline = Date().addingTimeInterval(Self.batchWait)
            while count < limit && producers > 0 {
                if !condition.wait(until: deadline) { break }
                if count > seen {
                    seen = count
                    deadline = Date().addingTimeInterval(Self.batchWait)
                }
            }
            // Another consumer may have taken what was there meanwhile.
            if count > 0 || producers == 0 { break }
        }
        let taken = Array(items[head..<(head + min(limit, count))])
        head += taken.count
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return taken
    }
}
