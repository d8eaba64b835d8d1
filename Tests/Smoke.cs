namespace Tracer.Tests; [Microsoft.VisualStudio.TestTools.UnitTesting.TestClass] public class Smoke { [Microsoft.VisualStudio.TestTools.UnitTesting.TestMethod] public void Ok() { } }
