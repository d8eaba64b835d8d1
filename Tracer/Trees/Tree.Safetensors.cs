namespace Tracer;

public static partial class Tree
{
    /// <summary>
    /// Writes every tensor leaf of <paramref name="tree"/> to <paramref name="path"/> in the safetensors format
    /// (readable by Hugging Face's <c>safetensors</c>, PyTorch and JAX tooling), each named by its path from
    /// <see cref="Paths{T}"/>, e.g. <c>Layers.0.W</c>. Static leaves (numbers, strings) are not stored: they come
    /// from the template given to <see cref="Load{T}"/>. The file is written next to its destination and moved into
    /// place at the end, so a failed save never leaves a half-written file behind.
    /// </summary>
    /// <param name="tree">The parameter tree to save; its tensors must be concrete (not being traced).</param>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="metadata">Optional strings stored in the header's <c>__metadata__</c> object.</param>
    public static void Save<T>(T tree, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var leaves = Leaves(tree);
        var names = Paths(tree);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < leaves.Length; i++)
        {
            if (leaves[i].IsSymbolic)
                throw new InvalidOperationException($"Tree.Save: leaf '{names[i]}' is a traced tensor; save concrete values, outside of Jit functions");
            if (!seen.Add(names[i]))
                throw new ArgumentException($"Tree.Save: two leaves of {typeof(T).Name} have the path '{names[i]}' (a dictionary key with a dot?); give them distinct names");
            if (names[i] == "__metadata__")
                throw new ArgumentException("Tree.Save: a leaf's path is '__metadata__', which the safetensors format reserves; rename it");
        }

        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var header = SafetensorsFormat.Header(names, leaves, metadata);
                Span<byte> length = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                file.Write(header);
                foreach (var leaf in leaves) SafetensorsFormat.WriteData(file, leaf);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Reads a safetensors file into a tree of <paramref name="template"/>'s structure: each tensor leaf is replaced
    /// by the file's tensor of the same path (see <see cref="Paths{T}"/>), which must have the template leaf's shape
    /// and dtype; static leaves are copied from the template. The file must name exactly the template's leaves.
    /// Every check runs before a tree is built, so a bad file raises an error and returns nothing half-loaded.
    /// </summary>
    /// <param name="template">A tree of the wanted structure, e.g. a freshly initialised model; its values are not used.</param>
    /// <param name="path">A file written by <see cref="Save{T}"/> or by any safetensors writer.</param>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or it does not match the template.</exception>
    public static T Load<T>(T template, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var expected = Leaves(template);
        var names = Paths(template);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var (entries, dataStart) = SafetensorsFormat.ReadHeader(file, path);

        var byName = new Dictionary<string, SafetensorsEntry>(entries.Length, StringComparer.Ordinal);
        foreach (var e in entries) byName[e.Name] = e;
        CheckNames(names, byName, path, typeof(T).Name);

        var order = new SafetensorsEntry[expected.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            var e = byName[names[i]];
            if (e.DType != expected[i].DType || e.Shape != expected[i].Shape)
            {
                throw new InvalidDataException(
                    $"Tree.Load: '{path}' holds '{names[i]}' as {e.DType.ShortName()}{e.Shape} but the template's leaf is " +
                    $"{expected[i].DType.ShortName()}{expected[i].Shape}; load into a template of the saved model's shape");
            }
            order[i] = e;
        }

        var leaves = new Tensor[expected.Length];
        for (int i = 0; i < leaves.Length; i++)
        {
            var t = SafetensorsFormat.ReadTensor(file, dataStart, order[i], path);
            leaves[i] = expected[i].Device == t.Device ? t : t.To(expected[i].Device);
        }
        return Unflatten(template, leaves);
    }

    /// <summary>The file must hold exactly the template's paths; the error lists what is missing and what is extra.</summary>
    private static void CheckNames(string[] names, Dictionary<string, SafetensorsEntry> byName, string path, string typeName)
    {
        var missing = new List<string>();
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var n in names)
        {
            if (!byName.ContainsKey(n)) missing.Add(n);
        }
        var extra = new List<string>();
        foreach (var n in byName.Keys)
        {
            if (!wanted.Contains(n)) extra.Add(n);
        }
        if (missing.Count == 0 && extra.Count == 0) return;
        extra.Sort(StringComparer.Ordinal);
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing {Listed(missing)}");
        if (extra.Count > 0) parts.Add($"not in the template {Listed(extra)}");
        throw new InvalidDataException(
            $"Tree.Load: '{path}' does not match the tensors of {typeName}: {string.Join("; ", parts)}. " +
            "Load with a template of the same structure as the saved tree (Tree.Paths(template) lists its names).");
    }

    private static string Listed(List<string> names) =>
        names.Count <= 10
            ? "'" + string.Join("', '", names) + "'"
            : "'" + string.Join("', '", names.GetRange(0, 10)) + $"' and {names.Count - 10} more";
}
