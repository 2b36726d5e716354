import GizmoGrants

/// What one session may use. The defaults suit an interactive gizmo.
public struct SessionLimits: Sendable {
    /// CPU seconds one Lua turn (a handler, a timer, the main chunk) may run
    /// without yielding.
    public var cpuSeconds: Double
    /// Bytes the session's Lua state may hold.
    public var memoryBytes: Int
    /// Seconds `gz.get` waits for the page by default.
    public var getTimeout: Double
    /// Bytes of one message from the page.
    public var maxMessageBytes: Int
    /// What the script may reach beyond its folders and its page (nothing by default).
    public var grants: Grants
    /// The test harness's clock and scripted programs; nil (a server): the
    /// system clock and real programs.
    public var simulation: (any Simulation)?

    public init(cpuSeconds: Double = 5, memoryBytes: Int = 64 << 20,
                getTimeout: Double = 10, maxMessageBytes: Int = 1 << 20, grants: Grants = .none,
                simulation: (any Simulation)? = nil) {
        self.simulation = simulation
        self.grants = grants
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.getTimeout = getTimeout
        self.maxMessageBytes = maxMessageBytes
    }
}
