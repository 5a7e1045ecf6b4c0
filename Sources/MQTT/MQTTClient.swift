import CMosquitto
import Dispatch
import Foundation
import Synchronization

/// The one thin async wrapper around libmosquitto (MQTT 5). libmosquitto runs
/// its own network thread (`mosquitto_loop_start`), reconnects with
/// exponential backoff, and calls back from that thread; the callbacks copy
/// what they need, update a `Mutex`-protected state and resume or yield
/// outside the lock.
public final class MQTTClient: Sendable {
    public let configuration: MQTTConfiguration
    /// Messages on subscribed topics, in arrival order, with backpressure.
    public let messages: MQTTMessages
    /// How many received messages may wait for the consumer.
    public static let receiveCapacity = 10_000
    /// Connects and disconnects, as libmosquitto reports them.
    public let connectionEvents: AsyncStream<MQTTConnectionEvent>
    private let handle: Handle
    private let target: CallbackTarget

    /// `struct mosquitto *`, only ever used through libmosquitto's thread-safe calls.
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }

    public init(_ configuration: MQTTConfiguration) throws(MQTTError) {
        _ = libraryInitialised
        self.configuration = configuration
        let (events, eventSink) = AsyncStream.makeStream(of: MQTTConnectionEvent.self)
        let inbox = Inbox(capacity: Self.receiveCapacity)
        self.messages = MQTTMessages(inbox: inbox)
        self.connectionEvents = events
        target = CallbackTarget(inbox: inbox, events: eventSink)
        guard let pointer = mosquitto_new(configuration.clientID, configuration.cleanStart,
                                          Unmanaged.passUnretained(target).toOpaque()) else {
            throw MQTTError(operation: "mosquitto_new", code: MOSQ_ERR_NOMEM.rawValue)
        }
        handle = Handle(pointer: pointer)
        try check("protocol version", mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5))
        // Alarms are small and must not wait for Nagle's algorithm to fill a segment (up to 40 ms with delayed ACKs).
        try check("TCP_NODELAY", mosquitto_int_option(pointer, MOSQ_OPT_TCP_NODELAY, 1))
        try check("reconnect delay", mosquitto_reconnect_delay_set(
            pointer, configuration.reconnectDelayMin, configuration.reconnectDelayMax, true))
        if let user = configuration.username {
            try check("username", mosquitto_username_pw_set(pointer, user, configuration.password))
        }
        if let ca = configuration.caFile {
            try check("TLS", mosquitto_tls_set(pointer, ca, nil, configuration.certFile, configuration.keyFile, nil))
        }
        if let will = configuration.will {
            try check("last will", will.payload.withUnsafeBytes {
                mosquitto_will_set_v5(pointer, will.topic, Int32($0.count), $0.baseAddress, will.qos.rawValue, will.retain, nil)
            })
        }
        mosquitto_connect_v5_callback_set(pointer) { _, context, rc, _, _ in
            CallbackTarget.from(context).connected(rc)
        }
        mosquitto_disconnect_v5_callback_set(pointer) { _, context, rc, _ in
            CallbackTarget.from(context).disconnected(rc)
        }
        mosquitto_publish_v5_callback_set(pointer) { _, context, mid, reason, _ in
            CallbackTarget.from(context).published(mid, reason: reason)
        }
        mosquitto_subscribe_v5_callback_set(pointer) { _, context, mid, count, granted, _ in
            let first = count > 0 ? granted?.pointee ?? 0x80 : 0x80
            CallbackTarget.from(context).subscribed(mid, granted: first)
        }
        mosquitto_message_v5_callback_set(pointer) { _, context, message, _ in
            guard let m = message?.pointee, let topic = m.topic else { return }
            let payload = m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            CallbackTarget.from(context).received(MQTTMessage(
                topic: String(cString: topic), payload: payload, qos: MQTTQoS(rawValue: m.qos) ?? .atMostOnce, retain: m.retain))
        }
    }

    /// Set when ``stop(timeout:)`` gave up joining the network thread.
    private let abandoned = Atomic<Bool>(false)

    deinit {
        if !abandoned.load(ordering: .relaxed) { mosquitto_destroy(handle.pointer) }
    }

    /// Connects and starts the network thread, in the background; connection
    /// outcomes arrive on ``connectionEvents``. A broker that is down at start
    /// is not an error: the failure is reported as an event and the network
    /// thread keeps reconnecting.
    ///
    /// Without clean start, the CONNECT carries a session expiry interval: in
    /// MQTT 5 a session without one ends at the disconnect, and the broker would
    /// not keep QoS 1 messages for us while we are away. libmosquitto takes
    /// CONNECT properties only in its blocking connect, and keeps them for its
    /// reconnects, so the first connect runs on a thread of its own.
    public func start() throws(MQTTError) {
        guard !configuration.host.isEmpty, (1...65_535).contains(configuration.port) else {
            throw MQTTError(operation: "connect", code: MOSQ_ERR_INVAL.rawValue)
        }
        Thread.detachNewThread { [self] in
            var properties: OpaquePointer?
            if !configuration.cleanStart {
                mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                                             configuration.sessionExpirySeconds)
            }
            let rc = mosquitto_connect_bind_v5(handle.pointer, configuration.host, Int32(configuration.port),
                                               Int32(configuration.keepAliveSeconds), nil, properties)
            mosquitto_property_free_all(&properties)
            if rc != MOSQ_ERR_SUCCESS.rawValue { target.connectFailed(rc) }
            // stop() may have come first: then there is no loop to start.
            guard target.beginLoop() else {
                mosquitto_disconnect_v5(handle.pointer, 0, nil)
                return
            }
            mosquitto_loop_start(handle.pointer)
        }
    }

    /// Publishes and, for QoS 1 and 2, waits until the broker has it (PUBACK /
    /// PUBCOMP). Fails if the connection drops first: the caller's outbox
    /// decides about resending.
    public func publish(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) async throws(MQTTError) {
        if let error = await publishAll([(topic, payload)], qos: qos, retain: retain)[0] { throw error }
    }

    /// Publishes several messages in this order, then waits for the broker to
    /// have each (QoS 1/2): all are in flight at once, so a batch costs about
    /// one round trip, not one per message. One result per message, nil for success.
    public func publishAll(_ messages: [(topic: String, payload: [UInt8])], qos: MQTTQoS = .atLeastOnce,
                           retain: Bool = false) async -> [MQTTError?] {
        var mids: [Result<Int32, MQTTError>] = []
        mids.reserveCapacity(messages.count)
        for m in messages {
            var mid: Int32 = 0
            let rc = m.payload.withUnsafeBytes {
                mosquitto_publish_v5(handle.pointer, &mid, m.topic, Int32($0.count), $0.baseAddress, qos.rawValue, retain, nil)
            }
            mids.append(rc == MOSQ_ERR_SUCCESS.rawValue ? .success(mid) : .failure(MQTTError(operation: "publish", code: rc)))
        }
        var results: [MQTTError?] = []
        results.reserveCapacity(messages.count)
        for r in mids {
            switch r {
            case .failure(let e):
                results.append(e)
            case .success(let mid):
                // QoS 0 has no acknowledgement to wait for.
                guard qos != .atMostOnce else {
                    results.append(nil)
                    continue
                }
                let outcome = await withCheckedContinuation { target.await(mid: mid, $0) }
                if case .failure(let e) = outcome { results.append(e) } else { results.append(nil) }
            }
        }
        return results
    }

    /// Hands a message to libmosquitto and returns without waiting for the
    /// broker: for a sender that keeps its own copy until an end-to-end ack
    /// and resends it (the agent's alarms, which must not wait for a thread
    /// to await a PUBACK). libmosquitto still sends it with `qos` on this
    /// connection; throws only when it cannot take it (not connected, say).
    public func send(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce) throws(MQTTError) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes {
            mosquitto_publish_v5(handle.pointer, &mid, topic, Int32($0.count), $0.baseAddress, qos.rawValue, false, nil)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError(operation: "publish", code: rc) }
        if qos != .atMostOnce { target.forget(mid: mid) }
    }

    /// Subscribes and waits for the broker's SUBACK: messages published after this returns are delivered.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MQTTError) {
        let result: Result<Void, MQTTError> = await withCheckedContinuation { continuation in
            var mid: Int32 = 0
            let rc = mosquitto_subscribe_v5(handle.pointer, &mid, filter, qos.rawValue, 0, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                continuation.resume(returning: .failure(MQTTError(operation: "subscribe \(filter)", code: rc)))
                return
            }
            target.await(mid: mid, continuation)
        }
        try result.get()
    }

    /// Disconnects cleanly (no last will) and joins the network thread, off the cooperative pool:
    /// `mosquitto_loop_stop` blocks. When the broker is away the thread can sit in a reconnect
    /// attempt that the join does not interrupt (seen about one run in five), so the join gets
    /// `stopTimeout`; past it the thread is abandoned (and the handle not destroyed, as libmosquitto
    /// would join it again): shutdown never hangs on an unreachable broker.
    public func stop(timeout: Duration = .seconds(3)) async {
        // Not connected: no DISCONNECT to send, and the network thread would
        // keep reconnecting, so it is cancelled instead of joined.
        let notConnected = !target.isConnected
        guard target.endLoop() else {
            target.finish()
            return
        }
        mosquitto_disconnect_v5(handle.pointer, 0, nil)
        let handle = self.handle
        let joined = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            let once = Mutex<CheckedContinuation<Bool, Never>?>(done)
            Thread.detachNewThread {
                mosquitto_loop_stop(handle.pointer, notConnected)
                once.withLock { $0.take() }?.resume(returning: true)
            }
            Task {
                try? await Task.sleep(for: timeout)
                once.withLock { $0.take() }?.resume(returning: false)
            }
        }
        if !joined { abandoned.store(true, ordering: .relaxed) }
        target.finish()
    }

    private func check(_ operation: String, _ rc: Int32) throws(MQTTError) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError(operation: operation, code: rc) }
    }
}

