import Foundation
import Yams

/// One YAML mapping of a daemon's config file, read key by key with typed
/// accessors. Every accessor names the file, line and dotted key when a value
/// is wrong, and ``finish()`` refuses keys nobody asked for, so a misspelt
/// key is an error instead of a silently ignored setting.
public final class ConfigSection {
    public let file: String
    public let path: String
    private let pairs: [(key: String, value: Node)]
    private let mark: Int?
    private var read: Set<String> = []
    private var children: [ConfigSection] = []

    /// Parses a whole file. An empty file is an empty mapping (every default).
    public static func load(file: String) throws(ConfigError) -> ConfigSection {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigSection {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ConfigError(file: file, line: Self.line(of: e), key: "", message: "not valid YAML: \(e)")
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        guard let node else { return ConfigSection(file: file, path: "", node: Node([(Node, Node)]())) }
        guard node.mapping != nil else {
            throw ConfigError(file: file, line: node.mark.map { $0.line }, key: "", message: "must be a mapping of keys to values")
        }
        return ConfigSection(file: file, path: "", node: node)
    }

    private init(file: String, path: String, node: Node) {
        self.file = file
        self.path = path
        self.mark = node.mark.map { $0.line }
        self.pairs = (node.mapping ?? [:]).map { (key: $0.key.string ?? "\($0.key)", value: $0.value) }
    }

    private static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private func dotted(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func node(_ key: String) -> Node? {
        read.insert(key)
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if v.null != nil, v.tag.description.hasSuffix("null") { return nil }
        return v
    }

    /// An error about `key`, at the line of its value when the file has it, else of this section.
    public func error(_ key: String, _ message: String, at node: Node? = nil) -> ConfigError {
        let place = node ?? pairs.first { $0.key == key }?.value
        return ConfigError(file: file, line: place?.mark.map { $0.line } ?? mark, key: dotted(key), message: message)
    }

    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// A nested mapping; absent means an empty one (all defaults).
    public func section(_ key: String) throws(ConfigError) -> ConfigSection {
        let child: ConfigSection
        if let n = node(key) {
            guard n.mapping != nil else { throw error(key, "must be a mapping of keys to values", at: n) }
            child = ConfigSection(file: file, path: dotted(key), node: n)
        } else {
            child = ConfigSection(file: file, path: dotted(key), node: Node([(Node, Node)]()))
        }
        children.append(child)
        return child
    }

    /// A list of mappings (e.g. a site's workers).
    public func sections(_ key: String) throws(ConfigError) -> [ConfigSection] {
        guard let n = node(key) else { return [] }
        guard let items = n.sequence else { throw error(key, "must be a list", at: n) }
        var out: [ConfigSection] = []
        for (i, item) in items.enumerated() {
            guard item.mapping != nil else { throw error("\(key)[\(i)]", "must be a mapping of keys to values", at: item) }
            let child = ConfigSection(file: file, path: dotted("\(key)[\(i)]"), node: item)
            children.append(child)
            out.append(child)
        }
        return out
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let n = node(key) else { return nil }
        guard n.scalar != nil, let s = n.string, !s.isEmpty else { throw error(key, "must be a non-empty string", at: n) }
        return s
    }

    /// A list of non-empty strings; absent means an empty list.
    public func strings(_ key: String) throws(ConfigError) -> [String] {
        guard let n = node(key) else { return [] }
        guard let items = n.sequence else { throw error(key, "must be a list of strings", at: n) }
        var out: [String] = []
        for item in items {
            guard item.scalar != nil, let s = item.string, !s.isEmpty else { throw error(key, "must be a list of non-empty strings", at: item) }
            out.append(s)
        }
        return out
    }

    /// A list of numbers (`[100, 700]`); nil when absent.
    public func numbers(_ key: String) throws(ConfigError) -> [Double]? {
        guard let n = node(key) else { return nil }
        guard let items = n.sequence, let values = Self.numbers(items) else { throw error(key, "must be a list of numbers", at: n) }
        return values
    }

    /// A list of points, each a pair of numbers (`[[0, 0], [10, 0], [10, 8]]`); empty when absent.
    public func points(_ key: String) throws(ConfigError) -> [(x: Double, y: Double)] {
        guard let n = node(key) else { return [] }
        guard let items = n.sequence else { throw error(key, "must be a list of [x, y] points", at: n) }
        var out: [(x: Double, y: Double)] = []
        for item in items {
            guard let pair = item.sequence.flatMap(Self.numbers), pair.count == 2 else {
                throw error(key, "must be a list of [x, y] points, each two numbers", at: item)
            }
            out.append((pair[0], pair[1]))
        }
        return out
    }

    private static func numbers(_ items: Node.Sequence) -> [Double]? {
        var out: [Double] = []
        for item in items {
            guard let v = item.float, v.isFinite else { return nil }
            out.append(v)
        }
        return out
    }

    public func string(_ key: String, default d: String) throws(ConfigError) -> String {
        try string(key) ?? d
    }

    public func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key) else { throw error(key, "is required") }
        return s
    }

