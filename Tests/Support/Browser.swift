import Foundation
import LocalServices

/// A real browser for the dashboard's tests: Debian's headless Chromium,
/// driven with the Chrome DevTools Protocol over `--remote-debugging-pipe`
/// (commands in on its descriptor 3, answers out on 4, each a JSON message
/// ended by a NUL byte). The test reads what the page shows by evaluating
/// JavaScript in it. Killed when dropped.
public final class Browser: @unchecked Sendable {
    public static let executable = "/usr/bin/chromium-headless-shell"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    private let pid: pid_t
    private let commands: Int32, answers: Int32
    private let profile: URL
    private var buffer = Data()
    private var nextID = 0
    private var session = ""

    /// Opens `url` in a new browser whose user prefers `languages` (its `Accept-Language`
    /// and `navigator.languages`).
    public init(_ url: String, languages: String = "en-US,en") throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("canary-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw SpawnError(message: "pipe: \(errno)") }
        // Every end above 9 and closed on exec: the browser keeps only the two put on its 3 and 4,
        // and putting one there cannot overwrite the other.
        func high(_ fd: Int32) -> Int32 {
            defer { close(fd) }
            return fcntl(fd, F_DUPFD_CLOEXEC, 10)
        }
        let browserReads = high(toBrowser[0]), browserWrites = high(fromBrowser[1])
        commands = high(toBrowser[1])
        answers = high(fromBrowser[0])
        let log = open(profile.appendingPathComponent("browser.log").path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        defer {
            close(log)
            close(browserReads)
            close(browserWrites)
        }
        // As root Chromium needs --no-sandbox; autoplay without a click so that the page's tones are real.
        pid = try spawn(
            [
                Self.executable, "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=\(profile.path)", "--autoplay-policy=no-user-gesture-required", "--accept-lang=\(languages)",
                "--lang=\(languages.prefix { $0 != "," })", "about:blank",
            ],
            stdout: log, stderr: log, passing: [(3, browserReads), (4, browserWrites)])
        let target = try call("Target.createTarget", ["url": url])["targetId"] as? String ?? ""
        session = try call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commands)
        close(answers)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Shows the page as a screen `width` × `height` CSS pixels shows it (a phone's is touch and mobile).
    public func resize(width: Int, height: Int, mobile: Bool) throws {
        _ = try call(
            "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile], inPage: true)
        _ = try call("Emulation.setTouchEmulationEnabled", ["enabled": mobile], inPage: true)
    }

    /// A PNG of what the page shows now, written to `file`.
    public func screenshot(to file: URL) throws {
        let data = try call("Page.captureScreenshot", ["format": "png"], inPage: true)["data"] as? String ?? ""
        guard let png = Data(base64Encoded: data) else { throw SpawnError(message: "the browser sent no screenshot") }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }

    /// The value of a JavaScript expression in the page (JSON-like: strings, numbers, arrays, objects).
    public func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], inPage: true)
        if let thrown = result["exceptionDetails"] { throw SpawnError(message: "\(expression): \(thrown)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `expression` is true in the page; false if `seconds` pass first
    /// (a guard against a hang: the test goes on the moment it holds). An
    /// expression that throws (the page is still loading) is not true yet.
    public func until(_ expression: String, within seconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if (try? evaluate(expression)) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private func call(_ method: String, _ parameters: [String: Any], inPage: Bool = false) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": parameters]
        if inPage { message["sessionId"] = session }
        let bytes = try JSONSerialization.data(withJSONObject: message) + [0]
        let written = bytes.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SpawnError(message: "\(method): the browser is gone") }
        while true {
            let answer = try read(within: 30)
            guard answer["id"] as? Int == nextID else { continue }  // events, which these tests do not follow
            if let error = answer["error"] { throw SpawnError(message: "\(method): \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    /// The browser's next message.
    private func read(within seconds: Double) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = buffer[..<end]
                buffer.removeSubrange(...end)
                return try JSONSerialization.jsonObject(with: message) as? [String: Any] ?? [:]
            }
            var ready = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(seconds * 1000)) == 1 else { throw SpawnError(message: "the browser did not answer") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = Foundation.read(answers, &chunk, chunk.count)
            guard n > 0 else { throw SpawnError(message: "the browser closed its pipe") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}
