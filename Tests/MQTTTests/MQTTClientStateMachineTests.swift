import Testing

@testable import MQTT

/// The client's bookkeeping without a broker: each message id from the
/// request to the broker's answer, in every order the callback thread and the
/// caller can meet in. A waiter is a plain number here.
@Suite struct MQTTClientStateMachineTests {
    typealias Machine = MQTTClientStateMachine<Int>

    /// The waiter resumed by `action` and whether it succeeded; nil when nobody is resumed.
    func resumed(_ action: Machine.Action) -> (waiter: Int, ok: Bool)? {
        guard case .resume(let w, let outcome) = action else { return nil }
        if case .success = outcome { return (w, true) }
        return (w, false)
    }

    func connectedMachine() -> Machine {
        var m = Machine()
        m.connectionChanged(connected: true)
        return m
    }

    @Test func aWaiterIsResumedByItsAnswerAndNothingIsKept() {
        var m = connectedMachine()
        #expect(resumed(m.wait(for: 7, 1, operation: "publish")) == nil)
        #expect(m.tracked == 1)
        #expect(resumed(m.answered(7, reason: 0, operation: "publish"))! == (1, true))
        #expect(m.tracked == 0)
    }

    @Test func anAnswerBeforeTheWaitIsKeptForIt() {
        var m = connectedMachine()
        #expect(resumed(m.answered(7, reason: 0x10, operation: "publish")) == nil)  // no matching subscribers: still a success
        #expect(resumed(m.wait(for: 7, 1, operation: "publish"))! == (1, true))
        #expect(m.tracked == 0)
    }

    @Test func reasonCodesFromTheBrokerAreRefusals() {
        var m = connectedMachine()
        _ = m.wait(for: 1, 1, operation: "subscribe")
        #expect(resumed(m.answered(1, reason: 0x87, operation: "subscribe"))! == (1, false))  // not authorized
        _ = m.answered(2, reason: 0x80, operation: "subscribe")
        #expect(resumed(m.wait(for: 2, 2, operation: "subscribe"))! == (2, false))
    }

    @Test func waitingWhileDisconnectedFailsAtOnce() {
        var m = Machine()
        #expect(resumed(m.wait(for: 3, 1, operation: "publish"))! == (1, false))
        #expect(m.tracked == 0)
    }

    @Test func aDisconnectFailsEveryWaiterAndTheirLateAnswersAreDropped() {
        var m = connectedMachine()
        _ = m.wait(for: 1, 10, operation: "publish")
        _ = m.wait(for: 2, 20, operation: "publish")
        #expect(Set(m.disconnected()) == [10, 20])
        #expect(!m.connected)
        // libmosquitto resends both after the reconnect; their PUBACKs come.
        m.connectionChanged(connected: true)
        #expect(resumed(m.answered(1, reason: 0, operation: "publish")) == nil)
        #expect(resumed(m.answered(2, reason: 0, operation: "publish")) == nil)
        #expect(m.tracked == 0)
        // A later message that reuses id 1 waits for its own answer, not the old one's.
        #expect(resumed(m.wait(for: 1, 30, operation: "publish")) == nil)
        #expect(resumed(m.answered(1, reason: 0x97, operation: "publish"))! == (30, false))
    }

    @Test func aSendWithoutAWaiterDropsItsAnswerWhicheverComesFirst() {
        var m = connectedMachine()
        m.forget(4)
        #expect(resumed(m.answered(4, reason: 0, operation: "publish")) == nil)
        #expect(m.tracked == 0)
        _ = m.answered(5, reason: 0, operation: "publish")
        m.forget(5)
        #expect(m.tracked == 0)
        // The next message with id 5 is not answered by the dropped one.
        #expect(resumed(m.wait(for: 5, 1, operation: "publish")) == nil)
    }

    @Test func theNetworkThreadStartsOnceAndNeverAfterAStop() {
        var m = Machine()
        let steps = [m.beginLoop(), m.beginLoop(), m.endLoop(), m.endLoop()]
        #expect(steps == [true, false, true, false])
        var early = Machine()
        let stoppedFirst = early.endLoop(), startedAfter = early.beginLoop()
        #expect(!stoppedFirst, "stopped before it started: nothing to join")
        #expect(!startedAfter, "and it never starts")
    }
}
