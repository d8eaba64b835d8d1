using Tracer.Nn;

namespace Tracer;

/// <summary>
/// A PRNG key in a tree is one tensor leaf, its two words as i32[2]: a jitted function that takes a key is traced
/// once for all keys (JAX's keys are arrays too), and inside the trace the key is symbolic. A key gets no
/// gradient: it is integer data, so it belongs in a data argument, not in the differentiated one.
/// </summary>
internal sealed class KeyAdapter : TreeAdapter<PRNGKey>
{
    public override void Flatten(PRNGKey value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        var data = value.Data;
        leaves.Add(data);
        sig?.WriteTensor(data);
    }

    public override PRNGKey Rebuild(PRNGKey template, IReadOnlyList<Tensor> leaves, ref int pos) => PRNGKey.FromData(leaves[pos++]);

    public override string Describe(PRNGKey value, int depth) => value.IsTraced ? "key<traced>" : "key";

    public override void Paths(PRNGKey value, string prefix, List<string> paths) => paths.Add(prefix);
}
