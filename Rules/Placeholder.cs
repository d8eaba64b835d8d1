namespace Tracer; internal static class Placeholder_Rules { }
