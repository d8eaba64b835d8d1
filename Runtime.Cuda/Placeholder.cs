namespace Tracer; internal static class Placeholder_Runtime_Cuda { }
