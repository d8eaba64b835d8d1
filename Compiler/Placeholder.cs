namespace Tracer; internal static class Placeholder_Compiler { }
