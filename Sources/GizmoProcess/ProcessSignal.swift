#if canImport(Glibc)
import Glibc
#endif

/// The signals a script may send by name, and the names of the signals a
/// program may die of (`on_exit`'s second value).
public enum ProcessSignal {
    /// What `p:signal(name)` and `pr:signal(name)` accept.
    public static let sendable: [String: Int32] = [
        "TERM": SIGTERM, "INT": SIGINT, "HUP": SIGHUP, "STOP": SIGSTOP, "CONT": SIGCONT,
        "USR1": SIGUSR1, "USR2": SIGUSR2, "KILL": SIGKILL,
    ]

    /// The accepted names in a fixed order, for messages.
    public static let sendableNames = ["TERM", "INT", "HUP", "STOP", "CONT", "USR1", "USR2", "KILL"]

    private static let names: [Int32: String] = [
        SIGHUP: "HUP", SIGINT: "INT", SIGQUIT: "QUIT", SIGILL: "ILL", SIGTRAP: "TRAP", SIGABRT: "ABRT",
        SIGBUS: "BUS", SIGFPE: "FPE", SIGKILL: "KILL", SIGUSR1: "USR1", SIGSEGV: "SEGV", SIGUSR2: "USR2",
        SIGPIPE: "PIPE", SIGALRM: "ALRM", SIGTERM: "TERM", SIGCHLD: "CHLD", SIGCONT: "CONT", SIGSTOP: "STOP",
        SIGTSTP: "TSTP", SIGTTIN: "TTIN", SIGTTOU: "TTOU", SIGURG: "URG", SIGXCPU: "XCPU", SIGXFSZ: "XFSZ",
        SIGVTALRM: "VTALRM", SIGPROF: "PROF", SIGWINCH: "WINCH", SIGIO: "IO", SIGPWR: "PWR", SIGSYS: "SYS",
    ]

    /// "TERM" for SIGTERM; "SIG34" for a signal without a short name (a real-time one).
    public static func name(of number: Int32) -> String {
        names[number] ?? "SIG\(number)"
    }
}
