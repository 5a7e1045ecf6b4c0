import Dispatch
import Synchronization

/// The messages of a client's subscriptions in arrival order, with
/// backpressure: at most `capacity` wait for the consumer. When it falls
/// behind, libmosquitto's network thread waits before taking more, no PUBACK
/// goes out, and the broker keeps the rest (QoS 1) — instead of memory growing
/// without bound or a message being dropped.
///
/// One consumer at a time: message by message (the sequence itself), or
/// everything waiting at once (``batches``), which under load hands many
/// messages over for one lock and at most one wake-up instead of one each.
/// A consumer whose task is cancelled gets the end of the sequence; the
/// messages it did not take stay for the next.
public struct MQTTMessages: AsyncSequence, Sendable {
    let inbox: Inbox

    public struct AsyncIterator: AsyncIteratorProtocol {
        let inbox: Inbox

        public mutating func next() async -> MQTTMessage? { await inbox.takeOne() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inbox: inbox) }

    /// Everything waiting, as one array, whenever there is something.
    public var batches: Batches { Batches(inbox: inbox) }

    public struct Batches: AsyncSequence, Sendable {
        let inbox: Inbox

        public struct AsyncIterator: AsyncIteratorProtocol {
            let inbox: Inbox

            public mutating func next() async -> [MQTTMessage]? { await inbox.takeAll() }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inbox: inbox) }
    }
}

/// Where libmosquitto's network thread leaves received messages for the consumer.
final class Inbox: Sendable {
    private struct State {
        var items: [MQTTMessage] = []
        /// Items before it are taken (so taking one does not shift the rest).
        var head = 0
        var consumer: CheckedContinuation<Void, Never>?
        var producerWaits = false
        var finished = false

        var count: Int { items.count - head }

        /// The oldest waiting message, if any.
        mutating func first() -> MQTTMessage? {
            guard count > 0 else { return nil }
            let m = items[head]
            head += 1
            // Drops the taken front once all is taken, and now and then before, so memory follows what waits.
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1_024, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return m
        }

        /// Every waiting message, if any.
        mutating func all() -> [MQTTMessage]? {
            guard count > 0 else { return nil }
            defer {
                items = []
                head = 0
            }
            return head == 0 ? items : Array(items[head...])
        }
    }

    private let state = Mutex(State())
    /// Signalled when the consumer makes room for a producer that waits.
    private let room = DispatchSemaphore(value: 0)
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// On libmosquitto's network thread: waits while `capacity` messages wait, but not past ``finish()``.
    func put(_ m: MQTTMessage) {
        while true {
            let (accepted, consumer) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
                if s.finished { return (true, nil) }
                guard s.count < capacity else {
                    s.producerWaits = true
                    return (false, nil)
                }
                s.items.append(m)
                defer { s.consumer = nil }
                return (true, s.consumer)
            }
            if accepted {
                consumer?.resume()
                return
            }
            // A timeout only looks at `finished` again.
            _ = room.wait(timeout: .now() + .milliseconds(200))
        }
    }

    /// The oldest message; suspends while there is none; nil once finished
    /// and empty, or when the task is cancelled.
    func takeOne() async -> MQTTMessage? { await take { $0.first() } }

    /// All messages that wait, as `takeOne` otherwise.
    func takeAll() async -> [MQTTMessage]? { await take { $0.all() } }

    private func take<T: Sendable>(_ pick: @Sendable (inout State) -> T?) async -> T? {
        while true {
            let (taken, done, wakeProducer) = state.withLock { s -> (T?, Bool, Bool) in
                guard let taken = pick(&s) else { return (nil, s.finished, false) }
                defer { s.producerWaits = false }
                return (taken, false, s.producerWaits)
            }
            if wakeProducer { room.signal() }
            if let taken { return taken }
            if done || Task.isCancelled { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if s.count > 0 || s.finished || Task.isCancelled { return true }
                        s.consumer = c
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                state.withLock { s in
                    defer { s.consumer = nil }
                    return s.consumer
                }?.resume()
            }
        }
    }

    /// Messages waiting for the consumer, and whether the network thread waits for room (tests).
    var backlog: (count: Int, producerWaits: Bool) { state.withLock { ($0.count, $0.producerWaits) } }

    /// Ends the sequence once what waits is taken, and releases a waiting producer.
    func finish() {
        let consumer = state.withLock { s in
            s.finished = true
            defer { s.consumer = nil }
            return s.consumer
        }
        consumer?.resume()
        room.signal()
    }
}
