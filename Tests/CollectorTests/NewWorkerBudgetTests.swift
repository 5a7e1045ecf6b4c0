import Testing
import Wire

@testable import CollectorCore

/// A gateway lists at most ``NewWorkerBudget/limit`` new workers in any 10 minutes; the ones it named
/// before stay listed, and a name unheard for an hour is new again.
@Suite struct NewWorkerBudgetTests {
    let gw1 = try! Topics(site: "s", gateway: "gw-1"), gw2 = try! Topics(site: "s", gateway: "gw-2")

    func names(_ range: Range<Int>) -> Set<String> { Set(range.map { "w\($0)" }) }

    @Test func aGatewayListsAtMostItsBudgetOfNewWorkersPerInterval() {
        let budget = NewWorkerBudget()
        let limit = NewWorkerBudget.limit
        #expect(budget.overBudget([gw1: names(0..<limit)], nowMs: 0).isEmpty)
        // Over the budget: the new names are refused, the known ones and another gateway's are not.
        let over = budget.overBudget([gw1: names(0..<limit + 50), gw2: names(0..<10)], nowMs: 1_000)
        #expect(over == [gw1: names(limit..<limit + 50)])
        // An interval later, new names are admitted again.
        #expect(budget.overBudget([gw1: names(limit..<limit + 50)], nowMs: NewWorkerBudget.intervalMs).isEmpty)
        // A name unheard for an hour counts as new again: the budget of the interval it comes in holds it.
        let later = NewWorkerBudget.intervalMs + NewWorkerBudget.forgetMs
        #expect(budget.overBudget([gw1: names(0..<limit + 1)], nowMs: later)[gw1]?.count == 1)
    }
}
