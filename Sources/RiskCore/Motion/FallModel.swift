/// Gradient-boosted decision trees of depth 2 over the named ``FallFeatures``:
/// each tree asks at most two questions such as "did the trunk turn more than
/// 49°?" and "is it still now?", and adds a small vote; the sum of the votes
/// is the score, and a fall is a score above `threshold`.
///
/// Trained offline by `scripts/fall-model/train.py` on the features that
/// `canary-agent detect --features` extracts from SisFall (Sucerquia 2017,
/// Sensors 17:198); the script writes `FallModel+Shipped.swift`. Scoring is a
/// few hundred comparisons, once per impact candidate.
public struct FallModel: Codable, Sendable, Equatable {
    public var bias: Double
    public var threshold: Double
    /// Index in `nodes` (in units of nodes) of each tree's root.
    public var roots: [Int]
    /// Five numbers a node: feature index (−1 for a leaf), split value, left
    /// child, right child (absolute node indices; left when feature ≤ split),
    /// leaf value.
    public var nodes: [Double]

    public init(bias: Double, threshold: Double, roots: [Int], nodes: [Double]) {
        self.bias = bias
        self.threshold = threshold
        self.roots = roots
        self.nodes = nodes
    }

    public func score(_ f: FallFeatures) -> Double {
        let x = f.modelInputs
        var s = bias
        for root in roots {
            var n = root * 5
            while nodes[n] >= 0 {
                n = (x[Int(nodes[n])] <= nodes[n + 1] ? Int(nodes[n + 2]) : Int(nodes[n + 3])) * 5
            }
            s += nodes[n + 4]
        }
        return s
    }

    public func isFall(_ f: FallFeatures) -> Bool { score(f) > threshold }
}
