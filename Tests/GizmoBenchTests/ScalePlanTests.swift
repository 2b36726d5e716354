import Testing
@testable import gizmobench

/// The steps of a scale run and the source addresses of its sockets.
struct ScalePlanTests {
    @Test func stepsEndAtTheTarget() throws {
        #expect(try ScalePlan(target: 20_000, step: 5_000, addresses: 8).steps == [5_000, 10_000, 15_000, 20_000])
        #expect(try ScalePlan(target: 12_000, step: 5_000, addresses: 8).steps == [5_000, 10_000, 12_000])
        #expect(try ScalePlan(target: 50, step: 5_000, addresses: 2).steps == [50])
        #expect(try ScalePlan(target: 1, step: 1, addresses: 1).steps == [1])
    }

    @Test func socketsTakeTheAddressesInTurn() throws {
        let plan = try ScalePlan(target: 100_000, step: 5_000, addresses: 3)
        #expect((0..<7).map(plan.sourceAddress) == ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.2",
                                                   "127.0.0.3", "127.0.0.4", "127.0.0.2"])
        #expect(plan.perAddress == 33_334)
    }

    @Test func everyAddressIsOneOfLoopbacksAndNeverTheEntryClients() throws {
        let plan = try ScalePlan(target: 1_000, step: 100, addresses: ScalePlan.maxAddresses)
        let used = Set((0..<1_000).map(plan.sourceAddress))
        #expect(used.count == ScalePlan.maxAddresses)
        #expect(!used.contains("127.0.0.1"))
        #expect(used.allSatisfy { $0.hasPrefix("127.0.0.") })
        // Each gets an even share: 4 of 1,000 over 250.
        let shares = Dictionary(grouping: (0..<1_000).map(plan.sourceAddress), by: { $0 }).mapValues(\.count)
        #expect(Set(shares.values) == [4])
    }

    @Test func addressesNeededForTheEphemeralPorts() {
        #expect(ScalePlan.addressesNeeded(for: 100_000, ports: 28_232) == 4)
        #expect(ScalePlan.addressesNeeded(for: 28_232, ports: 28_232) == 1)
        #expect(ScalePlan.addressesNeeded(for: 28_233, ports: 28_232) == 2)
        #expect(ScalePlan.addressesNeeded(for: 10, ports: 0) == 10)
    }

    @Test func refusesAPlanThatCannotRun() {
        #expect(throws: BenchError.self) { try ScalePlan(target: 0, step: 5_000, addresses: 8) }
        #expect(throws: BenchError.self) { try ScalePlan(target: 10, step: 0, addresses: 8) }
        #expect(throws: BenchError.self) { try ScalePlan(target: 10, step: 5, addresses: 0) }
        #expect(throws: BenchError.self) { try ScalePlan(target: 10, step: 5, addresses: ScalePlan.maxAddresses + 1) }
    }
}
