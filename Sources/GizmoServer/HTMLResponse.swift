import Hummingbird

/// HTML responses: never cached (a session's page is live), always UTF-8.
enum HTMLResponse {
    static func page(_ html: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The frame of the server's own pages (entry pages, errors): readable on a
/// phone, light or dark as the browser prefers, no scripts from elsewhere.
enum ServerPage {
    /// - Parameters:
    ///   - title: plain text; escaped here.
    ///   - body: HTML, already escaped by the caller.
    static func html(title: String, body: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8">\
        <meta name="viewport" content="width=device-width, initial-scale=1">\
        <meta name="referrer" content="no-referrer">\
        <title>\(HTMLText.escape(title))</title><style>\(css)</style></head>\
        <body><main>\(body)</main></body></html>
        """
    }

    static let css = """
    :root{color-scheme:light dark;--fg:#1d232b;--muted:#5b6572;--bg:#fbfbfc;--card:#fff;--line:#dde1e6;--accent:#1f6feb;--bad:#b42318}\
    @media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--muted:#9aa4b1;--bg:#14171c;--card:#1c2128;--line:#30363f;--accent:#58a6ff;--bad:#ff7b72}}\
    *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}\
    main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:0}\
    a{color:var(--accent)}p{margin:.4rem 0}.muted{color:var(--muted)}\
    .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;margin:0 0 1rem}\
    ul.scripts{list-style:none;margin:.6rem 0 0;padding:0}ul.scripts li{padding:.45rem 0;border-top:1px solid var(--line)}\
    .name{font-weight:600}.broken{color:var(--bad)}pre{white-space:pre-wrap;word-break:break-word;margin:.4rem 0;\
    font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}\
    .launch{display:inline-block;margin-top:.3rem;padding:.3rem .9rem;border-radius:6px;background:var(--accent);color:#fff;text-decoration:none;font-weight:600}\
    nav{margin:0 0 1rem;font-size:.95rem}footer{margin-top:2rem;font-size:.9rem;color:var(--muted)}
    """
}

/// A small readable page for errors people may meet in a browser.
enum ErrorPage {
    /// - Parameter more: HTML after the message, already escaped (a list of
    ///   what exists, a link back).
    static func response(_ status: HTTPResponse.Status, title: String, message: String, more: String = "",
                         headers: HTTPFields = [:]) -> Response {
        let body = "<h1>\(HTMLText.escape(title))</h1><p>\(HTMLText.escape(message))</p>\(more)"
        return HTMLResponse.page(ServerPage.html(title: title, body: body), status: status, headers: headers)
    }
}
