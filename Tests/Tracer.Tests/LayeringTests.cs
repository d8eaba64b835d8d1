using System.Xml.Linq;

namespace Tracer.Tests;

/// <summary>Project references go one way (DESIGN.md): IR at the bottom, ILGPU and FEC each in one project.</summary>
[TestClass]
public class LayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Compiler"] = [],
        ["Rules"] = ["Compiler"],
        ["Runtime.Cpu"] = ["Compiler"],
        ["Runtime.Cuda"] = ["Compiler", "Runtime.Cpu"],   // shares the scalar emitter and host linalg kernels
        ["Tracer"] = ["Compiler", "Rules", "Runtime.Cpu"],
        ["Distributed"] = ["Tracer"],
    };

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracer.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static XDocument Project(string name) => XDocument.Load(Path.Combine(Root(), name, name + ".csproj"));

    [TestMethod]
    public void ProjectReferencesGoOneWay()
    {
        foreach (var (project, allowed) in Allowed)
        {
            foreach (var reference in Project(project).Descendants("ProjectReference"))
            {
                string target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                CollectionAssert.Contains(allowed, target, $"{project} must not reference {target}");
            }
        }
    }

    [TestMethod]
    public void NativeCodegenPackagesStayInTheirRuntime()
    {
        foreach (var project in Allowed.Keys)
        {
            foreach (var package in Project(project).Descendants("PackageReference"))
            {
                string id = package.Attribute("Include")!.Value;
                if (id.StartsWith("ILGPU", StringComparison.Ordinal)) Assert.AreEqual("Runtime.Cuda", project, "ILGPU only in Runtime.Cuda");
                if (id == "FastExpressionCompiler") Assert.AreEqual("Runtime.Cpu", project, "FEC only in Runtime.Cpu");
                // ONNX Runtime checks exported models in tests; the packages users install must not pull it in.
                Assert.IsFalse(id.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal), $"{project} must not reference {id}");
            }
        }
    }
}
