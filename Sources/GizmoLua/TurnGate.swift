import CGizmoLua

/// The gate of long turns (`turn_gate.c`): a turn that has run 20 ms takes
/// one of a slot per core, or waits for one until its deadline, so scripts
/// spinning at once keep at most every core busy and the other sessions'
/// short turns share the CPU with that many threads, not hundreds.
public enum TurnGate {
    public struct Figures: Sendable {
        /// One per online core.
        public let slots: Int
        /// The most long turns that ran at once since the last reset.
        public let peak: Int
        /// Long turns that had to wait for a slot since the last reset.
        public let waits: Int
    }

    /// The gate's figures; `reset` starts the peak and the waits afresh.
    public static func figures(reset: Bool = false) -> Figures {
        let read = gz_turn_gate_read(reset ? 1 : 0)
        return Figures(slots: Int(read.slots), peak: Int(read.peak), waits: Int(read.waits))
    }
}
