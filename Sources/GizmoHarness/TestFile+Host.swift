import Foundation
import GizmoLua

/// The host functions of test.lua: each answers a value, or `nil, message`
/// that test.lua raises at the test's line.
extension TestFile {
    func hostFunctions() -> [(String, LuaState.Function)] {
        [
            ("open", { [unowned self] call in self.open(call) }),
            ("find", { [unowned self] call in
                self.onPage(call) { page, query in
                    _ = try page.read { try $0.find(query) }
                    call.push(true)
                    return 1
                }
            }),
            ("count", { [unowned self] call in
                self.onPage(call) { page, query in
                    call.push(try page.read { $0.findAll(query).count })
                    return 1
                }
            }),
            ("component", { [unowned self] call in self.component(call) }),
            ("page", { [unowned self] call in self.pageOperation(call) }),
            ("wait_for", { [unowned self] call in self.waitFor(call) }),
            ("answer", { [unowned self] call in
                guard let page = self.page(call), let expression = call.string(at: 2) else {
                    return call.failure("page:answer: no such page")
                }
                if let json = call.string(at: 3) {
                    page.answer(expression, with: .value(json: json))
                } else {
                    page.answer(expression, with: .error(call.string(at: 4) ?? "error"))
                }
                Self.wait { await page.world.settle() }
                return .returning(0)
            }),
            ("advance", { [unowned self] call in
                guard let seconds = call.number(at: 1), let world = self.world else { return .returning(0) }
                Self.wait { await world.advance(seconds) }
                return self.raiseIfStuck() ?? .returning(0)
            }),
            ("now", { [unowned self] call in
                call.push(self.world?.clock.now ?? 0)
                return .returning(1)
            }),
            ("push", { [unowned self] call in self.push(call) }),
            ("store", { [unowned self] call in self.readStore(call) }),
            ("fake_run", { [unowned self] call in self.fakeRun(call) }),
            ("fake", { [unowned self] call in self.fake(call) }),
            ("source", { [unowned self] call in self.source(call) }),
        ]
    }

    /// The world gave up waiting for quiet (``HarnessWorld/settleLimit``):
    /// the test's call raises why.
    func raiseIfStuck() -> LuaCall.Outcome? {
        world?.takeStuck().map { .raising($0) }
    }

    // MARK: Pages

    private func open(_ call: LuaCall) -> LuaCall.Outcome {
        guard let world, let path = call.string(at: 1) else { return call.failure("t.open: the test has ended") }
        let environment = (Self.object(call.string(at: 2)) ?? [:]).compactMapValues { $0 as? String }
        let store = Self.rawObject(call.string(at: 3))
        let file = URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
        guard FileManager.default.fileExists(atPath: file.path) else {
            return call.failure("t.open: no script \(path) beside \(location.displayPath) (\(file.path))")
        }
        let shown = (((location.displayPath as NSString).deletingLastPathComponent) as NSString).appendingPathComponent(path)
        let opened = Self.wait { () -> Result<HarnessPage, HarnessError> in
            do throws(HarnessError) {
                return .success(try await world.open(file, displayPath: shown, environment: environment, store: store))
            } catch {
                return .failure(error)
            }
        }
        switch opened {
        case .success(let page):
            if let stuck = raiseIfStuck() { return stuck }
            call.push(page.number)
            return .returning(1)
        case .failure(let error):
            return call.failure("t.open: \(error.message)")
        }
    }

    private func page(_ call: LuaCall) -> HarnessPage? {
        guard let number = call.integer(at: 1), let pages = world?.pages, number >= 1, number <= pages.count else { return nil }
        return pages[number - 1]
    }

    /// Runs `body` with the page (argument 1) and the query (argument 2).
    private func onPage(_ call: LuaCall, _ body: (HarnessPage, SimulatedPage.Query) throws -> Int32) -> LuaCall.Outcome {
        guard let page = page(call) else { return call.failure("no such page: this test has ended or never opened it") }
        guard let query = Self.query(call.string(at: 2)) else { return call.failure("a query must be a table") }
        do {
            return .returning(try body(page, query))
        } catch {
            return call.failure(HarnessError(error).message)
        }
    }

    private func component(_ call: LuaCall) -> LuaCall.Outcome {
        let operation = call.string(at: 3) ?? ""
        let text = call.string(at: 4)
        let number = call.number(at: 4)
        return onPage(call) { page, query in
            func act(_ action: @escaping @Sendable (SimulatedPage, Int) throws -> Void) throws {
                let result = Self.wait { () -> HarnessError? in
                    do throws(HarnessError) {
                        try await page.act { simulated in try action(simulated, try simulated.find(query)) }
                        return nil
                    } catch {
                        return error
                    }
                }
                if let result { throw result }
                if let stuck = page.world.takeStuck() { throw HarnessError(stuck) }
            }
            switch operation {
            case "click": try act { try $0.click($1) }
            case "type": try act { try $0.type($1, text ?? "") }
            case "choose": try act { try $0.choose($1, text ?? "") }
            case "set": try act { try $0.set($1, number ?? 0) }
            case "text": call.push(try page.read { $0.text(of: try $0.find(query)) })
            case "value":
                guard let value = try page.read({ $0.value(of: try $0.find(query)) }) else {
                    call.pushNil()
                    return 1
                }
                call.push(value)
            case "checked": call.push(try page.read { $0.checked(of: try $0.find(query)) ?? false })
            case "enabled": call.push(try page.read { $0.isEnabled(try $0.find(query)) })
            case "visible": call.push(try page.read { $0.isVisible(try $0.find(query)) })
            default: throw HarnessError("unknown operation \(operation)")
            }
            return operation == "click" || operation == "type" || operation == "choose" || operation == "set" ? 0 : 1
        }
    }

