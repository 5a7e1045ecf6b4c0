import CMosquitto

/// The MQTT client's bookkeeping as a value: the connection, the network
/// thread, and each message id's state. libmosquitto's callbacks and the
/// client's calls feed it events under one lock; each method returns what to
/// do about it (whom to resume, with what), which the client does outside
/// the lock. The same shape as swift-kafka-client's `KafkaProducer`
/// `StateMachine` and Hummingbird's connection state machine: pure, so its
/// cases are tested without a broker (`MQTTClientStateMachineTests`).
///
/// `Waiter` is whatever resumes a caller awaiting a PUBACK / PUBCOMP /
/// SUBACK: a continuation in the client, a plain value in tests.
struct MQTTClientStateMachine<Waiter> {
    /// The network thread: not yet started, running, or stopped (never to start).
    enum Loop { case notStarted, running, stopped }

    /// One message id's state between the request and the broker's answer.
    enum Message {
        /// Someone waits for the broker's answer.
        case awaited(Waiter)
        /// Answered before anyone waited (libmosquitto's thread can be that quick): the reason code.
        case answeredEarly(Int32)
        /// Nobody waits (``MQTTClient/send(topic:payload:qos:)``, or its waiter failed when the
        /// connection dropped): its answer is dropped.
        case unawaited
    }

    /// What to do after an event.
    enum Action {
        case none
        /// Resume `waiter` with the outcome for `reason` (an MQTT 5 reason code, or a libmosquitto error).
        case resume(Waiter, Result<Void, MQTTError>)
    }

    private(set) var connected = false
    private(set) var loop = Loop.notStarted
    private var messages: [Int32: Message] = [:]

    /// Message ids with a state (tests: nothing is kept longer than it must).
    var tracked: Int { messages.count }

    /// The caller of `mid` starts waiting for the broker's answer.
    mutating func wait(for mid: Int32, _ waiter: Waiter, operation: String) -> Action {
        if case .answeredEarly(let reason) = messages[mid] {
            messages[mid] = nil
            return .resume(waiter, Self.outcome(reason, operation: operation))
        }
        // Waiting on a message whose connection has gone would wait until some reconnect: fail at once instead.
        guard connected else { return .resume(waiter, .failure(MQTTError(operation: operation, code: MOSQ_ERR_NO_CONN.rawValue))) }
        messages[mid] = .awaited(waiter)
        return .none
    }

    /// Nobody will wait for `mid`: its answer, come or to come, is dropped (kept, a
    /// later message with the same id would take it for its own).
    mutating func forget(_ mid: Int32) {
        if case .answeredEarly = messages[mid] {
            messages[mid] = nil
        } else {
            messages[mid] = .unawaited
        }
    }

    /// The broker answered `mid` (PUBACK, PUBCOMP, SUBACK) with `reason`.
    mutating func answered(_ mid: Int32, reason: Int32, operation: String) -> Action {
        switch messages.removeValue(forKey: mid) {
        case .awaited(let waiter): return .resume(waiter, Self.outcome(reason, operation: operation))
        case .unawaited: return .none
        case .answeredEarly, nil:
            messages[mid] = .answeredEarly(reason)
            return .none
        }
    }

    mutating func connectionChanged(connected: Bool) { self.connected = connected }

    /// The connection dropped: every waiter fails at once (the caller's outbox
    /// decides about resending). libmosquitto sends their messages again after
    /// the reconnect, with the same ids, so their answers may still come: they
    /// are dropped, not kept as early answers that a later message reusing the
    /// id would take for its own.
    mutating func disconnected() -> [Waiter] {
        connected = false
        var waiters: [Waiter] = []
        for (mid, state) in messages {
            if case .awaited(let w) = state {
                waiters.append(w)
                messages[mid] = .unawaited
            }
        }
        return waiters
    }

    /// True when the network thread may start (stop has not come first).
    mutating func beginLoop() -> Bool {
        guard loop == .notStarted else { return false }
        loop = .running
        return true
    }

    /// True when there is a running network thread to stop.
    mutating func endLoop() -> Bool {
        defer { loop = .stopped }
        return loop == .running
    }

    /// MQTT 5 reason codes below 0x80 are success (0x10: no matching subscribers, still
    /// stored); a SUBACK's granted QoS of 0x80 and above is a refusal.
    static func outcome(_ reason: Int32, operation: String) -> Result<Void, MQTTError> {
        reason < 0x80 ? .success(()) : .failure(MQTTError(operation: operation, code: reason, isReasonCode: true))
    }
}