private let libraryInitialised: Void = { mosquitto_lib_init() }()

/// What libmosquitto's callbacks reach through their context pointer.
private final class CallbackTarget: Sendable {
    private struct State {
        var waiting: [Int32: CheckedContinuation<Result<Void, MQTTError>, Never>] = [:]
        /// Acknowledged before their publisher started waiting (the callback thread can be that quick).
        var acknowledgedEarly: [Int32: Int32] = [:]
        /// Sent without a waiter (``MQTTClient/send(topic:payload:qos:)``): their acks are dropped.
        var unawaited: Set<Int32> = []
        /// Waiting on a message whose connection has gone would wait until some reconnect: fail at once instead.
        var connected = false
        /// The network thread: not yet started, running, or stopped (never to start).
        var loop = Loop.notStarted
        enum Loop { case notStarted, running, stopped }
    }

    /// True when the network thread may start (stop() has not come first).
    func beginLoop() -> Bool {
        state.withLock { s in
            guard s.loop == .notStarted else { return false }
            s.loop = .running
            return true
        }
    }

    /// True when there is a running network thread to stop.
    func endLoop() -> Bool {
        state.withLock { s in
            defer { s.loop = .stopped }
            return s.loop == .running
        }
    }

    private let state = Mutex(State())
    private let inbox: Inbox
    private let events: AsyncStream<MQTTConnectionEvent>.Continuation