    /// The path of a file that holds a secret (a password, a private key, health
    /// records), refused when it cannot be read or when its group or others may
    /// access it, as sshd refuses such a private key: a secret every local
    /// account can read is no longer a secret.
    public func secretFile(_ key: String) throws(ConfigError) -> String? {
        guard let path = try string(key) else { return nil }
        try checkSecret(key, path: path)
        return path
    }

    /// The first line of the ``secretFile(_:)`` at `key` (a password file); nil without the key.
    public func secretLine(_ key: String) throws(ConfigError) -> String? {
        guard let file = try secretFile(key) else { return nil }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw error(key, "cannot read \(file)") }
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    }

    /// ``secretFile(_:)``'s check, for a path the caller resolved itself.
    public func checkSecret(_ key: String, path: String) throws(ConfigError) {
        var info = stat()
        guard stat(path, &info) == 0, FileManager.default.isReadableFile(atPath: path) else { throw error(key, "cannot read \(path)") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw error(
                key, "\(path) may be read or changed by group or others (mode \(String(mode, radix: 8))): chmod 600 it, owned by the daemon's user")
        }
    }

    public func int(_ key: String, default d: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let n = node(key) else { return d }
        guard let v = n.int, range.contains(v) else {
            throw error(key, "must be an integer in \(range.lowerBound)…\(range.upperBound) (found \(Self.shown(n)))", at: n)
        }
        return v
    }

    public func double(_ key: String, default d: Double, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let n = node(key) else { return d }
        guard let v = n.float, v.isFinite, range.contains(v) else {
            throw error(key, "must be a number in \(range.lowerBound)…\(range.upperBound) (found \(Self.shown(n)))", at: n)
        }
        return v
    }

    public func bool(_ key: String, default d: Bool) throws(ConfigError) -> Bool {
        guard let n = node(key) else { return d }
        guard let v = n.bool else { throw error(key, "must be true or false (found \(Self.shown(n)))", at: n) }
        return v
    }

    /// A duration as a number with a unit: `250ms`, `30s`, `5m`, `12h`, `7d`. Returns milliseconds.
    public func durationMs(_ key: String, default d: Int64, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
        guard let n = node(key) else { return d }
        guard let s = n.string, let v = Self.parse(s, units: ["ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]),
            range.contains(v)
        else {
            throw error(
                key, "must be a duration like 30s, 5m, 12h or 7d, between \(range.lowerBound) ms and \(range.upperBound) ms (found \(Self.shown(n)))",
                at: n)
        }
        return v
    }

    /// A size with a unit: `512KiB`, `64MiB`, `2GiB`, or plain bytes. Returns bytes.
    public func bytes(_ key: String, default d: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let n = node(key) else { return d }
        guard let s = n.string, let v = Self.parse(s, units: ["": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30]),
            v <= Int64(Int.max), range.contains(Int(v))
        else {
            throw error(
                key, "must be a size like 512MiB or 2GiB, between \(range.lowerBound) and \(range.upperBound) bytes (found \(Self.shown(n)))", at: n)
        }
        return Int(v)
    }

    /// Refuses keys that no accessor read, here and in every nested section read so far.
    public func finish() throws(ConfigError) {
        for (key, value) in pairs where !read.contains(key) {
            let known = read.sorted().joined(separator: ", ")
            throw error(key, "unknown key (known here: \(known))", at: value)
        }
        for child in children { try child.finish() }
    }

    private static func parse(_ s: String, units: [String: Int64]) -> Int64? {
        let trimmed = s.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        guard let number = Int64(digits), let factor = units[unit] else { return nil }
        let (v, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : v
    }

    private static func shown(_ n: Node) -> String { n.string.map { "\"\($0)\"" } ?? "a \(n.sequence != nil ? "list" : "mapping")" }
}
