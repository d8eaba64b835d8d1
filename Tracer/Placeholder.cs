namespace Tracer; internal static class Placeholder_Tracer { }
