/// What a Log or a plot keeps in the page (docs/protocol.md, LIVE), applied
/// as gizmo.js's `applyLog` and `addPoints` apply it.
enum LiveData {
    /// A Log: its lines are the element's text nodes, numbered `next - count` ..< `next`.
    case log(next: Int, count: Int)
    /// A plot's appended series: series id -> the numbers of the points it holds.
    case plot(series: [Int: [Int]])

    static func bounded(_ n: Int) -> Int { max(-(1 << 50), min(n, 1 << 50)) }
}

extension PageNode {
    /// A Log's new lines (a `log` command, or a NODE's `live`): drop what
    /// `clear` says and what exceeds `keep`, append the lines it lacks.
    func applyLog(seq: Int, add lines: [String], keep: Int?, clear: Int?) {
        // Numbers from a hostile frame stay where arithmetic on them cannot overflow.
        let seq = LiveData.bounded(seq), clear = clear.map(LiveData.bounded)
        var (next, count) = (1, 0)
        if case .log(let n, let c) = live { (next, count) = (n, c) }
        let keep = keep.flatMap { $0 > 0 ? LiveData.bounded($0) : nil } ?? (1 << 50)
        var drop = 0
        if let clear { drop = max(0, min(count, clear - (next - count) + 1)) }
        let skip = max(0, next - seq, lines.count - keep)
        if skip < lines.count, seq + skip > next { drop = count } // a gap: what it has is older
        let adding = max(0, lines.count - skip)
        drop = max(drop, count + adding - keep)
        removeFirstChildren(drop)
        count -= min(drop, count)
        if adding > 0 {
            for line in lines[skip...] { append(PageNode(text: line + "\n")) }
            count += adding
            next = seq + lines.count
        }
        live = .log(next: next, count: count)
    }

    /// A plot's points (`plot` command, or a NODE's `live`): the page draws
    /// them into the SVG's paths, which shows no text, so only their numbers
    /// are kept (a test may count them).
    func applyPlot(svg: String?, series ids: [Int]?, add parts: [PageJSON]) {
        var series: [Int: [Int]] = [:]
        if case .plot(let s) = live { series = s }
        if let svg { replaceChildren(HTMLFragment.parse(svg)) }
        if let ids { series = series.filter { ids.contains($0.key) } }
        for part in parts {
            guard let id = part["s"]?.int else { continue }
            var seqs = series[id] ?? []
            let last = seqs.last ?? 0
            let count = part["x"]?.array?.count ?? 0
            let numbers = part["seqs"]?.array?.compactMap(\.int)
            for i in 0..<count {
                let seq = numbers.map { i < $0.count ? $0[i] : last } ?? (LiveData.bounded(part["seq"]?.int ?? 0) + i)
                if seq > last, seq > (seqs.last ?? 0) { seqs.append(seq) }
            }
            if let first = part["first"]?.int { seqs.removeAll { $0 < first } }
            series[id] = seqs
        }
        live = .plot(series: series)
    }
}
