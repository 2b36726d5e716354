import Hummingbird

/// HTML responses: never cached (a session's page is live), always UTF-8.
enum HTMLResponse {
    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }
}

/// A small readable page for errors people may meet in a browser.
enum ErrorPage {
    static func response(_ status: HTTPResponse.Status, title: String, message: String) -> Response {
        let html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8">\
        <meta name="viewport" content="width=device-width, initial-scale=1">\
        <title>\(HTMLText.escape(title))</title>\
        <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>\
        </head><body><h1>\(HTMLText.escape(title))</h1><p>\(HTMLText.escape(message))</p></body></html>
        """
        return HTMLResponse.page(html, status: status)
    }
}
