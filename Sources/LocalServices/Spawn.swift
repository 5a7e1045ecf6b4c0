import Foundation

/// posix_spawn with a clean signal mask (the test runner's threads may block
/// signals; a child must not inherit that, or SIGTERM never lands), and the
/// child's stdout and stderr on the given descriptors (and any other of its
/// descriptors as `passing` says). posix_spawn and waitpid rather than
/// Foundation's Process, whose waitUntilExit can hang when called from a
/// test's cooperative thread.
public func spawn(
    _ argv: [String], stdin: Int32? = nil, stdout: Int32, stderr: Int32, closing: [Int32] = [],
    environment: [String: String] = [:], passing: [(child: Int32, parent: Int32)] = []
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) }
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    for fd in passing { posix_spawn_file_actions_adddup2(&actions, fd.parent, fd.child) }
    for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t(), defaults = sigset_t()
    sigemptyset(&noSignals)
    sigemptyset(&defaults)
    for s in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
    var cenv = env.map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    var child: pid_t = 0
    let rc = posix_spawn(&child, argv[0], &actions, &attributes, &cargs, &cenv)
    guard rc == 0 else { throw SpawnError(message: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
    return child
}

public struct SpawnError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a command to its end (stdout and stderr to /dev/null) and returns its exit code.
public func runToEnd(_ argv: [String]) throws -> Int32 {
    let null = open("/dev/null", O_WRONLY)
    defer { close(null) }
    let pid = try spawn(argv, stdout: null, stderr: null)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status >> 8) & 0xff
}

/// Runs a command to its end with `input` on stdin; returns its exit code,
/// stdout and stderr (through files, so a large output cannot block it).
public func run(_ argv: [String], input: String) throws -> (status: Int32, output: String, errors: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = ["in", "out", "err"].map { directory.appendingPathComponent($0).path }
    try input.write(toFile: paths[0], atomically: false, encoding: .utf8)
    let stdin = open(paths[0], O_RDONLY)
    let stdout = open(paths[1], O_WRONLY | O_CREAT, 0o644)
    let stderr = open(paths[2], O_WRONLY | O_CREAT, 0o644)
    defer { for fd in [stdin, stdout, stderr] { close(fd) } }
    let pid = try spawn(argv, stdin: stdin, stdout: stdout, stderr: stderr)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (
        (status >> 8) & 0xff, try String(contentsOfFile: paths[1], encoding: .utf8),
        try String(contentsOfFile: paths[2], encoding: .utf8)
    )
}