    private func pageOperation(_ call: LuaCall) -> LuaCall.Outcome {
        guard let page = page(call) else { return call.failure("no such page: this test has ended or never opened it") }
        switch call.string(at: 2) {
        case "text":
            call.push((try? page.read { $0.text() }) ?? "")
            return .returning(1)
        case "errors":
            call.push(JSONText.array(page.takeErrors()))
            return .returning(1)
        case "disconnect":
            Self.wait { await page.disconnect() }
        case "reconnect":
            Self.wait {
                if !page.isConnected { await page.connect() }
                await page.world.settle()
            }
        default:
            break
        }
        return .returning(0)
    }

    /// `wait_for(page, text, gone, timeout)`: real time, for work the
    /// simulation does not drive (real programs, HTTP).
    private func waitFor(_ call: LuaCall) -> LuaCall.Outcome {
        guard let page = page(call), let text = call.string(at: 2) else { return call.failure("no such page") }
        let gone = call.bool(at: 3)
        let timeout = min(max(call.number(at: 4) ?? 5, 0), 600)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let count = page.frameCount
            Self.wait { await page.world.settle() }
            let shows = ((try? page.read { $0.text() }) ?? "").contains(text)
            if shows != gone { return .returning(0) }
            if !page.waitForFrame(after: count, until: deadline), Date() >= deadline {
                let shown = (try? page.read { $0.text() }) ?? ""
                return call.failure("page:wait_for: after \(timeout) s the page \(gone ? "still shows" : "does not show") \"\(text)\"; it shows:\n\(shown)")
            }
        }
    }

    // MARK: The store

    /// The name of a module the test may push to: one it opened a script
    /// of, the test's own folder, or a folder beside it.
    private func module(_ name: String) -> String? {
        let opened = world?.pages.map { $0.session.moduleFolder.lastPathComponent } ?? []
        if opened.contains(name) || folder.lastPathComponent == name { return name }
        var isFolder: ObjCBool = false
        let beside = folder.deletingLastPathComponent().appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: beside.path, isDirectory: &isFolder), isFolder.boolValue { return name }
        return nil
    }

    private func push(_ call: LuaCall) -> LuaCall.Outcome {
        guard let world, let name = call.string(at: 1), let key = call.string(at: 2), let json = call.string(at: 3) else {
            return call.failure("t.push: the test has ended")
        }
        guard let module = module(name) else {
            return call.failure("t.push: no module \(name): a module is a folder of scripts; open one of its scripts first, or name the test's folder (\(folder.lastPathComponent))")
        }
        do throws(HarnessError) {
            try world.push(module: module, key: key, json: json, append: call.integer(at: 4))
        } catch {
            return call.failure(error.message)
        }
        Self.wait { await world.settle() }
        if let stuck = raiseIfStuck() { return stuck }
        call.push(true)
        return .returning(1)
    }

    private func readStore(_ call: LuaCall) -> LuaCall.Outcome {
        guard let world, let name = call.string(at: 1), let key = call.string(at: 2) else {
            return call.failure("t.store: the test has ended")
        }
        guard let module = module(name) else { return call.failure("t.store: no module \(name)") }
        do throws(HarnessError) {
            guard let json = try world.read(module: module, key: key) else { return .returning(0) }
            call.push(json)
            return .returning(1)
        } catch {
            return call.failure(error.message)
        }
    }

    // MARK: require

    /// `require(name)` in a test file: NAME.lua (a.b: a/b.lua) from its folder.
    private func source(_ call: LuaCall) -> LuaCall.Outcome {
        guard let name = call.string(at: 1), !name.isEmpty, !name.contains(".."), !name.hasPrefix("/") else {
            return call.failure("require: a module name is a name from the test's folder, like helpers or lib.helpers")
        }
        let file = folder.appendingPathComponent(name.replacingOccurrences(of: ".", with: "/") + ".lua")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            return call.failure("require: no \(name.replacingOccurrences(of: ".", with: "/")).lua in \(folder.path)")
        }
        call.push(text)
        return .returning(1)
    }

    // MARK: JSON from test.lua

    static func object(_ json: String?) -> [String: Any]? {
        guard let data = json?.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
    }

    /// A JSON object's members as JSON text each.
    static func rawObject(_ json: String?) -> [String: String] {
        (object(json) ?? [:]).compactMapValues { $0 as? String }
    }

    static func query(_ json: String?) -> SimulatedPage.Query? {
        guard let object = object(json) else { return nil }
        return SimulatedPage.Query(text: object["text"] as? String, label: object["label"] as? String,
                                   placeholder: object["placeholder"] as? String, role: object["role"] as? String,
                                   nth: (object["nth"] as? NSNumber)?.intValue)
    }
}
