import Dispatch

/// The messages of a client's subscriptions in arrival order, with
/// backpressure: at most `capacity` wait for the consumer. When it falls
/// behind, libmosquitto's network thread waits before taking more, no PUBACK
/// goes out, and the broker keeps the rest (QoS 1) — instead of memory growing
/// without bound or a message being dropped.
public struct MQTTMessages: AsyncSequence, Sendable {
    let stream: AsyncStream<MQTTMessage>
    let slots: DispatchSemaphore

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<MQTTMessage>.AsyncIterator
        let slots: DispatchSemaphore

        public mutating func next() async -> MQTTMessage? {
            guard let m = await base.next() else { return nil }
            slots.signal()
            return m
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator(), slots: slots) }
}
