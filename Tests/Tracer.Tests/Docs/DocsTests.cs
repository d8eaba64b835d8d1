using System.Text.RegularExpressions;

namespace Tracer.Tests.Docs;

/// <summary>
/// Every code block in docs/ marked <c>&lt;!-- snippet: name --&gt;</c> must equal the region
/// <c>// begin-snippet: name</c> ... <c>// end-snippet</c> of a test file, so the docs show code that compiles and runs.
/// </summary>
[TestClass]
public partial class DocsTests
{
    [GeneratedRegex(@"<!-- snippet: (?<name>[\w-]+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex DocBlock();

    [GeneratedRegex(@"// begin-snippet: (?<name>[\w-]+)\n(?<code>.*?)^\s*// end-snippet", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex SourceRegion();

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracer.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    private static string Dedent(string code)
    {
        var lines = code.Replace("\r\n", "\n").TrimEnd().Split('\n');
        int indent = int.MaxValue;
        foreach (var l in lines)
        {
            if (l.Trim().Length > 0) indent = Math.Min(indent, l.Length - l.TrimStart().Length);
        }
        return string.Join("\n", Array.ConvertAll(lines, l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    [TestMethod]
    public void EverySnippetInTheDocsIsTestedCode()
    {
        var regions = new Dictionary<string, string>();
        // Tested regions live in the tests and in the examples (whose tests run them in their fast modes).
        var sources = Directory.GetFiles(Path.Combine(Root(), "Tests"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(Root(), "Examples"), "*.cs", SearchOption.AllDirectories));
        foreach (var file in sources)
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            foreach (Match m in SourceRegion().Matches(File.ReadAllText(file).Replace("\r\n", "\n")))
                regions[m.Groups["name"].Value] = Dedent(m.Groups["code"].Value);
        }
        int checkedBlocks = 0;
        foreach (var page in Directory.GetFiles(Path.Combine(Root(), "docs"), "*.md").Append(Path.Combine(Root(), "README.md")))
        {
            foreach (Match m in DocBlock().Matches(File.ReadAllText(page).Replace("\r\n", "\n")))
            {
                string name = m.Groups["name"].Value;
                Assert.IsTrue(regions.TryGetValue(name, out var code), $"{Path.GetFileName(page)}: snippet '{name}' has no tested region");
                Assert.AreEqual(code, Dedent(m.Groups["code"].Value), $"{Path.GetFileName(page)}: snippet '{name}' differs from its tested code");
                checkedBlocks++;
            }
        }
        Assert.IsTrue(checkedBlocks >= 4, $"only {checkedBlocks} snippets found");
    }

    /// <summary>The learning path: docs/README.md lists every page, and each page links to the next one in that order.</summary>
    [TestMethod]
    public void EveryPageIsOnTheLearningPathAndLinksToTheNext()
    {
        string index = File.ReadAllText(Path.Combine(Root(), "docs", "README.md"));
        var linked = Regex.Matches(index, @"\]\((?<page>[\w-]+\.md)\)").Select(m => m.Groups["page"].Value).Distinct().ToList();
        foreach (var page in Directory.GetFiles(Path.Combine(Root(), "docs"), "*.md").Select(Path.GetFileName))
        {
            if (page == "README.md") continue;
            Assert.Contains(page!, linked, $"docs/README.md does not list {page}");
        }
        var order = linked.Where(p => File.ReadAllText(Path.Combine(Root(), "docs", p)).Contains("\nNext: [", StringComparison.Ordinal)).ToList();
        foreach (var page in order)
        {
            string text = File.ReadAllText(Path.Combine(Root(), "docs", page));
            var next = Regex.Match(text, @"\nNext: \[[^\]]*\]\((?<page>[\w-]+\.md)\)").Groups["page"].Value;
            Assert.IsTrue(File.Exists(Path.Combine(Root(), "docs", next)), $"{page}: its Next link points at a missing page {next}");
        }
        Assert.IsGreaterThanOrEqualTo(10, order.Count, "most pages link to the next one");
    }
}
