import Foundation

/// A logistic regression over ``FallFeatures``: score = bias + Σ wᵢ·xᵢ, a fall
/// when the score exceeds `threshold`.
///
/// Trained offline by `scripts/fall-model/train.py` on the features
/// `canary-agent detect --features` extracts from SisFall
/// (Sucerquia 2017, Sensors 17:198); the script prints this struct.
public struct FallModel: Codable, Sendable, Equatable {
    public var weights: [Double]
    public var bias: Double
    public var threshold: Double

    public init(weights: [Double], bias: Double, threshold: Double) {
        precondition(weights.count == FallFeatures.names.count, "one weight per feature")
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
    }

    public func score(_ f: FallFeatures) -> Double {
        var s = bias
        for (w, x) in zip(weights, f.modelInputs) { s += w * x }
        return s
    }

    public func isFall(_ f: FallFeatures) -> Bool { score(f) > threshold }
}