    init(inbox: Inbox, events: AsyncStream<MQTTConnectionEvent>.Continuation) {
        self.inbox = inbox
        self.events = events
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> CallbackTarget {
        Unmanaged<CallbackTarget>.fromOpaque(context!).takeUnretainedValue()
    }

    func await(mid: Int32, _ continuation: CheckedContinuation<Result<Void, MQTTError>, Never>) {
        let early = state.withLock { s -> Result<Void, MQTTError>? in
            if let reason = s.acknowledgedEarly.removeValue(forKey: mid) { return Self.outcome(reason) }
            guard s.connected else { return .failure(MQTTError(operation: "publish", code: MOSQ_ERR_NO_CONN.rawValue)) }
            s.waiting[mid] = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// A SUBACK: granted QoS codes of 0x80 and above are refusals.
    func subscribed(_ mid: Int32, granted: Int32) {
        published(mid, reason: granted)
    }

    /// No one waits for `mid`: its ack, come or to come, is dropped (kept, a
    /// later message with the same mid would take it for its own).
    func forget(mid: Int32) {
        state.withLock { s in
            if s.acknowledgedEarly.removeValue(forKey: mid) == nil { s.unawaited.insert(mid) }
        }
    }

    func published(_ mid: Int32, reason: Int32) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<Void, MQTTError>, Never>? in
            if s.unawaited.remove(mid) != nil { return nil }
            let w = s.waiting.removeValue(forKey: mid)
            if w == nil { s.acknowledgedEarly[mid] = reason }
            return w
        }
        waiter?.resume(returning: Self.outcome(reason))
    }

    private static func outcome(_ reason: Int32) -> Result<Void, MQTTError> {
        // MQTT 5 reason codes below 0x80 are success (0x10: no matching subscribers, still stored).
        reason < 0x80 ? .success(()) : .failure(MQTTError(operation: "publish", code: reason, isReasonCode: true))
    }

    func connected(_ rc: Int32) {
        state.withLock { $0.connected = rc == 0 }
        events.yield(rc == 0 ? .connected : .connectFailed(reasonCode: rc))
    }

    func connectFailed(_ rc: Int32) { events.yield(.connectFailed(reasonCode: rc)) }

    var isConnected: Bool { state.withLock { $0.connected } }

    func disconnected(_ rc: Int32) {
        let waiters = state.withLock { s in
            s.connected = false
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for w in waiters { w.resume(returning: .failure(MQTTError(operation: "publish", code: MOSQ_ERR_CONN_LOST.rawValue))) }
        events.yield(.disconnected(reasonCode: rc))
    }

    /// On libmosquitto's network thread: waits for room (backpressure), but not past ``finish()``.
    func received(_ m: MQTTMessage) { inbox.put(m) }

    func finish() {
        inbox.finish()
        events.finish()
    }
}
