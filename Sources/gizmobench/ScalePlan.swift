/// How `gizmobench scale` ramps up: the session counts at which it stops to
/// measure, and the loopback address each session's socket leaves from.
///
/// A client socket to one server address and port needs a port of its own
/// source address, and the kernel hands out ports of one range
/// (`net.ipv4.ip_local_port_range`, some 28,000): past that many sessions
/// from 127.0.0.1, connect() fails with EADDRNOTAVAIL. Loopback answers all
/// of 127/8, so the sessions leave from 127.0.0.2, 127.0.0.3, ... in turn.
struct ScalePlan: Sendable, Equatable {
    /// Sessions held at the end.
    let target: Int
    /// Sessions opened between two measurements.
    let step: Int
    /// Source addresses the sockets are spread over.
    let addresses: Int

    /// The highest address is 127.255.255.254, and 127.0.0.1 is left to the
    /// entry URL's HTTP client.
    static let maxAddresses = 250

    init(target: Int, step: Int, addresses: Int) throws {
        guard target >= 1 else { throw BenchError("--sessions must be at least 1") }
        guard step >= 1 else { throw BenchError("--step must be at least 1") }
        guard (1...Self.maxAddresses).contains(addresses) else {
            throw BenchError("--addresses must be 1-\(Self.maxAddresses)")
        }
        self.target = target
        self.step = step
        self.addresses = addresses
    }

    /// The counts held at each measurement: step, 2 step, ..., and the target
    /// last (a shorter last step when the step does not divide it).
    var steps: [Int] {
        Array(stride(from: step, to: target, by: step)) + [target]
    }

    /// The source address of the `index`-th session (from 0): 127.0.0.2,
    /// 127.0.0.3, ... round robin, so each holds an even share of the ports.
    func sourceAddress(of index: Int) -> String {
        let host = 2 + index % addresses
        return "127.0.\(host / 256).\(host % 256)"
    }

    /// Sockets one source address holds at the target.
    var perAddress: Int { (target + addresses - 1) / addresses }

    /// The fewest addresses under which `target` sessions fit in `ports`
    /// ephemeral ports each.
    static func addressesNeeded(for target: Int, ports: Int) -> Int {
        let ports = max(ports, 1)
        return max(1, (target + ports - 1) / ports)
    }
}
