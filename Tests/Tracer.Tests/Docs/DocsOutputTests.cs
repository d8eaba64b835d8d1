using System.Reflection;
using System.Text.RegularExpressions;

namespace Tracer.Tests.Docs;

/// <summary>
/// What the docs say a snippet prints is what it prints. Each snippet's test method is run with the console
/// captured; then every <c>// prints TEXT</c> comment in the snippet must match one printed line, in order (exactly,
/// or as a prefix when TEXT ends with <c>...</c>), and an output block right after a snippet in a page
/// (<c>&lt;!-- output: name --&gt;</c> followed by a <c>text</c> block) must equal the whole output.
/// </summary>
[TestClass]
[DoNotParallelize]
public partial class DocsOutputTests
{
    [GeneratedRegex(@"// begin-snippet: (?<name>[\w-]+)\n(?<code>.*?)^\s*// end-snippet", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex SourceRegion();

    [GeneratedRegex(@"//\s*prints (?<text>.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex PrintsComment();

    [GeneratedRegex(@"<!-- output: (?<name>[\w-]+) -->\s*```text\n(?<text>.*?)```", RegexOptions.Singleline)]
    private static partial Regex OutputBlock();

    [GeneratedRegex(@"^namespace (?<ns>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"\bclass (?<name>\w+)")]
    private static partial Regex ClassName();

    [GeneratedRegex(@"public (?:async )?void (?<name>\w+)\(\)")]
    private static partial Regex TestMethodName();

    private sealed record Snippet(string Name, string Code, string File, MethodInfo Method);

    private static List<Snippet> Snippets()
    {
        var result = new List<Snippet>();
        var assembly = typeof(DocsOutputTests).Assembly;
        foreach (var file in Directory.GetFiles(Path.Combine(DocsPaths.Root(), "Tests", "Tracer.Tests"), "*.cs", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file).Replace("\r\n", "\n");
            foreach (Match m in SourceRegion().Matches(text))
            {
                string before = text[..m.Index];
                var method = TestMethodName().Matches(before).LastOrDefault();
                var cls = ClassName().Matches(before).LastOrDefault();
                var ns = Namespace().Match(text);
                if (method is null || cls is null || !ns.Success) continue;   // a snippet outside a test method (a type)
                var type = assembly.GetType($"{ns.Groups["ns"].Value}.{cls.Groups["name"].Value}");
                var info = type?.GetMethod(method.Groups["name"].Value);
                if (info is null || info.GetCustomAttribute<TestMethodAttribute>() is null) continue;
                result.Add(new Snippet(m.Groups["name"].Value, m.Groups["code"].Value, file, info));
            }
        }
        return result;
    }

    private static string Run(MethodInfo method)
    {
        var saved = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            object? instance = method.IsStatic ? null : Activator.CreateInstance(method.DeclaringType!);
            method.Invoke(instance, null);
        }
        catch (TargetInvocationException e)
        {
            throw new AssertFailedException($"{method.DeclaringType!.Name}.{method.Name} failed: {e.InnerException?.Message}", e.InnerException ?? e);
        }
        finally
        {
            Console.SetOut(saved);
        }
        return captured.ToString().Replace("\r\n", "\n");
    }

    [TestMethod]
    public void EveryPrintedOutputInTheDocsIsWhatTheSnippetPrints()
    {
        var pages = new List<string>(Directory.GetFiles(Path.Combine(DocsPaths.Root(), "docs"), "*.md")) { Path.Combine(DocsPaths.Root(), "README.md") };
        var blocks = new Dictionary<string, string>();
        foreach (var page in pages)
        {
            foreach (Match m in OutputBlock().Matches(File.ReadAllText(page).Replace("\r\n", "\n")))
                blocks[m.Groups["name"].Value] = m.Groups["text"].Value;
        }
        int checkedLines = 0, checkedBlocks = 0;
        var outputs = new Dictionary<MethodInfo, string>();
        foreach (var s in Snippets())
        {
            var claims = PrintsComment().Matches(s.Code).Select(m => m.Groups["text"].Value).ToList();
            bool hasBlock = blocks.TryGetValue(s.Name, out var block);
            if (claims.Count == 0 && !hasBlock) continue;
            if (!outputs.TryGetValue(s.Method, out var output)) outputs[s.Method] = output = Run(s.Method);
            var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
            int next = 0;
            foreach (var claim in claims)
            {
                int found = -1;
                for (int i = next; i < lines.Count && found < 0; i++)
                {
                    if (Matches(claim, lines[i])) found = i;
                }
                Assert.IsGreaterThanOrEqualTo(0, found,
                    $"snippet '{s.Name}' ({Path.GetFileName(s.File)}) says it prints \"{claim}\", but it printed:\n{output}");
                next = found + 1;
                checkedLines++;
            }
            if (hasBlock)
            {
                Assert.AreEqual(Normalise(block!), Normalise(output), $"output block '{s.Name}' differs from what the snippet prints");
                checkedBlocks++;
            }
        }
        Assert.IsGreaterThanOrEqualTo(8, checkedLines + checkedBlocks, $"only {checkedLines} printed lines and {checkedBlocks} blocks checked");
    }

    /// <summary>Every output block in a page belongs to a snippet of the same name.</summary>
    [TestMethod]
    public void EveryOutputBlockHasItsSnippet()
    {
        var names = Snippets().Select(s => s.Name).ToHashSet();
        foreach (var page in Directory.GetFiles(Path.Combine(DocsPaths.Root(), "docs"), "*.md"))
        {
            foreach (Match m in OutputBlock().Matches(File.ReadAllText(page).Replace("\r\n", "\n")))
                Assert.Contains(m.Groups["name"].Value, names, $"{Path.GetFileName(page)}: output block '{m.Groups["name"].Value}' has no snippet in a test method");
        }
    }

    private static bool Matches(string claim, string line) =>
        claim.EndsWith("...", StringComparison.Ordinal) ? line.StartsWith(claim[..^3].TrimEnd(), StringComparison.Ordinal) : line == claim;

    private static string Normalise(string s) => string.Join("\n", s.Replace("\r\n", "\n").TrimEnd().Split('\n').Select(l => l.TrimEnd()));
}

internal static class DocsPaths
{
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracer.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }
}
