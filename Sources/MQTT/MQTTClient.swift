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
    /// libmosquitto's two blocking calls run here, off Swift's cooperative pool: the first
    /// connect (``start()``) and joining the network thread (``stop(timeout:)``). The network
    /// thread itself is libmosquitto's (`mosquitto_loop_start`).
    private let blocking = DispatchQueue(label: "canary.mqtt.blocking")

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
        guard
            let pointer = mosquitto_new(
                configuration.clientID, configuration.cleanStart,
                Unmanaged.passUnretained(target).toOpaque())
        else {
            throw MQTTError(operation: "mosquitto_new", code: MOSQ_ERR_NOMEM.rawValue)
        }
        handle = Handle(pointer: pointer)
        try check("protocol version", mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5))
        // Alarms are small and must not wait for Nagle's algorithm to fill a segment (up to 40 ms with delayed ACKs).
        try check("TCP_NODELAY", mosquitto_int_option(pointer, MOSQ_OPT_TCP_NODELAY, 1))
        try check(
            "reconnect delay",
            mosquitto_reconnect_delay_set(
                pointer, configuration.reconnectDelayMin, configuration.reconnectDelayMax, true))
        if let user = configuration.username {
            try check("username", mosquitto_username_pw_set(pointer, user, configuration.password))
        }
        if let ca = configuration.caFile {
            try check("TLS", mosquitto_tls_set(pointer, ca, nil, configuration.certFile, configuration.keyFile, nil))
        }
        if let will = configuration.will {
            try check(
                "last will",
                will.payload.withUnsafeBytes {
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
            CallbackTarget.from(context).answered(mid, reason: reason)
        }
        mosquitto_subscribe_v5_callback_set(pointer) { _, context, mid, count, granted, _ in
            let first = count > 0 ? granted?.pointee ?? 0x80 : 0x80
            CallbackTarget.from(context).answered(mid, reason: first)
        }
        mosquitto_message_v5_callback_set(pointer) { _, context, message, _ in
            guard let m = message?.pointee, let topic = m.topic else { return }
            let payload =
                m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            CallbackTarget.from(context).received(
                MQTTMessage(
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
    /// reconnects, so the first connect runs on ``blocking``.
    public func start() throws(MQTTError) {
        guard !configuration.host.isEmpty, (1...65_535).contains(configuration.port) else {
            throw MQTTError(operation: "connect", code: MOSQ_ERR_INVAL.rawValue)
        }
        blocking.async { [self] in
            var properties: OpaquePointer?
            if !configuration.cleanStart {
                mosquitto_property_add_int32(
                    &properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                    configuration.sessionExpirySeconds)
            }
            let rc = mosquitto_connect_bind_v5(
                handle.pointer, configuration.host, Int32(configuration.port),
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
    public func publishAll(
        _ messages: [(topic: String, payload: [UInt8])], qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false
    ) async -> [MQTTError?] {
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
                let outcome = await withCheckedContinuation { target.wait(for: mid, operation: "publish", $0) }
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
            target.wait(for: mid, operation: "subscribe \(filter)", continuation)
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
            blocking.async {
                mosquitto_loop_stop(handle.pointer, notConnected)
                once.withLock { $0.take() }?.resume(returning: true)
            }
            let (seconds, attoseconds) = timeout.components
            DispatchQueue.global().asyncAfter(deadline: .now() + Double(seconds) + Double(attoseconds) * 1e-18) {
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

/// What libmosquitto's callbacks reach through their context pointer: the
/// client's state machine behind a lock, its actions performed outside it.
private final class CallbackTarget: Sendable {
    typealias Waiter = CheckedContinuation<Result<Void, MQTTError>, Never>
    private let state = Mutex(MQTTClientStateMachine<Waiter>())
    private let inbox: Inbox
    private let events: AsyncStream<MQTTConnectionEvent>.Continuation

    init(inbox: Inbox, events: AsyncStream<MQTTConnectionEvent>.Continuation) {
        self.inbox = inbox
        self.events = events
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> CallbackTarget {
        Unmanaged<CallbackTarget>.fromOpaque(context!).takeUnretainedValue()
    }

    private func perform(_ action: MQTTClientStateMachine<Waiter>.Action) {
        if case .resume(let waiter, let outcome) = action { waiter.resume(returning: outcome) }
    }

    func beginLoop() -> Bool { state.withLock { $0.beginLoop() } }
    func endLoop() -> Bool { state.withLock { $0.endLoop() } }
    var isConnected: Bool { state.withLock { $0.connected } }

    func wait(for mid: Int32, operation: String, _ waiter: Waiter) {
        perform(state.withLock { $0.wait(for: mid, waiter, operation: operation) })
    }

    func forget(mid: Int32) { state.withLock { $0.forget(mid) } }

    /// A PUBACK, PUBCOMP or SUBACK (for a SUBACK, the first granted QoS).
    func answered(_ mid: Int32, reason: Int32) {
        perform(state.withLock { $0.answered(mid, reason: reason, operation: "publish") })
    }

    func connected(_ rc: Int32) {
        state.withLock { $0.connectionChanged(connected: rc == 0) }
        events.yield(rc == 0 ? .connected : .connectFailed(reasonCode: rc))
    }

    func connectFailed(_ rc: Int32) { events.yield(.connectFailed(reasonCode: rc)) }

    func disconnected(_ rc: Int32) {
        for w in state.withLock({ $0.disconnected() }) {
            w.resume(returning: .failure(MQTTError(operation: "publish", code: MOSQ_ERR_CONN_LOST.rawValue)))
        }
        events.yield(.disconnected(reasonCode: rc))
    }

    /// On libmosquitto's network thread: waits for room (backpressure), but not past ``finish()``.
    func received(_ m: MQTTMessage) { inbox.put(m) }

    func finish() {
        inbox.finish()
        events.finish()
    }
}
