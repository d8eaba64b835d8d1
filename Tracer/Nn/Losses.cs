using static Tracer.Ops;

namespace Tracer.Nn;

/// <summary>Loss functions; each returns the mean over the batch as a one-element tensor (what <c>Jit.Grad</c> needs).</summary>
public static class Losses
{
    /// <summary><c>mean((prediction - target)^2)</c>.</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target) => Mean(Square(prediction - target));

    /// <summary>
    /// Cross-entropy from unnormalised logits <c>[batch, classes]</c> and int32 class labels <c>[batch]</c>:
    /// <c>mean(logsumexp(z) - z[label])</c>, computed through <see cref="Ops.LogSoftmax"/> so large logits do not overflow.
    /// Labels must be int32: float labels are an error rather than a silent switch to soft targets, which are
    /// <see cref="SoftCrossEntropy"/>'s job.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int32)
        {
            throw new ArgumentException(
                $"Losses.CrossEntropy: labels must be int32 class indices, got {labels.Type} (logits {logits.Type}); for " +
                "probability targets (soft labels, label smoothing) use Losses.SoftCrossEntropy(logits, targets), or cast " +
                "class indices with Cast(labels, DType.Int32)");
        }
        Float("CrossEntropy", logits);
        bool match = logits.Shape.Rank == labels.Shape.Rank + 1;
        for (int i = 0; match && i < labels.Shape.Rank; i++) match = labels.Shape[i] == logits.Shape[i];
        if (!match)
            throw new ArgumentException($"Losses.CrossEntropy: labels {labels.Shape} must be the logits' shape {logits.Shape} without its last axis (the classes)");
        var onehot = OneHot(labels, logits.Shape[logits.Shape.Rank - 1], logits.DType);
        return -Mean(Sum(onehot * LogSoftmax(logits, -1), -1));
    }

    /// <summary>
    /// Cross-entropy against target probabilities of the logits' shape (soft labels, label smoothing):
    /// <c>mean(-sum(targets * log_softmax(logits), classes))</c>.
    /// </summary>
    public static Tensor SoftCrossEntropy(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        Float("SoftCrossEntropy", logits);
        if (!targets.DType.IsFloat() || targets.Shape != logits.Shape)
        {
            throw new ArgumentException(
                $"Losses.SoftCrossEntropy: targets must be float probabilities of the logits' shape {logits.Shape}, got " +
                $"{targets.Type} (logits {logits.Type}); for int32 class labels use Losses.CrossEntropy(logits, labels)");
        }
        return -Mean(Sum(targets * LogSoftmax(logits, -1), -1));
    }

    private static void Float(string loss, Tensor logits)
    {
        if (!logits.DType.IsFloat() || logits.Shape.Rank == 0)
            throw new ArgumentException($"Losses.{loss}: logits must be a float tensor [batch..., classes], got {logits.Type}");
    }

    /// <summary>
    /// Binary cross-entropy from logits <c>z</c> and targets <c>y</c> in [0, 1]:
    /// <c>mean(max(z, 0) - z y + log(1 + exp(-|z|)))</c>, which equals <c>-y log sigmoid(z) - (1-y) log(1 - sigmoid(z))</c>
    /// and never overflows.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets) =>
        Mean(Maximum(logits, 0.0) - logits * targets + Log1p(Exp(-Abs(logits))));

    /// <summary>Huber loss: <c>0.5 d^2</c> where <c>|d| &lt;= delta</c>, else <c>delta (|d| - 0.5 delta)</c>; the mean.</summary>
    public static Tensor Huber(Tensor prediction, Tensor target, double delta = 1.0)
    {
        if (delta <= 0) throw new ArgumentOutOfRangeException(nameof(delta), "Huber: delta must be positive");
        var d = prediction - target;
        var a = Abs(d);
        return Mean(Where(LessEqual(a, delta), 0.5 * Square(d), delta * (a - 0.5 * delta)));
    }

    /// <summary>One-hot encoding of int32 labels: shape of labels ++ [classes].</summary>
    public static Tensor OneHot(Tensor labels, int classes, DType dtype = DType.Float32)
    {
        var range = new int[classes];
        for (int i = 0; i < classes; i++) range[i] = i;
        return Cast(Equal(ExpandDims(labels, labels.Shape.Rank), Tensor.FromArray(range, classes)), dtype);
    }
}
