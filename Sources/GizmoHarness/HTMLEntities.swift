/// The named character references a gizmo's HTML is likely to hold (HTML's
/// full table has over 2,000; an unknown name stays as written).
enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "laquo": "«", "raquo": "»",
        "times": "×", "divide": "÷", "deg": "°", "plusmn": "±", "middot": "·", "bull": "•",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "sect": "§", "para": "¶",
        "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔", "check": "✓", "cross": "✗",
        "micro": "µ", "frac12": "½", "frac14": "¼", "frac34": "¾", "sup2": "²", "sup3": "³",
        "le": "≤", "ge": "≥", "ne": "≠", "asymp": "≈", "infin": "∞", "minus": "−", "hearts": "♥",
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "lambda": "λ", "mu": "μ", "pi": "π",
        "sigma": "σ", "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω", "ensp": "\u{2002}", "emsp": "\u{2003}",
        "thinsp": "\u{2009}", "zwj": "\u{200D}", "zwnj": "\u{200C}", "shy": "\u{AD}",
        "iexcl": "¡", "iquest": "¿", "szlig": "ß", "eacute": "é", "egrave": "è", "agrave": "à",
        "aacute": "á", "uuml": "ü", "ouml": "ö", "auml": "ä", "Uuml": "Ü", "Ouml": "Ö", "Auml": "Ä",
        "ccedil": "ç", "ntilde": "ñ",
    ]

    /// Names a browser also reads without the closing `;`.
    static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]
}
