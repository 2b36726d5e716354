import Foundation
@testable import GizmoHarness
import GizmoLua
import Logging
import Synchronization

/// What a GizmoVM hands out, collected for the driver.
final class VMOutputs: Sendable {
    let list = Mutex<[GizmoVM.Output]>([])
}

/// A real GizmoVM joined to a ``SimulatedPage`` as a session joins a page:
/// the VM's frames numbered and headed as GizmoServer's Outbox heads them,
/// the page's messages run by the VM. No sockets, no server.
final class SimulatedPageDriver {
    let vm: GizmoVM
    let page: SimulatedPage
    let boot: GizmoVM.BootResult
    private let outputs = VMOutputs()
    private var lastFrame = 0
    private var joined = false
    /// Other pages of the session, by connection.
    private var others: [Int: SimulatedPage] = [:]
    /// Every frame the page was given, for tests that look at them.
    private(set) var frames: [String] = []

    init(_ source: String, pageID: String = "test-page-1") async throws {
        page = SimulatedPage(pageID: pageID)
        var logger = Logger(label: "simulated-page-test")
        logger.logLevel = .critical
        let outputs = self.outputs
        vm = GizmoVM(script: Script(displayPath: "test.lua", directory: FileManager.default.temporaryDirectory, source: source),
                     logger: logger) { output in outputs.list.withLock { $0.append(output) } }
        boot = try await vm.boot()
        deliver()
    }

    /// Says hello and sends again what the page kept, as a (re)connect does.
    func connect() async {
        await vm.receive(page.hello(), from: 1)
        deliver()
        for message in page.messagesToResend() + page.messagesToSend() { await vm.receive(message, from: 1) }
        deliver()
    }

    /// A person's action, then the messages it made, run by the VM.
    func act(_ action: (SimulatedPage) throws(PageError) -> Void) async throws(PageError) {
        try action(page)
        await flush()
    }

    func flush() async {
        for message in page.messagesToSend() { await vm.receive(message, from: 1) }
        deliver()
    }

    /// Hands the VM's output to the page, numbered as the server numbers it.
    func deliver() {
        let taken = outputs.list.withLock { list in defer { list.removeAll() }; return list }
        for output in taken {
            switch output {
            case .join(let connection, let acked, let frame):
                let welcome = "[{\"op\":\"welcome\",\"n\":\(lastFrame),\"acked\":\(acked)}" + (frame == "[]" ? "]" : "," + frame.dropFirst())
                if connection == 1 {
                    joined = true
                    give(welcome)
                } else {
                    others[connection]?.apply(welcome)
                }
            case .frame(let frame):
                lastFrame += 1
                let numbered = "[{\"op\":\"frame\",\"n\":\(lastFrame)}" + (frame == "[]" ? "]" : "," + frame.dropFirst())
                if joined { give(numbered) }
                for page in others.values { page.apply(numbered) }
            case .ended: break
            }
        }
    }

    private func give(_ frame: String) {
        frames.append(frame)
        page.apply(frame)
    }

    /// Another page joins the session (connection 2, 3, ...): it gets a full render.
    func join(_ pageID: String) async -> SimulatedPage {
        let page = SimulatedPage(pageID: pageID)
        let connection = others.count + 2
        others[connection] = page
        await vm.receive(page.hello(), from: connection)
        deliver()
        return page
    }

    func find(_ q: SimulatedPage.Query) throws(PageError) -> Int { try page.find(q) }
}

extension SimulatedPage.Query {
    static func text(_ s: String) -> Self { .init(text: s) }
    static func role(_ r: String, _ text: String? = nil) -> Self { .init(text: text, role: r) }
    static func label(_ s: String) -> Self { .init(label: s) }
    static func placeholder(_ s: String) -> Self { .init(placeholder: s) }
}

/// The fields of a message the page made.
func message(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

extension SimulatedPage {
    /// A page that said hello and got a welcome rendering `node` (a NODE's JSON).
    static func showing(_ node: String, g: Int = 1) -> SimulatedPage {
        let page = SimulatedPage(pageID: "p1")
        _ = page.hello()
        page.apply("[{\"op\":\"welcome\",\"n\":0,\"acked\":0},{\"op\":\"render\",\"g\":\(g),\"node\":\(node)}]")
        return page
    }
}
